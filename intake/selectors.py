"""Reads on intakes that other apps use (the front-desk calendar, the practitioner's day)."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Max, Q
from django.utils import timezone

from booking.models import Appointment, AppointmentStatus
from clinic.core.models import ClinicSettings

from .models import (
    Assessment,
    IntakeFlag,
    IntakeRequest,
    IntakeSettings,
    IntakeSubmission,
    Reassessment,
    SubmissionStatus,
    TonguePulse,
    TreatmentNote,
)

MISSING, DRAFT, SUBMITTED, REVIEWED = "missing", "draft", "submitted", "reviewed"
# The client withdrew her consent: her answers are not used until she sends the questionnaire again.
WITHDRAWN = "withdrawn"

# One badge vocabulary for the intake on every page (calendar, day sheet, appointment panel, client directory
# and record, My day), one colour meaning: green = nothing to do, amber = something to do before the session,
# red = the session cannot go ahead (screening), grey = for information.
OK, TODO, STOP, INFO = "success", "warning", "danger", "secondary"
_BADGES = {
    MISSING: (TODO, "Intake missing"),
    DRAFT: (TODO, "Intake unfinished"),
    WITHDRAWN: (TODO, "Consent withdrawn"),
    SUBMITTED: (INFO, "Intake awaiting review"),
    REVIEWED: (OK, "Intake reviewed"),
}


@dataclass(frozen=True)
class IntakeStatus:
    """What staff without clinical access may know about a client's intake: no answers."""

    status: str  # "missing" | "draft" | "submitted" | "reviewed" | "withdrawn"
    has_flags: bool = False
    needs_review: bool = False
    submission_id: int | None = None  # the current (submitted) one, for links staff with access may follow
    blocked_until: date | None = None  # earliest date a blocking wait allows, when one applies
    last_requested_at: datetime | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        """The badge's words (``intake_badge``)."""
        return intake_badge(self)[1]

    @property
    def badge(self) -> str:
        """The badge's Bootstrap colour (``intake_badge``)."""
        return intake_badge(self)[0]

    @property
    def needs_action(self) -> bool:
        """Amber or red: something to do, or to know, before the session."""
        return self.badge in (TODO, STOP)

    @property
    def is_complete(self) -> bool:
        return self.status in (SUBMITTED, REVIEWED)


def clinic_today() -> date:
    return timezone.localdate(timezone=ClinicSettings.load().tz)


def intake_statuses(*, client_ids: list[int], on_date: date | None = None) -> dict[int, IntakeStatus]:
    """Intake status of each client, judged for a session on ``on_date`` (default: today, clinic zone).

    Three queries whatever the number of clients: submissions, open flags, last requests.
    """
    if not client_ids:
        return {}
    day = on_date or clinic_today()
    return statuses_for_dates({cid: day for cid in client_ids})


def statuses_for_dates(client_dates: dict[int, date]) -> dict[int, IntakeStatus]:
    """Like ``intake_statuses`` but each client judged on their own date (e.g. their next appointment)."""
    judged = statuses_on_dates(sessions=client_dates.items())
    return {client_id: judged[(client_id, day)] for client_id, day in client_dates.items()}


