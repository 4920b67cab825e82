"""Writes on appointments. Views, the front desk, tasks and the admin all come through here.

Concurrency: on PostgreSQL the exclusion constraints of migration 0002 are the guarantee and we
turn their IntegrityError into ``SlotTaken``; every booking transaction first takes the locks of
``_lock_for_booking`` (the client's row, advisory locks on the location's and the practitioner's days), so
two clashing inserts never wait for each other (a deadlock) and one client cannot be booked twice at
once. On SQLite every ``atomic()`` block opens with ``BEGIN IMMEDIATE`` (settings: ``transaction_mode``),
so the check-then-insert below runs with the database write lock held and two bookings cannot interleave.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from clinic.core.models import ClinicSettings

from . import notifications, screening, selectors
from .models import (
    ACTIVE_STATUSES,
    STAFF_CHANNELS,
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


class SlotUnavailable(BookingError):
    """The schedule does not offer this time to anyone (hours, breaks, time off, closures, notice, horizon)."""


class DeskWarning(BookingError):
    """A rule the front desk may set aside, knowingly: the desk page shows the message with a "... anyway"
    button that posts ``override=<code>``, and the service records the override in the appointment's event.
    Online, and on any path that does not pass the override, it is a refusal like any ``BookingError``."""

    code = ""


class ClientDoubleBooked(DeskWarning):
    """The client already holds a live session (with any practitioner) that overlaps this time."""

    code = "client_overlap"

    def __init__(self, message: str, *, other: Appointment):
        super().__init__(message)
        self.other = other


class FirstVisitNotInitial(DeskWarning):
    """A new client's first visit would not be the initial consultation the clinic requires first."""

    code = "first_visit"


class ScreeningBlocked(BookingError):
    """The intake's screening stops a session on that date (a "do not treat" flag or a wait that has not run
    out). Not a ``DeskWarning``: the desk cannot set it aside, only a practitioner's approval for the date can
    (``intake.models.ScreeningOverride``). ``earliest`` is the first date that is fine (None: none yet)."""

    def __init__(self, message: str, *, earliest=None):
        super().__init__(message)
        self.earliest = earliest


def _now() -> datetime:
    return timezone.now()  # frozen by time-machine in tests


