"""Writes on point maps, and the charting part of a client's export and erasure.

Every rule of a map is checked here, whatever the path (the page with or without JavaScript, a script, the
demo): known codes on the right side, needles inside the picture, at most ``MAX_NEEDLES`` in all.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from booking.models import Appointment, AppointmentStatus
from clinic.accounts.permissions import Cap, has_cap
from clinic.audit.services import audit_record
from intake import access
from intake.services import IntakeError, intake_check_usable, session_started

from . import points as catalogue
from .models import MAX_NEEDLES, MAX_RETENTION_MINUTES, PlanMap, PointMap, PointMapVersion

MAX_PER_REGION = 40  # more along one line is a typing slip (400 for 40)


class MapError(Exception):
    """A user-facing reason a map cannot be saved (``.message``). Nothing was saved."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class MapChanged(MapError):
    """The map was saved by someone else (another tab) after the page was opened."""


@dataclass(frozen=True)
class MapContent:
    """A map's content, checked and put in a canonical order."""

    points: list[dict]
    local_needles: list[dict]
    retention_minutes: int | None

    @property
    def needle_count(self) -> int:
        return needle_total(points=self.points, local_needles=self.local_needles)

    def as_fields(self) -> dict:
        return {"points": self.points, "local_needles": self.local_needles, "needle_count": self.needle_count,
                "retention_minutes": self.retention_minutes}


def needle_total(*, points: list[dict], local_needles: list[dict]) -> int:
    """One needle per point and side, per tapped needle, and the count along each line."""
    return len(points) + sum(int(n.get("count", 1)) for n in local_needles)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _clean_points(raw) -> list[dict]:
    if not isinstance(raw, list):
        raise MapError("The points could not be read. Nothing was saved.")
    seen: set[tuple[str, str]] = set()
    for item in raw:
        code_text = item.get("code") if isinstance(item, dict) else None
        side = item.get("side", "") if isinstance(item, dict) else None
        code = catalogue.canonical_code(code_text or "")
        if code is None:
            raise MapError(f"“{str(code_text)[:20]}” is not a point on the map: choose points from the list.")
        point = catalogue.BY_CODE[code]
        if side not in point.sides:
            if point.bilateral:
                raise MapError(f"Say which side {code} was needled on (left or right).")
            raise MapError(f"{code} is on the midline: it has no left or right.")
        seen.add((code, side))
    order = {p.code: index for index, p in enumerate(catalogue.POINTS)}
    return [{"code": code, "side": side} for code, side in sorted(seen, key=lambda cs: (order[cs[0]], cs[1]))]


def _clean_needles(raw) -> list[dict]:
    if not isinstance(raw, list):
        raise MapError("The local needles could not be read. Nothing was saved.")
    tapped, counted = [], {}
    for item in raw:
        if not isinstance(item, dict):
            raise MapError("The local needles could not be read. Nothing was saved.")
        if "region" in item:
            region = catalogue.REGION_BY_KEY.get(item["region"])
            count = item.get("count")
            if region is None:
                raise MapError(f"“{str(item['region'])[:30]}” is not a line or wrinkle on the list.")
            if type(count) is not int or not 0 <= count <= MAX_PER_REGION:
                raise MapError(f"{region.label}: give a number of needles from 0 to {MAX_PER_REGION}.")
            counted[region.key] = counted.get(region.key, 0) + count
            continue
        view, x, y = item.get("view"), item.get("x"), item.get("y")
        if view not in catalogue.VIEWS or not _is_number(x) or not _is_number(y):
            raise MapError("A local needle could not be read: tap on the drawing to place it. Nothing was saved.")
        if not catalogue.in_view(view, x, y):
            raise MapError("A local needle is outside the drawing: tap inside it to place one. Nothing was saved.")
        tapped.append({"view": view, "x": round(float(x), 1), "y": round(float(y), 1)})
    regions = [{"region": r.key, "count": counted[r.key]} for r in catalogue.REGIONS if counted.get(r.key)]
    return regions + tapped


