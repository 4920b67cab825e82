"""The pre-visit health check: a short set of acute questions answered before each session.

The questions change between visits (a cold sore, a new filler, a new medicine), so they are asked again before
every session: online from the reminder, on the desk tablet at check-in, and with the contraindications of a
course re-assessment. The screening gate (``intake/gate.py``) asks ``health_check_flags`` for the flags a
session's health check raised; this module owns the questions, the rules that turn answers into flags, and the
writes (each audit-logged in its transaction, like the intake's).

To change a question, its wording or a rule: copy the definition, change it and bump ``"version"``; a stored
health check is always read with the definition it answered.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format

from booking.models import Appointment, AppointmentStatus
from clinic.audit.services import audit_record

from .definitions import YES_NO
from .models import FLAG_SEVERITY, FlagLevel, HealthCheck, IntakeSettings
from .screening import FlagSpec, _wait_flag

logger = logging.getLogger(__name__)

# The reminder goes out 48 h before; a little earlier is fine, much earlier and the answers go stale.
OPENS_BEFORE = timedelta(hours=72)
# The codes match the intake's questions where the item is the same, so a service's ``screening_codes`` and the
# gate treat "a cold sore at the intake" and "a cold sore at the health check" alike.
_PROCEDURES = [
    ("botox_date", "Botox or other anti-wrinkle injections", "Botox", "botox_wait_days"),
    ("filler_date", "Dermal fillers", "dermal fillers", "filler_wait_days"),
    ("laser_date", "Laser treatment on the face", "laser treatment", "laser_wait_days"),
    ("peel_date", "A chemical peel", "a chemical peel", "peel_wait_days"),
    ("microdermabrasion_date", "Microdermabrasion", "microdermabrasion", "microdermabrasion_wait_days"),
    ("facelift_date", "A face-lift or other facial surgery", "a face-lift", "facelift_wait_days"),
    ("thread_lift_date", "A thread lift", "a thread lift", "thread_lift_wait_days"),
]


def _flag(level: str, reason: str) -> dict:
    return {"level": level, "reason": reason}


HEALTH_CHECK_V1: dict = {
    "version": 1,
    "title": "Health check before your visit",
    "intro": "Since your last visit, or in the last two weeks if this is your first. It takes about a minute, "
             "and only your practitioner reads the answers.",
    "questions": [
        {"key": "acute_illness", "type": "yesno", "label": "Do you have a cold, flu or a fever now?",
         "choices": YES_NO,
         "flags": {"yes": _flag("do_not_treat", "Health check: cold, flu or fever now (not this session)")}},
        {"key": "skin_infection", "type": "yesno",
         "label": "Do you have a skin infection, a cold sore or shingles on your face now?", "choices": YES_NO,
         "flags": {"yes": _flag("do_not_treat",
                                "Health check: skin infection, cold sore or shingles now (not this session)")}},
        {"key": "procedures", "type": "yesno", "choices": YES_NO,
         "label": "Have you had a cosmetic treatment on your face since your last visit?",
         "help": "For example Botox, fillers, laser, a peel, microdermabrasion, a face-lift or a thread lift."},
        *({"key": key, "type": "date", "label": label, "required": False, "past_only": True,
           "show_if": {"question": "procedures", "value": "yes"},
           "wait": {"setting": setting, "name": name}} for key, label, name, setting in _PROCEDURES),
        {"key": "medicines", "type": "multi", "label": "Have you started a new medicine since your last visit?",
         "choices": [["none", "No new medicine"],
                     ["anticoagulants", "A blood thinner (for example warfarin, apixaban or clopidogrel)"],
                     ["isotretinoin", "Isotretinoin tablets for acne (for example Roaccutane)"],
                     ["other", "Another medicine"]],
         "flags": {"anticoagulants": _flag("review", "Health check: new blood-thinning medicine"),
                   "isotretinoin": _flag("do_not_treat", "Health check: taking isotretinoin (no facial acupuncture "
                                                         "during the course)"),
                   "other": _flag("note", "Health check: another new medicine (see the answers)")},
         # The intake's codes for the same medicines; "other" has none there.
         "codes": {"anticoagulants": "anticoagulants", "isotretinoin": "isotretinoin", "other": "new_medicine"}},
        {"key": "other_medicine", "type": "text", "required": False, "label": "Which medicine?",
         "required_if": {"question": "medicines", "value": "other"}},
        # The intake treats pregnancy as "practitioner must review" (intake/definitions.py), and so does this.
        {"key": "pregnancy", "type": "choice", "label": "Are you pregnant, or might you be?",
         "choices": [["no", "No"], ["yes", "Yes"], ["maybe", "I might be"]],
         "flags": {"yes": _flag("review", "Health check: pregnant"),
                   "maybe": _flag("review", "Health check: might be pregnant")}},
    ],
}

HEALTH_CHECKS = {1: HEALTH_CHECK_V1}
# The version new health checks get.
HEALTH_CHECK = HEALTH_CHECK_V1

NEEDS_PRACTITIONER = "Health check done: a practitioner needs to see it first"
FINE_TO_GO_AHEAD = "Health check done: fine to go ahead"


class HealthCheckError(Exception):
    """A user-facing reason a health check cannot be saved (``.message``)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- the questions and their rules ------------------------------------------------------------------

