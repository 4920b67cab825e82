"""A practitioner working in New York sees New York wall-clock times, whatever the clinic's own zone is.

The clinic is set to Asia/Tokyo so that any page using the clinic zone where the location zone is meant shows
a different hour (and often a different date). US clocks go forward on Sunday 8 March 2026.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from clinic.core.models import ClinicSettings
from tests import factories
from tests.factories import local


@pytest.fixture
def new_york_day():
    """Monday 9 March 2026, 18:00 in New York (EDT) = 22:00 UTC = Tuesday 07:00 in Tokyo."""
    ClinicSettings.objects.update(time_zone="Asia/Tokyo")
    new_york = factories.LocationFactory(name="SoHo", time_zone="America/New_York")
    practitioner = factories.PractitionerFactory(location=new_york,
                                                 hours={0: [(datetime.min.time(), datetime.max.time())]})
    client = factories.ClientFactory(first_name="Nora", last_name="York")
    appointment = factories.AppointmentFactory(client=client, practitioner=practitioner,
                                               starts_at=local(new_york, 2026, 3, 9, 18, 0))
    return practitioner, appointment


def test_my_day_lists_the_session_on_its_new_york_date_at_its_new_york_time(login, new_york_day):
    practitioner, appointment = new_york_day
    with time_machine.travel(datetime(2026, 3, 9, 15, 0, tzinfo=UTC), tick=False):
        response = login(practitioner.user).get(reverse("intake:practitioner_day") + "?date=2026-03-09")
    html = response.content.decode()
    assert f'data-appointment="{appointment.pk}"' in html
    assert "18:00 · Nora York" in html


def test_my_day_today_is_the_new_york_date_late_in_the_evening(login, new_york_day):
    """23:30 in New York on Monday is already Tuesday afternoon in Tokyo: "today" is still Monday for her."""
    practitioner, appointment = new_york_day
    with time_machine.travel(datetime(2026, 3, 10, 3, 30, tzinfo=UTC), tick=False):
        response = login(practitioner.user).get(reverse("intake:practitioner_day"))
    html = response.content.decode()
    assert "9 March 2026" in html
    assert f'data-appointment="{appointment.pk}"' in html


def test_the_review_queue_shows_the_new_york_time(login, new_york_day):
    practitioner, appointment = new_york_day
    with time_machine.travel(datetime(2026, 3, 7, 12, 0, tzinfo=UTC), tick=False):
        response = login(practitioner.user).get(reverse("intake:review_queue"))
    html = response.content.decode()
    assert "Mon 9 Mar, 18:00" in html


def test_the_client_record_shows_the_new_york_time(login, new_york_day):
    practitioner, appointment = new_york_day
    with time_machine.travel(datetime(2026, 3, 7, 12, 0, tzinfo=UTC), tick=False):
        response = login(practitioner.user).get(reverse("intake:client_record", args=[appointment.client_id]))
    assert "Mon 9 Mar 2026, 18:00" in response.content.decode()


def test_the_treatment_note_page_shows_the_new_york_date_and_time(login, new_york_day):
    practitioner, appointment = new_york_day
    with time_machine.travel(datetime(2026, 3, 9, 23, 0, tzinfo=UTC), tick=False):
        response = login(practitioner.user).get(reverse("intake:treatment_note", args=[appointment.pk]))
    html = response.content.decode()
    assert "Monday 9 March 2026, 18:00" in html
    assert "?date=2026-03-09" in html
