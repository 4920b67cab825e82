"""The client directory shows each client's next visit at its location's wall-clock time."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from django.urls import reverse

from clinic.core.models import ClinicSettings
from tests import factories
from tests.factories import local


def test_the_next_visit_in_new_york_is_shown_in_new_york_time(login, front_desk_user):
    ClinicSettings.objects.update(time_zone="Europe/London")
    new_york = factories.LocationFactory(name="SoHo", time_zone="America/New_York")
    practitioner = factories.PractitionerFactory(location=new_york)
    nora = factories.ClientFactory(first_name="Nora", last_name="York")
    # Monday 9 March 2026 18:00 EDT = 22:00 GMT in London (the UK changes its clocks on 29 March).
    factories.AppointmentFactory(client=nora, practitioner=practitioner, starts_at=local(new_york, 2026, 3, 9, 18, 0))
    with time_machine.travel(datetime(2026, 3, 6, 12, 0, tzinfo=UTC), tick=False):
        html = login(front_desk_user).get(reverse("frontdesk:clients"), {"q": "york"}).content.decode()
    assert "Mon 9 Mar 2026 18:00" in html
    assert "22:00" not in html
