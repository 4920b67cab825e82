"""One loader of a location's schedule, read by the availability engine and the front-desk calendar.

Both must see the same working hours, breaks, time off, closures and bookings: a time the engine offers
is a free stretch of the calendar, and what the calendar shows as taken is never offered.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from booking.models import AppointmentStatus, Break, TimeOff
from booking.selectors import available_slots, schedule_load
from frontdesk.grid import calendar_grid
from tests.factories import AppointmentFactory, LocationFactory, RoomFactory, local

from .conftest import MONDAY

pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def day(location, service, practitioner):
    """Monday 8 June at the location: a lunch break, an hour of time off, a closure late in the day, a
    session here, one cancelled, and one of the same practitioner's sessions at another location."""
    Break.objects.create(practitioner=practitioner, weekday=0, start=time(12), end=time(13))
    TimeOff.objects.create(practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 9),
                           ends_at=local(location, 2026, 6, 8, 10), reason="Dentist")
    TimeOff.objects.create(location=location, starts_at=local(location, 2026, 6, 8, 16, 30),
                           ends_at=local(location, 2026, 6, 9), reason="Staff meeting")
    here = AppointmentFactory(practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10, 30))
    cancelled = AppointmentFactory(practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 13, 0),
                                   status=AppointmentStatus.CANCELLED)
    elsewhere = LocationFactory(name="Hackney", time_zone="Europe/London")
    practitioner.locations.add(elsewhere)
    away = AppointmentFactory(practitioner=practitioner, location=elsewhere, room=RoomFactory(location=elsewhere),
                              starts_at=local(location, 2026, 6, 8, 14, 30))
    return {"here": here, "cancelled": cancelled, "away": away}


def _window(location):
    return local(location, 2026, 6, 8), local(location, 2026, 6, 9)


def test_it_reads_a_locations_schedule_in_five_queries(location, practitioner, day, django_assert_num_queries):
    start, end = _window(location)
    # practitioners, rooms, weekly hours (working, opening and breaks in one), time off and closures, appointments
    with django_assert_num_queries(5):
        schedule = schedule_load(location=location, start=start, end=end)
    assert [p.pk for p in schedule.practitioners] == [practitioner.pk]
    assert [off.reason for off in schedule.time_off[practitioner.pk]] == ["Dentist"]
    assert [off.reason for off in schedule.closures] == ["Staff meeting"]
    assert schedule.breaks[(practitioner.pk, 0)] == [(time(12), time(13))]
    # The practitioner is busy at the other location too; cancelled sessions hold no time.
    assert [a.pk for a in schedule.appointments] == [day["here"].pk, day["away"].pk]
    with_cancelled = schedule_load(location=location, start=start, end=end, with_cancelled=True)
    assert [a.pk for a in with_cancelled.appointments] == [day["here"].pk, day["cancelled"].pk, day["away"].pk]


def test_the_engine_offers_only_what_the_calendar_shows_free(location, service, practitioner, day):
    slots = available_slots(service=service, location=location, practitioner=practitioner, start_date=MONDAY,
                            end_date=MONDAY, staff=True)
    grid = calendar_grid(location=location, start_date=MONDAY, full_day=True)
    (column,) = grid.columns
    axis = grid.days[0]
    work = [(s.top, s.top + s.height) for s in column.shades if s.kind == "work"]
    taken = [(s.top, s.top + s.height) for s in column.shades if s.kind != "work"]
    taken += [(b.top, b.end) for b in column.blocks]
    # Only between the lunch break and the session elsewhere: time off, a session here, the break, the
    # session at the other location and the closure take the rest of the day.
    assert [s.start.astimezone(location.tz).strftime("%H:%M") for s in slots] == ["13:00", "13:15"]
    for slot in slots:
        top, bottom = axis.offset(slot.start), axis.offset(slot.end + service.buffer)
        assert any(lo <= top and bottom <= hi for lo, hi in work)
        assert not any(lo < bottom and top < hi for lo, hi in taken), slot.start
    # Drawn here: this location's session only. The one elsewhere keeps its time out of the engine's offer.
    assert [b.appointment.pk for b in column.blocks] == [day["here"].pk]
    away = day["away"].starts_at
    assert not [s for s in slots if s.start < away + timedelta(minutes=75) and away < s.end + service.buffer]
