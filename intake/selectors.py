"""Reads on intakes that other apps use (the front-desk calendar, the practitioner's day)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Max, Q
from django.utils import timezone

from clinic.core.models import ClinicSettings

from .models import IntakeFlag, IntakeRequest, IntakeSubmission, SubmissionStatus

MISSING, DRAFT, SUBMITTED, REVIEWED = "missing", "draft", "submitted", "reviewed"

_LABELS = {
    MISSING: "Intake missing",
    DRAFT: "Intake started, not submitted",
    SUBMITTED: "Intake awaiting review",
    REVIEWED: "Intake reviewed",
}
_BADGES = {MISSING: "danger", DRAFT: "warning", SUBMITTED: "info", REVIEWED: "success"}


@dataclass(frozen=True)
class IntakeStatus:
    """What staff without clinical access may know about a client's intake: no answers."""

    status: str  # "missing" | "draft" | "submitted" | "reviewed"
    has_flags: bool = False
    needs_review: bool = False
    submission_id: int | None = None  # the current (submitted) one, for links staff with access may follow
    blocked_until: date | None = None  # earliest date a blocking wait allows, when one applies
    last_requested_at: datetime | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        text = _LABELS[self.status]
        if self.needs_review:
            text += " · needs review"
        elif self.has_flags:
            text += " · flags"
        return text

    @property
    def badge(self) -> str:
        """Bootstrap colour for the status badge."""
        return "danger" if self.needs_review else _BADGES[self.status]

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
    if not client_dates:
        return {}
    ids = list(client_dates)
    rows = (IntakeSubmission.objects.filter(client_id__in=ids)
            .filter(Q(is_current=True) | Q(status=SubmissionStatus.DRAFT))
            .values("id", "client_id", "status", "is_current", "reviewed_at"))
    current: dict[int, dict] = {}
    drafts: set[int] = set()
    for row in rows:
        if row["is_current"]:
            current[row["client_id"]] = row
        else:
            drafts.add(row["client_id"])
    flags_by_submission: dict[int, list[IntakeFlag]] = defaultdict(list)
    if current:
        for flag in IntakeFlag.objects.filter(submission_id__in=[r["id"] for r in current.values()],
                                              cleared_at=None):
            flags_by_submission[flag.submission_id].append(flag)
    last_request: dict[int, datetime] = dict(
        IntakeRequest.objects.filter(client_id__in=ids).order_by().values("client_id")
        .annotate(last=Max("created_at")).values_list("client_id", "last"))
    result = {}
    for client_id, day in client_dates.items():
        row = current.get(client_id)
        if row is None:
            result[client_id] = IntakeStatus(status=DRAFT if client_id in drafts else MISSING,
                                             last_requested_at=last_request.get(client_id))
            continue
        flags = flags_by_submission.get(row["id"], [])
        blocking = [f for f in flags if f.blocks_on(day)]
        reviewed = row["reviewed_at"] is not None
        unreviewed_concern = not reviewed and any(f.level == "review" for f in flags)
        waits = [f.until for f in blocking if f.until is not None]
        result[client_id] = IntakeStatus(
            status=REVIEWED if reviewed else SUBMITTED,
            has_flags=bool(flags),
            needs_review=bool(blocking) or unreviewed_concern,
            submission_id=row["id"],
            blocked_until=max(waits) if waits and len(waits) == len(blocking) else None,
            last_requested_at=last_request.get(client_id),
        )
    return result


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
    from .models import Reassessment
    from .questionnaire import Questionnaire

    points = []
    submissions = (IntakeSubmission.objects.filter(client=client, status=SubmissionStatus.SUBMITTED)
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


def reassessment_due(*, client, completed: int | None = None) -> int | None:
    """The session milestone (from ``IntakeSettings``) the client has reached without a re-assessment."""
    from booking.models import Appointment, AppointmentStatus

    from .models import IntakeSettings, Reassessment

    if completed is None:
        completed = Appointment.objects.filter(client=client, status=AppointmentStatus.COMPLETED).count()
    reached = [m for m in IntakeSettings.load().reassess_sessions if m <= completed]
    if not reached:
        return None
    milestone = reached[-1]
    done = Reassessment.objects.filter(client=client, session_number__gte=milestone).exists()
    return None if done else milestone
