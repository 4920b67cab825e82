"""Periodic work on accounts: the Celery interface to ``clinic.accounts.rights``."""

from __future__ import annotations

from celery import shared_task

from . import rights


@shared_task
def purge_erased_clients() -> int:
    """Delete the clinical records of erased clients whose retention period has passed (idempotent)."""
    return rights.clients_purge_due()
