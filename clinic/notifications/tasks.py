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
    """Send a batch; after a full one, hand out the next while messages are due: the dispatcher found a backlog,
    which drains at the workers' pace. A smaller batch (a backlog's last) leaves what became due since to the
    beat's next run, within 30 s, or to the next wave (``send_messages_wave``). (Run in-process, as in tests, the
    caller's own dispatcher loop does that instead of recursing.)"""
    sent = services.messages_send(message_ids=message_ids)
    if not self.request.is_eager and len(message_ids) >= services.SEND_BATCH:
        services.messages_dispatch()
    return sent


@shared_task
def send_messages_wave() -> int:
    """Send what is due, for the commits of one wave (``services._send_soon``)."""
    return services.messages_send_wave()
