"""Writes on appointments. Views, the front desk, tasks and the admin all come through here.

Concurrency: on PostgreSQL the exclusion constraints of migration 0002 are the guarantee and we
turn their IntegrityError into ``SlotTaken``. On SQLite every ``atomic()`` block opens with
``BEGIN IMMEDIATE`` (settings: ``transaction_mode``), so the check-then-insert below runs with the
database write lock held and two bookings cannot interleave.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from clinic.core.models import ClinicSettings

from . import notifications, selectors
from .models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    BookedVia,
    Course,
    Location,
    Practitioner,
    Room,
    Service,
)

PRACTITIONER_CONSTRAINT = "booking_appointment_no_practitioner_overlap"
ROOM_CONSTRAINT = "booking_appointment_no_room_overlap"


class BookingError(Exception):
    """A booking request that cannot be honoured; ``message`` is shown to the user as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SlotTaken(BookingError):
    """Someone else holds (part of) this time. ``alternatives`` are the nearest free slots.

    A plain class, not a dataclass: a dataclass would define ``__eq__`` and make the exception
    unhashable, which breaks code that keeps exceptions in sets (tracebacks, loggers).
    """

    DEFAULT = "Sorry, that time was just taken. Please choose another time."

    def __init__(self, message: str = DEFAULT, alternatives: list | None = None):
        super().__init__(message)
        self.alternatives: list = list(alternatives or [])


class OutsidePolicyWindow(BookingError):
    pass


def _now() -> datetime:
    return timezone.now()  # frozen by time-machine in tests


