"""A booking's whole life in messages, with the clock frozen minute by minute across the October clock change.

London's clocks go back at 02:00 BST on Sunday 25 October 2026 (01:00 UTC). The session is on Monday
26 October at 10:00 GMT; the beat's dispatcher runs every minute and each message must go out at
exactly its time, once, saying the session's own local time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from icalendar import Calendar

from booking import services
from booking.models import AppointmentStatus
from clinic.notifications.models import Message, MessageState
from clinic.notifications.services import messages_dispatch
from tests.factories import local
from tests.helpers import submit_blank_intake

LONDON_BOOKED_AT = datetime(2026, 10, 19, 9, 0, tzinfo=UTC)  # Monday 19 October, 10:00 BST


@pytest.fixture
def sent(mailoutbox):
    """``sent()``: (subject's first words, local time it went, recipient) for each email so far."""
    return lambda: [(m.subject.split(":")[0], m.sent_local, m.to[0]) for m in mailoutbox]


def _run_beat(start: datetime, end: datetime, tz, mailoutbox) -> None:
    """Every minute from ``start`` to ``end`` (inclusive), as the beat does; stamp what went when."""
    instant = start
    while instant <= end:
        with time_machine.travel(instant, tick=False):
            before = len(mailoutbox)
            messages_dispatch()
            for message in mailoutbox[before:]:
                message.sent_local = instant.astimezone(tz).strftime("%a %d %b %H:%M %Z")
        instant += timedelta(minutes=1)


def _stamp_at_once(mailoutbox) -> None:
    for message in mailoutbox:
        if not hasattr(message, "sent_local"):
            message.sent_local = "at once"


def _ics(message) -> Calendar:
    (_name, content, _mimetype), = message.attachments
    return Calendar.from_ical(content)


def test_a_booking_gets_exactly_the_right_messages_at_the_right_local_times(
        london, practitioner, service, client_user, mailoutbox, sent, django_capture_on_commit_callbacks):
    submit_blank_intake(client_user)  # a returning client: no questionnaire request or nudge
    capture = django_capture_on_commit_callbacks

    with time_machine.travel(LONDON_BOOKED_AT, tick=False), capture(execute=True):
        appointment = services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                                starts_at=local(london, 2026, 10, 27, 10, 0), location=london)
    _stamp_at_once(mailoutbox)
    with time_machine.travel(LONDON_BOOKED_AT + timedelta(hours=1), tick=False), capture(execute=True):
        # Moved to the Monday after the clock change; its pending reminders move with it.
        reminders = list(Message.objects.filter(appointment=appointment, kind="reminder").order_by("due_at"))
        services.appointment_reschedule(appointment=appointment, actor=client_user,
                                        starts_at=local(london, 2026, 10, 26, 10, 0))
    _stamp_at_once(mailoutbox)
    moved = list(Message.objects.filter(appointment=appointment, kind="reminder").order_by("due_at"))
    assert [m.pk for m in moved] == [m.pk for m in reminders]  # the same rows, moved, not new ones
    assert [(m.due_at, m.state) for m in moved] == [
        (datetime(2026, 10, 24, 10, 0, tzinfo=UTC), MessageState.PENDING),  # 48 h before: 11:00 BST on Saturday
        (datetime(2026, 10, 26, 8, 0, tzinfo=UTC), MessageState.PENDING),  # 2 h before: 08:00 GMT on Monday
    ]

    # Saturday morning to Monday evening, minute by minute (the clocks go back in between).
    _run_beat(datetime(2026, 10, 24, 9, 0, tzinfo=UTC), datetime(2026, 10, 24, 11, 0, tzinfo=UTC), london.tz,
              mailoutbox)
    _run_beat(datetime(2026, 10, 26, 7, 30, tzinfo=UTC), datetime(2026, 10, 26, 8, 30, tzinfo=UTC), london.tz,
              mailoutbox)
    with time_machine.travel(datetime(2026, 10, 26, 11, 5, tzinfo=UTC), tick=False), capture(execute=True):
        for status in (AppointmentStatus.ARRIVED, AppointmentStatus.COMPLETED):  # done at 11:05 GMT
            appointment = services.appointment_set_status(appointment=appointment, status=status,
                                                          actor=practitioner.user)
    _run_beat(datetime(2026, 10, 26, 11, 5, tzinfo=UTC), datetime(2026, 10, 26, 12, 30, tzinfo=UTC), london.tz,
              mailoutbox)
    # Days later, nothing more is due, however often the beat runs.
    _run_beat(datetime(2026, 10, 30, 9, 0, tzinfo=UTC), datetime(2026, 10, 30, 9, 5, tzinfo=UTC), london.tz,
              mailoutbox)

    chloe = client_user.email
    assert sent() == [
        ("Booking confirmed", "at once", chloe),
        ("Your appointment has moved to Mon 26 Oct, 10", "at once", chloe),
        ("Reminder", "Sat 24 Oct 11:00 BST", chloe),  # 48 real hours before, though the clocks went back
        ("Reminder", "Mon 26 Oct 08:00 GMT", chloe),
        ("Your aftercare note from Lotus Facial Acupuncture", "Mon 26 Oct 12:05 GMT", chloe),  # completed + 1 h
    ]
    first_reminder, second_reminder = mailoutbox[2], mailoutbox[3]
    for reminder in (first_reminder, second_reminder):  # sent in BST and in GMT: both name the session's GMT time
        assert reminder.subject == "Reminder: your appointment on Mon 26 Oct, 10:00 (GMT)"
        assert "Monday 26 October 2026, 10:00 (GMT)" in reminder.body
        assert "(London time)" in reminder.body
        assert "https://clinic.example/book/my/" in reminder.body  # where to reschedule or cancel
    assert "Arrive 5 to 10 minutes early".lower() in first_reminder.body.lower()  # what to expect
    assert Message.objects.filter(appointment=appointment, state=MessageState.SENT).count() == 5


