"""Celery tasks: take ids, call ``frontdesk.services``. Waitlist emails go through ``clinic.notifications``.

``expire_waitlist_offers`` runs on the beat schedule (clinic/celery.py).
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def offer_freed_slot(appointment_id: int) -> int:
    """A cancellation freed a time (booking.signals.slot_freed): offer it to the waitlist."""
    opening = services.waitlist_opening_create(appointment_id=appointment_id)
    return 0 if opening is None or opening.closed_at is not None else opening.offers.count()


@shared_task
def refill_waitlist_opening(opening_id: int) -> int:
    return len(services.waitlist_opening_refill(opening_id=opening_id))


@shared_task
def expire_waitlist_offers() -> int:
    """Every 5 minutes: lapse old offers, and redo waitlist work whose task never reached a worker."""
    return services.waitlist_offers_expire() + services.waitlist_sweep_missed()
