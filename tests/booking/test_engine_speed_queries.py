"""Query pins of the availability engine: a fixed, small number whatever the window or the bookings.

Any practitioner: settings, weekly hours (with opening hours and breaks in one), rooms with time off, bookings.
One practitioner: their bookings, then the rooms' bookings only around the times they are free (one more).
``slot_problem``: settings, then one read of the offer, the weekday's hours, breaks, time off and rooms (no booking);
``slot_check`` reads the bookings at that very time in that same read.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.models import Appointment, Room
from booking.selectors import available_slots, slot_check, slot_problem
from tests.factories import ClientFactory, PractitionerFactory, local

from .conftest import MONDAY

pytestmark = pytest.mark.usefixtures("now")

ANY_PRACTITIONER_QUERIES = 4
ONE_PRACTITIONER_QUERIES = 5
SLOT_PROBLEM_QUERIES = 2
SLOT_CHECK_QUERIES = 2


def _fill(location, service, people, days: int) -> None:
    """Four sessions a day for each practitioner over ``days`` days, in rooms they share."""
    rooms = list(Room.objects.filter(location=location))
    client = ClientFactory()
    rows = []
    for d in range(days):
        day = MONDAY + timedelta(days=d)
        for i, practitioner in enumerate(people):
            for hour in (9, 11, 13, 15):
                start = local(location, day.year, day.month, day.day, hour)
                rows.append(Appointment(client=client, practitioner=practitioner, service=service, location=location,
                                        room=rooms[i % len(rooms)], starts_at=start, ends_at=start + service.duration,
                                        blocked_until=start + service.duration + service.buffer))
    Appointment.objects.bulk_create(rows)


@pytest.fixture
def team(location, service, practitioner):
    """Three practitioners and three rooms at the location."""
    people = [practitioner, *(PractitionerFactory(location=location, services=[service]) for _ in range(2))]
    Room.objects.bulk_create(Room(location=location, name=f"Extra {i}") for i in range(2))
    return people


@pytest.mark.parametrize("days", [0, 40])
def test_any_practitioner_takes_four_queries_however_many_bookings(service, location, team, days,
                                                                   django_assert_num_queries):
    _fill(location, service, team, days)
    with django_assert_num_queries(ANY_PRACTITIONER_QUERIES):
        slots = available_slots(service=service, location=location, start_date=MONDAY,
                                end_date=MONDAY + timedelta(days=59))
    assert slots


@pytest.mark.parametrize("days", [0, 40])
def test_one_practitioner_takes_five_queries_however_many_bookings(service, location, team, days,
                                                                  django_assert_num_queries):
    _fill(location, service, team, days)
    with django_assert_num_queries(ONE_PRACTITIONER_QUERIES):
        slots = available_slots(service=service, location=location, practitioner=team[1], start_date=MONDAY,
                                end_date=MONDAY + timedelta(days=59))
    assert slots


def test_slot_problem_reads_no_booking(service, location, team, django_assert_num_queries):
    _fill(location, service, team, 3)
    start = local(location, 2026, 6, 8, 10)
    with django_assert_num_queries(SLOT_PROBLEM_QUERIES):
        assert slot_problem(service=service, practitioner=team[0], location=location, start=start) is None


def test_slot_check_reads_the_bookings_then_in_the_same_read(service, location, team, django_assert_num_queries):
    _fill(location, service, team, 3)
    with django_assert_num_queries(SLOT_CHECK_QUERIES):
        check = slot_check(service=service, practitioner=team[0], location=location,
                           start=local(location, 2026, 6, 8, 9))
    assert check.problem is None and check.taken  # their own 09:00 session
    free = slot_check(service=service, practitioner=team[0], location=location,
                      start=local(location, 2026, 6, 11, 10))  # Thursday: no session yet
    assert free.problem is None and not free.taken


def test_a_refused_start_stops_before_the_schedule(service, location, practitioner, django_assert_num_queries):
    with django_assert_num_queries(1):  # the settings: the time is in the past
        check = slot_check(service=service, practitioner=practitioner, location=location,
                           start=local(location, 2026, 5, 1, 10))
    assert check.problem.startswith("That time is in the past") and not check.taken
