"""Booking fixtures: one London location, one 60+15 min service, a practitioner working Mon-Fri 09:00-17:00.

Tests freeze time at ``NOW`` (Monday 1 June 2026, 09:00 London) unless they say otherwise, so the week
of ``MONDAY`` (8 June) is bookable: past the 12 h minimum notice and inside the 90-day horizon.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from clinic.core.models import ClinicSettings
from tests.factories import LocationFactory, PractitionerFactory, ServiceFactory

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # 09:00 BST
MONDAY = date(2026, 6, 8)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def clinic_settings():
    return ClinicSettings.load()


@pytest.fixture
def location():
    return LocationFactory(name="Islington clinic", time_zone="Europe/London", phone="020 7946 0123")


@pytest.fixture
def service():
    return ServiceFactory(name="Initial consultation", slug="initial", duration_minutes=60, buffer_after_minutes=15)


@pytest.fixture
def practitioner(location, service):
    return PractitionerFactory(location=location, services=[service], user__first_name="Ana",
                               user__last_name="Torres")


def hm(slots, location) -> list[str]:
    """Slots as local "HH:MM" strings, for readable assertions."""
    return [s.start.astimezone(location.tz).strftime("%H:%M") for s in slots]


def review_url(service, practitioner, location, start, *, any_practitioner: bool = False) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    from booking.forms import format_start

    query = {"practitioner": practitioner.pk, "location": location.pk, "start": format_start(start)}
    if any_practitioner:
        query["any"] = "1"
    return f"{reverse('booking:review', args=[service.slug])}?{urlencode(query)}"
