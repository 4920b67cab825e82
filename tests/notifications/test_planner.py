"""What each session gets, planned with the booking: reminders per offset and channel, the questionnaire
request and nudge, the course check-in, and what happens to them when the session moves or is cancelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from booking import services
from booking.notifications import client_messages_plan
from clinic.core.models import ClinicSettings, OutboxEmail
from clinic.notifications.models import Message, MessageState
from clinic.notifications.services import message_send, messages_dispatch
from tests.factories import ClientFactory, local
from tests.helpers import submit_blank_intake

MONDAY = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # 09:00 BST


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def book(practitioner, service, london, django_capture_on_commit_callbacks):
    def _book(client, day, hh=10, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.appointment_book(client=client, service=service, practitioner=practitioner,
                                             starts_at=local(london, 2026, 6, day, hh, 0), location=london, **kwargs)

    return _book


@pytest.fixture
def returning(client_user):
    submit_blank_intake(client_user)
    return client_user


def _planned(appointment, kind="reminder", **filters):
    rows = Message.objects.filter(appointment=appointment, kind=kind, **filters).order_by("due_at", "channel")
    return [(m.channel, m.due_at, m.state) for m in rows]


def _run(mailoutbox, instant) -> list[str]:
    with time_machine.travel(instant, tick=False):
        before = len(mailoutbox)
        messages_dispatch()
    return [m.subject.split(":")[0] for m in mailoutbox[before:]]


def test_each_session_gets_a_reminder_per_clinic_offset(returning, book):
    appointment = book(returning, 8)  # Monday 8 June 10:00 BST = 09:00 UTC

    assert _planned(appointment) == [
        ("email", datetime(2026, 6, 6, 9, 0, tzinfo=UTC), MessageState.PENDING),
        ("email", datetime(2026, 6, 8, 7, 0, tzinfo=UTC), MessageState.PENDING),
    ]


def test_the_clinic_chooses_the_offsets(returning, book):
    ClinicSettings.objects.update(reminder_hours="72, 24, 1")
    appointment = book(returning, 8)

    assert [due for _c, due, _s in _planned(appointment)] == [
        datetime(2026, 6, 5, 9, 0, tzinfo=UTC), datetime(2026, 6, 7, 9, 0, tzinfo=UTC),
        datetime(2026, 6, 8, 8, 0, tzinfo=UTC)]


def test_a_client_who_chose_text_messages_gets_both(book, practitioner):
    sam = ClientFactory(phone="+44 7700 900123", sms_reminders=True)
    submit_blank_intake(sam)
    appointment = book(sam, 8)

    assert [c for c, _due, _s in _planned(appointment)] == ["email", "sms", "email", "sms"]


def test_a_client_without_email_reminders_gets_none_by_email(book):
    quiet = ClientFactory(email_reminders=False)
    submit_blank_intake(quiet)
    assert _planned(book(quiet, 8)) == []


def test_booking_inside_the_first_reminder_gets_only_the_later_one(returning, book, clock):
    clock.move_to(datetime(2026, 6, 7, 8, 0, tzinfo=UTC))  # a day before
    appointment = book(returning, 8, via="phone")

    assert _planned(appointment) == [("email", datetime(2026, 6, 8, 7, 0, tzinfo=UTC), MessageState.PENDING)]


def test_a_move_takes_the_pending_reminders_along(returning, book, django_capture_on_commit_callbacks, london):
    appointment = book(returning, 8)
    before = list(Message.objects.filter(appointment=appointment, kind="reminder").values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_reschedule(appointment=appointment, actor=returning,
                                        starts_at=local(london, 2026, 6, 10, 15, 0))

    assert sorted(Message.objects.filter(appointment=appointment, kind="reminder").values_list("pk", flat=True)) \
        == sorted(before)
    assert _planned(appointment) == [
        ("email", datetime(2026, 6, 8, 14, 0, tzinfo=UTC), MessageState.PENDING),
        ("email", datetime(2026, 6, 10, 12, 0, tzinfo=UTC), MessageState.PENDING),
    ]


def test_a_session_moved_after_its_reminder_went_gets_a_new_one(returning, book, mailoutbox, london,
                                                               django_capture_on_commit_callbacks):
    appointment = book(returning, 8)
    assert _run(mailoutbox, datetime(2026, 6, 6, 9, 0, tzinfo=UTC)) == ["Reminder"]
    with time_machine.travel(datetime(2026, 6, 6, 10, 0, tzinfo=UTC), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        services.appointment_reschedule(appointment=appointment, actor=returning, by_staff=True,
                                        starts_at=local(london, 2026, 6, 12, 10, 0))

    assert _run(mailoutbox, datetime(2026, 6, 8, 9, 0, tzinfo=UTC)) == []  # nothing for the old time
    assert _run(mailoutbox, datetime(2026, 6, 10, 9, 0, tzinfo=UTC)) == ["Reminder"]
    assert "Friday 12 June 2026, 10:00 (BST)" in mailoutbox[-1].body


def test_after_an_outage_only_the_latest_due_reminder_goes(returning, book, mailoutbox):
    appointment = book(returning, 8)

    assert _run(mailoutbox, datetime(2026, 6, 8, 7, 30, tzinfo=UTC)) == ["Reminder"]  # the beat was down for days
    first, second = Message.objects.filter(appointment=appointment, kind="reminder").order_by("due_at")
    assert (first.state, second.state) == (MessageState.CANCELLED, MessageState.SENT)


def test_a_cancellation_cancels_everything_waiting(returning, book, mailoutbox, django_capture_on_commit_callbacks):
    appointment = book(returning, 8)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=appointment, actor=returning)

    waiting = Message.objects.filter(appointment=appointment).exclude(kind__in=["confirmation", "cancelled"])
    assert set(waiting.values_list("state", flat=True)) == {MessageState.CANCELLED}
    assert _run(mailoutbox, datetime(2026, 6, 8, 12, 0, tzinfo=UTC)) == []


def test_a_new_client_is_asked_for_the_questionnaire_then_nudged(client_user, book, mailoutbox):
    appointment = book(client_user, 8)
    assert [m.subject for m in mailoutbox] == ["Booking confirmed: Mon 8 Jun, 10:00 (BST)",
                                               "Your questionnaire before your visit"]
    assert "/intake/link/" in mailoutbox[1].body

    assert _planned(appointment, "intake_nudge") == [
        ("email", datetime(2026, 6, 5, 9, 0, tzinfo=UTC), MessageState.PENDING)]  # 72 hours before
    assert _run(mailoutbox, datetime(2026, 6, 5, 9, 0, tzinfo=UTC)) == ["Your questionnaire"]
    assert "Monday 8 June 2026, 10:00 (BST)" in mailoutbox[-1].body
    assert "have not received your skin and health questionnaire" in mailoutbox[-1].body


def test_no_nudge_once_the_questionnaire_is_in(client_user, book, mailoutbox):
    appointment = book(client_user, 8)
    submit_blank_intake(client_user)

    assert _run(mailoutbox, datetime(2026, 6, 5, 9, 0, tzinfo=UTC)) == []
    (nudge,) = Message.objects.filter(appointment=appointment, kind="intake_nudge")
    assert (nudge.state, nudge.last_error) == (MessageState.CANCELLED, "The questionnaire has been filled in.")


def test_returning_clients_are_not_asked_again(returning, book, mailoutbox):
    appointment = book(returning, 8)

    assert [m.subject.split(":")[0] for m in mailoutbox] == ["Booking confirmed"]
    assert _planned(appointment, "intake_nudge") == []


def test_a_course_check_in_comes_before_the_re_assessment_session(returning, book, mailoutbox):
    """Re-assessment at session 5 (intake settings "5, 10"): asked 48 hours before it."""
    sessions = [book(returning, day) for day in (8, 9, 10, 11, 12, 15)]

    assert [bool(_planned(s, "course_checkin")) for s in sessions] == [False, False, False, False, True, False]
    assert _planned(sessions[4], "course_checkin") == [
        ("email", datetime(2026, 6, 10, 9, 0, tzinfo=UTC), MessageState.PENDING)]
    assert _run(mailoutbox, datetime(2026, 6, 10, 9, 0, tzinfo=UTC)).count("How is your course going? A two-minute "
                                                                             "check-in") == 1
    body = mailoutbox[-1].body
    assert "session 5 is on Friday 12 June 2026, 10:00 (BST)" in body
    assert "https://clinic.example/intake/progress/check-in/" in body


def test_cancelling_an_earlier_session_moves_the_check_in_to_the_new_fifth(returning, book,
                                                                          django_capture_on_commit_callbacks):
    sessions = [book(returning, day) for day in (8, 9, 10, 11, 12, 15)]
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=sessions[1], actor=returning)

    assert _planned(sessions[4], "course_checkin")[0][2] == MessageState.CANCELLED
    assert _planned(sessions[5], "course_checkin")[0][2] == MessageState.PENDING


def test_a_client_who_opted_out_gets_no_check_in(returning, book, mailoutbox):
    sessions = [book(returning, day) for day in (8, 9, 10, 11, 12)]
    returning.care_messages = False
    returning.save()

    _run(mailoutbox, datetime(2026, 6, 10, 9, 0, tzinfo=UTC))

    (checkin,) = Message.objects.filter(appointment=sessions[4], kind="course_checkin")
    assert checkin.state == MessageState.CANCELLED
    assert "opted out" in checkin.last_error


def test_a_text_message_reminder_lands_in_the_outbox_by_default(book, mailoutbox, settings):
    settings.EMAIL_BACKEND = "clinic.core.mail.OutboxEmailBackend"
    sam = ClientFactory(first_name="Sam", phone="+44 7700 900123", sms_reminders=True)
    submit_blank_intake(sam)
    book(sam, 8)

    with time_machine.travel(datetime(2026, 6, 8, 7, 0, tzinfo=UTC), tick=False):
        messages_dispatch()

    text = OutboxEmail.objects.get(channel="sms")
    assert text.to == "+44 7700 900123"
    assert text.body.startswith("Lotus Facial Acupuncture: reminder of your Facial acupuncture follow-up on "
                                "Mon 8 Jun, 10:00 (BST) at Islington.")
    assert "https://clinic.example/book/my/" in text.body
    assert OutboxEmail.objects.filter(channel="email", subject__startswith="Reminder").count() == 1


def test_planning_twice_changes_nothing(returning, book):
    appointment = book(returning, 8)
    before = list(Message.objects.order_by("pk").values_list("pk", "key", "due_at", "state"))
    client_messages_plan(client=returning)
    client_messages_plan(client=returning, now=MONDAY + timedelta(hours=1))

    assert list(Message.objects.order_by("pk").values_list("pk", "key", "due_at", "state")) == before
    assert appointment.messages.count() == len(before)


def test_a_reminder_claimed_at_the_moment_of_a_move_is_replaced(returning, book, mailoutbox, london,
                                                                django_capture_on_commit_callbacks):
    appointment = book(returning, 8)
    claimed = Message.objects.filter(appointment=appointment, kind="reminder").order_by("due_at").first()
    Message.objects.filter(pk=claimed.pk).update(state=MessageState.QUEUED, claimed_at=MONDAY)  # a dispatcher has it
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_reschedule(appointment=appointment, actor=returning,
                                        starts_at=local(london, 2026, 6, 10, 15, 0))

    assert _planned(appointment) == [
        ("email", datetime(2026, 6, 6, 9, 0, tzinfo=UTC), MessageState.QUEUED),  # the old time's, on its way
        ("email", datetime(2026, 6, 8, 14, 0, tzinfo=UTC), MessageState.PENDING),  # a new one for the new time
        ("email", datetime(2026, 6, 10, 12, 0, tzinfo=UTC), MessageState.PENDING),
    ]
    with time_machine.travel(datetime(2026, 6, 1, 8, 1, tzinfo=UTC), tick=False):
        Message.objects.filter(pk=claimed.pk).update(due_at=MONDAY)
        assert message_send(message_id=claimed.pk) is False  # the worker sees the session moved
    claimed.refresh_from_db()
    assert claimed.state == MessageState.CANCELLED
    assert [m.subject.split(":")[0] for m in mailoutbox][-1].startswith("Your appointment has moved")


def test_re_planning_keeps_a_failing_reminders_backoff(returning, book, settings, clock):
    settings.EMAIL_BACKEND = "tests.notifications.failing_backend.RefusingBackend"
    appointment = book(returning, 8)
    with time_machine.travel(datetime(2026, 6, 6, 9, 0, tzinfo=UTC), tick=False):
        messages_dispatch()  # the 48 h reminder fails: retried in a minute
        client_messages_plan(client=returning)  # e.g. the client books another session meanwhile
    first = Message.objects.filter(appointment=appointment, kind="reminder").order_by("pk").first()
    assert (first.state, first.attempts, first.due_at) == (MessageState.PENDING, 1,
                                                           datetime(2026, 6, 6, 9, 1, tzinfo=UTC))


def test_a_client_who_turned_texts_off_gets_no_waitlist_text(returning, book, service, london):
    from frontdesk.services import waitlist_entry_add, waitlist_opening_create

    sam = ClientFactory(phone="+44 7700 900123", sms_reminders=True)
    waitlist_entry_add(client=sam, service=service, location=london, actor=sam)
    appointment = book(returning, 8)
    services.appointment_cancel(appointment=appointment, actor=returning)
    waitlist_opening_create(appointment_id=appointment.pk)  # offered by email and text; not sent yet
    sam.sms_reminders = False
    sam.save()

    messages_dispatch()

    text = Message.objects.get(recipient=sam, kind="waitlist_offer", channel="sms")
    assert (text.state, text.last_error) == (MessageState.CANCELLED, "The client turned text messages off.")
    assert Message.objects.get(recipient=sam, kind="waitlist_offer", channel="email").state == MessageState.SENT
