"""Reads on point maps: where a new map starts from, a client's maps, and the course at a glance."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from booking.models import Appointment
from intake.models import IntakeSubmission, Reassessment, SubmissionStatus, TreatmentNote
from intake.selectors import COURSE_STATUSES, course_sessions

from . import points as catalogue
from .models import PointMap


@dataclass(frozen=True)
class MapStart:
    """What an empty map is pre-filled with, and where it came from (shown to the practitioner)."""

    points: list[dict]
    local_needles: list[dict]
    retention_minutes: int | None
    source: str  # "Started from session 4: adjust"


def plan_points(text: str) -> list[dict]:
    """The catalogue points named in a plan's free text ("LI20, ST3, Yintang; LU7 both sides"): both sides of a
    bilateral point, since a plan rarely says."""
    found = []
    for token in re.findall(r"[A-Za-z]+\s?\d*", text or ""):
        code = catalogue.canonical_code(token)
        if code is not None:
            found.extend({"code": code, "side": side} for side in catalogue.BY_CODE[code].sides)
    unique = {(p["code"], p["side"]): p for p in found}
    return list(unique.values())


def point_map_start(*, appointment: Appointment) -> MapStart | None:
    """Where this session's map starts when none is saved yet: the client's last earlier map, or else her treatment
    plan's points (marked on the diagrams, or else named in its text). None when there is neither (three queries
    at most)."""
    previous = (PointMap.objects.filter(appointment__client_id=appointment.client_id,
                                        appointment__starts_at__lt=appointment.starts_at)
                .select_related("appointment").order_by("-appointment__starts_at").first())
    if previous is not None:
        number = course_sessions(appointments=[previous.appointment])[previous.appointment_id].number
        when = f"session {number}" if number else f"the session of {previous.appointment.local_starts_at:%-d %b}"
        return MapStart(previous.points, previous.local_needles, previous.retention_minutes,
                        f"Started from {when}: adjust.")
    submission = (IntakeSubmission.objects.filter(client_id=appointment.client_id, is_current=True,
                                                  status=SubmissionStatus.SUBMITTED)
                  .select_related("assessment__plan_map").first())
    plan = getattr(submission, "assessment", None) if submission else None
    if plan is None:
        return None
    marked = getattr(plan, "plan_map", None)
    if marked is not None:
        return MapStart(marked.points, marked.local_needles, marked.retention_minutes,
                        "Started from the planned points: adjust.")
    # No points marked on the plan: the codes its text names.
    planned = plan_points(f"{plan.face_points}, {plan.body_points}")
    if not planned:
        return None
    return MapStart(planned, [], None, "Started from the treatment plan: adjust.")


def point_maps_of(*, client, limit: int = 30) -> list[PointMap]:
    """The client's most recent maps, newest session first, with their sessions (one query)."""
    return list(PointMap.objects.filter(appointment__client=client).select_related("appointment__location")
                .order_by("-appointment__starts_at")[:limit])


# -- the course at a glance ---------------------------------------------------------------------------------

KEY_POINTS = 8  # the codes shown on a session's row; the map page has the rest


@dataclass
class CourseRow:
    appointment: Appointment
    number: int | None
    note: TreatmentNote | None
    point_map: PointMap | None
    concerns: list[tuple[str, str]] = field(default_factory=list)  # (concern, severity in words)
    concerns_label: str = ""  # "After session 5"
    photos: list = field(default_factory=list)

    @property
    def needle_count(self) -> int | None:
        if self.point_map is not None:
            return self.point_map.needle_count
        return self.note.needle_count if self.note else None

    @property
    def key_points(self) -> list[str]:
        if self.point_map is None:
            return []
        codes = list(dict.fromkeys(p["code"] for p in self.point_map.points))
        return codes[:KEY_POINTS]

    @property
    def more_points(self) -> int:
        if self.point_map is None:
            return 0
        return max(0, len({p["code"] for p in self.point_map.points}) - KEY_POINTS)


@dataclass
class Course:
    rows: list[CourseRow]
    baseline: list[tuple[str, str]]  # the intake's concerns, before the course
    baseline_at: datetime | None
    has_photos: bool


def _concern_words(questionnaire, answers: dict) -> list[tuple[str, str]]:
    severities = questionnaire.concern_severities(answers)
    labels = questionnaire.severity_labels
    return [(q["label"], str(labels.get(severities[q["key"]], severities[q["key"]])))
            for q in questionnaire.concerns if severities.get(q["key"])]


def _photos_by_appointment(client) -> dict[int, list]:
    """The photos of each session, from the photo part of charting when it is installed (else none)."""
    try:
        from . import selectors
    except ImportError:
        return {}
    reader = getattr(selectors, "photos_by_appointment", None)
    return reader(client) if reader is not None else {}


def course_at_a_glance(*, client, now: datetime | None = None) -> Course:
    """The client's sessions so far in course order, each with its map, note, check-in and photos.

    A fixed number of queries whatever the number of sessions: sessions with their notes and maps (1), their
    course numbers (2), intake and check-ins (2, questionnaire versions joined), photos (what the photo part needs).
    """
    from intake.questionnaire import Questionnaire

    now = now or timezone.now()
    appointments = list(Appointment.objects.filter(client=client, status__in=COURSE_STATUSES, starts_at__lte=now)
                        .select_related("location", "service", "practitioner__user", "treatment_note", "point_map")
                        .order_by("starts_at", "pk"))
    numbers = course_sessions(appointments=appointments)
    rows = [CourseRow(a, numbers[a.pk].number, getattr(a, "treatment_note", None), getattr(a, "point_map", None))
            for a in appointments]
    by_pk = {row.appointment.pk: row for row in rows}
    by_number = {row.number: row for row in rows if row.number}
    for check_in in Reassessment.objects.filter(client=client).select_related("version"):
        row = by_pk.get(check_in.appointment_id) or by_number.get(check_in.session_number)
        if row is not None:
            row.concerns = _concern_words(Questionnaire.of(check_in.version), check_in.answers)
            row.concerns_label = (f"After session {check_in.session_number}" if check_in.session_number
                                  else "Check-in")
    first = (IntakeSubmission.objects.filter(client=client, status=SubmissionStatus.SUBMITTED)
             .select_related("version").order_by("submitted_at").first())
    baseline = _concern_words(Questionnaire.of(first.version), first.answers) if first else []
    photos: dict[int, list] = defaultdict(list, _photos_by_appointment(client))
    for row in rows:
        row.photos = list(photos.get(row.appointment.pk, []))
    return Course(rows=rows, baseline=baseline, baseline_at=first.submitted_at if first else None,
                  has_photos=any(row.photos for row in rows))
