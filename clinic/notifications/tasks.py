"""Celery tasks: the beat's dispatcher and the worker's sender. Both take ids and call the services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def dispatch_messages() -> int:
    """Every minute (clinic/celery.py): finish recorded work (re-planning), hand due messages to workers,
    recover interrupted ones."""
    return services.messages_tick()


# No Celery retry: a failed send is put back on its row with a later due time (see services).
@shared_task
def send_message(message_id: int) -> bool:
    return services.message_send(message_id=message_id)