def statuses_on_dates(*, sessions: Iterable[tuple[int, date]]) -> dict[tuple[int, date], IntakeStatus]:
    """Intake status per (client, local date of a session): a client seen on Monday and on Thursday is
    judged twice, as a screening wait may end in between. What stops a session is the screening gate's
    verdict (``intake.gate``: live waits, practitioners' approvals). Seven queries whatever the number of sessions."""
    from .gate import verdicts_on_dates

    sessions = set(sessions)
    if not sessions:
        return {}
    ids = sorted({client_id for client_id, _day in sessions})
    rows = (IntakeSubmission.objects.filter(client_id__in=ids)
            .filter(Q(is_current=True) | Q(status=SubmissionStatus.DRAFT) | Q(consent__withdrawn_at__isnull=False))
            .values("id", "client_id", "status", "is_current", "reviewed_at"))
    current: dict[int, dict] = {}
    drafts: set[int] = set()
    withdrawn: set[int] = set()
    for row in rows:
        if row["is_current"]:
            current[row["client_id"]] = row
        elif row["status"] == SubmissionStatus.DRAFT:
            drafts.add(row["client_id"])
        else:
            withdrawn.add(row["client_id"])
    flags_by_submission: dict[int, list[IntakeFlag]] = defaultdict(list)
    if current:
        for flag in IntakeFlag.objects.filter(submission_id__in=[r["id"] for r in current.values()],
                                              cleared_at=None):
            flags_by_submission[flag.submission_id].append(flag)
    last_request: dict[int, datetime] = dict(
        IntakeRequest.objects.filter(client_id__in=ids).order_by().values("client_id")
        .annotate(last=Max("created_at")).values_list("client_id", "last"))
    verdicts = verdicts_on_dates(sessions=sessions)
    result = {}
    for client_id, day in sessions:
        row = current.get(client_id)
        if row is None:
            # A withdrawal outranks a draft: nothing may be used until the update is sent with new consent.
            status = WITHDRAWN if client_id in withdrawn else DRAFT if client_id in drafts else MISSING
            result[(client_id, day)] = IntakeStatus(status=status, last_requested_at=last_request.get(client_id))
            continue
        flags = flags_by_submission.get(row["id"], [])
        verdict = verdicts[(client_id, day)]
        reviewed = row["reviewed_at"] is not None
        result[(client_id, day)] = IntakeStatus(
            status=REVIEWED if reviewed else SUBMITTED,
            has_flags=bool(flags),
            needs_review=verdict.stops or verdict.needs_review,
            submission_id=row["id"],
            blocked_until=verdict.earliest if verdict.stops else None,
            last_requested_at=last_request.get(client_id),
        )
    return result


def intake_badge(intake: IntakeStatus) -> tuple[str, str]:
    """The one badge for a client's intake, as (Bootstrap colour, words): every page shows this one.

    ``intake`` must be judged on the session's own date (``statuses_on_dates``): a screening wait stops
    the sessions before its end, not the ones after. Front-desk vocabulary: never any answers."""
    if intake.status in (MISSING, DRAFT, WITHDRAWN):
        return _BADGES[intake.status]
    if intake.blocked_until is not None:
        # Every flag stopping this session is a wait after a procedure: say until when, the desk can move it.
        return STOP, f"Waiting: no treatment before {intake.blocked_until.day} {intake.blocked_until:%b}"
    if intake.needs_review:
        return TODO, "Flags to review"
    css, text = _BADGES[intake.status]
    if intake.has_flags:  # flags that stop nothing: a note for the practitioner, nothing for the desk to do
        return css, f"{text} · {'flags noted' if intake.status == REVIEWED else 'has flags'}"
    return css, text


def intake_badges(intake: IntakeStatus | None) -> list[tuple[str, str]]:
    """The calendar's intake badges: ``intake_badge`` when it asks for something (amber or red). A week holds
    hundreds of sessions; a green or grey badge on each would hide the few that need the desk."""
    if intake is None or not intake.needs_action:
        return []
    return [intake_badge(intake)]


def current_submission(*, client) -> IntakeSubmission | None:
    return (IntakeSubmission.objects.select_related("version").filter(client=client, is_current=True).first())


def draft_submission(*, client) -> IntakeSubmission | None:
    return (IntakeSubmission.objects.select_related("version")
            .filter(client=client, status=SubmissionStatus.DRAFT).first())


def submission_history(*, client):
    return (IntakeSubmission.objects.filter(client=client, status=SubmissionStatus.SUBMITTED)
            .select_related("reviewed_by").order_by("-submitted_at"))


# -- progress over a course ------------------------------------------------------------------------

