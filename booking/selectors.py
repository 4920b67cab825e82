"""Reads on the schedule, above all the availability engine.

``available_slots`` answers "when can this service be booked?" for a date range with a fixed
number of queries (one per table involved, whatever the number of days or appointments), then
works in memory. Weekly hours are wall-clock times in the location's zone: each day's intervals
are turned into UTC instants for that very date, so DST days come out right.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from clinic.core.models import ClinicSettings

from .models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    Break,
    Location,
    OpeningHours,
    Practitioner,
    Room,
    Service,
    TimeOff,
    WorkingHours,
)


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime  # end of the session (the buffer comes after)
    practitioner_id: int
    location_id: int

    def local_start(self, tz: ZoneInfo) -> datetime:
        return self.start.astimezone(tz)


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock time on a date, or None if that time does not exist (DST gap).

    Ambiguous times (clocks going back) take their first occurrence.
    """
    local = datetime.combine(day, at, tzinfo=tz)
    utc = local.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return utc


def wall_clock_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Like ``local_to_utc``, but a time inside a DST gap becomes the gap's end (the same UTC as fold=1)."""
    return local_to_utc(day, at, tz) or datetime.combine(day, at, tzinfo=tz).replace(fold=1).astimezone(UTC)


def _local_interval(day: date, start: time, end: time, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
    """A wall-clock interval on a date as UTC instants; a bound inside a DST gap moves to the gap's end."""
    lo, hi = wall_clock_to_utc(day, start, tz), wall_clock_to_utc(day, end, tz)
    return (lo, hi) if hi > lo else None


class _Busy:
    """Sorted, merged half-open intervals with a fast overlap test."""

    def __init__(self, intervals: list[tuple[datetime, datetime]]):
        merged: list[list[datetime]] = []
        for lo, hi in sorted(intervals):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def overlaps(self, lo: datetime, hi: datetime) -> bool:
        # Last interval starting before hi; it overlaps iff it ends after lo (back-to-back is fine).
        i = bisect.bisect_left(self.starts, hi) - 1
        return i >= 0 and self.ends[i] > lo


@dataclass
class Schedule:
    """A location's schedule over a window, as stored: who works when, breaks, time off, closures and
    bookings. The one read the availability engine and the front-desk calendar share."""

    location: Location
    practitioners: list[Practitioner]
    rooms: list[Room]  # the active ones, by name
    hours: dict[tuple[int, int], list[tuple[time, time]]]  # (practitioner, weekday) -> wall-clock intervals here
    opening: dict[int, list[tuple[time, time]]]  # weekday -> intervals (empty dict: no restriction)
    breaks: dict[tuple[int, int], list[tuple[time, time]]]  # (practitioner, weekday) -> intervals
    time_off: dict[int, list[TimeOff]]  # practitioner -> their time off
    closures: list[TimeOff]  # the location's and the whole clinic's
    # By start: at this location, in its rooms, or anywhere for these practitioners. ``Appointment``s when
    # loaded ``with_details``, else light rows with the same names (pk, practitioner_id, room_id, location_id,
    # starts_at, blocked_until, status).
    appointments: list


def schedule_load(*, location: Location, start: datetime, end: datetime, practitioners=None,
                  with_cancelled: bool = False, with_details: bool = False,
                  ignore_appointment_pk: int | None = None) -> Schedule:
    """Everything set up or booked at ``location`` that touches ``[start, end)``: seven queries, one per
    table, whatever the length of the window or the number of appointments.

    ``practitioners`` is a queryset (default: everyone active at the location). Appointments are those
    holding time (cancelled ones too ``with_cancelled``), including the practitioners' sessions at other
    locations: they are busy then wherever they are. ``with_details`` loads each one's client, service,
    practitioner and room to draw it; without, only what placing it needs (the engine reads a thousand).
    """
    if practitioners is None:
        practitioners = Practitioner.objects.filter(is_active=True, locations=location)
    people = list(practitioners.select_related("user"))
    ids = [p.pk for p in people]
    rooms = list(Room.objects.filter(location=location, is_active=True).order_by("name", "pk"))
    hours: dict = defaultdict(list)
    for wh in WorkingHours.objects.filter(practitioner_id__in=ids, location=location).order_by("start"):
        hours[(wh.practitioner_id, wh.weekday)].append((wh.start, wh.end))
    opening: dict = defaultdict(list)
    for oh in OpeningHours.objects.filter(location=location).order_by("opens"):
        opening[oh.weekday].append((oh.opens, oh.closes))
    breaks: dict = defaultdict(list)
    for br in Break.objects.filter(practitioner_id__in=ids).order_by("start"):
        breaks[(br.practitioner_id, br.weekday)].append((br.start, br.end))
    time_off: dict = defaultdict(list)
    closures = []
    for off in TimeOff.objects.filter(
        Q(practitioner_id__in=ids) | Q(practitioner=None, location=location) | Q(practitioner=None, location=None),
        starts_at__lt=end, ends_at__gt=start,
    ).order_by("starts_at", "pk"):
        (time_off[off.practitioner_id] if off.practitioner_id else closures).append(off)
    appointments = (Appointment.objects.filter(starts_at__lt=end, blocked_until__gt=start)
                    .filter(Q(location=location) | Q(practitioner_id__in=ids) | Q(room_id__in=[r.pk for r in rooms]))
                    .exclude(pk=ignore_appointment_pk).order_by("starts_at", "pk"))
    if not with_cancelled:
        appointments = appointments.filter(status__in=ACTIVE_STATUSES)
    if with_details:
        appointments = appointments.select_related("client", "service", "practitioner__user", "room")
    else:  # rows with the same attribute names: a thousand model instances would double the engine's time
        appointments = appointments.values_list("pk", "practitioner_id", "room_id", "location_id", "starts_at",
                                                "blocked_until", "status", named=True)
    return Schedule(location=location, practitioners=people, rooms=rooms, hours=hours, opening=opening,
                    breaks=breaks, time_off=time_off, closures=closures, appointments=list(appointments))


@dataclass
class _Context:
    """Everything the engine needs for one location and date range: a ``Schedule`` as busy intervals."""

    location: Location
    service: Service
    practitioners: list[Practitioner]
    hours: dict[tuple[int, int], list[tuple[time, time]]]  # (practitioner, weekday) -> intervals
    opening: dict[int, list[tuple[time, time]]]  # weekday -> intervals (empty dict: no restriction)
    breaks: dict[tuple[int, int], list[tuple[time, time]]]
    busy: dict[int, _Busy]  # practitioner -> appointments
    off: dict[int, _Busy]  # practitioner -> time off (kept apart: slot_problem ignores clashes, never time off)
    room_busy: list[_Busy]  # one per active room
    closed: _Busy  # location / clinic closures


def _load(*, service: Service, location: Location, practitioners_qs, window_lo: datetime, window_hi: datetime,
          ignore_pk: int | None) -> _Context:
    schedule = schedule_load(location=location, start=window_lo, end=window_hi, practitioners=practitioners_qs,
                             ignore_appointment_pk=ignore_pk)
    ids = [p.pk for p in schedule.practitioners]
    per_practitioner: dict = defaultdict(list)
    rooms: dict[int, list] = {room.pk: [] for room in schedule.rooms}
    for a in schedule.appointments:
        per_practitioner[a.practitioner_id].append((a.starts_at, a.blocked_until))
        if a.room_id in rooms:
            rooms[a.room_id].append((a.starts_at, a.blocked_until))
    return _Context(
        location=location, service=service, practitioners=schedule.practitioners, hours=schedule.hours,
        opening=schedule.opening, breaks=schedule.breaks, busy={pk: _Busy(per_practitioner[pk]) for pk in ids},
        off={pk: _Busy([(off.starts_at, off.ends_at) for off in schedule.time_off.get(pk, [])]) for pk in ids},
        room_busy=[_Busy(v) for v in rooms.values()],
        closed=_Busy([(off.starts_at, off.ends_at) for off in schedule.closures]),
    )


def _within(lo: datetime, hi: datetime, intervals: list[tuple[datetime, datetime]]) -> bool:
    return any(a <= lo and hi <= b for a, b in intervals)


def _day_intervals(day: date, spec: list[tuple[time, time]], tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    return [iv for s, e in spec if (iv := _local_interval(day, s, e, tz)) is not None]


def _bounds(*, staff: bool, now: datetime, clinic: ClinicSettings) -> tuple[datetime, datetime]:
    if staff:
        return now, now + timedelta(days=3650)
    return now + timedelta(hours=clinic.minimum_notice_hours), now + timedelta(days=clinic.booking_horizon_days)


def _slots_for_day(ctx: _Context, practitioner: Practitioner, day: date, step: timedelta, earliest: datetime,
                   latest: datetime) -> list[Slot]:
    tz = ctx.location.tz
    weekday = day.weekday()
    length = ctx.service.duration + ctx.service.buffer
    opening = _day_intervals(day, ctx.opening[weekday], tz) if ctx.opening else None
    breaks = _Busy(_day_intervals(day, ctx.breaks.get((practitioner.pk, weekday), []), tz))
    busy = ctx.busy[practitioner.pk]
    off = ctx.off[practitioner.pk]
    slots = []
    for start_t, end_t in ctx.hours.get((practitioner.pk, weekday), []):
        # Candidates step through wall-clock time from the interval's start, so slots read
        # 09:00, 09:15, ... on every date, DST or not.
        cursor = datetime.combine(day, start_t)
        end_local = datetime.combine(day, end_t)
        interval = _local_interval(day, start_t, end_t, tz)
        if interval is None:
            continue
        while cursor < end_local:
            start = local_to_utc(day, cursor.time(), tz)
            cursor += step
            if start is None or start < earliest or start > latest:
                continue
            blocked = start + length
            if blocked > interval[1]:
                break
            if opening is not None and not _within(start, blocked, opening):
                continue
            if (breaks.overlaps(start, blocked) or busy.overlaps(start, blocked) or off.overlaps(start, blocked)
                    or ctx.closed.overlaps(start, blocked)):
                continue
            if not any(not room.overlaps(start, blocked) for room in ctx.room_busy):
                continue
            slots.append(Slot(start, start + ctx.service.duration, practitioner.pk, ctx.location.pk))
    return slots


def bookable_practitioners(*, service: Service, location: Location):
    return Practitioner.objects.filter(is_active=True, services=service, locations=location)


def available_slots(
    *,
    service: Service,
    location: Location,
    start_date: date,
    end_date: date,
    practitioner: Practitioner | None = None,
    staff: bool = False,
    now: datetime | None = None,
    ignore_appointment_pk: int | None = None,
) -> list[Slot]:
    """Bookable slots for ``service`` at ``location`` on local dates ``start_date``..``end_date``.

    ``practitioner=None`` means "any practitioner" (slots of every practitioner, sorted by time).
    ``staff=True`` lifts the online rules (minimum notice and horizon) but never allows overlap.
    """
    now = now or timezone.now()
    clinic = ClinicSettings.load()
    tz = location.tz
    earliest, latest = _bounds(staff=staff, now=now, clinic=clinic)
    qs = bookable_practitioners(service=service, location=location)
    if practitioner is not None:
        qs = qs.filter(pk=practitioner.pk)
    window_lo = datetime.combine(start_date, time.min, tzinfo=tz) - timedelta(days=1)
    window_hi = datetime.combine(end_date, time.max, tzinfo=tz) + timedelta(days=1)
    ctx = _load(service=service, location=location, practitioners_qs=qs, window_lo=window_lo,
                window_hi=window_hi, ignore_pk=ignore_appointment_pk)
    step = timedelta(minutes=clinic.slot_step_minutes)
    slots: list[Slot] = []
    day = start_date
    while day <= end_date:
        for p in ctx.practitioners:
            slots.extend(_slots_for_day(ctx, p, day, step, earliest, latest))
        day += timedelta(days=1)
    slots.sort()
    return slots


def first_per_start(slots: list[Slot]) -> list[Slot]:
    """For "any practitioner": one slot per start time (the first practitioner free then)."""
    seen: set[datetime] = set()
    out = []
    for slot in slots:
        if slot.start not in seen:
            seen.add(slot.start)
            out.append(slot)
    return out


def nearest_slots(*, service: Service, practitioner: Practitioner | None, location: Location, around: datetime,
                  limit: int = 3, staff: bool = False) -> list[Slot]:
    """The free slots closest in time to ``around`` (for "that time was just taken")."""
    tz = location.tz
    day = around.astimezone(tz).date()
    slots = available_slots(service=service, location=location, practitioner=practitioner, staff=staff,
                            start_date=day - timedelta(days=3), end_date=day + timedelta(days=7))
    if practitioner is None:
        slots = first_per_start(slots)
    slots.sort(key=lambda s: (abs((s.start - around).total_seconds()), s.start))
    return sorted(slots[:limit])


def slot_problem(*, service: Service, practitioner: Practitioner, location: Location, start: datetime,
                 staff: bool = False, ignore_appointment_pk: int | None = None,
                 now: datetime | None = None) -> str | None:
    """Why this exact slot cannot be booked, in words for the user; None when it fits the schedule.

    Clashes with other appointments are not reported here: the write itself detects them
    (``SlotTaken``) so that the message is the same whether we lost a race or not.
    """
    now = now or timezone.now()
    clinic = ClinicSettings.load()
    tz = location.tz
    if start <= now:
        return "That time is in the past. Please choose a time from the calendar."
    earliest, latest = _bounds(staff=staff, now=now, clinic=clinic)
    if start < earliest:
        return (f"Online bookings need at least {clinic.minimum_notice_hours} hours' notice. "
                f"For an earlier time please call the clinic on {clinic.phone}.")
    if start > latest:
        return f"Online bookings open {clinic.booking_horizon_days} days ahead. Please choose an earlier date."
    if not service.is_active or (not staff and not service.bookable_online):
        return "This service cannot be booked online. Please call the clinic."
    if not practitioner.is_active or not practitioner.services.filter(pk=service.pk).exists():
        return f"{practitioner} does not offer {service.name}. Please choose another practitioner."
    if not practitioner.locations.filter(pk=location.pk).exists():
        return f"{practitioner} does not work at {location.name}."
    day = start.astimezone(tz).date()
    ctx = _load(service=service, location=location,
                practitioners_qs=Practitioner.objects.filter(pk=practitioner.pk),
                window_lo=start - timedelta(days=1), window_hi=start + timedelta(days=1),
                ignore_pk=ignore_appointment_pk)
    # Offer this exact start only if the engine would (ignoring clashes, which the write reports).
    ctx.busy = {practitioner.pk: _Busy([])}
    ctx.room_busy = [_Busy([])] if ctx.room_busy else []
    step = timedelta(minutes=1) if staff else timedelta(minutes=clinic.slot_step_minutes)
    slots = _slots_for_day(ctx, practitioner, day, step, start, start)
    if any(s.start == start for s in slots):
        return None
    if not ctx.room_busy:
        return f"{location.name} has no treatment room set up."
    blocked = start + service.duration + service.buffer
    if ctx.closed.overlaps(start, blocked):
        return "The clinic is closed at that time. Please choose another date."
    if ctx.off[practitioner.pk].overlaps(start, blocked):
        return (f"{practitioner} is away on {start.astimezone(tz):%A %d %B}. "
                "Please choose another date or practitioner.")
    return (f"{practitioner} is not available for {service.name} at "
            f"{start.astimezone(tz):%A %d %B %H:%M}. Please choose one of the free times shown.")


def local_today(location: Location, *, now: datetime | None = None) -> date:
    """Today's date where the location is (at 23:30 UTC it is already tomorrow east of London)."""
    return (now or timezone.now()).astimezone(location.tz).date()


@dataclass
class CourseDate:
    """One session of a planned course: the wanted wall-clock time on its date, free or not."""

    day: date  # local date
    wanted: datetime  # UTC instant of the wanted wall-clock time (after a DST gap: its end)
    free: bool
    alternatives: list[Slot]
    problem: str = ""


MAX_COURSE_SESSIONS = 30


def course_dates(*, first_day: date, weekdays: list[int], sessions: int) -> list[date]:
    """The first ``sessions`` dates from ``first_day`` on that fall on ``weekdays`` (0 = Monday)."""
    wanted = set(weekdays)
    if not wanted or sessions < 1:
        return []
    days: list[date] = []
    day = first_day
    while len(days) < min(sessions, MAX_COURSE_SESSIONS):
        if day.weekday() in wanted:
            days.append(day)
        day += timedelta(days=1)
    return days


def course_plan(*, service: Service, practitioner: Practitioner, location: Location, first_day: date,
                weekdays: list[int], at: time, sessions: int, now: datetime | None = None,
                alternatives: int = 3, staff: bool = False) -> list[CourseDate]:
    """Check every session of a course (same local wall-clock time on each date, across DST).

    One ``available_slots`` call covers the whole course, so the query count does not grow with the
    number of sessions. A clashing date gets the nearest free times: the same day first, then days that
    hold no other session of the course. ``staff=True``: the desk's bounds (no notice, no horizon), as for
    a single phone booking.
    """
    days = course_dates(first_day=first_day, weekdays=weekdays, sessions=sessions)
    if not days:
        return []
    tz = location.tz
    slots = available_slots(service=service, location=location, practitioner=practitioner, now=now, staff=staff,
                            start_date=days[0] - timedelta(days=3), end_date=days[-1] + timedelta(days=3))
    free = {s.start for s in slots}
    horizon = ClinicSettings.load().booking_horizon_days
    latest = (now or timezone.now()) + timedelta(days=horizon)
    course_days = set(days)
    plan = []
    for day in days:
        wanted = wall_clock_to_utc(day, at, tz)
        if wanted in free:
            plan.append(CourseDate(day=day, wanted=wanted, free=True, alternatives=[]))
            continue
        # Same day first, then the nearest other days that do not already hold a session of the course.
        candidates = [s for s in slots if s.local_start(tz).date() == day or
                      s.local_start(tz).date() not in course_days]
        candidates.sort(key=lambda s: (s.local_start(tz).date() != day, abs((s.start - wanted).total_seconds())))
        problem = f"Not free at {at:%H:%M}."
        if wanted > latest and not staff:
            problem = (f"Online booking opens {horizon} days ahead; this date is further out. "
                       "Please book it later or call the clinic.")
        elif not candidates:
            problem = "No free time near this date. Please call the clinic or change the course pattern."
        plan.append(CourseDate(day=day, wanted=wanted, free=False, alternatives=sorted(candidates[:alternatives]),
                               problem=problem))
    return plan


def client_service_problem(*, client, service: Service, staff: bool = False,
                           starts_at: datetime | None = None) -> str | None:
    """Rules about who may book what: new clients and the first-visit service.

    With ``starts_at`` only sessions before that time count as history: a follow-up booked ahead of the
    client's (future) initial consultation would itself be their first visit.

    The first-visit rule does not refuse staff: the desk may book another service first when the
    practitioner agreed, so ``booking.services`` asks them to confirm ``first_visit_warning`` instead.
    """
    first, later = _first_visit(client=client, starts_at=starts_at)
    if not first:
        return None
    if not service.new_clients_allowed:
        if later:
            return f"{service.name} is for returning clients. Please choose a time after your first visit."
        return f"{service.name} is for returning clients. Please book an initial consultation first."
    if not staff and _initial_needed_first(service):
        if later:
            return ("This would come before your initial consultation, and your first visit needs to be the "
                    "initial consultation. Please choose a time after it.")
        return "Your first visit needs to be the initial consultation, so we can take your full history."
    return None


def first_visit_order_problem(*, appointment: Appointment, new_start: datetime | None = None) -> str | None:
    """A client moving (``new_start``) or cancelling (None) their initial consultation must not leave
    later sessions in front of it, when the clinic requires first visits to be the consultation."""
    if not appointment.service.is_initial_consultation or not ClinicSettings.load().first_visit_must_be_initial:
        return None
    others = (Appointment.objects.filter(client_id=appointment.client_id)
              .exclude(pk=appointment.pk).exclude(status=AppointmentStatus.CANCELLED))
    if others.filter(starts_at__lt=appointment.starts_at).exists():
        return None  # not their first visit: nothing depends on it
    later = others if new_start is None else others.filter(starts_at__lt=new_start)
    if not later.exists():
        return None
    if new_start is None:
        return ("This is your initial consultation and your other sessions follow it, so it cannot be cancelled "
                "on its own online. Please cancel the later sessions first, or call the clinic.")
    return ("Your initial consultation has to come before your other sessions. Please choose a time before "
            "your next session, or call the clinic.")


def client_appointments(*, client):
    return (Appointment.objects.filter(client=client)
            .select_related("service", "practitioner__user", "location", "room").order_by("starts_at"))


def appointments_between(*, start: datetime, end: datetime, location: Location | None = None):
    qs = Appointment.objects.filter(starts_at__lt=end, ends_at__gt=start).select_related(
        "client", "service", "practitioner__user", "location", "room")
    if location is not None:
        qs = qs.filter(location=location)
    return qs.order_by("starts_at")


def _first_visit(*, client, starts_at: datetime | None) -> tuple[bool, bool]:
    """(Would a session at ``starts_at`` be the client's first visit, do they hold a later live session)."""
    history = Appointment.objects.filter(client=client).exclude(status=AppointmentStatus.CANCELLED)
    earlier = history.filter(starts_at__lt=starts_at) if starts_at is not None else history
    if earlier.exists():
        return False, False
    return True, starts_at is not None and history.exists()


def _initial_needed_first(service: Service) -> bool:
    return not service.is_initial_consultation and ClinicSettings.load().first_visit_must_be_initial


def first_visit_warning(*, client, service: Service, starts_at: datetime | None = None) -> str | None:
    """The first-visit rule in the front desk's words, or None when it does not apply.

    Staff may set the rule aside (the practitioner agreed), but knowingly: ``booking.services`` raises
    this as a warning the desk confirms, where online it is ``client_service_problem``'s refusal."""
    first, later = _first_visit(client=client, starts_at=starts_at)
    if not first or not _initial_needed_first(service):
        return None
    if later:
        return (f"This {service.name} would come before {client.full_name}'s initial consultation, and the "
                "clinic books the initial consultation first. Go ahead only if the practitioner has agreed.")
    return (f"This would be {client.full_name}'s first visit, and the clinic books an initial consultation first "
            f"(longer, with the intake review). Book {service.name} only if the practitioner has agreed.")