def _constraint_name(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") or ""


def _event(appointment: Appointment, action: str, actor=None, **details) -> AppointmentEvent:
    return AppointmentEvent.objects.create(appointment=appointment, action=action, actor=actor, details=details)


def _overlapping(qs, start: datetime, blocked_until: datetime):
    return qs.filter(status__in=ACTIVE_STATUSES, starts_at__lt=blocked_until, blocked_until__gt=start)


def _free_room(location: Location, start: datetime, blocked_until: datetime, exclude_pk=None) -> Room | None:
    busy = _overlapping(Appointment.objects.exclude(pk=exclude_pk), start, blocked_until).values("room_id")
    return location.rooms.filter(is_active=True).exclude(pk__in=busy).order_by("name").first()


def _nearest_alternatives(*, service: Service, practitioner: Practitioner | None, location: Location,
                          around: datetime, staff: bool) -> list:
    try:
        return selectors.nearest_slots(service=service, practitioner=practitioner, location=location,
                                       around=around, limit=3, staff=staff)
    except Exception:  # noqa: BLE001 - alternatives are a courtesy; never turn a clash into a 500
        return []


def policy_allows_client_change(appointment: Appointment, *, now: datetime | None = None,
                                clinic: ClinicSettings | None = None) -> bool:
    """Clients may cancel or reschedule online only outside the cancellation window.

    Pass ``clinic`` (e.g. ``request.clinic``) when checking many appointments: one settings query.
    """
    window = timedelta(hours=(clinic or ClinicSettings.load()).cancellation_window_hours)
    return appointment.starts_at - (now or _now()) >= window


def _check_bookable(*, service: Service, practitioner: Practitioner, location: Location, start: datetime,
                    staff: bool, ignore_pk=None) -> None:
    problem = selectors.slot_problem(service=service, practitioner=practitioner, location=location,
                                     start=start, staff=staff, ignore_appointment_pk=ignore_pk)
    if problem:
        raise BookingError(problem)


def _save_with_room(appointment: Appointment, *, room: Room | None, ignore_pk=None) -> None:
    """Insert/update, picking a free room unless one was chosen; a lost race becomes SlotTaken."""
    for _attempt in range(3):
        # The practitioner first: when they are busy, "no room is free" would be the wrong reason.
        practitioner_clash = _overlapping(
            Appointment.objects.filter(practitioner=appointment.practitioner).exclude(pk=ignore_pk),
            appointment.starts_at, appointment.blocked_until).exists()
        if practitioner_clash:
            raise SlotTaken()
        chosen = room or _free_room(appointment.location, appointment.starts_at, appointment.blocked_until,
                                    exclude_pk=ignore_pk)
        if chosen is None:
            raise SlotTaken("Sorry, no treatment room is free at that time. Please choose another time.")
        if room is not None and _overlapping(Appointment.objects.filter(room=room).exclude(pk=ignore_pk),
                                             appointment.starts_at, appointment.blocked_until).exists():
            raise SlotTaken("Sorry, that time was just taken in that room. Please choose another time or room.")
        appointment.room = chosen
        try:
            with transaction.atomic():  # savepoint: a failed insert leaves the outer transaction usable
                appointment.save()
            return
        except IntegrityError as exc:
            if _constraint_name(exc) == ROOM_CONSTRAINT and room is None:
                continue  # another booking took the room we picked at the same instant: pick again
            if _constraint_name(exc) in (PRACTITIONER_CONSTRAINT, ROOM_CONSTRAINT):
                raise SlotTaken() from exc
            raise
    raise SlotTaken()


def appointment_book(
    *,
    client,
    service: Service,
    practitioner: Practitioner,
    starts_at: datetime,
    location: Location | None = None,
    room: Room | None = None,
    actor=None,
    via: str = BookedVia.ONLINE,
    course=None,
    desk_note: str = "",
) -> Appointment:
    """Book one session. Online bookings honour notice, horizon and online-only rules; front-desk
    bookings (``via=PHONE``) may go inside the minimum notice but never overlap.

    Raises ``BookingError`` (with a user-facing message) or its subclass ``SlotTaken``.
    """
    staff = via == BookedVia.PHONE
    location = location or practitioner.locations.filter(is_active=True).order_by("pk").first()
    if location is None:
        raise BookingError("This practitioner has no clinic location set up. Please call the clinic.")
    blocked_until = starts_at + service.duration + service.buffer
    try:
        with transaction.atomic():
            _check_bookable(service=service, practitioner=practitioner, location=location, start=starts_at,
                            staff=staff)
            problem = selectors.client_service_problem(client=client, service=service, staff=staff,
                                                       starts_at=starts_at)
            if problem:
                raise BookingError(problem)
            is_first = not Appointment.objects.filter(client=client, status__in=ACTIVE_STATUSES).exists()
            status = AppointmentStatus.BOOKED
            if not staff and not client.email_verified:
                status = AppointmentStatus.PENDING  # held; confirmed when the email is verified
            appointment = Appointment(
                client=client, practitioner=practitioner, service=service, location=location,
                starts_at=starts_at, ends_at=starts_at + service.duration, blocked_until=blocked_until,
                status=status, booked_via=via, is_first_visit=is_first, course=course,
                created_by=actor or client, desk_note=desk_note,
            )
            _save_with_room(appointment, room=room)
            _event(appointment, "booked", actor or client, via=via, starts_at=starts_at.isoformat())
            if status == AppointmentStatus.BOOKED:
                notifications.appointment_messages_booked(appointment, plan=course is None)
    except SlotTaken as exc:
        exc.alternatives = _nearest_alternatives(service=service, practitioner=practitioner, location=location,
                                                 around=starts_at, staff=staff)
        raise
    return appointment


def appointment_reschedule(
    *,
    appointment: Appointment,
    starts_at: datetime,
    actor,
    practitioner: Practitioner | None = None,
    room: Room | None = None,
    by_staff: bool = False,
) -> Appointment:
    """Move an appointment. The old time is released in the same transaction as the new one is taken."""
    if not appointment.is_active or appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING):
        raise BookingError("Only upcoming booked sessions can be moved.")
    if not by_staff and not policy_allows_client_change(appointment):
        raise OutsidePolicyWindow(_window_message())
    if not by_staff and (problem := selectors.first_visit_order_problem(appointment=appointment,
                                                                        new_start=starts_at)):
        raise BookingError(problem)
    practitioner = practitioner or appointment.practitioner
    old = {"starts_at": appointment.starts_at.isoformat(), "practitioner": appointment.practitioner_id,
           "room": appointment.room_id}
    try:
        with transaction.atomic():
            locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
            if locked.status != appointment.status:
                raise BookingError("This appointment was changed by someone else. Please reload.")
            _check_bookable(service=locked.service, practitioner=practitioner, location=locked.location,
                            start=starts_at, staff=by_staff, ignore_pk=locked.pk)
            locked.practitioner = practitioner
            locked.starts_at = starts_at
            locked.ends_at = starts_at + locked.service.duration
            locked.blocked_until = locked.ends_at + locked.service.buffer
            _save_with_room(locked, room=room, ignore_pk=locked.pk)
            change = _event(locked, "rescheduled", actor, old=old, new={
                "starts_at": starts_at.isoformat(), "practitioner": practitioner.pk, "room": locked.room_id})
            notifications.appointment_messages_moved(locked, old_starts_at=appointment.starts_at,
                                                     change_id=change.pk)
    except SlotTaken as exc:
        exc.alternatives = _nearest_alternatives(service=appointment.service, practitioner=practitioner,
                                                 location=appointment.location, around=starts_at, staff=by_staff)
        raise
    appointment.refresh_from_db()
    return appointment


