"""Once only, never lost: the claim row, its conditional takeover, and runs that interleave."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from booking import notifications
from booking.models import AppointmentNotification, NotificationKind
from booking.tasks import send_due_reminders
from tests.factories import local


def _run_at(when) -> int:
    with time_machine.travel(when, tick=False):
        return notifications.reminders_send_due()


def _claim_at(appointment, when, kind=NotificationKind.REMINDER) -> AppointmentNotification:
    """A claim left by a worker that died at ``when`` before sending."""
    claim = AppointmentNotification.objects.create(appointment=appointment, kind=kind,
                                                   for_starts_at=appointment.starts_at)
    AppointmentNotification.objects.filter(pk=claim.pk).update(created_at=when)
    return claim


def test_sending_the_same_notification_twice_sends_once(appointment, london, mailoutbox):
    with time_machine.travel(local(london, 2026, 3, 23, 9, 0), tick=False):
        for _ in range(2):
            notifications.notification_send(appointment_id=appointment.pk, kind="confirmation",
                                            for_starts_at=appointment.starts_at.isoformat())

    assert len(mailoutbox) == 1
    claim = AppointmentNotification.objects.get(appointment=appointment, kind="confirmation")
    assert claim.sent_at is not None


def test_two_sequential_beat_runs_send_one_reminder(appointment, london, mailoutbox):
    with time_machine.travel(local(london, 2026, 3, 24, 10, 0), tick=False):
        assert send_due_reminders.delay().get() == 1
        assert send_due_reminders.delay().get() == 0

    assert len(mailoutbox) == 1


def test_two_interleaved_runs_send_one_reminder(appointment, london, mailoutbox, monkeypatch):
    """Run B starts while run A holds the claim but has not sent yet: B must leave it to A."""
    real = notifications.notification_message
    inner_results = []

    def second_run_starts_now(**kwargs):
        if not inner_results:
            inner_results.append(notifications.reminders_send_due())
        return real(**kwargs)

    monkeypatch.setattr(notifications, "notification_message", second_run_starts_now)

    assert _run_at(local(london, 2026, 3, 24, 10, 0)) == 1
    assert inner_results == [0]
    assert len(mailoutbox) == 1


def test_a_crash_between_claim_and_send_is_retried_by_a_later_run(appointment, london, mailoutbox):
    due = local(london, 2026, 3, 24, 10, 0)
    claim = _claim_at(appointment, due)

    assert _run_at(due + timedelta(minutes=5)) == 0  # its worker may still be sending
    assert _run_at(due + timedelta(minutes=11)) == 1  # presumed dead: taken over
    assert _run_at(due + timedelta(minutes=30)) == 0

    assert len(mailoutbox) == 1
    claim.refresh_from_db()
    assert claim.sent_at is not None
    assert AppointmentNotification.objects.filter(appointment=appointment).count() == 1


def test_a_refused_send_is_retried_and_then_sent_once(appointment, london, mailoutbox, settings):
    due = local(london, 2026, 3, 24, 10, 0)
    settings.EMAIL_BACKEND = "tests.notifications.failing_backend.RefusingBackend"
    assert _run_at(due) == 0

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert _run_at(due + timedelta(minutes=1)) == 0
    assert _run_at(due + timedelta(minutes=11)) == 1
    assert _run_at(due + timedelta(minutes=12)) == 0
    assert len(mailoutbox) == 1


def test_two_runs_taking_over_the_same_stale_claim_send_once(appointment, london, mailoutbox, monkeypatch):
    due = local(london, 2026, 3, 24, 10, 0)
    _claim_at(appointment, due)
    real = notifications.notification_message
    inner_results = []

    def second_run_starts_now(**kwargs):
        if not inner_results:
            inner_results.append(notifications.reminders_send_due(now=due + timedelta(minutes=11)))
        return real(**kwargs)

    monkeypatch.setattr(notifications, "notification_message", second_run_starts_now)

    assert _run_at(due + timedelta(minutes=11)) == 1
    assert inner_results == [0]
    assert len(mailoutbox) == 1


def test_an_interrupted_confirmation_is_retried_by_the_sweep(appointment, london, mailoutbox):
    now = local(london, 2026, 3, 23, 9, 0)
    _claim_at(appointment, now, kind=NotificationKind.CONFIRMATION)

    with time_machine.travel(now + timedelta(minutes=11), tick=False):
        assert send_due_reminders.delay().get() == 1

    assert mailoutbox[0].subject.startswith("Booking confirmed")


def test_a_stale_claim_that_no_longer_applies_is_dropped_not_sent(appointment, london, mailoutbox):
    now = local(london, 2026, 3, 23, 9, 0)
    _claim_at(appointment, now, kind=NotificationKind.CONFIRMATION)
    appointment.status = "cancelled"
    appointment.save()

    with time_machine.travel(now + timedelta(minutes=11), tick=False):
        assert notifications.notifications_retry_stale() == 0

    assert mailoutbox == []
    assert not AppointmentNotification.objects.filter(appointment=appointment, kind="confirmation").exists()


def test_a_confirmation_for_a_start_that_has_since_moved_is_not_sent(appointment, london, mailoutbox):
    old_start = appointment.starts_at
    appointment.starts_at += timedelta(days=1)
    appointment.ends_at += timedelta(days=1)
    appointment.blocked_until += timedelta(days=1)
    appointment.save()

    with time_machine.travel(local(london, 2026, 3, 23, 9, 0), tick=False):
        sent = notifications.notification_send(appointment_id=appointment.pk, kind="confirmation",
                                               for_starts_at=old_start.isoformat())

    assert sent is False
    assert mailoutbox == []
