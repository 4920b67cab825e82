"""The screening gate: may this client have this service on this date?

One rule every path asks (online booking and moves, the desk's phone bookings and moves, courses, waitlist
offers, check-in, start, completion, the treatment note, the clinical-conflicts list). It is judged live, when
asked: the current intake's answers are screened again with the clinic's *current* waits against the
*session's* date, so a wait is neither frozen at submission nor measured from today. A flag a practitioner
cleared stays cleared; a service may list the flag codes that apply to it (``Service.screening_codes``);
a session's own health check adds its flags (``intake.healthcheck``).

Booking never imports this module: ``IntakeConfig.ready`` registers it with ``booking.screening``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.utils import timezone

from .models import FlagLevel, IntakeFlag, IntakeSettings, IntakeSubmission, ScreeningOverride
from .questionnaire import Questionnaire
from .screening import FlagSpec, screen

# What each gated status change is called in a message to the desk.
_ACTIONS = {"arrived": "checked in", "in_treatment": "started", "completed": "marked completed"}


@dataclass(frozen=True)
class Verdict:
    """The gate's answer for one client, service and local date. Staff and client texts never name a condition;
    ``clinical_reasons`` are for practitioners only."""

    day: date
    blocked: bool = False  # a "do not treat" flag or a wait that has not run out covers ``day``
    earliest: date | None = None  # first suitable date on/after ``day``; None: until a practitioner clears it
    needs_review: bool = False  # "needs review" flags on an intake no practitioner has reviewed yet
    renewal_due: bool = False  # the intake is older than the clinic allows
    valid_months: int = 12
    client_message: str = ""
    staff_message: str = ""
    clinical_reasons: tuple[str, ...] = ()
    blocking_codes: tuple[str, ...] = ()
    override: ScreeningOverride | None = None  # a practitioner approved a session on ``day`` despite it

    @property
    def stops(self) -> bool:
        """Blocked and not approved: the session must not be booked or go ahead."""
        return self.blocked and self.override is None

    @property
    def holds_session(self) -> bool:
        """The session cannot be checked in, started or completed (nor its first note written)."""
        return self.stops or self.needs_review or self.renewal_due

    def session_problem(self, *, first_name: str, status: str = "arrived") -> str | None:
        """Why the desk (or the practitioner) cannot move the session to ``status``, in plain words; None if it may."""
        action = _ACTIONS.get(status, "seen")
        if self.stops:
            return f"{first_name} cannot be {action}: {self.staff_message}"
        if self.needs_review:
            return f"A practitioner must review {first_name}'s questionnaire before {first_name} can be {action}."
        if self.renewal_due:
            return (f"{first_name}'s questionnaire is more than {self.valid_months} months old: it must be updated "
                    f"before {first_name} can be {action}.")
        return None


@dataclass
class _Intake:
    """What the gate needs of one client's current intake, loaded once for many dates."""

    submission: IntakeSubmission
    questionnaire: Questionnaire
    cleared: set[str]
    stored: list[IntakeFlag]  # uncleared flags as stored at submission (or added since)


def _day(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}"


