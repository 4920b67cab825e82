"""Celery tasks: the beat's dispatcher and the worker's sender. Both take ids and call the services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def dispatch_messages() -> int:
    """Every 30 s (clinic/celery.py): finish recorded work (re-planning), recover interrupted claims, hand due
    messages to workers."""
    return services.messages_tick()


# No Celery retry: a failed send is put back on its row with a later due time (see services).
@shared_task(bind=True)
def send_messages(self, message_ids: list[int]) -> int:
    """Send a batch, then hand out the next one while messages are due: the backlog drains at the workers'
    pace. (Run in-process, as in tests, the caller's own dispatcher loop does that instead of recursing.)"""
    sent = services.messages_send(message_ids=message_ids)
    if not self.request.is_eager:
        services.messages_dispatch()
    return sent
