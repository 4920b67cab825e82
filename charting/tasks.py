"""Periodic work on charting: the Celery interface to ``charting.photos``."""

from __future__ import annotations

from celery import shared_task

from . import photos


@shared_task
def purge_hidden_photos() -> int:
    """Delete photos hidden by a withdrawal or an erasure whose deletion right after the commit failed (the
    storage was unreachable). Idempotent."""
    return photos.photos_purge_hidden()