@dataclass(frozen=True)
class ProgressPoint:
    at: datetime
    label: str  # "Intake", "After session 5", ...
    scores: dict[str, float]  # pattern key -> 0..100
    concerns: dict[str, int]  # concern key -> severity


def progress_timeline(*, client) -> list[ProgressPoint]:
    """Every scored moment of a client's course, oldest first: sent intakes and re-assessments (2 queries)."""
    from .questionnaire import Questionnaire

    points = []
    submissions = (IntakeSubmission.objects.filter(client=client, status=SubmissionStatus.SUBMITTED)
                   .exclude(consent__withdrawn_at__isnull=False)  # answers she withdrew consent for are not used
                   .select_related("version").order_by("submitted_at"))
    for index, submission in enumerate(submissions):
        questionnaire = Questionnaire.of(submission.version)
        points.append(ProgressPoint(submission.submitted_at, "Intake" if index == 0 else "Intake update",
                                    submission.scores, questionnaire.concern_severities(submission.answers)))
    for reassessment in Reassessment.objects.filter(client=client).select_related("version"):
        questionnaire = Questionnaire.of(reassessment.version)
        label = f"After session {reassessment.session_number}" if reassessment.session_number else "Re-check"
        points.append(ProgressPoint(reassessment.created_at, label, reassessment.scores,
                                    questionnaire.concern_severities(reassessment.answers)))
    return sorted(points, key=lambda p: p.at)


@dataclass(frozen=True)
class TonguePulseVisit:
    """One row of the course's tongue and pulse table: the assessment, or a session's current treatment note."""

    at: datetime  # the session's start, or when the assessment was first written; orders the rows
    local_at: datetime  # the same in the session location's zone (the assessment: the active zone)
    label: str  # "Assessment", "Session 3"; "" for a session that does not count in the course
    reading: TonguePulse


def tongue_pulse_course(*, client) -> list[TonguePulseVisit]:
    """The client's tongue and pulse over the course, oldest first: the assessments of their intakes and the
    current version of every session's note, numbered as ``course_sessions`` numbers them. Visits with nothing
    recorded are left out. At most five queries whatever the number of visits."""
    visits = [TonguePulseVisit(a.created_at, timezone.localtime(a.created_at), "Assessment", a)
              for a in Assessment.objects.filter(submission__client=client) if a.has_tongue_pulse]
    notes = [note for note in TreatmentNote.objects.filter(appointment__client=client)
             .select_related("appointment__location") if note.has_tongue_pulse]
    course = course_sessions(appointments=[note.appointment for note in notes])
    for note in notes:
        number = course[note.appointment_id].number
        visits.append(TonguePulseVisit(note.appointment.starts_at, note.appointment.local_starts_at,
                                       f"Session {number}" if number else "", note))
    return sorted(visits, key=lambda visit: visit.at)


# -- where a session stands in the client's course ----------------------------------------------------
#
# One rule for "which session of the course is this, and is a re-assessment due", read by the message
# planner (course check-in 48 h ahead), the check-in email itself, the practitioner's day and the client's
# pages, so that the email and the practitioner's badge always name the same session.

# A session counts once it is confirmed and not called off: cancelled ones never took place, a no-show did
# not either, and a booking held for an unconfirmed email address is not a session yet. Sessions booked
# ahead count, so the check-in planned days before a session numbers it as the practitioner will see it.
COURSE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED, AppointmentStatus.IN_TREATMENT,
                   AppointmentStatus.COMPLETED)


@dataclass(frozen=True)
class CourseSession:
    number: int | None  # the Nth counted session of the client (None: cancelled, no-show or unconfirmed)
    reassess_at: int | None = None  # this session is the re-assessment at that session number, still to do


