"""Pattern scores, bands and the yin-yang summary, to the number."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake import scoring
from tests.intake.helpers import questionnaire, valid_answers


@pytest.mark.parametrize(("answers", "expected"), [
    ([1, 1, 1, 1, 1], 0.0),            # all "never"
    ([5, 5, 5, 5], 100.0),             # all "always"
    ([3, 3, 3, 3, 3], 50.0),           # all "sometimes"
    ([2, 3, 4], 50.0),                 # (9 - 3) / 12
    ([2, 2, 3, 1, 1], 20.0),           # (9 - 5) / 20
    ([3, 2, 3], 41.7),                 # (8 - 3) / 12 = 41.666...
    ([4, 4, 3, 3, 2, 4], 58.3),        # (20 - 6) / 24 = 58.333...
    ([2, 3, 2, 3], 37.5),              # (10 - 4) / 16
    ([2, 2, 2, 2, 3], 30.0),           # (11 - 5) / 20: exactly the tendency threshold
    ([1, 2], 12.5),
])
def test_it_scores_a_pattern(answers, expected):
    assert scoring.pattern_score(answers) == expected


@pytest.mark.parametrize("answers", [[], [0, 3], [6], [3, 3, 9]])
def test_it_rejects_answers_outside_the_scale(answers):
    with pytest.raises(ValueError):
        scoring.pattern_score(answers)


@pytest.mark.parametrize(("score", "band"), [
    (100, "present"), (40.0, "present"), (39.9, "tendency"), (30.0, "tendency"),
    (29.9, "not_indicated"), (0, "not_indicated"),
])
def test_it_bands_scores_with_the_default_thresholds(score, band):
    assert scoring.band(score) == band


def test_thresholds_are_settings(settings):
    settings.INTAKE_PATTERN_PRESENT = 60
    settings.INTAKE_PATTERN_TENDENCY = 50
    assert scoring.band(55) == "tendency"
    assert scoring.band(45) == "not_indicated"
    assert scoring.band(60) == "present"


@given(st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=40))
def test_scores_always_stay_between_0_and_100(answers):
    score = scoring.pattern_score(answers)
    assert 0 <= score <= 100


@given(st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=20), st.data())
def test_answering_more_often_never_lowers_a_score(answers, data):
    index = data.draw(st.integers(min_value=0, max_value=len(answers) - 1))
    raised = list(answers)
    raised[index] += 1
    assert scoring.pattern_score(raised) >= scoring.pattern_score(answers)


def test_it_scores_every_pattern_of_a_questionnaire(db):
    q = questionnaire()
    answers = valid_answers(q, signals={
        "heat": [4, 4, 3, 3, 2, 4], "lung_qi": 1, "yin_deficiency": [2, 3, 2, 3], "yang_deficiency": 5,
        "spleen_damp": [2, 2, 3, 1, 2, 2], "phlegm": [3, 2, 3, 2, 3], "damp_heat": [2, 2, 2, 2, 2, 3],
        "blood_dryness": 4, "liver_qi": [5, 4, 4, 3, 4], "blood_stasis": [1, 2, 1, 2, 1]})
    assert scoring.score_patterns(q, answers) == {
        "lung_qi": 0.0, "heat": 58.3, "yin_deficiency": 37.5, "yang_deficiency": 100.0,
        "spleen_damp": 25.0,    # (12 - 6) / 24
        "phlegm": 40.0,         # (13 - 5) / 20
        "damp_heat": 29.2,      # (13 - 6) / 24 = 29.166...
        "blood_dryness": 75.0,  # (24 - 6) / 24
        "liver_qi": 75.0,       # (20 - 5) / 20
        "blood_stasis": 10.0,   # (7 - 5) / 20
    }


def test_a_pattern_with_a_missing_answer_is_not_scored(db):
    q = questionnaire()
    answers = valid_answers(q)
    del answers["ht_hot"]
    assert "heat" not in scoring.score_patterns(q, answers)
    assert "lung_qi" in scoring.score_patterns(q, answers)


def test_results_show_the_answers_that_drove_each_pattern_strongest_first(db):
    q = questionnaire()
    answers = valid_answers(q, signals={"heat": [4, 5, 1, 3, 2, 4]})
    heat = next(r for r in scoring.pattern_results(q, answers) if r.key == "heat")
    assert heat.score == 54.2 and heat.band == "present"  # (19 - 6) / 24 and heat.band_label == "Present"
    assert heat.drivers == [
        ("My face looks flushed or red", "Always"),
        ("I feel hot when others are comfortable", "Often"),
        ("I get red, sore or inflamed spots", "Often"),
    ]
    assert len(heat.items) == 6


def test_results_are_sorted_highest_score_first(db):
    q = questionnaire()
    results = scoring.pattern_results(q, valid_answers(q, signals={"spleen_damp": 5, "lung_qi": 1}))
    assert results[0].key == "spleen_damp"
    assert results[-1].key == "lung_qi"
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)


@pytest.mark.parametrize(("yin", "yang", "key"), [
    (20.0, 25.0, "balanced"),          # both under the tendency threshold
    (62.5, 20.0, "yin_deficient"),
    (25.0, 45.0, "yang_deficient"),
    (45.0, 50.0, "both_deficient"),    # within 10 points of each other
    (30.0, 30.0, "both_deficient"),    # both exactly at the tendency threshold
    # A side below the tendency band is never called deficient, however close the other side is.
    (30.0, 21.0, "yin_deficient"),
    (21.0, 30.0, "yang_deficient"),
    (35.0, 28.0, "yin_deficient"),
    (29.9, 30.0, "yang_deficient"),
])
def test_the_yin_yang_summary_names_the_weaker_side(yin, yang, key):
    summary = scoring.yin_yang({"yin_deficiency": yin, "yang_deficiency": yang})
    assert summary.key == key
    assert (summary.yin_score, summary.yang_score) == (yin, yang)


def test_no_yin_yang_summary_without_both_scores():
    assert scoring.yin_yang({"yin_deficiency": 50.0}) is None
