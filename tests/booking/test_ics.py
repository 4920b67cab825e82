"""booking.ics: calendar files in UTC with a stable UID, no health details."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from booking.ics import appointment_ics, appointments_ics
from booking.models import AppointmentStatus
from tests.factories import AppointmentFactory, LocationFactory, PractitionerFactory, local


@pytest.mark.usefixtures("now")
def test_it_writes_one_event_in_utc(practitioner, location, service):
    appointment = AppointmentFactory(practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10))
    event = Calendar.from_ical(appointment_ics(appointment)).walk("VEVENT")[0]
    assert event.decoded("dtstart").isoformat() == "2026-06-08T09:00:00+00:00"
    assert event.decoded("dtend").isoformat() == "2026-06-08T10:00:00+00:00"
    assert str(event["summary"]).startswith(service.name)
    assert str(event["uid"]) == f"appointment-{appointment.pk}@127.0.0.1"
    assert str(event["status"]) == "CONFIRMED"


def test_a_new_york_appointment_on_its_dst_day(time_machine):
    new_york = LocationFactory(time_zone="America/New_York")
    appointment = AppointmentFactory(practitioner=PractitionerFactory(location=new_york),
                                     starts_at=local(new_york, 2026, 11, 1, 9))
    event = Calendar.from_ical(appointment_ics(appointment)).walk("VEVENT")[0]
    assert event.decoded("dtstart").isoformat() == "2026-11-01T14:00:00+00:00"  # EST again


@pytest.mark.usefixtures("now")
def test_a_course_file_holds_every_session_and_cancelled_ones_say_so(practitioner, location):
    one = AppointmentFactory(practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10))
    two = AppointmentFactory(practitioner=practitioner, starts_at=local(location, 2026, 6, 15, 10),
                             status=AppointmentStatus.CANCELLED)
    events = Calendar.from_ical(appointments_ics([one, two])).walk("VEVENT")
    assert [str(e["status"]) for e in events] == ["CONFIRMED", "CANCELLED"]
