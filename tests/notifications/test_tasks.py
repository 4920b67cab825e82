"""The Celery wiring: tasks take ids, run on commit, and the beat polls every minute."""

from __future__ import annotations

import json

from booking.tasks import send_appointment_notification
from clinic.celery import app
from tests.factories import local


def test_the_beat_polls_for_due_reminders_every_minute():
    entry = app.conf.beat_schedule["booking-send-due-reminders"]

    assert entry["task"] == "booking.tasks.send_due_reminders"
    assert entry["schedule"] == 60.0
    assert entry["task"] in app.tasks


def test_nothing_is_sent_if_the_booking_never_commits(frozen, london, client_user, practitioner, service,
                                                      django_capture_on_commit_callbacks, mailoutbox):
    from booking import services

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                  starts_at=local(london, 2026, 3, 25, 10, 0), location=london)

    assert len(callbacks) == 1  # enqueued on commit, not before
    assert mailoutbox == []


def test_a_committed_booking_runs_the_task_eagerly_in_tests(frozen, london, client_user, book, mailoutbox):
    book(client_user, local(london, 2026, 3, 25, 10, 0))

    assert len(mailoutbox) == 1


def test_the_task_takes_only_json_safe_ids(appointment, frozen, mailoutbox):
    args = json.loads(json.dumps([appointment.pk, "confirmation", appointment.starts_at.isoformat()]))

    assert send_appointment_notification.delay(*args).get() is True
    assert send_appointment_notification.delay(*args).get() is False  # redelivered: no second email
    assert len(mailoutbox) == 1


def test_a_deleted_appointment_is_skipped(frozen, mailoutbox):
    assert send_appointment_notification.delay(999999, "reminder", "2026-03-25T10:00:00+00:00").get() is False