def test_a_cancellation_sends_a_calendar_cancel_and_stops_its_reminders(
        london, practitioner, service, client_user, mailoutbox, django_capture_on_commit_callbacks):
    submit_blank_intake(client_user)
    capture = django_capture_on_commit_callbacks
    with time_machine.travel(LONDON_BOOKED_AT, tick=False):
        with capture(execute=True):
            appointment = services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                                    starts_at=local(london, 2026, 10, 27, 10, 0), location=london)
        with capture(execute=True):
            services.appointment_reschedule(appointment=appointment, actor=client_user,
                                            starts_at=local(london, 2026, 10, 28, 10, 0))
        with capture(execute=True):
            services.appointment_cancel(appointment=appointment, actor=client_user, reason="Away")

    _run_beat(datetime(2026, 10, 26, 9, 55, tzinfo=UTC), datetime(2026, 10, 26, 10, 5, tzinfo=UTC), london.tz,
              mailoutbox)
    _run_beat(datetime(2026, 10, 28, 7, 55, tzinfo=UTC), datetime(2026, 10, 28, 8, 5, tzinfo=UTC), london.tz,
              mailoutbox)
    _run_beat(datetime(2026, 10, 28, 11, 55, tzinfo=UTC), datetime(2026, 10, 28, 12, 5, tzinfo=UTC), london.tz,
              mailoutbox)

    assert [m.subject.split(":")[0] for m in mailoutbox] == [
        "Booking confirmed", "Your appointment has moved to Wed 28 Oct, 10", "Appointment cancelled"]
    events = [_ics(m).walk("VEVENT")[0] for m in mailoutbox]
    assert len({str(e["UID"]) for e in events}) == 1  # one event, updated then cancelled
    assert [e["SEQUENCE"] for e in events] == [0, 1, 2]
    assert str(_ics(mailoutbox[2])["METHOD"]) == "CANCEL" and str(events[2]["STATUS"]) == "CANCELLED"
    waiting = Message.objects.filter(appointment=appointment, kind__in=["reminder", "aftercare"])
    assert set(waiting.values_list("state", flat=True)) == {MessageState.CANCELLED}


def test_the_spring_clock_change_keeps_reminders_on_real_hours(
        london, practitioner, service, client_user, mailoutbox, django_capture_on_commit_callbacks):
    """Clocks go forward at 01:00 GMT on Sunday 29 March 2026: the 48 h reminder for Tuesday 31 March
    10:00 BST goes at 09:00 UTC on Sunday, which is 10:00 BST."""
    submit_blank_intake(client_user)
    with time_machine.travel(datetime(2026, 3, 20, 9, 0, tzinfo=UTC), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                  starts_at=local(london, 2026, 3, 31, 10, 0), location=london)
    mailoutbox.clear()

    _run_beat(datetime(2026, 3, 29, 8, 58, tzinfo=UTC), datetime(2026, 3, 29, 9, 2, tzinfo=UTC), london.tz,
              mailoutbox)

    assert [(m.subject, m.sent_local) for m in mailoutbox] == [
        ("Reminder: your appointment on Tue 31 Mar, 10:00 (BST)", "Sun 29 Mar 10:00 BST")]
