"""Emails whose task never reached a worker (the broker refused it at commit) are sent by the beat."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail

from booking import services
from booking.notifications import notifications_send_missed
from booking.tasks import send_due_reminders
from tests import factories


def _book_with_broker_down(client, practitioner, service, london, starts_at):
    # Outside django_capture_on_commit_callbacks(execute=True) the on-commit task never runs: as if
    # Redis had refused it.
    return services.appointment_book(client=client, service=service, practitioner=practitioner,
                                     starts_at=starts_at, location=london)


def test_a_lost_confirmation_is_sent_by_the_beat_once(frozen, client_user, practitioner, service, london):
    appointment = _book_with_broker_down(client_user, practitioner, service, london,
                                         factories.local(london, 2026, 3, 30, 10, 0))
    assert notifications_send_missed() == 0  # too early: the task may still be on its way
    frozen.shift(timedelta(minutes=6))
    assert send_due_reminders() == 1
    assert len(mail.outbox) == 1 and client_user.email in mail.outbox[0].to
    assert "confirmed" in mail.outbox[0].subject.lower()
    assert appointment.notifications.filter(kind="confirmation", sent_at__isnull=False).count() == 1
    frozen.shift(timedelta(minutes=5))
    assert notifications_send_missed() == 0
    assert len(mail.outbox) == 1


def test_lost_move_and_cancellation_emails_are_sent(frozen, client_user, practitioner, service, london, book):
    appointment = book(client_user, factories.local(london, 2026, 3, 30, 10, 0))  # confirmation sent
    services.appointment_reschedule(appointment=appointment, starts_at=factories.local(london, 2026, 3, 31, 11, 0),
                                    actor=client_user)  # its email is lost
    frozen.shift(timedelta(minutes=6))
    assert notifications_send_missed() == 1
    assert "moved" in mail.outbox[-1].subject.lower()
    appointment.refresh_from_db()
    services.appointment_cancel(appointment=appointment, actor=client_user)  # lost too
    frozen.shift(timedelta(minutes=6))
    assert notifications_send_missed() == 1
    assert "cancel" in mail.outbox[-1].subject.lower()
    assert len(mail.outbox) == 3


def test_appointments_without_history_are_left_alone(frozen, appointment):
    # Written directly (imported or demo data): nobody booked them through the app just now.
    frozen.shift(timedelta(minutes=30))
    assert notifications_send_missed() == 0
    assert mail.outbox == []