class CourseNotBooked(BookingError):
    """One date of a course could not be booked, so none was. ``starts_at`` names the date."""

    def __init__(self, message: str, *, starts_at: datetime, taken: bool):
        super().__init__(message)
        self.starts_at = starts_at
        self.taken = taken


def course_book(
    *,
    client,
    service: Service,
    practitioner: Practitioner,
    location: Location,
    starts: list[datetime],
    description: str,
    actor=None,
) -> Course:
    """Book every session of a course, or none: one transaction, each date checked like a single booking.

    Raises ``CourseNotBooked`` naming the first date that failed; nothing is written then.
    """
    if not starts:
        raise BookingError("Please choose at least one date.")
    if len(set(starts)) != len(starts):
        raise BookingError("Two sessions of the course are at the same time. Please choose another time.")
    starts = sorted(starts)
    with transaction.atomic():
        course = Course.objects.create(client=client, service=service, practitioner=practitioner,
                                       sessions=len(starts), description=description[:120])
        for start in starts:
            try:
                appointment_book(client=client, service=service, practitioner=practitioner, starts_at=start,
                                 location=location, actor=actor, course=course)
            except BookingError as exc:
                # Leaving the atomic block with an exception rolls back every session booked so far.
                when = f"{start.astimezone(location.tz):%A %d %B at %H:%M}"
                taken = isinstance(exc, SlotTaken)
                reason = ("was just taken by someone else. Please choose another time for it." if taken
                          else f"cannot be booked: {exc.message}")
                raise CourseNotBooked(f"Nothing was booked: the session on {when} {reason}",
                                      starts_at=start, taken=taken) from exc
        notifications.client_messages_plan(client=client)  # once for the whole course
    return course


def _window_message() -> str:
    clinic = ClinicSettings.load()
    return (f"This session starts within {clinic.cancellation_window_hours} hours, so it can no longer be "
            f"changed online. Please call the clinic on {clinic.phone}.")


def appointment_cancel(*, appointment: Appointment, actor, reason: str = "", by_staff: bool = False) -> Appointment:
    """Cancel and free the time. Staff may cancel inside the window; it is then marked late."""
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING):
        raise BookingError("Only upcoming booked sessions can be cancelled.")
    inside_window = not policy_allows_client_change(appointment)
    if inside_window and not by_staff:
        raise OutsidePolicyWindow(_window_message())
    if not by_staff and (problem := selectors.first_visit_order_problem(appointment=appointment)):
        raise BookingError(problem)
    now = _now()
    with transaction.atomic():
        # Conditional update: of two simultaneous cancels only one changes the row and notifies.
        changes = {"status": AppointmentStatus.CANCELLED, "cancelled_at": now, "cancel_reason": reason[:200],
                   "late_cancellation": inside_window and appointment.starts_at > now, "updated_at": now}
        was_confirmed = bool(Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.BOOKED)
                             .update(**changes))
        if not was_confirmed and not Appointment.objects.filter(
                pk=appointment.pk, status=AppointmentStatus.PENDING).update(**changes):
            raise BookingError("This appointment was already cancelled.")
        appointment.refresh_from_db()
        _event(appointment, "cancelled", actor, reason=reason[:200], late=appointment.late_cancellation)
        notifications.appointment_messages_cancelled(appointment, was_confirmed=was_confirmed)
        # robust: the cancellation is saved; a broker outage must not turn it into an error page.
        transaction.on_commit(lambda: _time_freed(appointment.pk), robust=True)
    return appointment