def _constraint_name(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") or ""


def _event(appointment: Appointment, action: str, actor=None, **details) -> AppointmentEvent:
    return AppointmentEvent.objects.create(appointment=appointment, action=action, actor=actor, details=details)


# Key spaces of pg_advisory_xact_lock(kind << 24 | UTC day number, id): a location's or a practitioner's day.
_LOCK_LOCATION, _LOCK_PRACTITIONER = 1, 2


def _lock_keys(*, location: Location, practitioner: Practitioner,
               spans: Iterable[tuple[datetime, datetime]]) -> list[tuple[int, int]]:
    """The advisory lock keys of the UTC days the spans touch, for the location and the practitioner, sorted.

    Two sessions that overlap share an instant, hence that instant's UTC day: two bookings that could clash
    always share a key, while bookings on different days no longer wait for each other."""
    days = {day for lo, hi in spans
            for day in range(lo.astimezone(UTC).toordinal(), hi.astimezone(UTC).toordinal() + 1)}
    return sorted({(kind << 24 | day, pk) for day in days
                   for kind, pk in ((_LOCK_LOCATION, location.pk), (_LOCK_PRACTITIONER, practitioner.pk))})


def _lock_for_booking(*, client_id: int, location: Location, practitioner: Practitioner,
                      spans: Iterable[tuple[datetime, datetime]]) -> None:
    """First thing in every booking transaction: wait for the bookings that could clash with this one.

    - The client's row (FOR NO KEY UPDATE, which does not block rows that merely reference the client):
      two bookings for one client run one after the other, so both cannot pass the "client is free" check.
    - PostgreSQL: advisory locks on the location's days (rooms belong to it) and the practitioner's days that
      ``spans`` (start, blocked until) touch, held until commit. PostgreSQL checks an exclusion constraint after
      inserting the row, so two simultaneous inserts that clash in a room (or for a practitioner working at two
      locations) each wait for the other and one dies with "deadlock detected". With these locks every insert
      the constraints could set against each other is serialised; the constraints stay the guarantee. Locking
      days, not whole locations, lets bookings on different days go ahead side by side.

    Always in the same order (client row, then the keys sorted, locations before practitioners), so two
    bookings never wait for each other's locks: one statement, whose subquery locks the client's row before the
    outer select takes the advisory locks. On SQLite ``BEGIN IMMEDIATE`` already serialises every write
    transaction: nothing to take.
    """
    if connection.vendor != "postgresql":
        return
    keys = _lock_keys(location=location, practitioner=practitioner, spans=spans)
    table = get_user_model()._meta.db_table
    locks = ", ".join(["pg_advisory_xact_lock(%s, %s)"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {locks} FROM (SELECT id FROM "{table}" WHERE id = %s FOR NO KEY UPDATE) AS client',  # noqa: S608
            [value for key in keys for value in key] + [client_id])


def _lost_race(exc: OperationalError) -> bool:
    """A deadlock or serialisation failure: the database gave up on us for someone else's sake."""
    return getattr(exc.__cause__, "pgcode", None) in ("40P01", "40001")


def _overlapping(qs, start: datetime, blocked_until: datetime):
    return qs.filter(status__in=ACTIVE_STATUSES, starts_at__lt=blocked_until, blocked_until__gt=start)


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
        raise SlotUnavailable(problem)


def _client_overlap(*, client_id: int, starts_at: datetime, ends_at: datetime, ignore_pk=None) -> Appointment | None:
    # The client's own time is the session itself: the practitioner's clean-up buffer after it is not theirs.
    return (Appointment.objects.filter(client_id=client_id, status__in=ACTIVE_STATUSES, starts_at__lt=ends_at,
                                       ends_at__gt=starts_at)
            .exclude(pk=ignore_pk).select_related("client", "service", "practitioner__user", "location")
            .order_by("starts_at").first())


@dataclass(frozen=True)
class _ClientHistory:
    """The client's live sessions, read once (one query) for every rule of a booking that looks at them (first
    visit, overlap, unverified holds) and for planning its messages."""

    sessions: list[Appointment]
    starts_at: datetime
    ends_at: datetime

    @property
    def earlier(self) -> bool:
        """A live session starts before the new one: it is not the client's first visit."""
        return any(a.starts_at < self.starts_at for a in self.sessions)

    @property
    def overlapping(self) -> bool:
        """A live session overlaps the new one's own time (the practitioner's clean-up buffer is not theirs)."""
        return any(a.starts_at < self.ends_at and a.ends_at > self.starts_at for a in self.sessions)

    @property
    def pending(self) -> int:
        """Sessions held until the client confirms their email address."""
        return sum(a.status == AppointmentStatus.PENDING for a in self.sessions)

    def with_new(self, appointment: Appointment) -> list[Appointment]:
        """The client's live sessions once ``appointment`` is written (for the planner)."""
        return [*self.sessions, appointment]


def _client_history(*, client, starts_at: datetime, ends_at: datetime) -> _ClientHistory:
    """One read of the client's live sessions instead of a query per rule; the rules that then need details
    (the overlapping session, the first-visit wording) ask for them only when they apply."""
    sessions = list(Appointment.objects.filter(client_id=client.pk, status__in=ACTIVE_STATUSES))
    for session in sessions:
        session.client = client  # the planner reads the client's choices through each session
    return _ClientHistory(sessions=sessions, starts_at=starts_at, ends_at=ends_at)


def _check_client_free(*, client_id: int, starts_at: datetime, ends_at: datetime, desk: bool,
                       overrides: Collection[str], ignore_pk=None) -> dict:
    """Refuse a session that overlaps another live one of the client's; the desk may confirm it anyway.

    Returns what the event records when the desk did (empty otherwise)."""
    other = _client_overlap(client_id=client_id, starts_at=starts_at, ends_at=ends_at, ignore_pk=ignore_pk)
    if other is None:
        return {}
    if desk and ClientDoubleBooked.code in overrides:
        return {ClientDoubleBooked.code: other.pk}
    when = f"{other.local_starts_at:%A %-d %B at %H:%M}"
    if desk:
        raise ClientDoubleBooked(
            f"{other.client.full_name} already has {other.service.name} with {other.practitioner} on {when}, "
            "which overlaps this time. Go ahead only if the client really wants both sessions.", other=other)
    raise ClientDoubleBooked(f"You already have {other.service.name} with {other.practitioner} on {when}, which "
                             "overlaps this time. Please choose another time.", other=other)


def _check_first_visit(*, client, service: Service, starts_at: datetime, overrides: Collection[str],
                       ignore_pk: int | None = None) -> dict:
    """At the desk the first-visit rule is a warning to confirm (online ``client_service_problem`` refuses).
    ``ignore_pk``: the session being moved to ``starts_at``."""
    return _confirmed_first_visit(selectors.first_visit_warning(client=client, service=service, starts_at=starts_at,
                                                                ignore_pk=ignore_pk), overrides)


def _confirmed_first_visit(warning: str | None, overrides: Collection[str]) -> dict:
    """Raise the desk's first-visit ``warning`` unless they confirmed it; returns what the event records."""
    if warning is None:
        return {}
    if FirstVisitNotInitial.code not in overrides:
        raise FirstVisitNotInitial(warning)
    return {FirstVisitNotInitial.code: True}


def _check_moved_first_visit(moving: Appointment, *, starts_at: datetime, staff: bool,
                             overrides: Collection[str]) -> dict:
    """The first-visit rules for a session moved to ``starts_at``: online ``moved_first_visit_problem`` refuses
    (the review page shows the same words); at the desk a session that becomes the first visit is checked as a
    new booking there, and an initial consultation moved behind the client's next session is a warning to
    confirm. Returns what the event records."""
    if not staff:
        if problem := selectors.moved_first_visit_problem(appointment=moving, new_start=starts_at):
            raise BookingError(problem)
        return {}
    if selectors.becomes_first_visit(moving, new_start=starts_at):
        if problem := selectors.client_service_problem(client=moving.client, service=moving.service, staff=True,
                                                       starts_at=starts_at, ignore_pk=moving.pk):
            raise BookingError(problem)  # a returning clients' service: not even the desk puts it first
        return _check_first_visit(client=moving.client, service=moving.service, starts_at=starts_at,
                                  overrides=overrides, ignore_pk=moving.pk)
    return _confirmed_first_visit(selectors.first_visit_order_problem(appointment=moving, new_start=starts_at,
                                                                      desk=True), overrides)


def _check_screening(*, client, service: Service, starts_at: datetime, location: Location, staff: bool,
                     desk: bool) -> dict:
    """Refuse a session the screening gate stops on its local date. Online the client reads why and from when;
    on the clinic's channels (``staff``) a practitioner's approval for that date lets it through, and the event
    records it. ``desk``: the reader is the front desk (no clinical detail either way), else the client.

    Returns what the event records (empty when the gate had nothing to say)."""
    # The intake decides where a session may go; a session's own health check (answered for the date it had)
    # holds back that session's check-in, not a move to a later date.
    verdict = screening.verdict(client=client, service=service, day=starts_at.astimezone(location.tz).date())
    if verdict is None or not verdict.blocked:
        return {}
    if staff and verdict.override is not None:
        return {"screening_override": verdict.override.pk}
    raise ScreeningBlocked(verdict.staff_message if desk else verdict.client_message, earliest=verdict.earliest)


def _rooms_at(appointment: Appointment, *, room: Room | None, ignore_pk=None) -> list[Room]:
    """The location's active rooms (and the chosen one) in name order, each marked ``busy`` when it is taken
    during the appointment and ``practitioner_busy`` when the practitioner is: one query for both questions.

    Written as SQL: the ORM spent several times longer compiling this query (two correlated EXISTS) than the
    database spent answering it, on every booking. Each EXISTS reads one range of the (room | practitioner,
    starts_at) index (``selectors.held_sql``)."""
    ops = connection.ops
    table, rooms = ops.quote_name(Appointment._meta.db_table), ops.quote_name(Room._meta.db_table)
    held, window = selectors.held_sql(appointment.starts_at, appointment.blocked_until, ops=ops, alias="a",
                                      ignore_pk=ignore_pk)
    clash = f"EXISTS (SELECT 1 FROM {table} a WHERE a.{{}} = {{}} AND {held})"
    sql = (f"SELECT r.id, r.location_id, r.name, r.is_active, {clash.format('room_id', 'r.id')} AS busy, "
           f"{clash.format('practitioner_id', '%s')} AS practitioner_busy FROM {rooms} r "
           "WHERE (r.location_id = %s AND r.is_active) OR r.id = %s ORDER BY r.name, r.id")
    params = [*window, appointment.practitioner_id, *window, appointment.location_id,
              room.pk if room is not None else None]
    found = list(Room.objects.raw(sql, params))
    for candidate in found:  # SQLite answers EXISTS with 0 or 1
        candidate.busy, candidate.practitioner_busy = bool(candidate.busy), bool(candidate.practitioner_busy)
    return found


def _save_with_room(appointment: Appointment, *, room: Room | None, ignore_pk=None) -> None:
    """Insert/update, picking a free room unless one was chosen; a clash seen first becomes SlotTaken.

    No savepoint around the write: ``_lock_for_booking`` serialises every booking that could clash, so the
    exclusion constraints only fire against a writer that bypassed the services (the admin, a script). Then
    the whole booking rolls back and ``_database_refusals`` turns the error into "just taken"."""
    rooms = _rooms_at(appointment, room=room, ignore_pk=ignore_pk)
    # The practitioner first: when they are busy, "no room is free" would be the wrong reason.
    practitioner_busy = rooms[0].practitioner_busy if rooms else _overlapping(
        Appointment.objects.filter(practitioner=appointment.practitioner).exclude(pk=ignore_pk),
        appointment.starts_at, appointment.blocked_until).exists()
    if practitioner_busy:
        raise SlotTaken()
    if room is None:
        chosen = next((r for r in rooms if not r.busy and r.location_id == appointment.location_id
                       and r.is_active), None)
        if chosen is None:
            raise SlotTaken("Sorry, no treatment room is free at that time. Please choose another time.")
    else:
        chosen = room
        if any(r.pk == room.pk and r.busy for r in rooms):
            raise SlotTaken("Sorry, that time was just taken in that room. Please choose another time or room.")
    appointment.room = chosen
    appointment.save()


@contextmanager
def _database_refusals() -> Iterator[None]:
    """Around a booking's transaction: the database's own refusal (an exclusion constraint, or a deadlock
    PostgreSQL broke in someone else's favour) is the time being taken, never a 500. Outside the atomic block,
    so the transaction (or the caller's savepoint) has rolled back by then."""
    try:
        yield
    except IntegrityError as exc:
        if _constraint_name(exc) in (PRACTITIONER_CONSTRAINT, ROOM_CONSTRAINT):
            raise SlotTaken() from exc
        raise
    except OperationalError as exc:
        if _lost_race(exc):
            raise SlotTaken() from exc
        raise


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
    overrides: Collection[str] = (),
) -> Appointment:
    """Book one session. Online bookings honour notice, horizon and online-only rules; bookings the
    clinic chose (``via`` PHONE or WAITLIST) may go inside the minimum notice and past the horizon.
    Every path honours hours, breaks, time off and closures, and never overlaps a practitioner, a room
    or (unless the desk confirmed it, see ``DeskWarning``) the client's own sessions.

    ``overrides``: codes of the ``DeskWarning``s the desk confirmed (only honoured for ``via=PHONE``).
    Raises ``BookingError`` (with a user-facing message) or its subclasses ``SlotTaken``, ``DeskWarning``.
    """
    staff = via in STAFF_CHANNELS
    desk = via == BookedVia.PHONE  # someone at the desk can confirm a warning; a client accepting an offer cannot
    location = location or practitioner.locations.filter(is_active=True).order_by("pk").first()
    if location is None:
        raise BookingError("This practitioner has no clinic location set up. Please call the clinic.")
    ends_at = starts_at + service.duration
    blocked_until = ends_at + service.buffer
    try:
        with _database_refusals(), transaction.atomic():
            _lock_for_booking(client_id=client.pk, location=location, practitioner=practitioner,
                              spans=[(starts_at, blocked_until)])
            _check_bookable(service=service, practitioner=practitioner, location=location, start=starts_at,
                            staff=staff)
            history = _client_history(client=client, starts_at=starts_at, ends_at=ends_at)
            # The first-visit rules only speak when no live session comes before this one.
            problem = None if history.earlier else selectors.client_service_problem(
                client=client, service=service, staff=staff, starts_at=starts_at)
            if problem:
                raise BookingError(problem)
            screened = _check_screening(client=client, service=service, starts_at=starts_at, location=location,
                                        staff=staff, desk=desk)
            # The clinic's own offer (waitlist) was made knowingly; only a booking at the desk asks again.
            overridden = _check_first_visit(client=client, service=service, starts_at=starts_at,
                                            overrides=overrides) if desk and not history.earlier else {}
            if history.overlapping:
                overridden |= _check_client_free(client_id=client.pk, starts_at=starts_at, ends_at=ends_at,
                                                 desk=desk, overrides=overrides if desk else ())
            status = AppointmentStatus.BOOKED
            if not staff and not client.email_verified:
                _check_unverified_limit(client=client, adding=1, held=history.pending)
                status = AppointmentStatus.PENDING  # held; confirmed when the email is verified
            appointment = Appointment(
                client=client, practitioner=practitioner, service=service, location=location,
                starts_at=starts_at, ends_at=ends_at, blocked_until=blocked_until,
                status=status, booked_via=via, is_first_visit=not history.sessions, course=course,
                created_by=actor or client, desk_note=desk_note,
            )
            _save_with_room(appointment, room=room)
            _event(appointment, "booked", actor or client, via=via, starts_at=starts_at.isoformat(),
                   **({"overrides": overridden} if overridden else {}), **screened)
            if status == AppointmentStatus.BOOKED:
                notifications.appointment_messages_booked(appointment, plan=course is None,
                                                          sessions=history.with_new(appointment))
    except SlotTaken as exc:
        exc.alternatives = _nearest_alternatives(service=service, practitioner=practitioner, location=location,
                                                 around=starts_at, staff=staff)
        raise
    return appointment


UNVERIFIED_LIMIT_MESSAGE = ("Please confirm your email address before booking more sessions: open the link we "
                            "emailed you, or ask for a new one under My details.")


def _check_unverified_limit(*, client, adding: int, held: int | None = None) -> None:
    """Until a client confirms their email, they may hold only ``UNVERIFIED_MAX_PENDING`` sessions: otherwise
    one made-up address could hold a small clinic's diary. Called under the client's row lock
    (``_lock_for_booking``), so two tabs cannot both take the last place. ``held``: the count, if known."""
    if held is None:
        held = Appointment.objects.filter(client=client, status=AppointmentStatus.PENDING).count()
    if held + adding > settings.UNVERIFIED_MAX_PENDING:
        raise BookingError(UNVERIFIED_LIMIT_MESSAGE)


def appointment_reschedule(
    *,
    appointment: Appointment,
    starts_at: datetime,
    actor,
    practitioner: Practitioner | None = None,
    room: Room | None = None,
    by_staff: bool = False,
    overrides: Collection[str] = (),
    notify: bool = True,
) -> Appointment:
    """Move an appointment. The old time is released in the same transaction as the new one is taken.

    Checked like a new booking (hours, breaks, time off, closures, notice online, the client's other
    sessions); ``overrides`` as for ``appointment_book``, honoured for staff only. ``notify=False`` (the desk
    ticked "don't email", e.g. an undo straight after a move): the planned reminders still move, but no
    "your session moved" email is queued; the event records it."""
    if not appointment.is_active or appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING):
        raise BookingError("Only upcoming booked sessions can be moved.")
    if not by_staff and not policy_allows_client_change(appointment):
        raise OutsidePolicyWindow(_window_message())
    overrides = overrides if by_staff else ()  # honoured for staff only
    practitioner = practitioner or appointment.practitioner
    old = {"starts_at": appointment.starts_at.isoformat(), "practitioner": appointment.practitioner_id,
           "room": appointment.room_id}
    try:
        with _database_refusals(), transaction.atomic():
            length = appointment.service.duration + appointment.service.buffer
            _lock_for_booking(client_id=appointment.client_id, location=appointment.location,
                              practitioner=practitioner, spans=[(starts_at, starts_at + length)])
            locked = _locked(appointment)
            if locked.status != appointment.status:
                raise BookingError("This appointment was changed by someone else. Please reload.")
            _check_bookable(service=locked.service, practitioner=practitioner, location=locked.location,
                            start=starts_at, staff=by_staff, ignore_pk=locked.pk)
            first_visit = _check_moved_first_visit(locked, starts_at=starts_at, staff=by_staff, overrides=overrides)
            screened = _check_screening(client=locked.client, service=locked.service, starts_at=starts_at,
                                        location=locked.location, staff=by_staff, desk=by_staff)
            overridden = first_visit | _check_client_free(
                client_id=locked.client_id, starts_at=starts_at, ends_at=starts_at + locked.service.duration,
                desk=by_staff, overrides=overrides, ignore_pk=locked.pk)
            locked.practitioner = practitioner
            locked.starts_at = starts_at
            locked.ends_at = starts_at + locked.service.duration
            locked.blocked_until = locked.ends_at + locked.service.buffer
            _save_with_room(locked, room=room, ignore_pk=locked.pk)
            change = _event(locked, "rescheduled", actor, old=old, new={
                "starts_at": starts_at.isoformat(), "practitioner": practitioner.pk, "room": locked.room_id},
                **({"overrides": overridden} if overridden else {}), **({} if notify else {"notified": False}),
                **screened)
            notifications.appointment_messages_moved(locked, old_starts_at=appointment.starts_at,
                                                     change_id=change.pk, notify=notify)
    except SlotTaken as exc:
        exc.alternatives = _nearest_alternatives(service=appointment.service, practitioner=practitioner,
                                                 location=appointment.location, around=starts_at, staff=by_staff)
        raise
    _copy_fields(appointment, locked)  # as saved; the related rows it holds stay unless they changed
    return appointment


