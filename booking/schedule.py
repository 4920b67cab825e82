"""The manager's writes to the schedule: services, rooms, weekly hours and breaks, time off and closures, and
practitioner profiles. The manager's pages (``booking.views_manage``) call these; they are the rules' last gate.

Nothing here cancels or moves a booked session: a change that leaves sessions outside the new hours, or inside
new time off, is saved and the sessions are returned so the page can say which to rearrange.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import (
    Appointment,
    AppointmentStatus,
    Break,
    Practitioner,
    Room,
    Service,
    TimeOff,
    WorkingHours,
)

# Sessions that still take place: the ones a schedule change must not silently strand.
LIVE = [AppointmentStatus.PENDING, AppointmentStatus.BOOKED]
PHOTO_SIZE = 480  # px, the longest side kept: a profile photo, not a print
PHOTO_DIR = "practitioners"


class ScheduleError(Exception):
    """A schedule change that cannot be saved; ``message`` is shown to the manager as it is, ``field`` names the
    form field it is about (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class Saved:
    """What was saved, and the booked sessions the manager should look at (they were not changed)."""

    obj: object
    affected: list[Appointment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _end_after_start(start, end, message: str, end_field: str) -> None:
    if start is not None and end is not None and end <= start:
        raise ScheduleError(message, end_field)


def service_save(*, service: Service) -> Saved:
    """Create or edit a service. The slug is unique: a taken one is a message, not an error page."""
    if service.duration_minutes is None or service.duration_minutes <= 0:
        raise ScheduleError("A session must last at least one minute.", "duration_minutes")
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError:
        raise ScheduleError("Another service already uses this web address (slug): choose another.",
                            "slug") from None
    return Saved(service)


def room_save(*, room: Room) -> Saved:
    """Create or rename a room; names are unique within a location."""
    try:
        with transaction.atomic():
            room.save()
    except IntegrityError:
        raise ScheduleError(f"{room.location} already has a room called “{room.name}”.", "name") from None
    return Saved(room)


def _live_sessions(practitioner: Practitioner, *, now: datetime | None = None):
    return (Appointment.objects.filter(practitioner=practitioner, status__in=LIVE, starts_at__gte=now or timezone.now())
            .select_related("location", "client").order_by("starts_at"))


def sessions_outside_hours(*, practitioner: Practitioner, now: datetime | None = None) -> list[Appointment]:
    """Upcoming booked sessions that no longer fit inside the practitioner's weekly hours at their location,
    or that now overlap a break."""
    hours: dict[tuple[int, int], list[tuple[time, time]]] = {}
    for h in WorkingHours.objects.filter(practitioner=practitioner):
        hours.setdefault((h.location_id, h.weekday), []).append((h.start, h.end))
    breaks: dict[int, list[tuple[time, time]]] = {}
    for b in Break.objects.filter(practitioner=practitioner):
        breaks.setdefault(b.weekday, []).append((b.start, b.end))
    outside = []
    for appointment in _live_sessions(practitioner, now=now):
        start, end = appointment.local_starts_at, appointment.ends_at.astimezone(appointment.location.tz)
        fits = end.date() == start.date() and any(
            s <= start.time() and end.time() <= e for s, e in hours.get((appointment.location_id, start.weekday()), []))
        on_break = any(start.time() < e and s < end.time() for s, e in breaks.get(start.weekday(), []))
        if not fits or on_break:
            outside.append(appointment)
    return outside


def working_hours_save(*, hours: WorkingHours, now: datetime | None = None) -> Saved:
    """Add or change a weekly shift. Shifts of one practitioner on one weekday may not overlap (at any
    location: she cannot be in two places). Booked sessions are kept; those now outside her hours are returned."""
    _end_after_start(hours.start, hours.end, "The end of the shift must be after its start.", "end")
    with transaction.atomic():
        # Serialise edits to one practitioner's week, so two managers cannot both add an overlapping shift.
        Practitioner.objects.select_for_update().filter(pk=hours.practitioner_id).first()
        clash = (WorkingHours.objects.filter(practitioner_id=hours.practitioner_id, weekday=hours.weekday,
                                             start__lt=hours.end, end__gt=hours.start).exclude(pk=hours.pk).first())
        if clash:
            raise ScheduleError(f"This overlaps the shift {clash.start:%H:%M}–{clash.end:%H:%M} on "
                                f"{clash.get_weekday_display()} at {clash.location}.", "start")
        hours.save()
    return _with_outside(hours, hours.practitioner, now)


def working_hours_delete(*, hours: WorkingHours, now: datetime | None = None) -> Saved:
    practitioner = hours.practitioner
    hours.delete()
    return _with_outside(hours, practitioner, now)


def break_save(*, brk: Break, now: datetime | None = None) -> Saved:
    _end_after_start(brk.start, brk.end, "The end of the break must be after its start.", "end")
    with transaction.atomic():
        Practitioner.objects.select_for_update().filter(pk=brk.practitioner_id).first()
        clash = (Break.objects.filter(practitioner_id=brk.practitioner_id, weekday=brk.weekday, start__lt=brk.end,
                                      end__gt=brk.start).exclude(pk=brk.pk).first())
        if clash:
            raise ScheduleError(f"This overlaps the break {clash.start:%H:%M}–{clash.end:%H:%M} on "
                                f"{clash.get_weekday_display()}.", "start")
        brk.save()
    return _with_outside(brk, brk.practitioner, now)


def break_delete(*, brk: Break) -> Saved:
    brk.delete()
    return Saved(brk)


def _with_outside(obj, practitioner: Practitioner, now: datetime | None) -> Saved:
    outside = sessions_outside_hours(practitioner=practitioner, now=now)
    warnings = []
    if outside:
        warnings.append(f"{len(outside)} booked session{'s' if len(outside) != 1 else ''} of {practitioner} "
                        "now fall outside these hours. They are kept: move or cancel them from the front-desk "
                        "calendar if needed.")
    return Saved(obj, affected=outside, warnings=warnings)


def time_off_save(*, time_off: TimeOff, now: datetime | None = None) -> Saved:
    """Add or change time off (a practitioner) or a closure (a location, or the whole clinic). Nothing booked is
    cancelled: sessions inside it are returned, and time off entered in the past is saved with a warning."""
    _end_after_start(time_off.starts_at, time_off.ends_at, "The time off must end after it starts.", "ends_at")
    now = now or timezone.now()
    time_off.save()
    warnings = []
    if time_off.ends_at <= now:
        warnings.append("This time off is entirely in the past: it changes nothing for bookings. Check the dates "
                        "if you meant a future one.")
    elif time_off.starts_at < now:
        warnings.append("This time off started in the past: only the part from now on affects bookings.")
    clash = Appointment.objects.filter(status__in=LIVE, starts_at__lt=time_off.ends_at, ends_at__gt=time_off.starts_at)
    if time_off.practitioner_id:
        clash = clash.filter(practitioner_id=time_off.practitioner_id)
    elif time_off.location_id:
        clash = clash.filter(location_id=time_off.location_id)
    affected = list(clash.select_related("location", "practitioner__user").order_by("starts_at"))
    if affected:
        warnings.append(f"{len(affected)} booked session{'s' if len(affected) != 1 else ''} fall inside this time "
                        "off. They are not cancelled: move or cancel them from the front-desk calendar.")
    return Saved(time_off, affected=affected, warnings=warnings)


def practitioner_profile_save(*, practitioner: Practitioner, title: str, bio: str, photo=None,
                              remove_photo: bool = False) -> Saved:
    """The practitioner's public profile: title, bio and photo. The photo (already validated as an image by the
    form) is re-encoded, which drops its metadata (camera, place), and stored under a random name."""
    practitioner.title, practitioner.bio = title.strip(), bio.strip()
    old = practitioner.photo.name if practitioner.photo else ""
    if photo is not None:
        practitioner.photo.name = default_storage.save(f"{PHOTO_DIR}/{uuid.uuid4().hex}.jpg",
                                                       ContentFile(_reencoded(photo)))
    elif remove_photo:
        practitioner.photo.name = ""
    practitioner.save(update_fields=["title", "bio", "photo"])
    if old and old != practitioner.photo.name:
        default_storage.delete(old)
    return Saved(practitioner)


def _reencoded(upload) -> bytes:
    from PIL import Image, ImageOps

    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((PHOTO_SIZE, PHOTO_SIZE))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85)
    except (OSError, ValueError):
        raise ScheduleError("This file is not a photo we can read: upload a JPEG or PNG.", "photo") from None
    return out.getvalue()


def closures_and_time_off(*, upcoming_from: datetime | None = None):
    """Time off and closures that have not ended, soonest first."""
    return (TimeOff.objects.filter(Q(ends_at__gt=upcoming_from or timezone.now()))
            .select_related("practitioner__user", "location").order_by("starts_at"))
