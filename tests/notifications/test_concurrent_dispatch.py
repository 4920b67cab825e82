"""Two dispatchers and two workers at once, on PostgreSQL's real row locks: every message goes exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from clinic.notifications import registry
from clinic.notifications.models import Message, MessageState
from clinic.notifications.registry import Outgoing
from clinic.notifications.services import SEND_BATCH, message_send, messages_dispatch, messages_send
from tests.factories import ClientFactory

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def note_kind(monkeypatch):
    monkeypatch.setitem(registry._builders, "test_note", lambda message: Outgoing(subject=message.key, text="Hello"))
    return "test_note"


def _due_messages(kind: str, count: int, state: str = MessageState.PENDING) -> list[int]:
    client = ClientFactory()
    due = timezone.now() - timedelta(minutes=1)
    Message.objects.bulk_create(Message(key=f"note-{n}", kind=kind, recipient=client, due_at=due, state=state,
                                        claimed_at=due if state == MessageState.QUEUED else None)
                                for n in range(count))
    return list(Message.objects.order_by("pk").values_list("pk", flat=True))


def _race(jobs) -> list:
    """Run each job in its own thread (own database connection), all released at the same instant."""
    barrier, results, errors = threading.Barrier(len(jobs)), [None] * len(jobs), []

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return results


def _dispatch_until_done() -> int:
    """Dispatch until nothing waits. Not until a run hands out nothing: a run also hands out nothing while the
    other dispatcher's batch still counts as waiting for a worker (``limit``), and both can see that at once."""
    handed = 0
    while Message.objects.filter(state=MessageState.PENDING).exists():
        handed += messages_dispatch(limit=25)
    return handed


def test_two_dispatchers_over_500_due_messages_send_each_once(note_kind, mailoutbox):
    _due_messages(note_kind, 500)

    handed = _race([_dispatch_until_done, _dispatch_until_done])

    sent = Counter(m.subject for m in mailoutbox)
    assert len(sent) == 500 and set(sent.values()) == {1}
    assert sum(handed) == 500  # SKIP LOCKED: no row was handed out twice
    states = Counter(Message.objects.values_list("state", "attempts"))
    assert states == {(MessageState.SENT, 1): 500}
    print(f"dispatcher split: {handed}")


def test_two_workers_handed_the_same_messages_send_each_once(note_kind, mailoutbox):
    """Redis redelivers tasks (visibility timeout, a restarted worker): two workers get the same ids."""
    ids = _due_messages(note_kind, 200, state=MessageState.QUEUED)

    sent_by = _race([lambda: sum(message_send(message_id=pk) for pk in ids),
                     lambda: sum(message_send(message_id=pk) for pk in reversed(ids))])

    assert sum(sent_by) == 200
    assert Counter(Counter(m.subject for m in mailoutbox).values()) == {1: 200}


def test_two_workers_handed_the_same_batches_send_each_once(note_kind, settings):
    """Into the in-app outbox, where a batch's rows and its "sent" commit together."""
    from clinic.core.models import OutboxEmail

    settings.EMAIL_BACKEND = "clinic.core.mail.OutboxEmailBackend"
    ids = _due_messages(note_kind, 4 * SEND_BATCH, state=MessageState.QUEUED)
    batches = [ids[start:start + SEND_BATCH] for start in range(0, len(ids), SEND_BATCH)]

    sent_by = _race([lambda: sum(messages_send(message_ids=batch) for batch in batches),
                     lambda: sum(messages_send(message_ids=batch) for batch in reversed(batches))])

    assert sum(sent_by) == len(ids)
    assert Counter(Counter(OutboxEmail.objects.values_list("subject", flat=True)).values()) == {1: len(ids)}
    assert Counter(Message.objects.values_list("state", "attempts")) == {(MessageState.SENT, 1): len(ids)}
