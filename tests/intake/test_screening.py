"""Contraindication answers -> flags with a level; waits after procedures come from the clinic's settings."""

from datetime import date

import pytest

from intake.models import FlagLevel, IntakeFlag, IntakeSettings
from intake.screening import blocking, earliest_date, screen
from tests.intake.helpers import questionnaire, valid_answers

TODAY = date(2026, 3, 10)


def _flags(**answers):
    q = questionnaire()
    return {f.code: f for f in screen(q, valid_answers(q, **answers), waits=IntakeSettings.load(), today=TODAY)}


def test_a_clean_health_history_raises_no_flag(db):
    assert _flags() == {}


@pytest.mark.parametrize(("question", "answer", "level"), [
    ("pregnancy", "pregnant", FlagLevel.REVIEW),
    ("pregnancy", "trying", FlagLevel.NOTE),
    ("pregnancy", "breastfeeding", FlagLevel.NOTE),
    ("bleeding_disorder", "yes", FlagLevel.REVIEW),
    ("anticoagulants", "yes", FlagLevel.REVIEW),
    ("bruising_supplements", "yes", FlagLevel.NOTE),
    ("blood_pressure", "uncontrolled", FlagLevel.DO_NOT_TREAT),
    ("blood_pressure", "controlled", FlagLevel.NOTE),
    ("blood_pressure", "low", FlagLevel.NOTE),
    ("migraines", "recent", FlagLevel.REVIEW),
    ("migraines", "not_recent", FlagLevel.NOTE),
    ("epilepsy", "yes", FlagLevel.REVIEW),
    ("diabetes", "yes", FlagLevel.NOTE),
    ("cancer", "current", FlagLevel.REVIEW),
    ("cancer", "past", FlagLevel.NOTE),
    ("skin_infection", "yes", FlagLevel.DO_NOT_TREAT),
    ("acute_illness", "yes", FlagLevel.DO_NOT_TREAT),
    ("pacemaker", "yes", FlagLevel.REVIEW),
    ("metal_allergy", "yes", FlagLevel.NOTE),
    ("needle_fear", "very", FlagLevel.NOTE),
])
def test_each_contraindication_answer_maps_to_a_flag_level(db, question, answer, level):
    flags = _flags(**{question: answer})
    assert list(flags) == [question]
    assert flags[question].level == level
    assert flags[question].until is None


@pytest.mark.parametrize(("question", "answer"), [("pregnancy", "no"), ("blood_pressure", "normal"),
                                                  ("migraines", "no"), ("needle_fear", "nervous"),
                                                  ("epilepsy", "no")])
def test_harmless_answers_raise_nothing(db, question, answer):
    assert _flags(**{question: answer}) == {}


@pytest.mark.parametrize(("question", "setting", "days"), [
    ("botox_date", "botox_wait_days", 14),
    ("filler_date", "filler_wait_days", 90),
    ("laser_date", "laser_wait_days", 28),
    ("peel_date", "peel_wait_days", 14),
    ("microdermabrasion_date", "microdermabrasion_wait_days", 14),
    ("facelift_date", "facelift_wait_days", 183),
    ("major_event_date", "major_event_wait_days", 183),
])
def test_a_recent_procedure_blocks_treatment_for_the_clinics_wait(db, question, setting, days):
    assert getattr(IntakeSettings.load(), setting) == days  # the default
    flag = _flags(**{question: "2026-03-05"})[question]
    assert flag.level == FlagLevel.DO_NOT_TREAT
    assert flag.until == date.fromordinal(date(2026, 3, 5).toordinal() + days)


def test_botox_five_days_ago_means_no_treatment_before_the_19th(db):
    flag = _flags(botox_date="2026-03-05")["botox_date"]
    assert flag.until == date(2026, 3, 19)
    assert flag.reason == "Botox on 5 Mar 2026: we wait 14 days, so no facial acupuncture before 19 Mar 2026"


def test_waits_are_clinic_settings(db):
    IntakeSettings.objects.filter(pk=IntakeSettings.load().pk).update(botox_wait_days=90)
    flag = _flags(botox_date="2026-03-05")["botox_date"]
    assert flag.until == date(2026, 6, 3)


def test_a_wait_already_over_is_only_a_note(db):
    flag = _flags(filler_date="2025-11-01")["filler_date"]  # + 90 days = 30 Jan 2026, before TODAY
    assert flag.level == FlagLevel.NOTE
    assert flag.until is None
    assert "wait is over" in flag.reason


def test_a_wait_ending_today_no_longer_blocks(db):
    flag = _flags(botox_date="2026-02-24")["botox_date"]  # + 14 = 10 Mar = TODAY
    assert flag.level == FlagLevel.NOTE


def test_flags_come_most_severe_first(db):
    q = questionnaire()
    flags = screen(q, valid_answers(q, diabetes="yes", pregnancy="pregnant", skin_infection="yes"),
                   waits=IntakeSettings.load(), today=TODAY)
    assert [f.level for f in flags] == [FlagLevel.DO_NOT_TREAT, FlagLevel.REVIEW, FlagLevel.NOTE]


def test_a_wait_blocks_only_dates_before_its_end():
    flag = IntakeFlag(code="botox_date", level=FlagLevel.DO_NOT_TREAT, until=date(2026, 3, 19))
    assert flag.blocks_on(date(2026, 3, 18))
    assert not flag.blocks_on(date(2026, 3, 19))


def test_a_do_not_treat_flag_without_end_blocks_until_cleared():
    from django.utils import timezone

    flag = IntakeFlag(code="skin_infection", level=FlagLevel.DO_NOT_TREAT)
    assert flag.blocks_on(date(2030, 1, 1))
    flag.cleared_at = timezone.now()
    assert not flag.blocks_on(date(2030, 1, 1))


def test_review_and_note_flags_never_block():
    assert not IntakeFlag(code="x", level=FlagLevel.REVIEW).blocks_on(TODAY)
    assert not IntakeFlag(code="y", level=FlagLevel.NOTE).blocks_on(TODAY)


def test_the_earliest_suitable_date_is_the_end_of_the_longest_wait():
    flags = [IntakeFlag(code="botox_date", level=FlagLevel.DO_NOT_TREAT, until=date(2026, 3, 19)),
             IntakeFlag(code="peel_date", level=FlagLevel.DO_NOT_TREAT, until=date(2026, 3, 24)),
             IntakeFlag(code="diabetes", level=FlagLevel.NOTE)]
    assert [f.code for f in blocking(flags, date(2026, 3, 20))] == ["peel_date"]
    assert earliest_date(flags, date(2026, 3, 12)) == date(2026, 3, 24)
    assert earliest_date(flags, date(2026, 3, 25)) == date(2026, 3, 25)  # nothing blocks that day


def test_there_is_no_earliest_date_while_an_open_ended_flag_blocks():
    flags = [IntakeFlag(code="botox_date", level=FlagLevel.DO_NOT_TREAT, until=date(2026, 3, 19)),
             IntakeFlag(code="acute_illness", level=FlagLevel.DO_NOT_TREAT)]
    assert earliest_date(flags, date(2026, 3, 12)) is None