def appointments_release_unconfirmed(*, now: datetime | None = None) -> int:
    """Free the times held for clients who never confirmed their email address.

    A pending booking is held as long as its confirmation link works (EMAIL_VERIFICATION_MAX_AGE),
    and never past its own start. Run by the beat (booking.tasks.release_unconfirmed_bookings).
    """
    now = now or _now()
    hold = timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE)
    released = 0
    stale = Appointment.objects.filter(status=AppointmentStatus.PENDING).filter(
        Q(created_at__lt=now - hold) | Q(starts_at__lte=now))
    for appointment in stale:
        try:
            appointment_cancel(appointment=appointment, actor=None, by_staff=True,
                               reason="Email address not confirmed in time")
        except BookingError:
            continue  # confirmed or cancelled meanwhile
        released += 1
    return released


def _time_freed(appointment_id: int) -> None:
    """Hook for the waitlist: a slot opened up. The front desk app connects a receiver."""
    from .signals import slot_freed

    slot_freed.send(sender=Appointment, appointment_id=appointment_id)


ALLOWED_TRANSITIONS = {
    AppointmentStatus.PENDING: {AppointmentStatus.BOOKED},
    AppointmentStatus.BOOKED: {AppointmentStatus.ARRIVED, AppointmentStatus.NO_SHOW},
    AppointmentStatus.ARRIVED: {AppointmentStatus.IN_TREATMENT, AppointmentStatus.COMPLETED,
                                AppointmentStatus.BOOKED},
    AppointmentStatus.IN_TREATMENT: {AppointmentStatus.COMPLETED},
    AppointmentStatus.NO_SHOW: {AppointmentStatus.BOOKED},  # marked by mistake
}


def appointment_set_status(*, appointment: Appointment, status: str, actor) -> Appointment:
    """Check-in, start, complete, no-show. Only forward moves that make sense are allowed."""
    current = AppointmentStatus(appointment.status)
    if status not in ALLOWED_TRANSITIONS.get(current, set()):
        raise BookingError(f"A session that is {current.label.lower()} cannot be marked "
                           f"{AppointmentStatus(status).label.lower()}.")
    # "The day of the session" is the location's calendar day, not UTC's (23:30 UTC is tomorrow in Tokyo).
    tz = appointment.location.tz
    if status in (AppointmentStatus.ARRIVED, AppointmentStatus.NO_SHOW) and \
            appointment.starts_at.astimezone(tz).date() > _now().astimezone(tz).date():
        raise BookingError("You can only check in or mark a no-show on the day of the session.")
    with transaction.atomic():
        changed = Appointment.objects.filter(pk=appointment.pk, status=current).update(
            status=status, updated_at=_now())
        if not changed:
            raise BookingError("This appointment was changed by someone else. Please reload.")
        appointment.refresh_from_db()
        _event(appointment, status, actor, previous=current.value)
        if status == AppointmentStatus.BOOKED and current == AppointmentStatus.PENDING:
            notifications.appointment_messages_booked(appointment)
        else:
            notifications.appointment_messages_status(appointment)
    return appointment


def appointments_confirm_pending(*, client) -> int:
    """The client verified their email: their held bookings become real ones. A hold whose start has
    passed is released instead (the beat would have), and one released meanwhile is skipped.

    One transaction: a course's single confirmation goes once all its sessions are booked."""
    with transaction.atomic():
        return _confirm_each_pending(client)


def _confirm_each_pending(client) -> int:
    count = 0
    for appointment in Appointment.objects.filter(client=client, status=AppointmentStatus.PENDING):
        try:
            if appointment.starts_at <= _now():
                appointment_cancel(appointment=appointment, actor=None, by_staff=True,
                                   reason="Email address confirmed after the start")
                continue
            appointment_set_status(appointment=appointment, status=AppointmentStatus.BOOKED, actor=client)
        except BookingError:
            continue  # released or changed at the same moment
        count += 1
    return count