class CourseNotBooked(BookingError):
    """One date of a course could not be booked, so none was. ``starts_at`` names the date; ``warning`` is
    set when the desk could confirm it (``DeskWarning``) and book the course again with its code."""

    def __init__(self, message: str, *, starts_at: datetime, taken: bool, warning: DeskWarning | None = None):
        super().__init__(message)
        self.starts_at = starts_at
        self.taken = taken
        self.warning = warning


def course_book(
    *,
    client,
    service: Service,
    practitioner: Practitioner,
    location: Location,
    starts: list[datetime],
    description: str,
    actor=None,
    via: str = BookedVia.ONLINE,
    overrides: Collection[str] = (),
) -> Course:
    """Book every session of a course, or none: one transaction, each date checked like a single booking
    on the same channel (``via=PHONE``: the desk's bounds, as for a single phone booking).

    Raises ``CourseNotBooked`` naming the first date that failed; nothing is written then.
    """
    if not starts:
        raise BookingError("Please choose at least one date.")
    if len(set(starts)) != len(starts):
        raise BookingError("Two sessions of the course are at the same time. Please choose another time.")
    starts = sorted(starts)
    with transaction.atomic():
        length = service.duration + service.buffer
        _lock_for_booking(client_id=client.pk, location=location, practitioner=practitioner,
                          spans=[(start, start + length) for start in starts])
        if via not in STAFF_CHANNELS and not client.email_verified:
            _check_unverified_limit(client=client, adding=len(starts))  # the whole course, before any date
        course = Course.objects.create(client=client, service=service, practitioner=practitioner,
                                       sessions=len(starts), description=description[:120])
        for start in starts:
            try:
                appointment_book(client=client, service=service, practitioner=practitioner, starts_at=start,
                                 location=location, actor=actor, course=course, via=via, overrides=overrides)
            except BookingError as exc:
                # Leaving the atomic block with an exception rolls back every session booked so far.
                when = f"{start.astimezone(location.tz):%A %d %B at %H:%M}"
                taken = isinstance(exc, SlotTaken)
                reason = ("was just taken by someone else. Please choose another time for it." if taken
                          else f"cannot be booked: {exc.message}")
                raise CourseNotBooked(f"Nothing was booked: the session on {when} {reason}", starts_at=start,
                                      taken=taken, warning=exc if isinstance(exc, DeskWarning) else None) from exc
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
        _reload(appointment)
        _event(appointment, "cancelled", actor, reason=reason[:200], late=appointment.late_cancellation)
        notifications.appointment_messages_cancelled(appointment, was_confirmed=was_confirmed)
        # robust: the cancellation is saved; a broker outage must not turn it into an error page.
        transaction.on_commit(lambda: _time_freed(appointment.pk), robust=True)
    return appointment