def definition(version: int | None = None) -> dict:
    return HEALTH_CHECKS[version or HEALTH_CHECK["version"]]


def applies(question: dict, answers: dict) -> bool:
    """Whether a question is asked with these answers (the procedure dates only after "yes")."""
    condition = question.get("show_if")
    return condition is None or answers.get(condition["question"]) == condition["value"]


def answers_problems(answers: dict, *, today: date, version: int | None = None) -> dict[str, str]:
    """What is wrong with a set of answers, by question key (empty when nothing is). The form shows these beside
    the fields; the service refuses answers that have any, so no path stores an answer that was not asked."""
    problems: dict[str, str] = {}
    questions = definition(version)["questions"]
    for q in questions:
        key, value = q["key"], answers.get(q["key"])
        if not applies(q, answers):
            continue
        if q["type"] in ("yesno", "choice"):
            if value not in [c[0] for c in q["choices"]]:
                problems[key] = "Please choose an answer."
        elif q["type"] == "multi":
            problem = _multi_problem(q, value)
            if problem:
                problems[key] = problem
        elif q["type"] == "date" and value:
            problem = _date_problem(value, today)
            if problem:
                problems[key] = problem
        elif q["type"] == "text" and value is not None and (not isinstance(value, str) or len(value) > 300):
            problems[key] = "Please keep it under 300 characters."
        condition = q.get("required_if")
        if condition and condition["value"] in (answers.get(condition["question"]) or []) and not value:
            problems.setdefault(key, "Please tell us here, since you ticked it above.")
    dates = [q["key"] for q in questions if q["type"] == "date"]
    if answers.get("procedures") == "yes" and not any(answers.get(k) for k in dates):
        problems.setdefault(dates[0], "Please give the date of at least one treatment, or answer “No” above.")
    return problems


def _multi_problem(q: dict, value) -> str | None:
    if not value or not isinstance(value, list):
        return "Please choose at least one."
    if any(v not in [c[0] for c in q["choices"]] for v in value):
        return "Please choose from the list."
    if "none" in value and len(value) > 1:
        return "Choose either “No new medicine” or the new medicines, not both."
    return None


def _date_problem(value, today: date) -> str | None:
    try:
        when = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        when = None
    if when is None:
        return "Enter a date, for example 14/03/2026."
    if when > today:
        return "This date is in the future: enter the date it happened."
    if when.year < 1900:
        return "Please check the year."
    return None


def health_check_screen(answers: dict, *, session_day: date, waits: IntakeSettings,
                        version: int | None = None) -> list[FlagSpec]:
    """The flags these answers raise for a session on ``session_day`` (the location's date), most severe first.

    Acute items stop this session; a procedure's wait is the clinic's current setting counted from its date and
    held against the session's date, so a wait that is over by then is only a note."""
    flags = []
    for q in definition(version)["questions"]:
        value = answers.get(q["key"])
        if value in (None, "", []) or not applies(q, answers):
            continue
        if q["type"] == "date" and "wait" in q:
            flags.append(_wait_flag(q, date.fromisoformat(value), waits, session_day))
        elif "flags" in q:
            for chosen in value if isinstance(value, list) else [value]:
                rule = q["flags"].get(chosen)
                if rule:
                    code = q.get("codes", {}).get(chosen, q["key"])
                    flags.append(FlagSpec(code, rule["level"], rule["reason"]))
    return sorted(flags, key=lambda f: FLAG_SEVERITY[FlagLevel(f.level)])


def _as_dicts(flags: list[FlagSpec]) -> list[dict]:
    return [{"code": f.code, "level": str(f.level), "reason": f.reason,
             "until": f.until.isoformat() if f.until else None} for f in flags]


