"""A course booked in one go: one confirmation listing every session, one calendar file, reminders per session."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from icalendar import Calendar

from booking import services
from clinic.accounts.signals import email_verified
from clinic.notifications.models import Message
from tests.factories import ClientFactory, local
from tests.helpers import submit_blank_intake

MONDAY = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def _course(client, practitioner, service, london, capture):
    with capture(execute=True):
        return services.course_book(client=client, service=service, practitioner=practitioner, location=london,
                                    starts=[local(london, 2026, 6, day, 10, 0) for day in (2, 9, 16, 23)],
                                    description="weekly on Tuesday at 10:00")


def test_one_email_lists_every_session(client_user, practitioner, service, london, mailoutbox,
                                       django_capture_on_commit_callbacks):
    submit_blank_intake(client_user)
    course = _course(client_user, practitioner, service, london, django_capture_on_commit_callbacks)

    (email,) = mailoutbox
    assert email.subject == "Your course is booked: 4 sessions from Tue 2 Jun, 10:00 (BST)"
    for day in ("Tuesday 2 June 2026", "Tuesday 9 June 2026", "Tuesday 16 June 2026", "Tuesday 23 June 2026"):
        assert f"{day}, 10:00 (BST)" in email.body and day in email.alternatives[0][0]
    assert "weekly on Tuesday at 10:00" in email.body
    (name, content, mimetype), = email.attachments
    events = Calendar.from_ical(content).walk("VEVENT")
    assert name == "course.ics" and mimetype == "text/calendar" and len(events) == 4
    assert {str(e["UID"]) for e in events} == {f"appointment-{a.pk}@clinic.example" for a in course.appointments.all()}
    # Each session still gets its own reminders (tomorrow's is already inside its 48 h: only the 2 h one).
    assert Message.objects.filter(kind="reminder", appointment__course=course).count() == 2 * 4 - 1


def test_an_unverified_client_gets_it_once_the_address_is_confirmed(practitioner, service, london, mailoutbox,
                                                                    django_capture_on_commit_callbacks, settings):
    settings.UNVERIFIED_MAX_PENDING = 4  # a clinic that lets a newcomer hold a whole course (default: 1 session)
    newcomer = ClientFactory(email_verified_at=None)
    submit_blank_intake(newcomer)
    _course(newcomer, practitioner, service, london, django_capture_on_commit_callbacks)
    assert mailoutbox == []  # held until the address is confirmed

    with django_capture_on_commit_callbacks(execute=True):
        email_verified.send(sender=type(newcomer), user=newcomer)

    assert [m.subject for m in mailoutbox] == ["Your course is booked: 4 sessions from Tue 2 Jun, 10:00 (BST)"]
