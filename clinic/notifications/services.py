"""Queue, dispatch and send messages: each exactly once, none lost.

Life of a message (``Message.state``)::

    pending --dispatcher--> queued --worker--> sending --> sent
       ^                                          |
       +---- retry later (backoff) <--------------+--> failed (after MAX_ATTEMPTS; staff may resend)
    pending --(session moved or cancelled, client opted out)--> cancelled

Nothing doubled. Every step is a conditional UPDATE that names the state it expects, so of two
dispatchers, or two workers handed the same id (a redelivered task), exactly one moves the row on;
the other's UPDATE changes no row and it stops. The dispatcher picks rows with
``SELECT ... FOR UPDATE SKIP LOCKED`` so two dispatchers never even contend for the same rows.

Nothing lost. Rows are written in the transaction of the change that causes them, not handed to the
broker, so a Redis flush or restart loses no message. A row that stays queued or sending for longer
than ``LEASE`` (its task was lost, its worker died mid-send) is put back to pending by the next
dispatcher run. The one window left is a worker that dies after the mail server accepted the
message but before it wrote "sent": that message may go twice, which beats never.

No long ETA tasks: reminders due in two days are rows with a ``due_at``, not Celery countdowns
(on Redis those are redelivered every visibility timeout and lost on restart).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import NON_ESSENTIAL, RESENDABLE, Channel, Message, MessageKind, MessageState
from .registry import NotNeeded, Outgoing, PermanentFailure, builder_for, tick_hooks
from .sms import sms_backend

logger = logging.getLogger(__name__)

# A claim older than this is presumed dead (lost task, killed worker). Far above one send's time:
# EMAIL_TIMEOUT bounds an SMTP conversation at 30 s.
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5
# Wait before attempt 2, 3, 4, 5.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
DISPATCH_BATCH = 500
# The dispatcher runs every minute: a message waiting this long past its time means it is not running.
OVERDUE_AFTER = timedelta(minutes=10)


def _now() -> datetime:
    return timezone.now()  # frozen by time-machine in tests


# --- Queueing (called inside the transaction of the change) -----------------------------------

def message_queue(*, key: str, kind: str, recipient, due_at: datetime | None = None, channel: str = Channel.EMAIL,
                  appointment=None, for_starts_at: datetime | None = None, params: dict | None = None,
                  send_now: bool = True) -> Message | None:
    """Write one message row unless a message with this key exists (then returns None).

    Call inside the transaction of the change that causes the message. With ``send_now`` and a due
    time that has come, a worker is asked to send it as soon as the transaction commits; if that
    request is lost, the dispatcher sends it within a minute anyway.
    """
    now = _now()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                key=key, kind=kind, channel=channel, recipient=recipient, appointment=appointment,
                for_starts_at=for_starts_at, params=params or {}, due_at=due_at or now, created_at=now)
    except IntegrityError:
        if not Message.objects.filter(key=key).exists():
            raise  # another constraint: a bug, not a duplicate
        return None  # this message exists already: the unique key holds it once
    if send_now and message.due_at <= now:
        message_id = message.pk
        transaction.on_commit(lambda: _enqueue([message_id]), robust=True)
    return message


def messages_cancel(queryset, *, reason: str) -> int:
    """Messages that no longer make sense (the session moved or was cancelled): never send them."""
    return queryset.filter(state=MessageState.PENDING).update(
        state=MessageState.CANCELLED, last_error=reason[:300], updated_at=_now())


# --- Dispatching (the beat, every minute) ------------------------------------------------------

def messages_recover(*, now: datetime | None = None) -> int:
    """Put back claims whose task was lost or whose worker died; give up on ones that keep dying."""
    now = now or _now()
    stale = Message.objects.filter(state__in=[MessageState.QUEUED, MessageState.SENDING], claimed_at__lt=now - LEASE)
    failed = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=MessageState.FAILED, last_error="The worker stopped while sending, too many times.", updated_at=now)
    revived = stale.update(state=MessageState.PENDING, claimed_at=None, updated_at=now)
    if failed or revived:
        logger.warning("recovered %s interrupted messages, %s failed for good", revived, failed)
    return revived


def messages_dispatch(*, now: datetime | None = None, limit: int = DISPATCH_BATCH) -> int:
    """Claim the messages that are due and hand each to a worker. Returns how many were handed over."""
    now = now or _now()
    messages_recover(now=now)
    with transaction.atomic():
        # SKIP LOCKED: a second dispatcher running at the same moment takes other rows (PostgreSQL).
        # On SQLite the atomic block itself is serialised (BEGIN IMMEDIATE).
        ids = list(Message.objects.select_for_update(skip_locked=True)
                   .filter(state=MessageState.PENDING, due_at__lte=now)
                   .order_by("due_at", "id").values_list("pk", flat=True)[:limit])
        if ids:
            Message.objects.filter(pk__in=ids, state=MessageState.PENDING).update(
                state=MessageState.QUEUED, claimed_at=now, updated_at=now)
    _enqueue(ids)
    return len(ids)


def messages_tick(*, now: datetime | None = None) -> int:
    """The beat's minute: first the work apps left for it (``registry.on_tick``: re-planning after a settings
    change, recorded in the database so a broker outage cannot drop it), then the dispatch of what is due."""
    now = now or _now()
    for hook in tick_hooks():
        try:
            hook(now=now)
        except Exception:  # one app's failure must not stop messages going out; it is retried next minute
            logger.exception("tick hook %s failed; retried next minute", getattr(hook, "__name__", hook))
    return messages_dispatch(now=now)


def _enqueue(ids: list[int]) -> None:
    from .tasks import send_message

    for pk in ids:
        try:
            send_message.delay(pk)
        except Exception:  # broker down: the rows stay claimed and ``messages_recover`` frees them
            logger.exception("could not hand message %s to a worker; it will be retried", pk)
            return


def messages_overdue(*, now: datetime | None = None) -> int:
    """Messages still waiting ``OVERDUE_AFTER`` past their due time: the beat or the workers are not running."""
    now = now or _now()
    waiting = Message.objects.filter(state=MessageState.PENDING, due_at__lt=now - OVERDUE_AFTER)
    stuck = Message.objects.filter(state__in=[MessageState.QUEUED, MessageState.SENDING],
                                   claimed_at__lt=now - LEASE - OVERDUE_AFTER)
    return waiting.count() + stuck.count()


# --- Sending (a worker) ------------------------------------------------------------------------

def _claim(message_id: int, now: datetime) -> bool:
    """queued (or pending and due) -> sending. Exactly one caller gets True."""
    return Message.objects.filter(
        pk=message_id, state__in=[MessageState.QUEUED, MessageState.PENDING], due_at__lte=now,
    ).update(state=MessageState.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now) == 1


def _opted_out(message: Message) -> str:
    client = message.recipient
    if not client.is_active:
        return "The account is closed."
    if message.kind in NON_ESSENTIAL and not client.care_messages:
        return "The client opted out of aftercare and check-in messages."
    if message.kind == MessageKind.REMINDER:
        wanted = client.email_reminders if message.channel == Channel.EMAIL else client.sms_reminders
        if not wanted:
            return "The client turned these reminders off."
    if message.channel == Channel.SMS and not client.sms_reminders:
        return "The client turned text messages off."
    if message.channel == Channel.SMS and not client.phone:
        return "The client has no mobile number."
    return ""


def _deliver(message: Message, outgoing: Outgoing) -> None:
    if message.channel == Channel.SMS:
        sms_backend().send(to=message.recipient.phone, body=outgoing.sms or outgoing.text)
        return
    email = EmailMultiAlternatives(outgoing.subject, outgoing.text, None, [message.recipient.email],
                                   reply_to=outgoing.reply_to or None, headers=outgoing.headers or None)
    if outgoing.html:
        email.attach_alternative(outgoing.html, "text/html")
    for filename, content, mimetype in outgoing.attachments:
        email.attach(filename, content, mimetype)
    email.send()


_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def _describe(exc: Exception) -> str:
    """An error for the staff page: its type and message, addresses blanked out."""
    text = _EMAIL_RE.sub("[address]", f"{type(exc).__name__}: {exc}")
    return text[:300]


def _finish(message: Message, now: datetime, **changes) -> bool:
    """Write the outcome, unless our claim was taken over meanwhile (a lease that ran out)."""
    done = Message.objects.filter(pk=message.pk, state=MessageState.SENDING, claimed_at=message.claimed_at).update(
        updated_at=now, **changes)
    if not done:
        logger.warning("message %s: claim expired while sending", message.pk)
    return bool(done)


def message_send(*, message_id: int, now: datetime | None = None) -> bool:
    """Send one message if this caller wins its claim. Returns True when this call sent it.

    A failure is recorded on the row and retried later by the dispatcher (backoff), never by a
    Celery countdown; after ``MAX_ATTEMPTS`` the message is failed and shown to staff.
    """
    now = now or _now()
    if not _claim(message_id, now):
        return False
    message = Message.objects.select_related("recipient").get(pk=message_id)
    try:
        if reason := _opted_out(message):
            raise NotNeeded(reason)
        outgoing = builder_for(message.kind)(message)
        _deliver(message, outgoing)
    except NotNeeded as exc:
        _finish(message, now, state=MessageState.CANCELLED, last_error=str(exc)[:300])
        logger.info("message %s (%s) not needed: %s", message.pk, message.kind, exc)
        return False
    except Exception as exc:
        permanent = isinstance(exc, PermanentFailure) or message.attempts >= MAX_ATTEMPTS
        if permanent:
            _finish(message, now, state=MessageState.FAILED, last_error=_describe(exc))
        else:
            _finish(message, now, state=MessageState.PENDING, claimed_at=None, last_error=_describe(exc),
                    due_at=now + BACKOFF[min(message.attempts, len(BACKOFF)) - 1])
        # No traceback: a mail server's refusal quotes the address, and logs hold ids only.
        logger.warning("message %s (%s) attempt %s failed: %s", message.pk, message.kind, message.attempts,
                       _describe(exc))
        return False
    _finish(message, now, state=MessageState.SENT, sent_at=_now(), last_error="")
    logger.info("message %s (%s by %s) sent", message.pk, message.kind, message.channel)
    return True


def message_resend(*, message: Message, actor) -> bool:
    """Staff send a failed, sent or not-needed message again, now, with a fresh set of attempts.
    False when it is already waiting to go (the conditional update names the states it may leave)."""
    from clinic.audit.services import audit_record

    now = _now()
    with transaction.atomic():
        changed = Message.objects.filter(pk=message.pk, state__in=RESENDABLE).update(
            state=MessageState.PENDING, due_at=now, attempts=0, claimed_at=None, last_error="", updated_at=now)
        if changed:
            audit_record(actor=actor, action="message.resend", obj=message, subject=message.recipient)
            message_id = message.pk
            transaction.on_commit(lambda: _enqueue([message_id]), robust=True)
    return bool(changed)