def _session_day(appointment: Appointment) -> date:
    return appointment.local_starts_at.date()


# -- what the gate, the desk and the practitioner read --------------------------------------------------

def answered(*, health_check: HealthCheck) -> list[tuple[str, str]]:
    """(question, answer in words) for each question answered, for the practitioner's page."""
    rows = []
    answers = health_check.answers
    for q in definition(health_check.version)["questions"]:
        value = answers.get(q["key"])
        if value in (None, "", []) or not applies(q, answers):
            continue
        labels = dict((c[0], c[1]) for c in q.get("choices", []))
        if q["type"] == "date":
            text = date_format(date.fromisoformat(value), "j M Y")
        elif isinstance(value, list):
            text = ", ".join(labels.get(v, v) for v in value)
        else:
            text = labels.get(value, value)
        rows.append((q["label"], text))
    return rows


def health_check_flags(*, appointment) -> list[FlagSpec]:
    """The uncleared flags raised by this appointment's health check (none while there is none, or once a
    practitioner has reviewed it), worked out with the clinic's current waits for the session's current date."""
    health_check = HealthCheck.objects.filter(appointment=appointment).first()
    if health_check is None or health_check.is_reviewed:
        return []
    return raised_flags(health_check=health_check, appointment=appointment)


def raised_flags(*, health_check: HealthCheck, appointment: Appointment | None = None) -> list[FlagSpec]:
    """The flags a health check's answers raise now (reviewed or not): current waits, the session's date."""
    appointment = appointment or health_check.appointment
    return health_check_screen(health_check.answers, session_day=_session_day(appointment),
                               waits=IntakeSettings.load(), version=health_check.version)


def health_check_outcome(*, appointment) -> str:
    """The one line the front desk sees: never an answer or a flag's reason."""
    needs = any(f.level in (FlagLevel.DO_NOT_TREAT, FlagLevel.REVIEW)
                for f in health_check_flags(appointment=appointment))
    return NEEDS_PRACTITIONER if needs else FINE_TO_GO_AHEAD


def health_check_window_problem(*, appointment: Appointment, via: str, now: datetime | None = None) -> str | None:
    """Why this session's health check cannot be answered now (None when it can). Online it is open from 72 hours
    before until check-in; on the desk tablet also after the desk has marked the client arrived."""
    now = now or timezone.now()
    status = appointment.status
    if status == AppointmentStatus.CANCELLED:
        return "This appointment was cancelled, so there is no health check to answer."
    open_statuses = [AppointmentStatus.PENDING, AppointmentStatus.BOOKED]
    if via == HealthCheck.Via.DESK:
        open_statuses.append(AppointmentStatus.ARRIVED)
    checked_in = status in (AppointmentStatus.ARRIVED, AppointmentStatus.IN_TREATMENT)
    if status not in open_statuses or now >= appointment.ends_at:
        if checked_in and now < appointment.ends_at:
            return "You have checked in for this session: please tell your practitioner about any change."
        return "This session has already taken place, so its health check is closed."
    if via == HealthCheck.Via.ONLINE and now >= appointment.starts_at:
        return "This session has started: please tell your practitioner about any change."
    if now < appointment.starts_at - OPENS_BEFORE:
        return "The health check opens 3 days before your session: we will email you a link with your reminder."
    return None


# -- writes ------------------------------------------------------------------------------------------

def health_check_submit(*, appointment: Appointment, answers: dict, submitted_by, via: str,
                        request=None) -> HealthCheck:
    """Store (or replace) a session's health check and its flags. A new answer needs a new review.

    Online and at the desk the check is open from 72 hours before the session until check-in; raises
    ``HealthCheckError`` with a plain message otherwise, or when an answer is missing or wrong."""
    today = timezone.localdate(timezone=appointment.location.tz)
    answers = _only_asked(answers)
    problems = answers_problems(answers, today=today)
    if problems:
        raise HealthCheckError("Some answers are missing or need a second look: " + " ".join(
            dict.fromkeys(problems.values())) + " Nothing was saved.")
    with transaction.atomic():
        # The appointment row lock orders this against check-in, which moves the status on.
        locked = Appointment.objects.select_for_update().select_related("location", "client").get(pk=appointment.pk)
        if via != HealthCheck.Via.REASSESSMENT:
            problem = health_check_window_problem(appointment=locked, via=via)
            if problem:
                raise HealthCheckError(problem)
        health_check = _store(appointment=locked, answers=answers, submitted_by=submitted_by, via=via)
        audit_record(actor=submitted_by, action="health_check.submit", obj=health_check, subject=locked.client,
                     request=request)
    logger.info("health check %s for appointment %s via %s (%s flags)", health_check.pk, locked.pk, via,
                len(health_check.flags))
    return health_check


