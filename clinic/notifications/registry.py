"""Which code writes which kind of message.

Each app registers a builder for the kinds it owns in its ``AppConfig.ready`` (booking: appointment
messages; intake: questionnaire requests and course check-ins; frontdesk: waitlist offers). A builder
renders the message from the database *as it is when the message is sent*, and raises ``NotNeeded``
when the message no longer makes sense (the session moved, the intake was filled in).

A worker sends messages in batches (``services.messages_send``). Inside ``sending(batch)`` a builder may load
what it needs for the whole batch at once with ``batch_memo`` and ``batch_of``: one query for the batch's
sessions instead of one per message. Outside a batch (a single send, a preview) the same code loads just its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from .models import Message


class NotNeeded(Exception):  # noqa: N818 - a reason, not an error
    """The message no longer applies; ``str(exc)`` says why (shown to staff, no personal data)."""


class PermanentFailure(Exception):
    """Retrying cannot help (no mobile number, address refused): the message fails at once."""


@dataclass
class Outgoing:
    subject: str
    text: str
    html: str = ""
    # (filename, content, mimetype)
    attachments: list[tuple[str, str, str]] = field(default_factory=list)
    # The text message version: short, no links to anything but the clinic's own pages.
    sms: str = ""
    reply_to: list[str] = field(default_factory=list)
    # Extra email headers, e.g. clinic.core.mail.SENSITIVE_HEADER on emails that carry a sign-in link.
    headers: dict[str, str] = field(default_factory=dict)


Builder = Callable[["Message"], Outgoing]
_builders: dict[str, Builder] = {}
# Work an app needs the beat to finish (e.g. booking re-planning messages after a settings change): run by the
# dispatcher every minute, before it sends what is due. Each takes ``now`` and must be idempotent and quick
# when there is nothing to do.
TickHook = Callable[..., object]
_tick_hooks: list[TickHook] = []


def register(*kinds: str) -> Callable[[Builder], Builder]:
    def decorator(builder: Builder) -> Builder:
        for kind in kinds:
            _builders[str(kind)] = builder
        return builder

    return decorator


def on_tick(hook: TickHook) -> TickHook:
    if hook not in _tick_hooks:
        _tick_hooks.append(hook)
    return hook


def tick_hooks() -> list[TickHook]:
    return list(_tick_hooks)


@dataclass
class _Batch:
    messages: list[Message]
    memo: dict[str, object] = field(default_factory=dict)


_batch: ContextVar[_Batch | None] = ContextVar("notifications_batch", default=None)
T = TypeVar("T")


@contextmanager
def sending(messages: list[Message]) -> Iterator[None]:
    """Builders called inside share one ``batch_memo`` for ``messages``: what is loaded once serves them all, the
    clinic settings included (``ClinicSettings.load()`` returns the batch's copy, as it does within a request)."""
    from clinic.core.models import ClinicSettings

    token = _batch.set(_Batch(list(messages)))
    try:
        with ClinicSettings.loaded_once():
            yield
    finally:
        _batch.reset(token)


def batch_of(message: Message) -> list[Message]:
    """The messages sent together with ``message`` (itself included); just ``message`` outside a batch."""
    batch = _batch.get()
    return batch.messages if batch is not None else [message]


def batch_memo(key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per batch under ``key`` (every time outside a batch, where nothing is shared)."""
    batch = _batch.get()
    if batch is None:
        return compute()
    if key not in batch.memo:
        batch.memo[key] = compute()
    return batch.memo[key]  # type: ignore[return-value]


def builder_for(kind: str) -> Builder:
    try:
        return _builders[kind]
    except KeyError:
        raise PermanentFailure(f"No builder is registered for messages of kind {kind!r}.") from None
