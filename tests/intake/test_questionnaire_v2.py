"""Questionnaire version 2: the skin patterns a TCM practitioner separates, a cycle and hormones section asked
only of the clients it applies to, the precautions version 1 missed, waits longer than a year; version 1
submissions keep their own questions and patterns."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from intake import definitions, scoring, selectors, services
from intake.definitions import QUESTIONNAIRE, QUESTIONNAIRE_V1, checksum
from intake.models import FlagLevel, IntakeFlag, IntakeSettings, IntakeSubmission
from intake.questionnaire import Questionnaire
from intake.screening import screen
from tests.factories import AppointmentFactory
from tests.intake.helpers import (
    fill_draft,
    in_care_of,
    post_data,
    questionnaire,
    step_of,
    submit_intake,
    valid_answers,
)

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 3, 10)  # a Tuesday
MEDICAL, PROCEDURES, CYCLE, MEDICATIONS = (step_of(k) for k in ("medical", "procedures", "cycle", "medications"))
CYCLE_ANSWERS = {"cycle_regularity": "regular", "cycle_breakouts": "most", "pms": ["mood"], "period_pain": "little",
                 "flow": "average", "hot_flushes": "no", "hormones": [], "unchecked_bleeding": "no"}


def _flags(**answers) -> dict:
    q = questionnaire()
    return {f.code: f for f in screen(q, valid_answers(q, **answers), waits=IntakeSettings.load(), today=TODAY)}


def _post_step(c, step: int, answers: dict, **extra):
    return c.post(reverse("intake:step", args=[step]),
                  {**post_data(questionnaire().section(step), answers), **extra})


def _set_waits(**days) -> None:
    IntakeSettings.objects.filter(pk=IntakeSettings.load().pk).update(**days)


# -- the new patterns, scored as (raw - n) / 4n x 100 ---------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "answers", "expected"), [
    ("damp_heat", [5, 4, 3, 2, 4, 5], 70.8),      # (23 - 6) / 24 = 70.83...
    ("blood_dryness", [4, 5, 4, 2, 3, 1], 54.2),  # (19 - 6) / 24 = 54.16...
    ("spleen_damp", [2, 3, 4, 2, 3, 2], 41.7),    # (16 - 6) / 24 = 41.66...
    ("phlegm", [4, 4, 3, 2, 1], 45.0),            # (14 - 5) / 20
    ("liver_qi", [5, 5, 4, 4, 3], 80.0),          # (21 - 5) / 20
    ("blood_stasis", [1, 2, 1, 1, 2], 10.0),      # (7 - 5) / 20
])
def test_each_new_pattern_scores_with_the_ccmq_formula(db, client_user, pattern, answers, expected):
    submission = submit_intake(client_user, valid_answers(signals={pattern: answers}))
    assert submission.scores[pattern] == expected
    result = next(r for r in scoring.pattern_results(questionnaire(), submission.answers) if r.key == pattern)
    assert result.score == expected and [value for _text, value, _label in result.items] == answers


def test_liver_qi_stagnation_and_blood_stasis_are_scored_apart(db, client_user):
    # Version 1 mixed stress and dark circles into one "stagnation" score; a stressed client with clear skin
    # tone now reads as liver qi stagnation only.
    submission = submit_intake(client_user, valid_answers(signals={"liver_qi": 5, "blood_stasis": 1}))
    assert (submission.scores["liver_qi"], submission.scores["blood_stasis"]) == (100.0, 0.0)
    assert "stagnation" not in submission.scores


# -- the cycle and hormones section -----------------------------------------------------------------------------

def test_a_client_without_periods_skips_the_cycle_questions(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=MEDICAL - 1)
    assert "Step 1 of 12" in c.get(reverse("intake:step", args=[1])).content.decode()  # not decided yet

    response = _post_step(c, MEDICAL, valid_answers(has_cycle="no"))
    assert response["Location"] == reverse("intake:step", args=[PROCEDURES])
    html = c.get(reverse("intake:step", args=[PROCEDURES])).content.decode()
    assert "Step 8 of 11" in html and "Your cycle and hormones" not in html  # not even in the step list
    response = _post_step(c, PROCEDURES, valid_answers())
    assert response["Location"] == reverse("intake:step", args=[MEDICATIONS])
    html = c.get(reverse("intake:step", args=[MEDICATIONS])).content.decode()
    assert "Step 9 of 11" in html
    assert f'href="{reverse("intake:step", args=[PROCEDURES])}">Back' in html  # back skips the cycle step too
    assert c.get(reverse("intake:step", args=[CYCLE]))["Location"] == reverse("intake:step", args=[MEDICATIONS])

    _post_step(c, MEDICATIONS, valid_answers())
    draft = IntakeSubmission.objects.get(client=client_user)
    assert CYCLE not in draft.completed_steps and draft.current_step == questionnaire().step_count + 1
    check = c.get(reverse("intake:check")).content.decode()
    assert "Not finished yet" not in check and "Your cycle and hormones" not in check
    assert reverse("intake:consent") in check
    assert 'aria-valuenow="100"' in c.get(reverse("intake:my_intake")).content.decode()


def test_a_client_with_periods_is_asked_the_cycle_questions(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=PROCEDURES - 1, answers=valid_answers(has_cycle="periods"))
    response = _post_step(c, PROCEDURES, valid_answers())
    assert response["Location"] == reverse("intake:step", args=[CYCLE])
    html = c.get(reverse("intake:step", args=[CYCLE])).content.decode()
    assert "Step 9 of 12" in html
    assert "Do you break out in the week before or during your period?" in html
    assert "Do you have hot flushes or night sweats?" in html

    response = _post_step(c, CYCLE, valid_answers(**CYCLE_ANSWERS))
    assert response["Location"] == reverse("intake:step", args=[MEDICATIONS])
    assert "Step 10 of 12" in c.get(reverse("intake:step", args=[MEDICATIONS])).content.decode()
    assert IntakeSubmission.objects.get(client=client_user).answers["cycle_breakouts"] == "most"


def test_the_cycle_questions_must_be_answered_when_they_apply(db, client_user):
    draft = fill_draft(client_user, valid_answers(has_cycle="perimenopause"))
    IntakeSubmission.objects.filter(pk=draft.pk).update(completed_steps=[n for n in draft.completed_steps
                                                                         if n != CYCLE])
    draft.refresh_from_db()
    with pytest.raises(services.IntakeError) as excinfo:
        services.intake_submit(submission=draft, typed_name="Chloe Martin")
    assert excinfo.value.step == CYCLE


def test_nothing_is_required_from_a_skipped_section(db, client_user):
    answers = {k: v for k, v in valid_answers(has_cycle="no").items() if k not in CYCLE_ANSWERS}
    draft = services.intake_draft_start(client=client_user)
    for section in questionnaire().steps(answers):  # the cycle step is never saved
        draft = services.intake_step_save(submission=draft, step=section.number,
                                          answers={q["key"]: answers[q["key"]] for q in section.questions})
    submission = services.intake_submit(submission=draft, typed_name="Chloe Martin")
    assert submission.status == "submitted" and CYCLE not in submission.completed_steps


def test_saying_yes_later_from_the_check_page_asks_the_cycle_questions(login, client_user):
    c = login(client_user)
    fill_draft(client_user, valid_answers(has_cycle="no"), steps=MEDICAL)
    for step in (PROCEDURES, MEDICATIONS):
        _post_step(c, step, valid_answers())
    assert "Not finished yet" not in c.get(reverse("intake:check")).content.decode()

    response = _post_step(c, MEDICAL, valid_answers(has_cycle="periods"), then="check")
    assert response["Location"] == reverse("intake:check")
    html = c.get(reverse("intake:check")).content.decode()
    assert "Not finished yet" in html and "Your cycle and hormones" in html
    assert reverse("intake:consent") not in html
    assert c.get(reverse("intake:consent"))["Location"] == reverse("intake:check")
    assert c.get(reverse("intake:continue"))["Location"] == reverse("intake:step", args=[CYCLE])


def test_cycle_answers_left_behind_are_not_screened_shown_or_kept(login, client_user, practitioner_user):
    # Answered the cycle questions, then went back and said they do not apply.
    stale = valid_answers(has_cycle="no", **{**CYCLE_ANSWERS, "unchecked_bleeding": "yes"})
    submission = submit_intake(client_user, stale)
    assert not IntakeFlag.objects.filter(submission=submission).exists()
    assert not set(CYCLE_ANSWERS) & set(submission.answers)
    html = login(practitioner_user).get(reverse("intake:review", args=[submission.pk])).content.decode()
    assert "Your cycle and hormones" not in html


def test_a_cycle_answer_can_raise_a_flag_when_the_section_applies(db):
    flags = _flags(has_cycle="periods", unchecked_bleeding="yes")
    assert list(flags) == ["unchecked_bleeding"] and flags["unchecked_bleeding"].level == FlagLevel.NOTE
    assert _flags(has_cycle="no", unchecked_bleeding="yes") == {}


# -- the new precautions ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("question", "answer", "level"), [
    ("isotretinoin", "current", FlagLevel.DO_NOT_TREAT),
    ("retinoid_rx", "topical", FlagLevel.REVIEW),
    ("retinoid_rx", "tablets", FlagLevel.DO_NOT_TREAT),
    ("keloid", "yes", FlagLevel.REVIEW),
    ("immunosuppressants", "yes", FlagLevel.REVIEW),
    ("facial_palsy", "current", FlagLevel.REVIEW),
    ("facial_palsy", "past", FlagLevel.NOTE),
])
def test_each_new_precaution_raises_its_flag(db, question, answer, level):
    flags = _flags(**{question: answer})
    assert list(flags) == [question]
    assert flags[question].level == level and flags[question].until is None


@pytest.mark.parametrize(("question", "answer"), [("isotretinoin", "no"), ("retinoid_rx", "no"), ("keloid", "no"),
                                                  ("immunosuppressants", "no"), ("facial_palsy", "no")])
def test_the_harmless_answers_raise_nothing(db, question, answer):
    assert _flags(**{question: answer}) == {}


@pytest.mark.parametrize(("question", "setting", "days"), [
    ("isotretinoin_end_date", "isotretinoin_wait_days", 180),
    ("thread_lift_date", "thread_lift_wait_days", 90),
])
def test_isotretinoin_and_thread_lifts_wait_for_the_clinics_setting(db, question, setting, days):
    assert getattr(IntakeSettings.load(), setting) == days  # the default
    flag = _flags(isotretinoin="past", **{question: "2026-03-05"})[question]
    assert flag.level == FlagLevel.DO_NOT_TREAT
    assert flag.until == date(2026, 3, 5) + timedelta(days=days)
    _set_waits(**{setting: 30})
    assert _flags(isotretinoin="past", **{question: "2026-03-05"})[question].until == date(2026, 4, 4)


def test_the_isotretinoin_reason_says_until_when(db):
    flag = _flags(isotretinoin="past", isotretinoin_end_date="2026-01-10")["isotretinoin_end_date"]
    assert flag.reason == ("The last isotretinoin tablet on 10 Jan 2026: we wait 180 days, "
                           "so no facial acupuncture before 9 Jul 2026")


@time_machine.travel("2026-03-10 10:00Z", tick=False)
def test_a_finished_isotretinoin_course_needs_the_date_of_the_last_tablet(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=PROCEDURES - 1)
    response = _post_step(c, PROCEDURES, valid_answers(isotretinoin="past", isotretinoin_end_date=""))
    assert response.status_code == 200
    assert "Please tell us here, since you answered yes above." in response.content.decode()
    assert PROCEDURES not in IntakeSubmission.objects.get(client=client_user).completed_steps


# -- waits longer than a year -----------------------------------------------------------------------------------

def test_procedure_dates_may_be_any_past_date():
    for q in Questionnaire(QUESTIONNAIRE).questions.values():
        if q["type"] == "date":
            assert "year" not in (q["label"] + q.get("help", "")).lower(), q["key"]


@time_machine.travel("2026-03-10 10:00Z", tick=False)
def test_a_procedure_400_days_ago_still_blocks_with_a_500_day_wait(login, client_user):
    _set_waits(facelift_wait_days=500)
    lift = TODAY - timedelta(days=400)  # 3 Feb 2025
    AppointmentFactory(client=client_user, starts_at=datetime(2026, 3, 17, 10, tzinfo=LONDON))
    c = login(client_user)
    fill_draft(client_user, steps=PROCEDURES - 1)
    response = _post_step(c, PROCEDURES, valid_answers(facelift_date=lift.isoformat()))
    assert response["Location"] == reverse("intake:step", args=[MEDICATIONS])  # the date is accepted
    _post_step(c, MEDICATIONS, valid_answers())
    c.post(reverse("intake:consent"), {"full_name": "Chloe Martin", "agree": "on"})

    flag = IntakeFlag.objects.get(submission__client=client_user, code="facelift_date")
    assert flag.level == FlagLevel.DO_NOT_TREAT
    assert flag.until == date(2026, 6, 18)  # 3 Feb 2025 + 500 days
    status = selectors.intake_statuses(client_ids=[client_user.pk], on_date=date(2026, 3, 17))[client_user.pk]
    assert status.blocked_until == date(2026, 6, 18)
    assert "cannot go ahead" in c.get(reverse("intake:my_intake")).content.decode()


# -- version 1 submissions stay version 1 ------------------------------------------------------------------------

def test_version_1_is_exactly_as_it_was_stored():
    assert checksum(QUESTIONNAIRE_V1) == "5f0133917a38be900aabb7e3f02e517ce805c5c0820bfd68509a4d701018fff2"


def test_a_version_1_submission_keeps_its_questions_and_patterns(login, client_user, monkeypatch):
    monkeypatch.setattr(definitions, "QUESTIONNAIRE", QUESTIONNAIRE_V1)  # before version 2 became current
    v1 = Questionnaire(QUESTIONNAIRE_V1)
    old = submit_intake(client_user, valid_answers(v1, signals={"stagnation": 5, "damp": [2, 3, 2, 3]},
                                                   products="Rosehip oil"))
    monkeypatch.undo()
    assert definitions.questionnaire_current().number == 2

    old.refresh_from_db()
    assert old.version.number == 1
    assert old.scores["stagnation"] == 100.0 and old.scores["damp"] == 37.5
    assert not {"liver_qi", "blood_stasis", "damp_heat"} & set(old.scores)
    practitioner = in_care_of(client_user)
    review = login(practitioner).get(reverse("intake:review", args=[old.pk]))
    assert {p.key for p in review.context["patterns"]} == {"lung_qi", "heat", "yin_deficiency", "yang_deficiency",
                                                          "damp", "stagnation"}
    html = review.content.decode()
    assert "Qi and blood stagnation" in html and "Liver qi stagnation" not in html
    assert "If you have had a stroke, a heart attack or major surgery in the last year, when?" in html

    mine = login(client_user).get(reverse("intake:submission", args=[old.pk])).content.decode()
    assert "Questionnaire version 1" in mine and "Rosehip oil" in mine
    assert "Have you taken isotretinoin" not in mine

    # Updating starts on version 2 and carries over the answers to the questions asked the same way.
    update = services.intake_draft_start(client=client_user)
    assert update.version.number == 2
    assert update.answers["products"] == "Rosehip oil" and update.answers["st_stress"] == 5
    assert "st_sighing" in update.answers and "dp_oily" not in update.answers
