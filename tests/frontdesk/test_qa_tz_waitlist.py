"""The waitlist page lists freed times from every location: each is shown in its own location's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.urls import reverse

from frontdesk.models import WaitlistOpening
from tests import factories
from tests.factories import local


def test_a_freed_new_york_time_shows_its_new_york_time_on_the_london_waitlist(login, front_desk_user):
    london = factories.LocationFactory(name="Marylebone", time_zone="Europe/London")
    factories.PractitionerFactory(location=london)
    new_york = factories.LocationFactory(name="SoHo", time_zone="America/New_York")
    practitioner = factories.PractitionerFactory(location=new_york)
    starts = local(new_york, 2026, 3, 9, 10, 0)  # 14:00 in London (UK clocks change on 29 March)
    with time_machine.travel(datetime(2026, 3, 6, 12, 0, tzinfo=UTC), tick=False):
        WaitlistOpening.objects.create(location=new_york, practitioner=practitioner, starts_at=starts,
                                       free_until=starts + timedelta(hours=1))
        response = login(front_desk_user).get(reverse("frontdesk:waitlist") + f"?location={london.pk}")
    html = response.content.decode()
    assert "Mon 9 Mar 2026 10:00" in html
    assert "14:00" not in html
