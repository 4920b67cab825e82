"""Every time in a message is the location's wall-clock time, named, whatever the date of sending."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from django.utils import timezone

from booking import notifications, services
from clinic.core.models import ClinicSettings
from tests import factories
from tests.factories import local

from .conftest import dispatch_at


def _book(client, practitioner, location, starts_at, *, booked_on: datetime, capture):
    service = practitioner.services.first()
    with time_machine.travel(booked_on, tick=False), capture(execute=True):
        return services.appointment_book(client=client, service=service, practitioner=practitioner,
                                         starts_at=starts_at, location=location)


def _reminders(emails):
    return [m for m in emails() if m.subject.startswith("Reminder")]


def test_a_reminder_sent_in_gmt_shows_the_bst_time_of_the_session(london, practitioner, client_user, emails,
                                                                  django_capture_on_commit_callbacks):
    """Clocks go forward on Sunday 29 March 2026: sent Saturday (GMT) for Monday 10:00 (BST)."""
    ClinicSettings.objects.update(reminder_hours="48")
    _book(client_user, practitioner, london, local(london, 2026, 3, 30, 10, 0),
          booked_on=datetime(2026, 3, 20, 9, 0, tzinfo=UTC), capture=django_capture_on_commit_callbacks)

    dispatch_at(datetime(2026, 3, 28, 9, 0, tzinfo=UTC))  # 48 real hours before 09:00 UTC on Monday

    (reminder,) = _reminders(emails)
    assert "Monday 30 March 2026, 10:00 (BST)" in reminder.body
    assert reminder.subject == "Reminder: your appointment on Mon 30 Mar, 10:00 (BST)"


def test_a_reminder_sent_in_bst_shows_the_gmt_time_after_the_clocks_go_back(london, practitioner, client_user,
                                                                            emails, django_capture_on_commit_callbacks):
    """Clocks go back on Sunday 25 October 2026: sent Saturday (BST) for Monday 10:00 (GMT)."""
    ClinicSettings.objects.update(reminder_hours="48")
    _book(client_user, practitioner, london, local(london, 2026, 10, 26, 10, 0),
          booked_on=datetime(2026, 10, 1, 9, 0, tzinfo=UTC), capture=django_capture_on_commit_callbacks)

    dispatch_at(datetime(2026, 10, 24, 10, 0, tzinfo=UTC))

    assert "Monday 26 October 2026, 10:00 (GMT)" in _reminders(emails)[0].body


def test_a_new_york_location_shows_new_york_time(client_user, emails, django_capture_on_commit_callbacks):
    """US clocks go forward on Sunday 8 March 2026: sent Friday (EST) for Monday 10:00 (EDT)."""
    ClinicSettings.objects.update(reminder_hours="72")
    new_york = factories.LocationFactory(name="SoHo", time_zone="America/New_York")
    practitioner = factories.PractitionerFactory(location=new_york)
    _book(client_user, practitioner, new_york, local(new_york, 2026, 3, 9, 10, 0),
          booked_on=datetime(2026, 3, 1, 15, 0, tzinfo=UTC), capture=django_capture_on_commit_callbacks)

    dispatch_at(datetime(2026, 3, 6, 14, 0, tzinfo=UTC))  # 72 h before 14:00 UTC Monday

    reminder = _reminders(emails)[0]
    assert "Monday 9 March 2026, 10:00 (EDT)" in reminder.body
    assert "until 11:00" in reminder.body


def test_the_zone_active_in_the_worker_does_not_change_the_email(london, practitioner, client_user, emails,
                                                                 django_capture_on_commit_callbacks):
    ClinicSettings.objects.update(reminder_hours="48")
    _book(client_user, practitioner, london, local(london, 2026, 3, 30, 10, 0),
          booked_on=datetime(2026, 3, 20, 9, 0, tzinfo=UTC), capture=django_capture_on_commit_callbacks)

    with timezone.override("Asia/Tokyo"):
        dispatch_at(datetime(2026, 3, 28, 9, 0, tzinfo=UTC))

    reminder = _reminders(emails)[0]
    assert "Monday 30 March 2026, 10:00 (BST)" in reminder.body
    assert "Monday 30 March 2026, 10:00 (BST)" in reminder.alternatives[0][0]


def test_format_when_names_the_zone():
    tz = factories.LocationFactory.build(time_zone="Europe/London").tz

    assert notifications.format_when(datetime(2026, 3, 31, 9, 0, tzinfo=UTC), tz) == \
        "Tuesday 31 March 2026, 10:00 (BST)"
