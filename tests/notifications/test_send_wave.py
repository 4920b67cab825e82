"""Messages due on commit (confirmations) with a real worker: the commits of one wave share one task, the task sends
everything due in one batch, and nothing is lost when the broker, the cache or the task is."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache

from clinic.celery import app
from clinic.notifications import services
from clinic.notifications.models import Message, MessageKind, MessageState
from clinic.notifications.services import WAVE, WAVE_KEY, messages_dispatch
from clinic.notifications.tasks import send_messages_wave
from tests import factories

from .conftest import MONDAY_23_MARCH

TOMORROW_10 = MONDAY_23_MARCH + timedelta(days=1, hours=1)


@pytest.fixture
def worker_mode():
    """As in production: tasks go to the broker (mocked here: the test runs them as a worker would)."""
    cache.delete(WAVE_KEY)
    app.conf.task_always_eager = False
    with (mock.patch.object(send_messages_wave, "apply_async") as wave,
          mock.patch("clinic.notifications.tasks.send_messages.delay") as alone):
        yield wave, alone
    app.conf.task_always_eager = True
    cache.delete(WAVE_KEY)


def _due() -> list[int]:
    from django.utils import timezone

    return list(Message.objects.filter(state=MessageState.PENDING, due_at__lte=timezone.now())
                .values_list("pk", flat=True))


def _confirmations() -> list[Message]:
    return list(Message.objects.filter(kind=MessageKind.CONFIRMATION).order_by("pk"))


def test_the_bookings_of_one_wave_ask_for_one_task_which_sends_all_their_confirmations(
        frozen, book, worker_mode, mailoutbox):
    wave, alone = worker_mode
    first, second = factories.ClientFactory(), factories.ClientFactory()
    book(first, TOMORROW_10)
    book(second, TOMORROW_10 + timedelta(hours=2))

    wave.assert_called_once_with(countdown=WAVE.total_seconds())  # the second found the wave's task asked for
    alone.assert_not_called()
    assert mailoutbox == []  # nothing is sent inside the request
    frozen.shift(WAVE)
    due = _due()  # the confirmations, and the new clients' health-questionnaire requests

    assert send_messages_wave() == len(due) == 4  # as the worker runs it: one batch
    assert sorted(m.to[0] for m in mailoutbox) == sorted([first.email, second.email] * 2)
    assert {m.state for m in _confirmations()} == {MessageState.SENT}


def test_a_commit_after_the_wave_task_started_asks_for_the_next_one(frozen, book, worker_mode, mailoutbox):
    wave, _ = worker_mode
    book(factories.ClientFactory(), TOMORROW_10)
    frozen.shift(WAVE)
    send_messages_wave()
    second = factories.ClientFactory()
    book(second, TOMORROW_10 + timedelta(hours=2))  # the first wave's claim is behind it

    assert wave.call_count == 2
    frozen.shift(WAVE)
    due = _due()
    assert send_messages_wave() == len(due) == 2
    assert [m.to[0] for m in mailoutbox[-2:]] == [second.email] * 2


def test_a_lost_wave_task_holds_up_later_commits_no_longer_than_the_wave(frozen, book, worker_mode, mailoutbox):
    wave, _ = worker_mode
    book(factories.ClientFactory(), TOMORROW_10)  # its task never reaches a worker
    frozen.shift(WAVE + timedelta(seconds=1))
    book(factories.ClientFactory(), TOMORROW_10 + timedelta(hours=2))

    assert wave.call_count == 2  # the mark ran out: this commit asked for a task of its own
    send_messages_wave()  # and that task takes the lost wave's messages too
    assert {m.state for m in _confirmations()} == {MessageState.SENT} and len(_confirmations()) == 2


def test_a_broker_that_refuses_the_wave_task_loses_nothing(frozen, book, worker_mode):
    wave, alone = worker_mode
    wave.side_effect = ConnectionError("redis down")
    book(factories.ClientFactory(), TOMORROW_10)  # the booking itself succeeds

    assert [m.state for m in _confirmations()] == [MessageState.PENDING]
    assert cache.get(WAVE_KEY) is None  # the next commit asks again
    messages_dispatch()  # the beat's next run hands it to a worker
    confirmation, = _confirmations()
    assert confirmation.state == MessageState.QUEUED and confirmation.pk in alone.call_args.args[0]


def test_without_the_cache_each_commit_hands_its_own_messages_to_a_worker(frozen, book, worker_mode):
    wave, alone = worker_mode
    with mock.patch.object(services.cache, "add", side_effect=ConnectionError("cache down")):
        book(factories.ClientFactory(), TOMORROW_10)

    wave.assert_not_called()
    handed = sorted(pk for call in alone.call_args_list for pk in call.args[0])
    assert handed == sorted(_due())  # the confirmation and the questionnaire request, at once


def test_a_wave_sends_what_is_due_and_leaves_the_rest(frozen, book, worker_mode, mailoutbox):
    client = factories.ClientFactory()
    book(client, TOMORROW_10)
    later = Message.objects.create(key="later", kind=MessageKind.CONFIRMATION, recipient=client,
                                   due_at=MONDAY_23_MARCH + timedelta(hours=1), created_at=MONDAY_23_MARCH)
    frozen.shift(WAVE)
    due = _due()

    assert send_messages_wave() == len(due) and later.pk not in due
    later.refresh_from_db()
    assert later.state == MessageState.PENDING


def test_a_wave_with_a_backlog_hands_the_rest_to_the_dispatcher(frozen, worker_mode, monkeypatch):
    monkeypatch.setattr(services, "SEND_BATCH", 2)
    client = factories.ClientFactory()
    Message.objects.bulk_create(Message(key=f"c{n}", kind=MessageKind.CONFIRMATION, recipient=client,
                                        due_at=MONDAY_23_MARCH, created_at=MONDAY_23_MARCH) for n in range(5))
    with (mock.patch.object(services, "messages_send", return_value=2) as send,
          mock.patch.object(services, "messages_dispatch") as dispatch):
        send_messages_wave()

    assert len(send.call_args.kwargs["message_ids"]) == 2  # the two oldest
    dispatch.assert_called_once()
