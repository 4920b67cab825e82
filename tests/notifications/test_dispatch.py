"""The dispatcher and the sender: each due message goes once, nothing is lost, failures retry then fail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.db import IntegrityError, transaction

from clinic.notifications import registry, services
from clinic.notifications.models import Message, MessageState
from clinic.notifications.registry import NotNeeded, Outgoing, PermanentFailure
from clinic.notifications.services import (
    LEASE,
    MAX_ATTEMPTS,
    QUEUE_LEASE,
    message_queue,
    message_send,
    messages_dispatch,
)
from tests.factories import ClientFactory

NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def note_kind(monkeypatch):
    """A message kind whose builder just says its key (the real kinds have their own tests)."""
    monkeypatch.setitem(registry._builders, "test_note", lambda message: Outgoing(subject=message.key, text="Hello"))
    return "test_note"


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def _queue(kind, key="note-1", due_at=NOON, **kwargs):
    return message_queue(key=key, kind=kind, recipient=kwargs.pop("recipient", None) or ClientFactory(),
                         due_at=due_at, send_now=False, **kwargs)


def _state(message) -> tuple[str, int]:
    message.refresh_from_db()
    return message.state, message.attempts


def test_it_sends_what_is_due_and_leaves_the_rest(clock, note_kind, mailoutbox):
    due = _queue(note_kind, "due")
    later = _queue(note_kind, "later", due_at=NOON + timedelta(minutes=1))

    assert messages_dispatch() == 1

    assert [m.subject for m in mailoutbox] == ["due"]
    assert _state(due) == (MessageState.SENT, 1) and due.sent_at == NOON
    assert _state(later) == (MessageState.PENDING, 0)


def test_a_message_cannot_exist_twice(clock, note_kind):
    client = ClientFactory()
    assert _queue(note_kind, "same", recipient=client) is not None
    assert _queue(note_kind, "same", recipient=client) is None  # the cause replayed
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(key="same", kind=note_kind, recipient=client, due_at=NOON)  # the database refuses
    assert Message.objects.filter(key="same").count() == 1


def test_a_redelivered_task_sends_nothing_twice(clock, note_kind, mailoutbox):
    message = _queue(note_kind)
    messages_dispatch()

    assert message_send(message_id=message.pk) is False
    assert len(mailoutbox) == 1


def test_a_task_lost_on_the_way_to_the_worker_is_sent_after_the_lease(clock, note_kind, mailoutbox):
    """Redis flushed or restarted after the dispatcher handed the message over: the row still says queued."""
    message = _queue(note_kind)
    with mock.patch("clinic.notifications.tasks.send_messages.delay"):  # the task vanishes
        messages_dispatch()
    assert _state(message) == (MessageState.QUEUED, 0) and mailoutbox == []

    clock.shift(QUEUE_LEASE - timedelta(seconds=1))
    messages_dispatch()
    assert mailoutbox == []  # it may still be on its way
    clock.shift(timedelta(seconds=2))
    messages_dispatch()

    assert [m.subject for m in mailoutbox] == ["note-1"]
    assert _state(message) == (MessageState.SENT, 1)


def test_a_worker_that_died_mid_send_is_replaced(clock, note_kind, mailoutbox):
    message = _queue(note_kind)
    Message.objects.filter(pk=message.pk).update(state=MessageState.SENDING, claimed_at=NOON, attempts=1)

    clock.shift(LEASE + timedelta(minutes=1))
    messages_dispatch()

    assert len(mailoutbox) == 1
    assert _state(message) == (MessageState.SENT, 2)


def test_a_broker_that_refuses_the_task_loses_nothing(clock, note_kind, mailoutbox):
    message = _queue(note_kind)
    with mock.patch("clinic.notifications.tasks.send_messages.delay", side_effect=ConnectionError("redis down")):
        assert messages_dispatch() == 0  # must not raise: the beat keeps running
    assert _state(message) == (MessageState.PENDING, 0)  # not handed over: waits for the next run, no lease
    messages_dispatch()

    assert len(mailoutbox) == 1 and _state(message)[0] == MessageState.SENT


def test_failures_retry_with_backoff_then_fail_for_staff_to_see(clock, note_kind, settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.notifications.failing_backend.RefusingBackend"
    message = _queue(note_kind)
    tried_at = []
    for _attempt in range(MAX_ATTEMPTS):
        tried_at.append(message.due_at)
        clock.move_to(message.due_at)
        messages_dispatch()
        message.refresh_from_db()

    assert message.state == MessageState.FAILED and message.attempts == MAX_ATTEMPTS
    assert message.last_error == "ConnectionRefusedError: mail server down"
    gaps = [later - earlier for earlier, later in zip(tried_at, tried_at[1:], strict=False)]
    assert gaps == list(services.BACKOFF) == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                                              timedelta(hours=2)]
    clock.shift(timedelta(days=1))
    assert messages_dispatch() == 0  # failed is final until someone resends it


def test_a_permanent_failure_is_not_retried(clock, monkeypatch, mailoutbox):
    def refuse(message):
        raise PermanentFailure("No mobile number.")

    monkeypatch.setitem(registry._builders, "test_refused", refuse)
    message = _queue("test_refused")
    messages_dispatch()

    assert _state(message) == (MessageState.FAILED, 1)
    assert message.last_error == "PermanentFailure: No mobile number."


def test_a_message_that_no_longer_applies_is_not_sent(clock, monkeypatch, mailoutbox):
    def obsolete(message):
        raise NotNeeded("The session moved since; the move has its own message.")

    monkeypatch.setitem(registry._builders, "test_obsolete", obsolete)
    message = _queue("test_obsolete")
    messages_dispatch()

    assert mailoutbox == []
    assert _state(message) == (MessageState.CANCELLED, 1)
    assert message.last_error == "The session moved since; the move has its own message."


def test_errors_shown_to_staff_never_hold_an_address(clock, monkeypatch):
    def refuse(message):
        raise ValueError("recipient chloe.martin+spa@example.co.uk refused")

    monkeypatch.setitem(registry._builders, "test_refused", refuse)
    message = _queue("test_refused")
    messages_dispatch()

    message.refresh_from_db()
    assert message.last_error == "ValueError: recipient [address] refused"


def test_a_closed_account_gets_nothing(clock, note_kind, mailoutbox):
    message = _queue(note_kind, recipient=ClientFactory(is_active=False))
    messages_dispatch()

    assert mailoutbox == [] and _state(message)[0] == MessageState.CANCELLED


def test_the_beat_task_dispatches(clock, note_kind, mailoutbox):
    from clinic.notifications.tasks import dispatch_messages

    _queue(note_kind)
    assert dispatch_messages.delay().get() == 1
    assert len(mailoutbox) == 1


def test_the_beat_recovers_a_killed_workers_claims_within_two_minutes():
    """The claim's lease plus the beat's interval bound how long a killed worker's messages wait."""
    from clinic.celery import app

    (entry,) = [e for e in app.conf.beat_schedule.values() if e["task"].endswith("dispatch_messages")]
    assert entry["schedule"] == 30.0
    every = timedelta(seconds=entry["schedule"])
    assert LEASE + every <= timedelta(minutes=2) and QUEUE_LEASE + every <= timedelta(minutes=2)
    assert services.HEARTBEAT + timedelta(seconds=30) < LEASE  # a live worker renews well before (EMAIL_TIMEOUT 30 s)


def test_logs_never_hold_an_address_either(clock, monkeypatch, caplog):
    def refuse(message):
        raise ConnectionRefusedError("recipient chloe.martin@example.com refused")

    monkeypatch.setitem(registry._builders, "test_refused", refuse)
    _queue("test_refused")
    messages_dispatch()

    assert "attempt 1 failed: ConnectionRefusedError: recipient [address] refused" in caplog.text
    assert "chloe.martin@example.com" not in caplog.text
