"""Batches: one task and a few queries per batch, one SMTP connection, short leases renewed by a heartbeat,
and still every message exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import DatabaseError

from clinic.core.mail import OutboxEmailBackend
from clinic.core.models import OutboxEmail
from clinic.notifications import registry, services
from clinic.notifications.models import Message, MessageKind, MessageState
from clinic.notifications.registry import Outgoing
from clinic.notifications.services import (
    HEARTBEAT,
    LEASE,
    QUEUE_LEASE,
    SEND_BATCH,
    messages_dispatch,
    messages_health,
    messages_recover,
    messages_send,
)
from tests import factories

from .conftest import MONDAY_23_MARCH

OUTBOX = "clinic.core.mail.OutboxEmailBackend"


@pytest.fixture
def note_kind(monkeypatch):
    """A message kind whose builder just says its key."""
    monkeypatch.setitem(registry._builders, "test_note", lambda message: Outgoing(subject=message.key, text="Hello"))
    return "test_note"


def _notes(kind: str, count: int, *, state: str = MessageState.PENDING, claimed_at=None) -> list[int]:
    client = factories.ClientFactory()
    Message.objects.bulk_create(Message(key=f"note-{n}", kind=kind, recipient=client, due_at=MONDAY_23_MARCH,
                                        state=state, claimed_at=claimed_at) for n in range(count))
    return list(Message.objects.order_by("pk").values_list("pk", flat=True))


def _reminders(practitioner, count: int) -> list[int]:
    """``count`` due email reminders, one per client and session, for the real builder."""
    start = MONDAY_23_MARCH + timedelta(hours=2)
    appointments = [factories.AppointmentFactory(practitioner=practitioner, starts_at=start + timedelta(hours=2 * n))
                    for n in range(count)]
    Message.objects.bulk_create(
        Message(key=f"reminder:{a.pk}:2h:email", kind=MessageKind.REMINDER, recipient=a.client, appointment=a,
                for_starts_at=a.starts_at, due_at=MONDAY_23_MARCH, params={"hours": 2}) for a in appointments)
    return list(Message.objects.order_by("pk").values_list("pk", flat=True))


def _states() -> Counter:
    return Counter(Message.objects.values_list("state", flat=True))


# --- Handing out ---------------------------------------------------------------------------------

def test_the_dispatcher_hands_out_one_task_per_batch(frozen, note_kind):
    ids = _notes(note_kind, 2 * SEND_BATCH + 10)
    with mock.patch("clinic.notifications.tasks.send_messages.delay") as delay:
        assert messages_dispatch() == len(ids)

    assert [call.args[0] for call in delay.call_args_list] == [
        ids[:SEND_BATCH], ids[SEND_BATCH:2 * SEND_BATCH], ids[2 * SEND_BATCH:]]
    assert _states() == {MessageState.QUEUED: len(ids)}


def test_no_more_than_the_limit_waits_for_a_worker(frozen, note_kind):
    _notes(note_kind, 40)
    with mock.patch("clinic.notifications.tasks.send_messages.delay"):
        assert messages_dispatch(limit=30) == 30
        assert messages_dispatch(limit=30) == 0  # 30 still wait in the broker
        Message.objects.filter(state=MessageState.QUEUED)[:1].get().delete()  # a worker took one
        assert messages_dispatch(limit=30) == 1


def test_a_finished_batch_hands_out_the_next_while_messages_are_due(frozen, note_kind, mailoutbox):
    """A worker (not run in-process) dispatches after each batch: the backlog does not wait for the beat."""
    from clinic.notifications.tasks import send_messages

    ids = _notes(note_kind, SEND_BATCH + 5)
    with mock.patch("clinic.notifications.tasks.send_messages.delay") as delay:
        assert send_messages(ids[:SEND_BATCH]) == SEND_BATCH  # as a worker calls it

    assert [call.args[0] for call in delay.call_args_list] == [ids[SEND_BATCH:]]
    assert len(mailoutbox) == SEND_BATCH


def test_a_smaller_batch_leaves_what_is_due_to_the_beat(frozen, note_kind, mailoutbox):
    """A batch of one (a booking's confirmation, handed over as its booking commits) means no backlog: the worker
    does not run the dispatcher after it, and the beat's next run hands out what became due meanwhile."""
    from clinic.notifications.tasks import send_messages

    ids = _notes(note_kind, 3)
    with mock.patch("clinic.notifications.tasks.send_messages.delay") as delay:
        assert send_messages(ids[:1]) == 1  # as a worker calls it
        assert delay.call_args_list == []
        assert messages_dispatch() == 2  # the beat

    assert [call.args[0] for call in delay.call_args_list] == [ids[1:]]


def test_a_broker_refusing_the_second_batch_leaves_it_pending(frozen, note_kind):
    ids = _notes(note_kind, SEND_BATCH + 3)
    with mock.patch("clinic.notifications.tasks.send_messages.delay", side_effect=[None, ConnectionError("down")]):
        assert messages_dispatch() == SEND_BATCH

    assert set(Message.objects.filter(state=MessageState.PENDING).values_list("pk", flat=True)) == set(
        ids[SEND_BATCH:])


# --- Sending a batch -----------------------------------------------------------------------------

def test_a_batch_of_reminders_costs_a_few_queries_plus_one_insert_each(frozen, practitioner, settings,
                                                                       django_assert_max_num_queries):
    """Into the in-app outbox: claim, load and "sent" once per batch; the builder loads the batch's sessions,
    settings, screening and later reminders once; each message is one outbox insert. (15: 11 queries and the
    savepoints of two transactions, which are real transactions outside a test.)"""
    settings.EMAIL_BACKEND = OUTBOX
    ids = _reminders(practitioner, SEND_BATCH)
    messages_send(message_ids=ids[:1])  # warm the settings rows (created on first read)

    with django_assert_max_num_queries(15 + (SEND_BATCH - 1)), mock.patch.object(
            OutboxEmailBackend, "send_messages", autospec=True, side_effect=OutboxEmailBackend.send_messages) as call:
        assert messages_send(message_ids=ids[1:]) == SEND_BATCH - 1
    assert call.call_count == 1  # the whole batch in one call (a backend may write it in one insert)

    assert OutboxEmail.objects.count() == SEND_BATCH
    assert _states() == {MessageState.SENT: SEND_BATCH}


def test_a_batch_through_a_mail_server_adds_one_update_per_message(frozen, practitioner,
                                                                   django_assert_max_num_queries, mailoutbox):
    """Through a mail server each "sent" is written as soon as the server took the message."""
    ids = _reminders(practitioner, SEND_BATCH)
    messages_send(message_ids=ids[:1])

    with django_assert_max_num_queries(12 + (SEND_BATCH - 1)):
        assert messages_send(message_ids=ids[1:]) == SEND_BATCH - 1
    assert len(mailoutbox) == SEND_BATCH


class CountingBackend(LocmemBackend):
    opened = 0

    def open(self):
        if not getattr(self, "is_open", False):
            CountingBackend.opened += 1
            self.is_open = True
        return True

    def close(self):
        self.is_open = False


def test_a_batch_shares_one_mail_server_connection(frozen, note_kind, settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.notifications.test_batch_dispatch.CountingBackend"
    CountingBackend.opened = 0
    ids = _notes(note_kind, 10)

    assert messages_send(message_ids=ids) == 10
    assert CountingBackend.opened == 1 and len(mailoutbox) == 10


def test_a_redelivered_batch_sends_nothing_twice(frozen, note_kind, settings):
    settings.EMAIL_BACKEND = OUTBOX
    ids = _notes(note_kind, 5)
    assert messages_send(message_ids=ids) == 5
    assert messages_send(message_ids=ids) == 0
    assert Counter(OutboxEmail.objects.values_list("subject", flat=True)) == {f"note-{n}": 1 for n in range(5)}


def test_a_database_error_in_one_message_spoils_nothing_else(frozen, monkeypatch, settings):
    """The batch's transaction is rolled back and the batch sent one message at a time: the others go once,
    the broken one is retried later."""
    settings.EMAIL_BACKEND = OUTBOX

    def build(message):
        if message.key == "note-2":
            raise DatabaseError("deadlock detected")
        return Outgoing(subject=message.key, text="Hello")

    monkeypatch.setitem(registry._builders, "test_flaky", build)
    ids = _notes("test_flaky", 4)

    assert messages_send(message_ids=ids) == 3
    assert sorted(OutboxEmail.objects.values_list("subject", flat=True)) == ["note-0", "note-1", "note-3"]
    broken = Message.objects.get(key="note-2")
    assert (broken.state, broken.last_error) == (MessageState.PENDING, "DatabaseError: deadlock detected")
    assert broken.due_at == MONDAY_23_MARCH + services.BACKOFF[0]


def test_a_claim_taken_over_mid_batch_is_not_delivered_by_the_first_worker(frozen, monkeypatch, settings):
    """The batch ran past its lease and another worker took note-1 over: the batch's outbox rows are rolled
    back, and the first worker sends only what is still its own."""
    settings.EMAIL_BACKEND = OUTBOX

    def build(message):
        if message.key == "note-1":  # meanwhile, recovery and another worker's claim
            Message.objects.filter(pk=message.pk).update(claimed_at=MONDAY_23_MARCH + LEASE * 2)
        return Outgoing(subject=message.key, text="Hello")

    monkeypatch.setitem(registry._builders, "test_slow", build)
    ids = _notes("test_slow", 3)

    assert messages_send(message_ids=ids) == 2
    assert sorted(OutboxEmail.objects.values_list("subject", flat=True)) == ["note-0", "note-2"]
    assert Message.objects.get(key="note-1").state == MessageState.SENDING  # the other worker's to finish


# --- Leases and the heartbeat --------------------------------------------------------------------

@pytest.mark.parametrize(("state", "lease"), [(MessageState.SENDING, LEASE), (MessageState.QUEUED, QUEUE_LEASE)])
def test_a_claim_older_than_its_lease_is_recovered_a_younger_one_is_not(frozen, note_kind, state, lease):
    (pk,) = _notes(note_kind, 1, state=state, claimed_at=MONDAY_23_MARCH)

    frozen.shift(lease)
    assert messages_recover() == 0  # exactly the lease: its worker may still answer
    frozen.shift(timedelta(seconds=1))
    assert messages_recover() == 1
    assert Message.objects.get(pk=pk).state == MessageState.PENDING


def test_a_killed_workers_messages_are_sent_within_two_minutes(frozen, note_kind, settings):
    """Killed mid-batch into the outbox: nothing of the batch committed, all of it still says sending."""
    settings.EMAIL_BACKEND = OUTBOX
    ids = _notes(note_kind, 5, state=MessageState.SENDING, claimed_at=MONDAY_23_MARCH)
    Message.objects.update(attempts=1)

    for _beat in range(4):  # the beat every 30 s
        frozen.shift(timedelta(seconds=30))
        messages_dispatch()

    assert Counter(OutboxEmail.objects.values_list("subject", flat=True)) == {f"note-{n}": 1 for n in range(5)}
    assert set(Message.objects.filter(pk__in=ids).values_list("state", "attempts")) == {(MessageState.SENT, 2)}


def test_a_slow_batch_renews_its_claims_so_none_is_taken_over(frozen, monkeypatch, mailoutbox):
    """Each message takes 20 s (a slow mail server): the heartbeat keeps the batch's claims younger than the
    lease, and a dispatcher running meanwhile recovers none of them."""
    recovered = []

    def slow(message):
        frozen.shift(timedelta(seconds=20))
        recovered.append(messages_recover())
        return Outgoing(subject=message.key, text="Hello")

    monkeypatch.setitem(registry._builders, "test_slow", slow)
    ids = _notes("test_slow", 6)
    assert 6 * timedelta(seconds=20) > LEASE > 2 * HEARTBEAT

    assert messages_send(message_ids=ids) == 6
    assert recovered == [0] * 6 and len(mailoutbox) == 6
    assert _states() == {MessageState.SENT: 6}


def test_the_heartbeat_drops_a_claim_that_was_taken_over(frozen, monkeypatch, mailoutbox):
    def slow(message):
        frozen.shift(HEARTBEAT)
        if message.key == "note-0":  # meanwhile note-2's claim was recovered and taken by another worker
            Message.objects.filter(key="note-2").update(claimed_at=MONDAY_23_MARCH + LEASE * 2)
        return Outgoing(subject=message.key, text="Hello")

    monkeypatch.setitem(registry._builders, "test_slow", slow)
    ids = _notes("test_slow", 3)

    assert messages_send(message_ids=ids) == 2
    assert sorted(m.subject for m in mailoutbox) == ["note-0", "note-1"]


# --- Health --------------------------------------------------------------------------------------

def test_health_counts_claims_stalled_past_their_lease(frozen, note_kind):
    _notes(note_kind, 2, state=MessageState.SENDING, claimed_at=MONDAY_23_MARCH)

    assert messages_health() == {"overdue": 0, "stalled": 0}
    frozen.shift(LEASE + timedelta(seconds=1))
    assert messages_health() == {"overdue": 0, "stalled": 2}


def test_healthz_is_503_while_a_stalled_claim_is_not_recovered(frozen, note_kind, client, settings):
    settings.REDIS_URL = ""
    _notes(note_kind, 1, state=MessageState.SENDING, claimed_at=MONDAY_23_MARCH)
    assert client.get("/healthz").status_code == 200

    frozen.shift(LEASE + timedelta(seconds=1))
    response = client.get("/healthz")
    assert response.status_code == 503
    check = response.json()["checks"]["messages"]
    assert (check["ok"], check["stalled"]) == (False, 1)
    assert "claimed by a worker that has not been heard from in over 60 seconds" in check["reason"]

    messages_recover()  # the beat runs again
    assert client.get("/healthz").status_code == 200
