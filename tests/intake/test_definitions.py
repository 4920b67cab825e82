"""The questionnaire and consent are data, stored once per version; a change must be a new version."""

import copy

import pytest

from intake import definitions
from intake.definitions import CONSENT, QUESTIONNAIRE, QUESTIONNAIRE_V1, QUESTIONNAIRE_V2, QuestionnaireChanged
from intake.models import ConsentVersion, FlagLevel, IntakeSettings, QuestionnaireVersion
from intake.questionnaire import Questionnaire
from tests.factories import ClientFactory
from tests.intake.helpers import submit_intake


def test_the_current_version_is_stored_once(db):
    first = definitions.questionnaire_current()
    again = definitions.questionnaire_current()
    assert first.pk == again.pk
    assert QuestionnaireVersion.objects.count() == 1
    assert first.number == QUESTIONNAIRE["version"]
    assert first.definition == QUESTIONNAIRE


def test_changing_a_stored_version_without_a_new_number_is_refused(db):
    definitions.questionnaire_current()
    edited = copy.deepcopy(QUESTIONNAIRE)
    edited["sections"][0]["questions"][0]["label"] = "Reworded"
    with pytest.raises(QuestionnaireChanged):
        definitions.questionnaire_ensure(edited)


def test_changing_the_consent_text_without_a_new_number_is_refused(db):
    definitions.consent_current()
    with pytest.raises(QuestionnaireChanged):
        definitions.consent_ensure({**CONSENT, "text": CONSENT["text"] + " More."})


def test_a_new_consent_version_is_stored_beside_the_old(db):
    old = definitions.consent_current()
    new = definitions.consent_ensure({**CONSENT, "version": CONSENT["version"] + 1, "text": "New text."})
    assert ConsentVersion.objects.count() == 2
    assert old.text == CONSENT["text"] and new.text == "New text."


def test_a_submission_keeps_showing_the_wording_it_answered(db):
    client = ClientFactory()
    submission = submit_intake(client)
    edited = copy.deepcopy(QUESTIONNAIRE)
    edited["version"] = QUESTIONNAIRE["version"] + 1
    edited["sections"][0]["questions"][0]["label"] = "Your skin type, in one word"
    new_version = definitions.questionnaire_ensure(edited)

    submission.refresh_from_db()
    old_labels = [q["label"] for q in Questionnaire.of(submission.version).section(1).questions]
    assert "How would you describe your skin?" in old_labels
    assert submission.version.number == QUESTIONNAIRE["version"]
    assert "Your skin type, in one word" in [q["label"] for q in Questionnaire.of(new_version).section(1).questions]


# -- the content itself ---------------------------------------------------------------------------

EVERY_VERSION = pytest.mark.parametrize("definition", [QUESTIONNAIRE_V1, QUESTIONNAIRE_V2],
                                        ids=lambda d: f"v{d['version']}")


@EVERY_VERSION
def test_question_keys_are_unique(definition):
    keys = [q["key"] for s in Questionnaire(definition).sections for q in s.questions]
    assert len(keys) == len(set(keys))


def test_new_drafts_get_version_2():
    assert QUESTIONNAIRE is QUESTIONNAIRE_V2 and QUESTIONNAIRE["version"] == 2


def test_the_sections_are_those_the_clinic_asked_for():
    assert [s["key"] for s in QUESTIONNAIRE["sections"]] == [
        "about", "concerns", "signals", "signals_skin", "lifestyle", "goals", "medical", "procedures", "cycle",
        "medications"]
    assert [s["key"] for s in QUESTIONNAIRE_V1["sections"]] == [
        "about", "concerns", "signals", "lifestyle", "goals", "medical", "medications"]


def test_the_concerns_are_the_clinics_list():
    concerns = {q["key"] for q in Questionnaire(QUESTIONNAIRE).concerns}
    assert concerns == {"fine_lines", "sagging", "dark_circles", "tmj", "acne", "dark_spots", "eczema", "rashes",
                        "seasonal_allergies", "dullness"}


def test_version_1_had_the_six_skin_patterns():
    q = Questionnaire(QUESTIONNAIRE_V1)
    assert {p["key"] for p in q.patterns} == {"lung_qi", "heat", "yin_deficiency", "yang_deficiency", "damp",
                                              "stagnation"}


def test_the_tcm_patterns_are_the_ten_skin_patterns_a_practitioner_separates():
    q = Questionnaire(QUESTIONNAIRE)
    assert {p["key"] for p in q.patterns} == {
        "lung_qi", "heat", "yin_deficiency", "yang_deficiency", "damp_heat", "blood_dryness", "spleen_damp",
        "phlegm", "liver_qi", "blood_stasis"}
    assert all(4 <= len(p["items"]) <= 6 and p["about"] for p in q.patterns)
    assert [v for v, _ in QUESTIONNAIRE["scale"]] == [1, 2, 3, 4, 5]


def test_no_item_counts_towards_two_patterns():
    items = [i["key"] for p in Questionnaire(QUESTIONNAIRE).patterns for i in p["items"]]
    assert len(items) == len(set(items))


@EVERY_VERSION
def test_every_flag_rule_names_a_real_level_and_a_real_answer(definition):
    for q in Questionnaire(definition).questions.values():
        for value, rule in q.get("flags", {}).items():
            assert value in dict(q["choices"]), q["key"]
            assert rule["level"] in FlagLevel.values


@EVERY_VERSION
def test_every_wait_is_a_clinic_setting(definition):
    waits = [q["wait"]["setting"] for q in Questionnaire(definition).questions.values() if "wait" in q]
    assert {"botox_wait_days", "filler_wait_days", "laser_wait_days", "peel_wait_days",
            "microdermabrasion_wait_days", "facelift_wait_days"} <= set(waits)
    for name in waits:
        assert isinstance(IntakeSettings._meta.get_field(name).default, int)


def test_version_2_waits_after_isotretinoin_and_thread_lifts():
    waits = {q["wait"]["setting"] for q in Questionnaire(QUESTIONNAIRE).questions.values() if "wait" in q}
    assert {"isotretinoin_wait_days", "thread_lift_wait_days"} <= waits


@EVERY_VERSION
def test_no_copyrighted_instrument_wording(definition):
    text = str(definition).lower()
    # Tell-tale phrases of the CCMQ and DLQI item texts: our items are our own.
    for phrase in ("over the last week, how itchy", "do you get tired easily", "are you energetic",
                   "how embarrassed or self conscious"):
        assert phrase not in text
