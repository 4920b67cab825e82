"""Property: whatever the schedule, no offered slot overlaps a booking, a break or time off (buffers
included), and every slot lies inside working hours."""

from __future__ import annotations

from datetime import time, timedelta

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.models import Appointment, Break, TimeOff
from booking.selectors import available_slots
from tests.factories import ServiceFactory, local

from .conftest import MONDAY

QUARTER = timedelta(minutes=15)

schedules = st.fixed_dictionaries({
    "duration": st.sampled_from([30, 45, 60, 75, 90]),
    "buffer": st.sampled_from([0, 5, 10, 15, 30]),
    # gaps (in quarters) between existing appointments, and their lengths in quarters
    "bookings": st.lists(st.tuples(st.integers(0, 12), st.integers(2, 8)), max_size=8),
    "break_at": st.one_of(st.none(), st.integers(10, 15)),
    "off": st.one_of(st.none(), st.tuples(st.integers(0, 40), st.integers(1, 16))),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(schedule=schedules)
def test_no_offered_slot_collides_with_anything(now, location, practitioner, client_user, schedule):
    with transaction.atomic():
        _check(location, practitioner, client_user, schedule)
        transaction.set_rollback(True)  # each example starts from an empty schedule


def _check(location, practitioner, client, schedule) -> None:
    service = ServiceFactory(duration_minutes=schedule["duration"], buffer_after_minutes=schedule["buffer"])
    practitioner.services.add(service)  # works Mon-Fri 09:00-17:00
    room = location.rooms.first()
    day_start = local(location, MONDAY.year, MONDAY.month, MONDAY.day, 8)
    busy = []
    cursor = day_start
    for gap, length in schedule["bookings"]:
        start = cursor + gap * QUARTER
        blocked = start + length * QUARTER
        Appointment.objects.create(client=client, practitioner=practitioner, service=service, location=location,
                                   room=room, starts_at=start, ends_at=blocked, blocked_until=blocked)
        busy.append((start, blocked))
        cursor = blocked
    if schedule["break_at"] is not None:
        Break.objects.create(practitioner=practitioner, weekday=0, start=time(schedule["break_at"]),
                             end=time(schedule["break_at"], 45))
        at = local(location, MONDAY.year, MONDAY.month, MONDAY.day, schedule["break_at"])
        busy.append((at, at + 3 * QUARTER))
    if schedule["off"] is not None:
        start = day_start + schedule["off"][0] * QUARTER
        end = start + schedule["off"][1] * QUARTER
        TimeOff.objects.create(practitioner=practitioner, starts_at=start, ends_at=end)
        busy.append((start, end))

    slots = available_slots(service=service, location=location, practitioner=practitioner, start_date=MONDAY,
                            end_date=MONDAY)
    opens = local(location, MONDAY.year, MONDAY.month, MONDAY.day, 9)
    closes = local(location, MONDAY.year, MONDAY.month, MONDAY.day, 17)
    for slot in slots:
        held_until = slot.end + service.buffer
        assert opens <= slot.start and held_until <= closes
        for lo, hi in busy:
            assert not (slot.start < hi and lo < held_until), (slot, lo, hi)
