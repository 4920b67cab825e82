"""Celery tasks: take ids, call a service. Messages are sent by ``clinic.notifications``."""

from __future__ import annotations

from celery import shared_task


@shared_task
def release_unconfirmed_bookings() -> int:
    """Every 15 minutes: free times held for clients who never confirmed their email."""
    from .services import appointments_release_unconfirmed

    return appointments_release_unconfirmed()


@shared_task
def replan_messages() -> int:
    """The clinic changed when reminders, nudges, check-ins or aftercare go: re-plan upcoming sessions.
    The fast path; if this task is lost (broker down), the beat's dispatcher does the same within a minute."""
    from .notifications import messages_replan_if_requested

    return messages_replan_if_requested()