def point_map_clean(*, points, local_needles, retention_minutes) -> MapContent:
    """The map as it will be stored, or ``MapError`` with what to fix."""
    if retention_minutes is not None and (type(retention_minutes) is not int
                                          or not 0 < retention_minutes <= MAX_RETENTION_MINUTES):
        raise MapError(f"Retention time is in minutes, from 1 to {MAX_RETENTION_MINUTES}.")
    content = MapContent(_clean_points(points), _clean_needles(local_needles), retention_minutes)
    if content.needle_count > MAX_NEEDLES:
        raise MapError(f"That makes {content.needle_count} needles: a session has at most {MAX_NEEDLES}. "
                       "Check the counts along the lines. Nothing was saved.")
    if content.needle_count == 0:
        raise MapError("Mark at least one point or needle before saving the map.")
    return content


def _check_writer(appointment: Appointment, practitioner) -> None:
    if appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW):
        raise MapError(f"This appointment is {appointment.get_status_display().lower()}: "
                       "there is no session to chart.")
    if appointment.practitioner.user_id != practitioner.pk:
        raise MapError(f"Only {appointment.practitioner}, who gave this session, can mark its map. Nothing was saved.")
    # The pages answer 404 first; this stops every other path (a script, a stale form) from writing to the record
    # of a client outside the practitioner's care, or by an account that lost its clinical role.
    if not has_cap(practitioner, Cap.WRITE_CLINICAL) or not access.may_see_client(practitioner, appointment.client):
        raise MapError("This client's record is not open to you. Nothing was saved.")
    if not session_started(appointment):
        raise MapError("You can mark the map once the session has started.")


def point_map_save(*, appointment: Appointment, practitioner, points, local_needles,
                   retention_minutes: int | None, based_on: int | None = None, request=None) -> PointMap:
    """Save the session's point map: the first save creates it, a later one replaces it and keeps the version it
    replaces in ``PointMapVersion``. ``based_on`` is the version the practitioner was looking at (0: none yet):
    if the map has moved on since, ``MapChanged`` is raised and nothing is saved, so a second tab cannot silently
    undo a correction. Saving the same content again changes nothing."""
    _check_writer(appointment, practitioner)
    content = point_map_clean(points=points, local_needles=local_needles, retention_minutes=retention_minutes)
    now = timezone.now()
    with transaction.atomic():
        # The row lock orders two saves of one map: the second sees the first's version number.
        current = PointMap.objects.select_for_update().filter(appointment=appointment).first()
        if current is None:
            return _point_map_create(appointment=appointment, practitioner=practitioner, content=content,
                                     based_on=based_on, request=request)
        if based_on is not None and based_on != current.version:
            raise MapChanged("This map was changed after you opened the page (it is shown as it is now). "
                             "Your marks are kept here: check them and save again.")
        fields = content.as_fields()
        if all(getattr(current, name) == value for name, value in fields.items()):
            return current
        PointMapVersion.objects.create(point_map=current, number=current.version, saved_by_id=current.saved_by_id,
                                       saved_at=current.saved_at, replaced_at=now, **current.content())
        for name, value in fields.items():
            setattr(current, name, value)
        current.version += 1
        current.saved_by, current.saved_at = practitioner, now
        current.save()
        audit_record(actor=practitioner, action="point_map.amend", obj=current, subject=appointment.client,
                     request=request)
    return current


def _point_map_create(*, appointment, practitioner, content: MapContent, based_on: int | None,
                      request=None) -> PointMap:
    try:
        with transaction.atomic():  # a savepoint: the IntegrityError must not spoil the caller's transaction
            created = PointMap.objects.create(appointment=appointment, saved_by=practitioner,
                                              saved_at=timezone.now(), **content.as_fields())
    except IntegrityError:
        # Another tab saved the first version between our read and our insert (one map per session).
        raise MapChanged("A map for this session was saved a moment ago (it is shown as it is now). "
                         "Your marks are kept here: check them and save again.") from None
    audit_record(actor=practitioner, action="point_map.save", obj=created, subject=appointment.client,
                 request=request)
    return created


