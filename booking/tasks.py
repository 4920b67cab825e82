"""Celery tasks: thin wrappers that take ids, load, and call ``booking.notifications``.

Sending is idempotent (see ``booking.notifications``), so a task delivered twice sends once.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import notifications


# Retried only for failures before the claim (database briefly unavailable). A failure after the
# claim leaves it unsent and the beat's sweep retries it: a Celery retry would find it claimed.
@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_appointment_notification(appointment_id: int, kind: str, for_starts_at: str) -> bool:
    return notifications.notification_send(appointment_id=appointment_id, kind=kind, for_starts_at=for_starts_at)


@shared_task
def send_due_reminders() -> int:
    """Every minute (clinic/celery.py): reminders now due, retries of interrupted sends, and emails
    whose task was lost before reaching a worker."""
    return (notifications.reminders_send_due() + notifications.notifications_retry_stale()
            + notifications.notifications_send_missed())


@shared_task
def release_unconfirmed_bookings() -> int:
    """Every 15 minutes: free times held for clients who never confirmed their email."""
    from .services import appointments_release_unconfirmed

    return appointments_release_unconfirmed()
