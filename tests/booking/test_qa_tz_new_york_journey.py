"""One New York booking, seen everywhere, while the clinic's own zone is Asia/Tokyo.

US clocks go forward on Sunday 8 March 2026. The client books late on Saturday evening (New York), when it
is already Sunday in UTC and in Tokyo, for Monday 9 March 10:00 (EDT) = 14:00 UTC = 23:00 in Tokyo.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import icalendar
import pytest
from django.urls import reverse

from booking.models import Appointment
from clinic.core.models import ClinicSettings
from tests import factories

SATURDAY_NIGHT = datetime(2026, 3, 8, 4, 30, tzinfo=UTC)  # Saturday 7 March 23:30 EST


@pytest.fixture
def new_york(time_machine):
    time_machine.move_to(SATURDAY_NIGHT, tick=False)
    ClinicSettings.objects.update(time_zone="Asia/Tokyo", minimum_notice_hours=12)
    location = factories.LocationFactory(name="SoHo", time_zone="America/New_York")
    service = factories.ServiceFactory(name="Follow-up", slug="follow-up", duration_minutes=60,
                                       buffer_after_minutes=0)
    practitioner = factories.PractitionerFactory(location=location, services=[service],
                                                 hours={d: [(time(9), time(17))] for d in range(7)})
    return location, service, practitioner


def test_the_same_new_york_time_everywhere(login, client_user, new_york, mailoutbox,
                                           django_capture_on_commit_callbacks):
    location, service, practitioner = new_york
    web = login(client_user)
    times = web.get(reverse("booking:times", args=[service.slug]),
                    {"practitioner": practitioner.pk, "location": location.pk, "week": "2026-03-09"})
    html = times.content.decode()
    assert 'data-start="2026-03-09T10:00:00-04:00"' in html

    query = {"practitioner": practitioner.pk, "location": location.pk, "start": "2026-03-09T14:00Z"}
    review = web.get(reverse("booking:review", args=[service.slug]), query)
    assert "Monday 9 March 2026, 10:00–11:00" in review.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        booked = web.post(reverse("booking:review", args=[service.slug]), query, follow=True)
    appointment = Appointment.objects.get()
    assert appointment.starts_at == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    assert "Monday 9 March 2026, 10:00–11:00" in booked.content.decode()

    mine = web.get(reverse("booking:my_appointments")).content.decode()
    assert "Monday 9 March 2026, 10:00" in mine

    ics = icalendar.Calendar.from_ical(web.get(reverse("booking:appointment_ics", args=[appointment.pk])).content)
    event = next(iter(ics.walk("VEVENT")))
    assert event["DTSTART"].dt == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)

    confirmation = next(m for m in mailoutbox if "10:00" in m.subject)
    assert "Monday 9 March 2026, 10:00 (EDT)" in confirmation.body
    attached = icalendar.Calendar.from_ical(confirmation.attachments[0][1])
    assert next(iter(attached.walk("VEVENT")))["DTSTART"].dt == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


def test_today_at_23_30_in_new_york_is_still_saturday(login, client_user, new_york):
    """Sunday is not "past" yet in New York, and 12 h notice from 23:30 Saturday allows Sunday 11:30."""
    location, service, practitioner = new_york
    html = login(client_user).get(reverse("booking:times", args=[service.slug]),
                                  {"practitioner": practitioner.pk, "location": location.pk}).content.decode()
    # 23:30 EST + 12 h = 12:30 EDT (the clocks skipped an hour at 02:00).
    assert 'data-start="2026-03-08T12:30:00-04:00"' in html
    assert 'data-start="2026-03-08T12:15:00-04:00"' not in html