def _only_asked(answers: dict) -> dict:
    """The answers to questions of the current version that apply (dates left behind a "no" are dropped)."""
    questions = HEALTH_CHECK["questions"]
    kept = {q["key"]: answers.get(q["key"]) for q in questions if q["key"] in answers}
    return {k: v for k, v in kept.items() if applies(next(q for q in questions if q["key"] == k), kept)}


def _store(*, appointment: Appointment, answers: dict, submitted_by, via: str) -> HealthCheck:
    flags = _as_dicts(health_check_screen(answers, session_day=_session_day(appointment),
                                          waits=IntakeSettings.load()))
    values = {"version": HEALTH_CHECK["version"], "answers": answers, "flags": flags,
              "submitted_at": timezone.now(), "submitted_by": submitted_by, "via": via,
              "reviewed_at": None, "reviewed_by": None}
    updated = HealthCheck.objects.filter(appointment=appointment).update(**values)
    if not updated:
        try:
            with transaction.atomic():  # a savepoint: a lost race must not spoil the caller's transaction
                return HealthCheck.objects.create(appointment=appointment, **values)
        except IntegrityError:  # another tab stored the first one between our update and our insert
            HealthCheck.objects.filter(appointment=appointment).update(**values)
    return HealthCheck.objects.get(appointment=appointment)


def health_check_review(*, health_check: HealthCheck, practitioner, seen_submitted_at: datetime,
                        request=None) -> bool:
    """A practitioner has seen the answers: their flags no longer hold this session. Only the answers the
    practitioner saw are marked (``seen_submitted_at``): if the client changed them since, nothing is marked and
    ``HealthCheckError`` says so. Returns False if someone had already reviewed them."""
    with transaction.atomic():
        updated = HealthCheck.objects.filter(pk=health_check.pk, reviewed_at=None,
                                             submitted_at=seen_submitted_at).update(
            reviewed_at=timezone.now(), reviewed_by=practitioner)
        if updated:
            audit_record(actor=practitioner, action="health_check.review", obj=health_check,
                         subject=health_check.appointment.client, request=request)
            return True
    current = HealthCheck.objects.get(pk=health_check.pk)
    if current.submitted_at != seen_submitted_at:
        raise HealthCheckError("The answers changed after you opened the page: please read them again.")
    return False


def next_session(*, client, now: datetime | None = None) -> Appointment | None:
    """The client's next booked session, the one a re-assessment's answers are about."""
    return (Appointment.objects.filter(client=client, starts_at__gt=now or timezone.now(),
                                       status__in=[AppointmentStatus.PENDING, AppointmentStatus.BOOKED])
            .select_related("location").order_by("starts_at").first())


def reassessment_with_health_check_record(*, client, recorded_by, answers: dict, health_check_answers: dict,
                                          appointment: Appointment | None = None, request=None):
    """A re-assessment that also re-asks the contraindications: the answers and the flags they raise are saved
    with it, and if they raise any, they become the health check of the client's next session (so the gate holds
    that session until a practitioner has seen them)."""
    from .services import reassessment_record

    upcoming = next_session(client=client)
    day = _session_day(upcoming) if upcoming else timezone.localdate()
    health_check_answers = _only_asked(health_check_answers)
    problems = answers_problems(health_check_answers, today=timezone.localdate())
    if problems:
        raise HealthCheckError("Some health questions are missing or need a second look: " + " ".join(
            dict.fromkeys(problems.values())) + " Nothing was saved.")
    flags = health_check_screen(health_check_answers, session_day=day, waits=IntakeSettings.load())
    record = {"version": HEALTH_CHECK["version"], "answers": health_check_answers, "flags": _as_dicts(flags)}
    with transaction.atomic():
        reassessment = reassessment_record(client=client, recorded_by=recorded_by,
                                           answers={**answers, "health_check": record}, appointment=appointment,
                                           request=request)
        if flags and upcoming is not None:
            health_check_submit(appointment=upcoming, answers=health_check_answers, submitted_by=recorded_by,
                                via=HealthCheck.Via.REASSESSMENT, request=request)
    return reassessment
