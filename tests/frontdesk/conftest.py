"""A small clinic for the front-desk tests: one London location, two rooms, two practitioners
(Ana and Li) working 09:00-17:00 every day, a follow-up and an initial-consultation service.

Time is frozen with ``time_machine`` in the tests themselves; ``LONDON`` helps build instants.
Clients made in bulk come from ``QuickClientFactory`` (no password hashing: Argon2 per row is slow).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from booking.models import AppointmentStatus
from tests.factories import (
    AppointmentFactory,
    LocationFactory,
    PractitionerFactory,
    RoomFactory,
    ServiceFactory,
)

from .factories import QuickClientFactory

LONDON = ZoneInfo("Europe/London")
EVERY_DAY = {d: [(time(9), time(17))] for d in range(7)}


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0, tz: ZoneInfo = LONDON) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=tz)


@pytest.fixture
def clinic(db):
    location = LocationFactory(name="Islington clinic", time_zone="Europe/London")
    jade = RoomFactory(location=location, name="Jade room")
    lotus = RoomFactory(location=location, name="Lotus room")
    follow_up = ServiceFactory(name="Facial acupuncture follow-up", slug="follow-up", duration_minutes=60,
                               buffer_after_minutes=15, is_initial_consultation=False)
    initial = ServiceFactory(name="Initial consultation", slug="initial", duration_minutes=90,
                             buffer_after_minutes=15, is_initial_consultation=True)
    ana = PractitionerFactory(user__first_name="Ana", user__last_name="Torres", location=location,
                              services=[follow_up, initial], hours=EVERY_DAY)
    li = PractitionerFactory(user__first_name="Li", user__last_name="Wei", location=location,
                             services=[follow_up, initial], hours=EVERY_DAY)
    return SimpleNamespace(location=location, jade=jade, lotus=lotus, follow_up=follow_up, initial=initial,
                           ana=ana, li=li)


@pytest.fixture
def appointment(clinic):
    """``appointment(start, practitioner=..., client=..., status=...)`` written directly (state for tests)."""

    def _make(starts_at: datetime, *, practitioner=None, client=None, service=None, room=None,
              status=AppointmentStatus.BOOKED, **extra):
        service = service or clinic.follow_up
        return AppointmentFactory(
            client=client or QuickClientFactory(), practitioner=practitioner or clinic.ana, service=service,
            location=clinic.location, room=room or clinic.jade, starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=service.duration_minutes),
            blocked_until=starts_at + timedelta(minutes=service.duration_minutes + service.buffer_after_minutes),
            status=status, **extra)

    return _make


@pytest.fixture
def desk(login, front_desk_user):
    """The Django test client logged in as the front desk."""
    return login(front_desk_user)

