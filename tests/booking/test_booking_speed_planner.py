"""A booking plans only the messages it changes: its own, and the course check-ins of the client's later sessions.

The full re-plan (``client_messages_plan``) stays the reference: after every booking, running it must change
nothing (same keys, due times and states), so the shortcut can never drift from the rule.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from booking import services
from booking.notifications import PLANNED_KINDS, client_messages_plan
from clinic.notifications.models import Message, MessageKind, MessageState
from intake.models import IntakeSettings
from tests.factories import local
from tests.helpers import submit_blank_intake

pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def book(practitioner, service, location, client_user, django_capture_on_commit_callbacks):
    def _book(day: int, hh: int = 10):
        with django_capture_on_commit_callbacks(execute=True):
            return services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                             starts_at=local(location, 2026, 6, day, hh), location=location)

    return _book


@pytest.fixture
def reassess_at_5():
    settings = IntakeSettings.load()
    settings.reassess_at_sessions = "5"
    settings.save()


def _plan_of(client) -> list[tuple]:
    """The client's planned messages as the planner decides them (not when a row was last touched)."""
    rows = Message.objects.filter(recipient=client, kind__in=PLANNED_KINDS)
    return sorted((m.key, m.kind, m.channel, m.appointment_id, m.due_at, m.state, m.for_starts_at,
                   tuple(sorted(m.params.items()))) for m in rows)


def _rows_of(appointment) -> list[tuple]:
    """Every column of a session's planned messages, ``updated_at`` included: untouched means identical."""
    return sorted(Message.objects.filter(appointment=appointment, kind__in=PLANNED_KINDS)
                  .values_list("pk", "key", "due_at", "state", "updated_at", "last_error"))


def _assert_full_plan_agrees(client) -> None:
    before = _plan_of(client)
    client_messages_plan(client=client)
    assert _plan_of(client) == before


def test_a_booking_plans_its_own_reminders_and_aftercare(client_user, book):
    submit_blank_intake(client_user)
    appointment = book(8)

    planned = Message.objects.filter(appointment=appointment, kind__in=PLANNED_KINDS)
    assert sorted(planned.values_list("kind", "state")) == [
        (MessageKind.AFTERCARE, MessageState.PENDING), (MessageKind.REMINDER, MessageState.PENDING),
        (MessageKind.REMINDER, MessageState.PENDING)]
    assert Message.objects.filter(appointment=appointment, kind=MessageKind.CONFIRMATION).count() == 1
    _assert_full_plan_agrees(client_user)


def test_a_new_clients_first_booking_plans_the_questionnaire_nudge(client_user, book):
    appointment = book(8)

    assert Message.objects.filter(appointment=appointment, kind=MessageKind.INTAKE_NUDGE).count() == 1
    _assert_full_plan_agrees(client_user)


def test_a_second_booking_leaves_the_first_sessions_messages_alone(client_user, book, time_machine):
    submit_blank_intake(client_user)
    first = book(8)
    rows = _rows_of(first)
    time_machine.shift(60)  # a touched row would show a later updated_at

    book(4)  # earlier: the first session becomes the second of the course, which changes none of its messages
    book(10)

    assert _rows_of(first) == rows
    _assert_full_plan_agrees(client_user)


def test_a_booking_before_a_re_assessment_moves_the_course_check_in(client_user, book, reassess_at_5):
    submit_blank_intake(client_user)
    sessions = [book(day) for day in (9, 10, 11, 12, 15)]
    checkins = Message.objects.filter(kind=MessageKind.COURSE_CHECKIN)
    assert list(checkins.values_list("appointment_id", "state")) == [(sessions[4].pk, MessageState.PENDING)]
    untouched = _rows_of(sessions[0])

    book(8)  # now the session on the 12th is the fifth

    assert sorted(checkins.values_list("appointment_id", "state")) == sorted([
        (sessions[3].pk, MessageState.PENDING), (sessions[4].pk, MessageState.CANCELLED)])
    assert _rows_of(sessions[0]) == untouched
    _assert_full_plan_agrees(client_user)


def test_reminders_count_real_hours_across_the_clock_change(client_user, practitioner, service, location,
                                                            time_machine, django_capture_on_commit_callbacks):
    """Booked on 20 March for Monday 30 March 10:00 BST (clocks go forward on the 29th): the 48-hour reminder is
    due at 09:00 UTC on the 28th, though the start was given in London time."""
    submit_blank_intake(client_user)
    time_machine.move_to(datetime(2026, 3, 20, 9, tzinfo=UTC), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                                starts_at=local(location, 2026, 3, 30, 10), location=location)

    reminders = Message.objects.filter(appointment=appointment, kind=MessageKind.REMINDER).order_by("due_at")
    assert [m.due_at for m in reminders] == [datetime(2026, 3, 28, 9, tzinfo=UTC), datetime(2026, 3, 30, 7, tzinfo=UTC)]
    _assert_full_plan_agrees(client_user)


@pytest.mark.parametrize("days", [(8, 9, 10, 11, 12, 15, 16), (16, 15, 12, 11, 10, 9, 8), (11, 8, 16, 9, 15, 10, 12)])
def test_any_order_of_bookings_ends_as_a_full_plan_would(client_user, book, reassess_at_5, days):
    submit_blank_intake(client_user)
    for day in days:
        book(day)
        _assert_full_plan_agrees(client_user)


@pytest.mark.parametrize("cancelled", [0, 2, 4, 6])
def test_a_cancellation_ends_as_a_full_plan_would(client_user, book, reassess_at_5, cancelled,
                                                  django_capture_on_commit_callbacks):
    """Cancelling the first, a middle, the re-assessment or the last session: the later ones' check-ins follow."""
    submit_blank_intake(client_user)
    sessions = [book(day) for day in (8, 9, 10, 11, 12, 15, 16)]
    with django_capture_on_commit_callbacks(execute=True):  # by the desk: the first visit may go too
        services.appointment_cancel(appointment=sessions[cancelled], actor=client_user, by_staff=True)

    assert {m.state for m in Message.objects.filter(appointment=sessions[cancelled], kind__in=PLANNED_KINDS)} \
        == {MessageState.CANCELLED}
    checkins = [s.pk for s in sessions if Message.objects.filter(
        appointment=s, kind=MessageKind.COURSE_CHECKIN, state=MessageState.PENDING).exists()]
    assert checkins == [sessions[5 if cancelled <= 4 else 4].pk]  # the fifth session still standing
    _assert_full_plan_agrees(client_user)


def test_a_cancellation_leaves_the_earlier_sessions_messages_alone(client_user, book, reassess_at_5,
                                                                   django_capture_on_commit_callbacks):
    submit_blank_intake(client_user)
    sessions = [book(day) for day in (8, 9, 10, 11, 12, 15)]
    earlier = [_rows_of(s) for s in sessions[:3]]
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=sessions[3], actor=client_user)

    assert [_rows_of(s) for s in sessions[:3]] == earlier  # not even touched
