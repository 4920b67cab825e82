"""Celery tasks: thin wrappers that take ids, load, and call ``booking.notifications``."""

from __future__ import annotations

from celery import shared_task

from . import notifications


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
def send_appointment_notification(appointment_id: int, kind: str, for_starts_at: str) -> bool:
    return notifications.notification_send(appointment_id=appointment_id, kind=kind, for_starts_at=for_starts_at)


@shared_task
def send_due_reminders() -> int:
    return notifications.reminders_send_due()
