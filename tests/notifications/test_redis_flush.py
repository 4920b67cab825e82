"""Against the real Redis broker (CI sets REDIS_URL): a flushed Redis loses no message."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from clinic.notifications import registry
from clinic.notifications.models import Message, MessageState
from clinic.notifications.registry import Outgoing
from clinic.notifications.services import LEASE, message_queue, messages_dispatch
from tests.factories import ClientFactory

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL not set (CI sets it)")

NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def redis_broker():
    """Tasks really go to Redis (a database of its own, emptied before and after), not run in-process."""
    import redis

    from clinic.celery import app

    url = os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/14"
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=url)
    _forget_connections(app)
    store = redis.Redis.from_url(url)
    store.flushdb()
    yield store
    store.flushdb()
    app.conf.update(saved)
    _forget_connections(app)


def _forget_connections(app) -> None:
    """Connection and producer pools are made once per process, for the broker of the time."""
    app._pool = None
    app.amqp._producer_pool = None


def test_a_message_whose_task_was_flushed_from_redis_is_still_sent(redis_broker, monkeypatch, mailoutbox):
    monkeypatch.setitem(registry._builders, "test_note", lambda message: Outgoing(subject=message.key, text="Hi"))
    with time_machine.travel(NOON, tick=False):
        message = message_queue(key="flushed", kind="test_note", recipient=ClientFactory(), send_now=False)
        assert messages_dispatch() == 1
    assert redis_broker.llen("celery") == 1  # the task waits in Redis for a worker

    redis_broker.flushdb()  # Redis restarted without persistence, or flushed: the task is gone
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED and mailoutbox == []

    from clinic.celery import app

    app.conf.task_always_eager = True  # from here a worker runs what the dispatcher hands over
    with time_machine.travel(NOON + LEASE + timedelta(minutes=1), tick=False):
        messages_dispatch()

    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert [m.subject for m in mailoutbox] == ["flushed"]
    assert Message.objects.count() == 1
