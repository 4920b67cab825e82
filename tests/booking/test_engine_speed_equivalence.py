"""The interval engine offers exactly what a plain candidate-by-candidate check offers.

``reference_slots`` below is the engine as first written: read the schedule with ``schedule_load``, walk every
wall-clock candidate of every working interval, convert it to UTC on its own and test it against every break,
booking, time off, closure and room. Seeded random schedules (working hours in one or two intervals, opening
hours or none, breaks, time off, closures, bookings here and at another location, cancelled ones, inactive rooms,
odd durations and steps) across each clock change of London and New York must give the same slots, for one
practitioner and for any, online and for staff. ``slot_problem`` and ``slot_check`` must agree with it too.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    Break,
    OpeningHours,
    Room,
    TimeOff,
    WorkingHours,
)
from booking.selectors import (
    available_slots,
    bookable_practitioners,
    local_to_utc,
    schedule_load,
    slot_check,
    slot_problem,
    wall_clock_to_utc,
)
from clinic.core.models import ClinicSettings
from tests.factories import ClientFactory, LocationFactory, PractitionerFactory, RoomFactory, ServiceFactory

# (zone, a local date whose window of 4 days holds a clock change)
CHANGES = [
    ("Europe/London", date(2026, 3, 27)),
    ("Europe/London", date(2026, 10, 23)),
    ("America/New_York", date(2026, 3, 6)),
    ("America/New_York", date(2026, 10, 30)),
    ("Europe/London", date(2026, 6, 8)),  # no change: the fixed-offset path only
]
SEEDS = range(12)


def _overlaps(lo: datetime, hi: datetime, intervals) -> bool:
    return any(a < hi and lo < b for a, b in intervals)


def _utc_interval(day: date, start: time, end: time, tz: ZoneInfo):
    lo, hi = wall_clock_to_utc(day, start, tz), wall_clock_to_utc(day, end, tz)
    return (lo, hi) if hi > lo else None


def reference_slots(*, service, location, start_date: date, end_date: date, now: datetime, practitioner=None,
                    staff: bool = False, ignore_pk: int | None = None, clashes: bool = True,
                    step: timedelta | None = None) -> list[tuple[datetime, int]]:
    """(start, practitioner) of every slot, by a plain walk over every candidate; ``clashes=False`` ignores
    other bookings (what ``slot_problem`` checks)."""
    clinic = ClinicSettings.load()
    tz = location.tz
    if staff:
        earliest, latest = now, now + timedelta(days=3650)
    else:
        earliest = now + timedelta(hours=clinic.minimum_notice_hours)
        latest = now + timedelta(days=clinic.booking_horizon_days)
    qs = bookable_practitioners(service=service, location=location)
    if practitioner is not None:
        qs = qs.filter(pk=practitioner.pk)
    window_lo = datetime.combine(start_date, time.min, tzinfo=tz) - timedelta(days=1)
    window_hi = datetime.combine(end_date, time.max, tzinfo=tz) + timedelta(days=1)
    data = schedule_load(location=location, start=window_lo, end=window_hi, practitioners=qs,
                         ignore_appointment_pk=ignore_pk)
    bookings = [(a.practitioner_id, a.room_id, a.starts_at, a.blocked_until) for a in data.appointments]
    if not clashes:
        bookings = []
    closures = [(off.starts_at, off.ends_at) for off in data.closures]
    length = service.duration + service.buffer
    step = step or timedelta(minutes=clinic.slot_step_minutes)
    out = []
    day = start_date
    while day <= end_date:
        weekday = day.weekday()
        for p in data.practitioners:
            breaks = [iv for s, e in data.breaks.get((p.pk, weekday), []) if (iv := _utc_interval(day, s, e, tz))]
            opening = ([iv for s, e in data.opening[weekday] if (iv := _utc_interval(day, s, e, tz))]
                       if data.opening else None)
            off = [(o.starts_at, o.ends_at) for o in data.time_off.get(p.pk, [])]
            own = [(lo, hi) for pk, _room, lo, hi in bookings if pk == p.pk]
            for start_t, end_t in data.hours.get((p.pk, weekday), []):
                interval = _utc_interval(day, start_t, end_t, tz)
                if interval is None:
                    continue
                cursor, end_local = datetime.combine(day, start_t), datetime.combine(day, end_t)
                while cursor < end_local:
                    start = local_to_utc(day, cursor.time(), tz)
                    cursor += step
                    if start is None or not earliest <= start <= latest:
                        continue
                    blocked = start + length
                    if blocked > interval[1]:
                        continue
                    if opening is not None and not any(a <= start and blocked <= b for a, b in opening):
                        continue
                    if any(_overlaps(start, blocked, ivs) for ivs in (breaks, off, closures, own)):
                        continue
                    if not any(not _overlaps(start, blocked, [(lo, hi) for _pk, r, lo, hi in bookings
                                                                 if r == room.pk]) for room in data.rooms):
                        continue
                    out.append((start, p.pk))
        day += timedelta(days=1)
    return sorted(out)


def _random_spec(rng: random.Random) -> list[tuple[time, time]]:
    """One or two wall-clock intervals in the day, on the quarter hour (some around 01:00-03:00, a clock change)."""
    if rng.random() < 0.25:
        return [(time(rng.choice([0, 1])), time(rng.choice([3, 4]), rng.choice([0, 30])))]
    first = rng.randrange(7, 11)
    spec = [(time(first, rng.choice([0, 15, 30])), time(first + rng.randrange(2, 5), rng.choice([0, 45])))]
    if rng.random() < 0.5:
        second = spec[0][1].hour + rng.randrange(1, 3)
        spec.append((time(second), time(min(second + rng.randrange(2, 5), 23), rng.choice([0, 20]))))
    return spec


def build_random_schedule(seed: int, zone: str, first_day: date) -> dict:
    """A random location, service, practitioners, rooms and diary around ``first_day`` .. +3 days."""
    rng = random.Random(seed)
    tz = ZoneInfo(zone)
    location = LocationFactory(time_zone=zone)
    service = ServiceFactory(duration_minutes=rng.choice([20, 30, 45, 60, 90]),
                             buffer_after_minutes=rng.choice([0, 5, 15]))
    settings = ClinicSettings.load()
    settings.slot_step_minutes = rng.choice([5, 10, 15, 30])
    settings.minimum_notice_hours = rng.choice([0, 12])
    settings.booking_horizon_days = rng.choice([3, 90])
    settings.save()
    people = []
    for _ in range(rng.randrange(1, 4)):
        hours = {d: _random_spec(rng) for d in range(7) if rng.random() < 0.8}
        people.append(PractitionerFactory(location=location, services=[service], hours=hours))
    for _ in range(rng.randrange(0, 3)):
        RoomFactory(location=location)
    if rng.random() < 0.3:
        RoomFactory(location=location, is_active=False)
    if rng.random() < 0.4:
        OpeningHours.objects.bulk_create(
            OpeningHours(location=location, weekday=d, opens=time(rng.choice([0, 8, 9])),
                         closes=time(rng.choice([12, 18, 22])))
            for d in range(7) if rng.random() < 0.85)
        if rng.random() < 0.3:
            OpeningHours.objects.create(location=location, weekday=first_day.weekday(), opens=time(11), closes=time(20))
    for p in people:
        for d in range(7):
            if rng.random() < 0.5:
                at = rng.randrange(9, 15)
                Break.objects.create(practitioner=p, weekday=d, start=time(at, 30), end=time(at + 1))
    days = [first_day + timedelta(days=i) for i in range(4)]

    def instant(day: date, hour: int, minute: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(UTC)

    for _ in range(rng.randrange(0, 3)):
        p = rng.choice(people + [None])
        lo = instant(rng.choice(days), rng.randrange(0, 20), rng.choice([0, 10, 45]))
        TimeOff.objects.create(practitioner=p, location=location if p is None and rng.random() < 0.7 else None,
                               starts_at=lo, ends_at=lo + timedelta(minutes=rng.choice([30, 90, 240, 1440])))
    rooms = list(Room.objects.filter(location=location))
    elsewhere = LocationFactory(time_zone=zone)
    far_room = RoomFactory(location=elsewhere)
    client = ClientFactory()
    held: list[tuple[int, int, datetime, datetime]] = []
    for _ in range(rng.randrange(0, 40)):
        p = rng.choice(people)
        away = rng.random() < 0.1
        room = far_room if away else rng.choice(rooms)
        start = instant(rng.choice(days), rng.randrange(0, 21), rng.choice([0, 5, 15, 30, 40]))
        end = start + timedelta(minutes=rng.choice([15, 30, 60, 90]))
        blocked = end + timedelta(minutes=rng.choice([0, 15]))
        cancelled = rng.random() < 0.15
        if not cancelled and any((pk == p.pk or r == room.pk) and lo < blocked and start < hi
                                 for pk, r, lo, hi in held):
            continue  # the database never holds overlapping bookings
        if not cancelled:
            held.append((p.pk, room.pk, start, blocked))
        Appointment.objects.create(client=client, practitioner=p, service=service, room=room,
                                   location=elsewhere if away else location, starts_at=start, ends_at=end,
                                   blocked_until=blocked,
                                   status=AppointmentStatus.CANCELLED if cancelled else AppointmentStatus.BOOKED)
    return {"location": location, "service": service, "people": people, "days": days}


def _pairs(slots) -> list[tuple[datetime, int]]:
    return [(s.start, s.practitioner_id) for s in slots]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("zone", "first_day"), CHANGES, ids=[f"{z}-{d}" for z, d in CHANGES])
def test_the_engine_offers_what_the_plain_walk_offers(time_machine, seed, zone, first_day):
    now = datetime.combine(first_day, time(6), tzinfo=UTC) - timedelta(days=1)
    time_machine.move_to(now, tick=False)
    s = build_random_schedule(seed, zone, first_day)
    window = {"service": s["service"], "location": s["location"], "start_date": s["days"][0],
              "end_date": s["days"][-1]}
    for practitioner in [None, *s["people"]]:
        for staff in (False, True):
            got = _pairs(available_slots(**window, practitioner=practitioner, staff=staff, now=now))
            assert got == reference_slots(**window, practitioner=practitioner, staff=staff, now=now), (
                practitioner, staff)
    booked = Appointment.objects.filter(location=s["location"], status__in=ACTIVE_STATUSES).first()
    if booked is not None:  # a booking being moved does not stand in its own way
        got = _pairs(available_slots(**window, ignore_appointment_pk=booked.pk, now=now))
        assert got == reference_slots(**window, ignore_pk=booked.pk, now=now)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("zone", "first_day"), CHANGES, ids=[f"{z}-{d}" for z, d in CHANGES])
def test_slot_problem_and_slot_check_agree_with_the_plain_walk(time_machine, seed, zone, first_day):
    now = datetime.combine(first_day, time(6), tzinfo=UTC) - timedelta(days=1)
    time_machine.move_to(now, tick=False)
    s = build_random_schedule(seed + 100, zone, first_day)
    window = {"service": s["service"], "location": s["location"], "start_date": s["days"][0],
              "end_date": s["days"][-1]}
    for practitioner in s["people"]:
        fits = {start for start, _pk in reference_slots(**window, practitioner=practitioner, now=now, clashes=False)}
        free = {start for start, _pk in reference_slots(**window, practitioner=practitioner, now=now)}
        off_grid = {datetime.combine(day, time(0), tzinfo=UTC) + timedelta(minutes=minute)
                    for day in s["days"] for minute in range(0, 24 * 60, 35)}  # on the grid and off it
        candidates = sorted(fits | off_grid)
        earliest = now + timedelta(hours=ClinicSettings.load().minimum_notice_hours)
        latest = now + timedelta(days=ClinicSettings.load().booking_horizon_days)
        for start in candidates:
            if not earliest <= start <= latest:
                continue  # the rules' words are checked elsewhere; here the schedule
            kwargs = {"service": s["service"], "practitioner": practitioner, "location": s["location"],
                      "start": start, "now": now}
            problem = slot_problem(**kwargs)
            assert (problem is None) == (start in fits), (start, problem)
            check = slot_check(**kwargs)
            assert check.problem == problem
            assert check.taken == (problem is None and start not in free), start


def test_a_slot_check_sees_the_room_taken_by_another_practitioner(time_machine):
    """One room: another practitioner's session takes it, though the chosen practitioner is free."""
    now = datetime(2026, 6, 1, 8, tzinfo=UTC)
    time_machine.move_to(now, tick=False)
    location = LocationFactory()
    service = ServiceFactory()
    ana, ben = (PractitionerFactory(location=location, services=[service]) for _ in range(2))
    start = datetime(2026, 6, 8, 9, tzinfo=UTC)  # 10:00 in London
    Appointment.objects.create(client=ClientFactory(), practitioner=ben, service=service, location=location,
                               room=location.rooms.get(), starts_at=start, ends_at=start + service.duration,
                               blocked_until=start + service.duration + service.buffer)
    check = slot_check(service=service, practitioner=ana, location=location, start=start)
    assert check.problem is None and check.taken
    later = start + timedelta(hours=2)
    assert not slot_check(service=service, practitioner=ana, location=location, start=later).taken
    WorkingHours.objects.filter(practitioner=ana).delete()
    assert slot_check(service=service, practitioner=ana, location=location, start=later).problem.startswith(
        f"{ana} is not available")
