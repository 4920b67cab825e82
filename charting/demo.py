"""Demo point maps: Chloe's treatment plan gets its planned points and each of her completed sessions the map of a
plausible facial protocol (36 to 44 needles, more along the jaw as the course goes on), so the client record, the
course page and the next map's starting point show real content. Idempotent: what has a map is left alone."""

from __future__ import annotations

from booking.models import Appointment, AppointmentStatus
from intake.models import Assessment

from .models import PlanMap, PointMap
from .services import point_map_clean

# Both sides of the face and the body, the midline points, and needles along the lines: 36 needles.
_BILATERAL = ("ST3", "ST6", "LI20", "GB14", "Taiyang", "SI18", "ST4", "LU7", "LI4", "SP6", "ST36")
_MIDLINE = ("Yintang", "DU24", "REN24", "REN6")
_LINES = {"forehead": 4, "crows_feet_r": 2, "crows_feet_l": 2, "nasolabial_r": 1, "nasolabial_l": 1}


def protocol(index: int) -> dict:
    """The map of the ``index``-th session (0-based): the base protocol and, from the second session, one more
    needle each side along the jawline per session, up to four."""
    points = [{"code": code, "side": side} for code in _BILATERAL for side in ("R", "L")]
    points += [{"code": code, "side": ""} for code in _MIDLINE]
    lines = dict(_LINES)
    if index:
        lines["jawline_r"] = lines["jawline_l"] = min(index, 4)
    return {"points": points, "local_needles": [{"region": key, "count": n} for key, n in lines.items()],
            "retention_minutes": 25}


def seed(users) -> None:
    chloe = users["client@demo.clinic"]
    for assessment in Assessment.objects.filter(submission__client=chloe, plan_map__isnull=True):
        PlanMap.objects.create(assessment=assessment, saved_by_id=assessment.practitioner_id,
                               saved_at=assessment.created_at, **point_map_clean(**protocol(0)).as_fields())
    completed = (Appointment.objects.filter(client=chloe, status=AppointmentStatus.COMPLETED)
                 .select_related("practitioner").order_by("starts_at"))
    mapped = set(PointMap.objects.filter(appointment__client=chloe).values_list("appointment_id", flat=True))
    for index, appointment in enumerate(completed):
        if appointment.pk in mapped:
            continue
        content = point_map_clean(**protocol(index))  # the service's own checks: the demo is valid data
        PointMap.objects.create(appointment=appointment, saved_by_id=appointment.practitioner.user_id,
                                saved_at=appointment.ends_at, **content.as_fields())