def _short(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def _blocks(flag: FlagSpec, day: date) -> bool:
    return flag.level == FlagLevel.DO_NOT_TREAT and (flag.until is None or day < flag.until)


def _live_flags(intake: _Intake, *, day: date, waits: IntakeSettings) -> list[FlagSpec]:
    """The intake's flags as they stand for a session on ``day``: screened again now, cleared ones left out."""
    answers = intake.submission.answers
    flags, answered = [], set()
    for flag in screen(intake.questionnaire, answers, waits=waits, today=day) if answers else []:
        answered.add(flag.code)
        question = intake.questionnaire.questions.get(flag.code, {})
        # A procedure after the session's date cannot stop that session (an earlier session, re-judged later).
        if "wait" in question and date.fromisoformat(answers[flag.code]) > day:
            continue
        if flag.code not in intake.cleared:
            flags.append(flag)
    # Flags that the answers do not raise (added to the intake since): as stored.
    flags += [FlagSpec(f.code, f.level, f.reason, f.until) for f in intake.stored if f.code not in answered]
    return flags


def _judge(*, intake: _Intake | None, service, day: date, waits: IntakeSettings, extra: list[FlagSpec],
           overrides: list[ScreeningOverride]) -> Verdict:
    flags = _live_flags(intake, day=day, waits=waits) if intake else []
    flags += extra
    codes = set(getattr(service, "screening_codes", None) or [])
    if codes:  # a service without facial needling: only the flags it declares apply
        flags = [f for f in flags if f.code in codes]
    blockers = [f for f in flags if _blocks(f, day)]
    reviewed = intake is not None and intake.submission.reviewed_at is not None
    needs_review = any(f.level == FlagLevel.REVIEW for f in extra) or (
        not reviewed and any(f.level == FlagLevel.REVIEW for f in flags if f not in extra))
    renewal_due = False
    if intake is not None:
        submitted = timezone.localdate(intake.submission.submitted_at)
        renewal_due = day > submitted + relativedelta(months=waits.intake_valid_months)
    reasons = tuple(f.reason for f in flags if f in blockers or f.level == FlagLevel.REVIEW)
    verdict = Verdict(day=day, needs_review=needs_review, renewal_due=renewal_due,
                      valid_months=waits.intake_valid_months, clinical_reasons=reasons, earliest=day)
    if not blockers:
        return verdict
    earliest = None if any(f.until is None for f in blockers) else max(f.until for f in blockers)
    override = next((o for o in overrides if o.day == day), None)
    return Verdict(**{**verdict.__dict__, "blocked": True, "earliest": earliest, "override": override,
                      "blocking_codes": tuple(f.code for f in blockers),
                      "client_message": _client_message(earliest), "staff_message": _staff_message(earliest)})


def _client_message(earliest: date | None) -> str:
    if earliest is None:
        return ("Your practitioner needs to look at your health questionnaire before we can book this treatment. "
                "Please contact us and we will find a date with you.")
    return (f"Because of a date you gave in your health questionnaire, the earliest we can offer this treatment is "
            f"{_day(earliest)}. Please choose a date from then on.")


def _staff_message(earliest: date | None) -> str:
    if earliest is None:
        return ("Screening: no treatment until a practitioner has cleared the questionnaire; a practitioner can "
                "approve an exception.")
    return f"Screening: no treatment before {_short(earliest)}; a practitioner can approve an exception."


def _intakes(client_ids: set[int]) -> dict[int, _Intake]:
    """The current intake of each client with its stored flags: two queries whatever the number of clients."""
    submissions = {s.pk: s for s in IntakeSubmission.objects.filter(client_id__in=client_ids, is_current=True)
                   .select_related("version").defer("version__definition")}  # parsed once: ``frozen``
    cleared: dict[int, set[str]] = defaultdict(set)
    stored: dict[int, list[IntakeFlag]] = defaultdict(list)
    if submissions:
        for flag in IntakeFlag.objects.filter(submission_id__in=submissions):
            if flag.cleared_at is not None:
                cleared[flag.submission_id].add(flag.code)
            else:
                stored[flag.submission_id].append(flag)
    return {s.client_id: _Intake(s, Questionnaire.frozen(s.version), cleared[pk], stored[pk])
            for pk, s in submissions.items()}


def _overrides(client_ids: set[int], days: set[date]) -> dict[int, list[ScreeningOverride]]:
    result: dict[int, list[ScreeningOverride]] = defaultdict(list)
    for override in ScreeningOverride.objects.filter(client_id__in=client_ids, day__in=days):
        result[override.client_id].append(override)
    return result


def _health_check(appointment) -> list[FlagSpec]:
    from .healthcheck import health_check_flags  # the pre-visit health check's own rules, per session

    return list(health_check_flags(appointment=appointment))


def _with_open_health_check(appointment_ids: list[int]) -> set[int]:
    """The sessions whose health check still has something to say (one query): only those are asked, so a
    list costs the same whatever its length unless clients answered a check no practitioner has seen yet."""
    try:
        model = apps.get_model("intake", "HealthCheck")
    except LookupError:  # a checkout without the health check
        return set()
    return set(model.objects.filter(appointment_id__in=appointment_ids, reviewed_at=None)
               .values_list("appointment_id", flat=True))


def screening_verdict(*, client, service, day: date, appointment=None) -> Verdict:
    """The gate for one session of ``service`` for ``client`` on the local date ``day`` (``appointment``: an
    existing session, whose own health check counts too).

    Asked on every booking, so it reads only what can matter: one query for a client without a questionnaire
    (nothing to screen), three with one, and a practitioner's approvals only for a date the gate blocks."""
    extra = _health_check(appointment) if appointment is not None and appointment.pk else []
    intake = _intakes({client.pk}).get(client.pk)
    if intake is None and not extra:
        return Verdict(day=day, earliest=day)  # what _judge says of no flags at all
    waits = IntakeSettings.load()
    verdict = _judge(intake=intake, service=service, day=day, waits=waits, extra=extra, overrides=[])
    if verdict.blocked:  # only then can an approval for the date change the answer
        verdict = _judge(intake=intake, service=service, day=day, waits=waits, extra=extra,
                         overrides=_overrides({client.pk}, {day})[client.pk])
    return verdict


def screening_verdicts(*, appointments: Iterable) -> dict[int, Verdict]:
    """The gate for many sessions (calendar, My day, conflicts), by appointment pk. Five queries, plus two for each
    session with a health check not yet reviewed; load the appointments with their location and service."""
    appointments = list(appointments)
    if not appointments:
        return {}
    days = {a.pk: a.starts_at.astimezone(a.location.tz).date() for a in appointments}
    client_ids = {a.client_id for a in appointments}
    intakes, waits = _intakes(client_ids), IntakeSettings.load()
    overrides = _overrides(client_ids, set(days.values()))
    checked = _with_open_health_check(list(days))
    return {a.pk: _judge(intake=intakes.get(a.client_id), service=a.service, day=days[a.pk], waits=waits,
                         extra=_health_check(a) if a.pk in checked else [], overrides=overrides[a.client_id])
            for a in appointments}


def appointment_verdict(*, appointment) -> Verdict:
    return screening_verdict(client=appointment.client, service=appointment.service,
                             day=appointment.starts_at.astimezone(appointment.location.tz).date(),
                             appointment=appointment)


def screening_conflicts(*, now=None, location=None) -> list[tuple]:
    """Upcoming live sessions that screening now stops and no practitioner approved, soonest first, as
    (appointment, verdict): the front desk's "Clinical conflicts". Judged live, so a session drops off the list
    as soon as it is moved past the wait, cleared or approved. Six queries, plus the open health checks."""
    from booking.models import Appointment, AppointmentStatus

    # Only clients whose current intake raised a flag, or whose session has an unreviewed health check, can be
    # stopped: the rest are not screened at all.
    flagged = IntakeFlag.objects.filter(submission__is_current=True, cleared_at=None).values("submission__client_id")
    upcoming = Appointment.objects.filter(status__in=(AppointmentStatus.BOOKED, AppointmentStatus.PENDING),
                                          starts_at__gt=now or timezone.now())
    candidates = upcoming.filter(client_id__in=flagged)
    try:
        checks = apps.get_model("intake", "HealthCheck").objects.filter(reviewed_at=None).values("appointment_id")
        candidates = candidates | upcoming.filter(pk__in=checks)
    except LookupError:  # a checkout without the health check
        pass
    if location is not None:
        candidates = candidates.filter(location=location)
    sessions = list(candidates.select_related("client", "service", "location", "practitioner__user")
                    .order_by("starts_at", "pk").distinct())
    verdicts = screening_verdicts(appointments=sessions)
    return [(a, verdicts[a.pk]) for a in sessions if verdicts[a.pk].stops]


def verdicts_on_dates(*, sessions: Iterable[tuple[int, date]]) -> dict[tuple[int, date], Verdict]:
    """The intake's verdict per (client, local date), for any service (the calendar's badges, which know the
    client and the day): four queries whatever the number of sessions (one when nobody sent a questionnaire)."""
    sessions = set(sessions)
    if not sessions:
        return {}
    client_ids = {client_id for client_id, _day in sessions}
    intakes = _intakes(client_ids)
    if not intakes:  # nobody has sent a questionnaire: nothing to judge (and no more queries)
        return {(client_id, day): Verdict(day=day, earliest=day) for client_id, day in sessions}
    waits = IntakeSettings.load()
    overrides = _overrides(client_ids, {day for _client_id, day in sessions})
    return {(client_id, day): _judge(intake=intakes.get(client_id), service=None, day=day, waits=waits, extra=[],
                                     overrides=overrides[client_id]) for client_id, day in sessions}
