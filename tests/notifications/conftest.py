"""Fixtures for the appointment emails: one London clinic, one practitioner, a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from booking import services
from tests import factories

# Monday 23 March 2026, 09:00 in London (GMT): a week before the clocks go forward on the 29th.
MONDAY_23_MARCH = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://clinic.example"


@pytest.fixture
def london():
    return factories.LocationFactory(name="Islington", address="12 Willow Walk\nLondon N1 7AB",
                                     phone="020 7946 0999", time_zone="Europe/London")


@pytest.fixture
def service():
    return factories.ServiceFactory(name="Facial acupuncture follow-up", duration_minutes=60,
                                    buffer_after_minutes=15)


@pytest.fixture
def practitioner(london, service):
    return factories.PractitionerFactory(location=london, services=[service],
                                         user__first_name="Ana", user__last_name="Silva")


@pytest.fixture
def frozen():
    """The clock at Monday 23 March 2026 09:00 UTC; ``frozen.move_to(...)`` moves it."""
    with time_machine.travel(MONDAY_23_MARCH, tick=False) as traveller:
        yield traveller


@pytest.fixture
def book(practitioner, service, london, django_capture_on_commit_callbacks):
    """``book(client, starts_at)`` books through the real service and runs the on-commit tasks."""

    def _book(client, starts_at, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.appointment_book(client=client, service=service, practitioner=practitioner,
                                             starts_at=starts_at, location=london, **kwargs)

    return _book


@pytest.fixture
def appointment(practitioner, london, client_user):
    """A booked first visit on Wednesday 25 March 2026 10:00 London (GMT), written directly."""
    return factories.AppointmentFactory(client=client_user, practitioner=practitioner,
                                        starts_at=factories.local(london, 2026, 3, 25, 10, 0), is_first_visit=True)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Wrap a service call so the tasks it enqueues on commit run (eagerly, as in tests)."""

    def _run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return _run


@pytest.fixture
def emails(mailoutbox):
    """``emails()``: the emails sent so far, without the questionnaire request a first booking also sends."""

    def _emails():
        return [m for m in mailoutbox if not m.subject.startswith("Your questionnaire")]

    return _emails


def dispatch_at(instant) -> int:
    """Run the beat's dispatcher with the clock at ``instant``."""
    from clinic.notifications.services import messages_dispatch

    with time_machine.travel(instant, tick=False):
        return messages_dispatch()