def plan_map_save(*, assessment, practitioner, points, local_needles, retention_minutes: int | None,
                  request=None) -> PlanMap:
    """Mark the course's planned points on the diagrams, beside the assessment's written plan. Any clinician
    who may write the client's record may revise it, as she may revise the assessment."""
    client = assessment.submission.client
    if not has_cap(practitioner, Cap.WRITE_CLINICAL) or not access.may_see_client(practitioner, client):
        raise MapError("This client's record is not open to you. Nothing was saved.")
    try:
        intake_check_usable(submission=assessment.submission)  # e.g. the client withdrew her consent
    except IntakeError as exc:
        raise MapError(exc.message) from None
    content = point_map_clean(points=points, local_needles=local_needles, retention_minutes=retention_minutes)
    with transaction.atomic():
        plan, _created = PlanMap.objects.update_or_create(
            assessment=assessment,
            defaults={**content.as_fields(), "saved_by": practitioner, "saved_at": timezone.now()})
        audit_record(actor=practitioner, action="plan_map.save", obj=plan, subject=client, request=request)
    return plan


# -- the client's export and erasure ------------------------------------------------------------------

def _map_export(content, *, at) -> dict:
    labels = {p.code: p.name for p in catalogue.POINTS}
    regions = {r.key: r.label for r in catalogue.REGIONS}
    return {
        "saved_at": at.isoformat(),
        "needle_count": content.needle_count,
        "retention_minutes": content.retention_minutes,
        "points": [{"code": p["code"], "name": labels.get(p["code"], ""), "side": catalogue.SIDE_LABELS.get(p["side"])}
                   for p in content.points],
        "lines": [{"line": regions.get(n["region"], n["region"]), "needles": n["count"]}
                  for n in content.local_needles if "region" in n],
        "needles_placed_on_the_drawing": [n for n in content.local_needles if "region" not in n],
    }


def point_maps_export(client) -> list[dict]:
    """Every session's point map of ``client`` with its earlier versions, oldest session first (two queries)."""
    maps = list(PointMap.objects.filter(appointment__client=client).select_related("appointment")
                .prefetch_related("earlier_versions").order_by("appointment__starts_at"))
    return [{"session_starts_at": m.appointment.starts_at.isoformat(), "version": m.version,
             **_map_export(m, at=m.saved_at),
             "earlier_versions": [{"version": v.number, **_map_export(v, at=v.saved_at)}
                                  for v in m.earlier_versions.all()]} for m in maps]


def plan_maps_export(client) -> list[dict]:
    """The planned points of each of the client's assessments (one query)."""
    plans = (PlanMap.objects.filter(assessment__submission__client=client).select_related("assessment__submission")
             .order_by("assessment__created_at"))
    return [{"intake_submitted_at": p.assessment.submission.submitted_at.isoformat()
             if p.assessment.submission.submitted_at else None, **_map_export(p, at=p.saved_at)} for p in plans]


def charting_export(client) -> dict:
    """The charting part of a client's record export: point maps and planned points, and photos when that part
    is installed."""
    data: dict = {"point_maps": point_maps_export(client), "planned_points": plan_maps_export(client)}
    try:
        from . import photos
    except ImportError:  # the photo part needs Pillow; without it there is nothing of it to export
        return data
    if hasattr(photos, "photos_export"):
        data["photos"] = photos.photos_export(client)
    if hasattr(photos, "photo_consents_export"):
        data["photo_consents"] = photos.photo_consents_export(client)
    return data


def point_maps_purge(*, client_id: int) -> int:
    """Delete the client's point maps with their history, and her planned points: called when an erased client's
    retention period ends, with her treatment notes (``clinic.accounts.rights``). Returns the maps deleted."""
    PlanMap.objects.filter(assessment__submission__client_id=client_id).delete()  # also goes with the assessment
    PointMapVersion.objects.filter(point_map__appointment__client_id=client_id).delete()
    deleted, _ = PointMap.objects.filter(appointment__client_id=client_id).delete()
    return deleted


def point_maps_erase(client) -> int:
    return point_maps_purge(client_id=client.pk)


def charting_erase(client) -> None:
    """Delete everything charting holds about ``client``: point maps and, when installed, photos."""
    with transaction.atomic():
        point_maps_erase(client)
        try:
            from . import photos
        except ImportError:
            return
        if hasattr(photos, "photos_erase"):
            photos.photos_erase(client)