@dataclass
class _History:
    """One client's counted sessions in course order, and when their re-assessments were recorded."""

    order: list[tuple[datetime, int]]  # (starts_at, pk), sorted
    reassessed: list[datetime] = field(default_factory=list)

    def number(self, starts_at: datetime, pk: int) -> int:
        return bisect.bisect_left(self.order, (starts_at, pk)) + 1

    def stage_done(self, milestone: int) -> bool:
        """Whether a re-assessment was recorded for the stage of session ``milestone``: from the start of
        the session before it on (the check-in email goes 48 h ahead, the practitioner may do it in the session)."""
        since = self.order[milestone - 2][0] if milestone >= 2 else None
        return any(since is None or at >= since for at in self.reassessed)


def _histories(client_ids: set[int], *, until: datetime, milestones: list[int],
               sessions: list[Appointment] | None = None) -> dict[int, _History]:
    """Counted sessions starting at or before ``until`` per client (one query, none when ``sessions`` has them
    already), and their re-assessments (one more, only when a client has reached one of the ``milestones``)."""
    histories = {client_id: _History(order=[]) for client_id in client_ids}
    if sessions is None:
        rows = (Appointment.objects.filter(client_id__in=client_ids, status__in=COURSE_STATUSES, starts_at__lte=until)
                .order_by("starts_at", "pk").values_list("client_id", "starts_at", "pk"))
    else:
        rows = sorted(((a.client_id, a.starts_at, a.pk) for a in sessions
                       if a.status in COURSE_STATUSES and a.starts_at <= until), key=lambda row: (row[1], row[2]))
    for client_id, starts_at, pk in rows:
        histories[client_id].order.append((starts_at, pk))
    reached = [cid for cid, h in histories.items() if milestones and len(h.order) >= milestones[0]]
    if reached:
        for client_id, at in Reassessment.objects.filter(client_id__in=reached).values_list("client_id", "created_at"):
            histories[client_id].reassessed.append(at)
    return histories


def course_sessions(*, appointments: Iterable[Appointment],
                    sessions: list[Appointment] | None = None) -> dict[int, CourseSession]:
    """Where each appointment stands in its client's course, by appointment pk.

    Its number counts the client's sessions before it (past or booked ahead, see ``COURSE_STATUSES``);
    it is a re-assessment session when that number is one of the clinic's re-assessment sessions
    (``IntakeSettings``) and no re-assessment has been recorded for that stage yet. Two or three queries
    whatever the number of appointments: list pages call this once. ``sessions``: every session of the
    appointments' clients that is not cancelled, when the caller has just read them (a booking, under the
    client's lock); the history is then counted from them instead of read again.
    """
    appointments = list(appointments)
    if not appointments:
        return {}
    milestones = IntakeSettings.load().reassess_sessions
    histories = _histories({a.client_id for a in appointments}, until=max(a.starts_at for a in appointments),
                           milestones=milestones, sessions=sessions)
    result = {}
    for a in appointments:
        if a.status not in COURSE_STATUSES:
            result[a.pk] = CourseSession(number=None)
            continue
        history = histories[a.client_id]
        number = history.number(a.starts_at, a.pk)
        due = number in milestones and not history.stage_done(number)
        result[a.pk] = CourseSession(number=number, reassess_at=number if due else None)
    return result


def course_session(*, appointment: Appointment) -> CourseSession:
    return course_sessions(appointments=[appointment])[appointment.pk]


def reassessment_due(*, client, now: datetime | None = None) -> int | None:
    """The re-assessment the client still owes: the last of the clinic's re-assessment sessions their
    sessions so far (started by ``now``) have reached, unless one was recorded for that stage.

    Counted as ``course_sessions`` counts; unlike a session's own mark it stays due until it is done.
    """
    now = now or timezone.now()
    milestones = IntakeSettings.load().reassess_sessions
    history = _histories({client.pk}, until=now, milestones=milestones)[client.pk]
    reached = [m for m in milestones if m <= len(history.order)]
    if not reached or history.stage_done(reached[-1]):
        return None
    return reached[-1]