def _reload(appointment: Appointment) -> None:
    """``refresh_from_db()`` that keeps the related rows already loaded (client, location, service...) unless
    their id changed: a reload would drop them all, and the messages and the event read them straight after."""
    _copy_fields(appointment, Appointment.objects.get(pk=appointment.pk))


def _copy_fields(appointment: Appointment, source: Appointment) -> None:
    """Give ``appointment`` the column values of ``source`` (the same row, read or saved since). Setting a
    foreign key's id forgets its cached row only when the id differs, so the related rows already read stay."""
    for field in Appointment._meta.concrete_fields:
        setattr(appointment, field.attname, getattr(source, field.attname))


def _locked(appointment: Appointment) -> Appointment:
    """The appointment's row read again under ``SELECT ... FOR UPDATE``, with the related rows the caller
    already read (client, service, location...) carried over while their ids are the same: the checks read
    them next, and each would otherwise be a query of its own."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    for field in Appointment._meta.concrete_fields:
        if field.is_relation and field.is_cached(appointment) and \
                getattr(locked, field.attname) == getattr(appointment, field.attname):
            field.set_cached_value(locked, field.get_cached_value(appointment))
    return locked


def appointments_release_unconfirmed(*, now: datetime | None = None) -> int:
    """Free the times held for clients who never confirmed their email address.

    A pending booking is held for ``UNVERIFIED_HOLD_HOURS`` (never longer than its confirmation link works,
    EMAIL_VERIFICATION_MAX_AGE), and never past its own start. Run by the beat
    (booking.tasks.release_unconfirmed_bookings).
    """
    now = now or _now()
    hold = min(timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE),
               timedelta(hours=settings.UNVERIFIED_HOLD_HOURS))
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


# The steps of a session the screening gate holds back (undoing an arrival or a no-show is never held).
SCREENED_STATUSES = frozenset({AppointmentStatus.ARRIVED, AppointmentStatus.IN_TREATMENT,
                               AppointmentStatus.COMPLETED})


def _check_session_screening(appointment: Appointment, status: str) -> None:
    """A session goes ahead only when screening allows it on its date (or a practitioner approved the date),
    no "needs review" flag waits for a practitioner, and the intake is not out of date."""
    verdict = screening.verdict(client=appointment.client, service=appointment.service,
                                day=appointment.starts_at.astimezone(appointment.location.tz).date(),
                                appointment=appointment)
    problem = verdict and verdict.session_problem(first_name=appointment.client.first_name, status=status)
    if problem:
        raise ScreeningBlocked(problem, earliest=verdict.earliest)


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
        if status in SCREENED_STATUSES:  # judged in the transaction that changes the status
            _check_session_screening(appointment, status)
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
