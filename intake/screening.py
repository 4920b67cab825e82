"""Contraindication screening: answers -> flags, each "do not treat", "practitioner must review" or "note".

The rules are part of the questionnaire definition (``flags`` on an answer, ``wait`` on a date), so
they are versioned with the wording. Waits after procedures come from ``IntakeSettings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.dateformat import format as date_format

from .models import FLAG_SEVERITY, FlagLevel
from .questionnaire import Questionnaire


@dataclass(frozen=True)
class FlagSpec:
    code: str
    level: str
    reason: str
    until: date | None = None  # first date treatment may go ahead


def _day(d: date) -> str:
    return date_format(d, "j M Y")


def _wait_flag(question: dict, when: date, waits, today: date) -> FlagSpec:
    wait = question["wait"]
    days = getattr(waits, wait["setting"])
    until = when + timedelta(days=days)
    if until <= today:
        return FlagSpec(question["key"], FlagLevel.NOTE,
                        f"{wait['name'][0].upper()}{wait['name'][1:]} on {_day(when)} (the {days}-day wait is over)")
    return FlagSpec(question["key"], FlagLevel.DO_NOT_TREAT,
                    f"{wait['name'][0].upper()}{wait['name'][1:]} on {_day(when)}: we wait {days} days, "
                    f"so no facial acupuncture before {_day(until)}", until)


def screen(questionnaire: Questionnaire, answers: dict, *, waits, today: date) -> list[FlagSpec]:
    """All flags raised by these answers, most severe first. ``waits`` is an ``IntakeSettings``.

    A wait is the date plus the clinic's setting, however long ago the date: a 500-day wait after a
    procedure 400 days ago still blocks. Answers in sections the client skipped raise nothing."""
    answers = questionnaire.applicable_answers(answers)
    flags = []
    for question in questionnaire.questions.values():
        value = answers.get(question["key"])
        if value in (None, "", []):
            continue
        if "flags" in question and isinstance(value, str) and value in question["flags"]:
            rule = question["flags"][value]
            flags.append(FlagSpec(question["key"], rule["level"], rule["reason"]))
        elif "wait" in question and question["type"] == "date":
            flags.append(_wait_flag(question, date.fromisoformat(value), waits, today))
    return sorted(flags, key=lambda f: FLAG_SEVERITY[FlagLevel(f.level)])


def blocking(flags, day: date) -> list:
    """The flags (model rows) that stop a session on that local date."""
    return [f for f in flags if f.blocks_on(day)]


def earliest_date(flags, day: date) -> date | None:
    """The first date on or after ``day`` free of every blocking wait, or None when a flag has no end date."""
    blockers = blocking(flags, day)
    if any(f.until is None for f in blockers):
        return None
    return max((f.until for f in blockers), default=day)
