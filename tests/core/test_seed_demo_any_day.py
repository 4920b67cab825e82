"""The demo is seeded by ``make run`` on whatever day a newcomer tries it: every day of the week, at any hour,
across the clock changes, it must load without an error and hold no double booking anywhere."""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from booking.models import ACTIVE_STATUSES, Appointment
from booking.selectors import slot_problem
from clinic.accounts.models import User
from clinic.core import demo

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 11, 30, tzinfo=LONDON)
HOURS = [(6, 30), (10, 30), (15, 0), (23, 45)]
MOMENTS = [MONDAY + timedelta(days=day, hours=h, minutes=m) for day in range(7) for h, m in HOURS]
# The weeks of the clock changes: a session's wall-clock time must still fit the practitioner's hours.
MOMENTS += [datetime(2027, 3, 29, 10, 30, tzinfo=LONDON), datetime(2026, 10, 26, 10, 30, tzinfo=LONDON)]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _overlaps(rows, key, end):
    clashes = []
    by_key: dict = {}
    for a in rows:
        by_key.setdefault(getattr(a, key), []).append(a)
    for items in by_key.values():
        items.sort(key=lambda a: a.starts_at)
        clashes += [(a, b) for a, b in zip(items, items[1:], strict=False) if b.starts_at < getattr(a, end)]
    return clashes


@pytest.mark.parametrize("moment", MOMENTS, ids=[f"{m:%a-%d%b-%H%M}" for m in MOMENTS])
def test_the_demo_loads_without_a_double_booking(moment):
    with time_machine.travel(moment, tick=False):
        call_command("seed_demo", stdout=mock.Mock())
        live = list(Appointment.objects.filter(status__in=ACTIVE_STATUSES).select_related(
            "service", "practitioner", "location"))
        assert _overlaps(live, "practitioner_id", "blocked_until") == []
        assert _overlaps(live, "room_id", "blocked_until") == []
        assert _overlaps(live, "client_id", "ends_at") == []
        # Every session sits where the front desk could have booked it: hours, breaks, time off, closures.
        for a in live:
            assert slot_problem(service=a.service, practitioner=a.practitioner, location=a.location,
                                start=a.starts_at, staff=True, ignore_appointment_pk=a.pk,
                                now=a.starts_at - timedelta(days=1)) is None, a
        # The story the demo tells still holds: Chloe is mid-course, today has sessions on a working day.
        chloe = User.objects.get(email="client@demo.clinic")
        assert chloe.appointments.filter(status="completed").count() == 5
        assert chloe.appointments.filter(status="booked").count() == 3
        if moment.weekday() < 6:
            today = moment.date()
            assert any(a.starts_at.astimezone(LONDON).date() == today for a in live)


def test_a_failure_half_way_leaves_nothing_behind():
    with mock.patch("frontdesk.demo.seed", side_effect=RuntimeError("disk full")), \
            pytest.raises(RuntimeError):
        call_command("seed_demo", stdout=mock.Mock())
    assert User.objects.count() == 0
    assert Appointment.objects.count() == 0


def test_seeding_again_adds_nothing():
    with time_machine.travel(MONDAY + timedelta(days=1, hours=10), tick=False):
        demo.seed()
        before = sorted(Appointment.objects.values_list("client_id", "starts_at"))
        demo.seed()
        assert sorted(Appointment.objects.values_list("client_id", "starts_at")) == before
