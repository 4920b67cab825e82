"""Every time in an email is the location's wall-clock time, named, whatever the date of sending."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from django.utils import timezone

from booking import notifications
from clinic.core.models import ClinicSettings
from tests import factories
from tests.factories import local


def _remind(now: datetime) -> None:
    with time_machine.travel(now, tick=False):
        notifications.reminders_send_due()


def test_a_reminder_sent_in_gmt_shows_the_bst_time_of_the_session(london, practitioner, client_user, mailoutbox):
    """Clocks go forward on Sunday 29 March 2026: sent Saturday (GMT) for Monday 10:00 (BST)."""
    ClinicSettings.objects.update(reminder_hours_before=48)
    factories.AppointmentFactory(client=client_user, practitioner=practitioner,
                                 starts_at=local(london, 2026, 3, 30, 10, 0))

    _remind(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))

    assert len(mailoutbox) == 1
    assert "Monday 30 March 2026, 10:00 (BST)" in mailoutbox[0].body
    assert mailoutbox[0].subject == "Reminder: your appointment on Mon 30 Mar, 10:00 (BST)"


def test_a_reminder_sent_in_bst_shows_the_gmt_time_after_the_clocks_go_back(london, practitioner, client_user,
                                                                            mailoutbox):
    """Clocks go back on Sunday 25 October 2026: sent Saturday (BST) for Monday 10:00 (GMT)."""
    ClinicSettings.objects.update(reminder_hours_before=48)
    factories.AppointmentFactory(client=client_user, practitioner=practitioner,
                                 starts_at=local(london, 2026, 10, 26, 10, 0))

    _remind(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))

    assert "Monday 26 October 2026, 10:00 (GMT)" in mailoutbox[0].body


def test_a_new_york_location_shows_new_york_time(client_user, mailoutbox):
    """US clocks go forward on Sunday 8 March 2026: sent Saturday (EST) for Monday 10:00 (EDT)."""
    ClinicSettings.objects.update(reminder_hours_before=72)
    new_york = factories.LocationFactory(name="SoHo", time_zone="America/New_York")
    practitioner = factories.PractitionerFactory(location=new_york)
    factories.AppointmentFactory(client=client_user, practitioner=practitioner,
                                 starts_at=local(new_york, 2026, 3, 9, 10, 0))

    _remind(datetime(2026, 3, 7, 12, 0, tzinfo=UTC))

    assert "Monday 9 March 2026, 10:00 (EDT)" in mailoutbox[0].body
    assert "until 11:00" in mailoutbox[0].body


def test_the_zone_active_in_the_worker_does_not_change_the_email(london, practitioner, client_user, mailoutbox):
    ClinicSettings.objects.update(reminder_hours_before=48)
    factories.AppointmentFactory(client=client_user, practitioner=practitioner,
                                 starts_at=local(london, 2026, 3, 30, 10, 0))

    with timezone.override("Asia/Tokyo"):
        _remind(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))

    assert "Monday 30 March 2026, 10:00 (BST)" in mailoutbox[0].body
    assert "Monday 30 March 2026, 10:00 (BST)" in mailoutbox[0].alternatives[0][0]


def test_format_when_names_the_zone():
    tz = factories.LocationFactory.build(time_zone="Europe/London").tz

    assert notifications.format_when(datetime(2026, 3, 31, 9, 0, tzinfo=UTC), tz) == \
        "Tuesday 31 March 2026, 10:00 (BST)"
