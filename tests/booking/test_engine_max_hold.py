"""A booking holds its practitioner and room for at most ``MAX_HOLD`` (12 hours), and the engine relies on it.

The database refuses a longer booking or service (check constraints), so the engine reads bookings that started
at most ``MAX_HOLD`` before a window. A long session started the evening before still blocks the morning: the
engine, ``slot_problem`` and ``slot_check`` agree with the plain walk (which reads without that bound).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from booking.models import ACTIVE_STATUSES, MAX_HOLD, Appointment, Room, Service
from booking.selectors import available_slots, slot_check, slot_problem
from tests.factories import AppointmentFactory, ClientFactory, PractitionerFactory, ServiceFactory

from .test_engine_speed_equivalence import CHANGES, build_random_schedule, reference_slots


def test_the_database_refuses_a_booking_held_longer_than_max_hold(practitioner, location):
    start = datetime(2026, 6, 8, 8, tzinfo=UTC)
    AppointmentFactory(practitioner=practitioner, starts_at=start, ends_at=start + MAX_HOLD,
                       blocked_until=start + MAX_HOLD)  # exactly the limit: fine
    later = start + timedelta(days=1)
    with transaction.atomic(), pytest.raises(IntegrityError, match="holds_at_most_max_hold"):
        AppointmentFactory(practitioner=practitioner, starts_at=later, ends_at=later + timedelta(hours=11),
                           blocked_until=later + MAX_HOLD + timedelta(minutes=1))


def test_a_service_longer_than_max_hold_is_refused_when_set_up():
    with transaction.atomic(), pytest.raises(IntegrityError, match="holds_at_most_max_hold"):
        ServiceFactory(duration_minutes=12 * 60 - 10, buffer_after_minutes=15)
    service = Service(name="Marathon", slug="marathon", duration_minutes=12 * 60, buffer_after_minutes=5, price=1)
    with pytest.raises(ValidationError, match="at most 12 hours"):
        service.full_clean()  # what the manager's service form shows


def _add_long_sessions(rng: random.Random, s: dict) -> None:
    """Sessions of 4 to 12 hours, some from the evening before the window, never overlapping one another."""
    location, people = s["location"], s["people"]
    rooms = list(Room.objects.filter(location=location))
    held = [(a.practitioner_id, a.room_id, a.starts_at, a.blocked_until)
            for a in Appointment.objects.filter(status__in=ACTIVE_STATUSES)]
    client = ClientFactory()
    first = datetime.combine(s["days"][0], time(0), tzinfo=UTC) - timedelta(hours=14)
    for _ in range(rng.randrange(2, 6)):
        p, room = rng.choice(people), rng.choice(rooms)
        start = first + timedelta(minutes=rng.randrange(0, 4 * 24 * 60, 15))
        blocked = start + timedelta(minutes=rng.randrange(4 * 60, 12 * 60 + 1, 15))
        if any((pk == p.pk or r == room.pk) and lo < blocked and start < hi for pk, r, lo, hi in held):
            continue
        held.append((p.pk, room.pk, start, blocked))
        Appointment.objects.create(client=client, practitioner=p, service=s["service"], location=location,
                                   room=room, starts_at=start, ends_at=blocked, blocked_until=blocked)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(("zone", "first_day"), CHANGES[::2], ids=[f"{z}-{d}" for z, d in CHANGES[::2]])
def test_long_sessions_block_what_the_plain_walk_says(time_machine, seed, zone, first_day):
    now = datetime.combine(first_day, time(6), tzinfo=UTC) - timedelta(days=1)
    time_machine.move_to(now, tick=False)
    s = build_random_schedule(seed + 200, zone, first_day)
    _add_long_sessions(random.Random(seed), s)
    window = {"service": s["service"], "location": s["location"], "start_date": s["days"][0],
              "end_date": s["days"][-1]}
    for practitioner in [None, *s["people"]]:
        for staff in (False, True):
            got = [(slot.start, slot.practitioner_id)
                   for slot in available_slots(**window, practitioner=practitioner, staff=staff, now=now)]
            assert got == reference_slots(**window, practitioner=practitioner, staff=staff, now=now)
    for practitioner in s["people"]:
        fits = {start for start, _pk in reference_slots(**window, practitioner=practitioner, now=now, clashes=False,
                                                        staff=True)}
        free = {start for start, _pk in reference_slots(**window, practitioner=practitioner, now=now, staff=True)}
        for start in sorted(fits):
            kwargs = {"service": s["service"], "practitioner": practitioner, "location": s["location"],
                      "start": start, "now": now, "staff": True}
            assert slot_problem(**kwargs) is None
            assert slot_check(**kwargs).taken == (start not in free), start


def test_a_session_from_the_evening_before_still_holds_the_only_room(time_machine, location, service):
    """Another practitioner's 11-hour session from 21:00 holds the one room until 08:00: Ana starts at 08:00."""
    now = datetime(2026, 6, 1, 8, tzinfo=UTC)
    time_machine.move_to(now, tick=False)
    ana = PractitionerFactory(location=location, services=[service],
                              hours={d: [(time(6), time(12))] for d in range(7)})
    ben = PractitionerFactory(location=location, services=[service])
    evening = datetime(2026, 6, 7, 20, tzinfo=UTC)  # 21:00 in London
    Appointment.objects.create(client=ClientFactory(), practitioner=ben, service=service, location=location,
                               room=location.rooms.get(), starts_at=evening, ends_at=evening + timedelta(hours=11),
                               blocked_until=evening + timedelta(hours=11))
    day = datetime(2026, 6, 8).date()
    slots = available_slots(service=service, location=location, practitioner=ana, start_date=day, end_date=day,
                            staff=True)
    assert slots[0].start == evening + timedelta(hours=11)
    assert slot_check(service=service, practitioner=ana, location=location, staff=True,
                      start=evening + timedelta(hours=10)).taken
