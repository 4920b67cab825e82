"""Queue, dispatch and send messages: each exactly once, none lost, thousands a minute.

Life of a message (``Message.state``)::

    pending --dispatcher--> queued --worker--> sending --> sent
       ^                                          |
       +---- retry later (backoff) <--------------+--> failed (after MAX_ATTEMPTS; staff may resend)
    pending --(session moved or cancelled, client opted out)--> cancelled

Nothing doubled. Every step is a conditional UPDATE that names the state it expects, so of two
dispatchers, or two workers handed the same ids (a redelivered task), exactly one moves a row on;
the other changes no row and skips it. Dispatchers and workers lock the rows they move with
``SELECT ... FOR UPDATE SKIP LOCKED``, so they never even contend for the same rows.

Fast. The dispatcher hands out due rows in batches, one task per ``SEND_BATCH`` ids, and keeps at
most ``DISPATCH_AHEAD`` rows waiting for workers. Each worker, when it finishes a batch, runs the
dispatcher again (``tasks.send_messages``), so a backlog drains as fast as the workers send, not one
beat at a time. A batch is claimed, loaded and marked sent in a few queries whatever its size; the
builders load what the batch needs at once (``registry.batch_memo``) and emails share one SMTP connection.
What a change makes due at once (a confirmation) goes within about ``WAVE``: the commits of one wave share
one worker task, which sends all that is due then (``_send_soon``).

Nothing lost. Rows are written in the transaction of the change that causes them, not handed to the
broker, so a Redis flush or restart loses no message. A worker renews its claims every ``HEARTBEAT``
while it sends; a claim not renewed for ``LEASE`` (its worker was killed) or a batch no worker took
within ``QUEUE_LEASE`` (its task was lost) is put back to pending by the next dispatcher run (the beat
runs it every 30 s, and every finished batch does too), so a killed worker's messages go out again
within two minutes.

Exactly once, honestly. With the in-app outbox (the embedded default, for emails and texts) a
message's outbox row and its "sent" commit in one transaction: a worker killed mid-send leaves neither,
and the message is sent once by whoever takes it over. With a real mail server or SMS provider one
window remains: a worker killed after the server accepted a message but before it wrote "sent" (a
few milliseconds per message); that message goes twice, which beats never.

No long ETA tasks: reminders due in two days are rows with a ``due_at``, not Celery countdowns
(on Redis those are redelivered every visibility timeout and lost on restart).
"""

from __future__ import annotations

import logging
import re
from contextlib import nullcontext, suppress
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from .models import NON_ESSENTIAL, RESENDABLE, Channel, Message, MessageKind, MessageState
from .registry import NotNeeded, Outgoing, PermanentFailure, builder_for, sending, tick_hooks
from .sms import sms_backend

logger = logging.getLogger(__name__)

# A worker renews its claims this often while it sends; one send is bounded by EMAIL_TIMEOUT (30 s), so a
# live worker's claim is never older than HEARTBEAT + EMAIL_TIMEOUT, well inside LEASE.
HEARTBEAT = timedelta(seconds=10)
# A claim not renewed for this long is presumed dead (killed worker): its message goes back to pending.
LEASE = timedelta(seconds=60)
# A batch handed to the broker that no worker has started for this long presumed lost (Redis flushed).
QUEUE_LEASE = timedelta(seconds=90)
MAX_ATTEMPTS = 5
# Wait before attempt 2, 3, 4, 5.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
# Messages per worker task: the batch's queries are shared, and a killed worker takes at most this many along.
SEND_BATCH = 50
# At most this many messages wait in the broker for a worker: enough to keep many workers busy, few enough
# that each is started well within QUEUE_LEASE.
DISPATCH_AHEAD = 10 * SEND_BATCH
# The dispatcher runs every 30 s: a message waiting this long past its time means it is not running.
OVERDUE_AFTER = timedelta(minutes=10)
# Messages due on commit go out within about this long, one worker task for all the commits of the same wave.
# Whole seconds: the wave's mark expires through the cache's timeout, which Redis counts in seconds.
WAVE = timedelta(seconds=1)
WAVE_KEY = "notifications:send-wave"
_OUTBOX_EMAIL_BACKEND = "clinic.core.mail.OutboxEmailBackend"


def _now() -> datetime:
    return timezone.now()  # frozen by time-machine in tests


class _ClaimLost(Exception):  # noqa: N818 - a condition, not an error
    """A claim ran out while its batch was sending and another worker took the message over."""


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
        transaction.on_commit(lambda: _send_soon([message_id]), robust=True)
    return message


def messages_insert(messages: list[Message]) -> None:
    """Write new rows in one statement, inside the transaction of the change: for keys nobody else can hold,
    because they name a row this very transaction created (``confirmation:<id of the new booking>``), so there
    is no conflict to skip and no savepoint to pay for. Those already due go to a worker once the transaction
    commits, as ``message_queue``'s do."""
    if not messages:
        return
    now = _now()
    Message.objects.bulk_create(messages)
    if None in (m.pk for m in messages):  # a database that cannot return the new ids from a bulk insert
        ids = dict(Message.objects.filter(key__in=[m.key for m in messages]).values_list("key", "pk"))
        for message in messages:
            message.pk = ids[message.key]
    due = [m.pk for m in messages if m.due_at <= now]
    if due:
        transaction.on_commit(lambda: _send_soon(due), robust=True)


def messages_cancel(queryset, *, reason: str) -> int:
    """Messages that no longer make sense (the session moved or was cancelled): never send them."""
    return queryset.filter(state=MessageState.PENDING).update(
        state=MessageState.CANCELLED, last_error=reason[:300], updated_at=_now())


# --- Dispatching (the beat every 30 s, and each worker after each batch) -------------------------

def messages_recover(*, now: datetime | None = None) -> int:
    """Put back claims whose task was lost or whose worker died; give up on ones that keep dying."""
    now = now or _now()
    stale = Message.objects.filter(_stalled(now))
    failed = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=MessageState.FAILED, last_error="The worker stopped while sending, too many times.", updated_at=now)
    revived = stale.update(state=MessageState.PENDING, claimed_at=None, updated_at=now)
    if failed or revived:
        logger.warning("recovered %s interrupted messages, %s failed for good", revived, failed)
    return revived


def _stalled(now: datetime) -> Q:
    """Claims nobody holds any more: a batch no worker started, or a sending claim no worker renewed."""
    return (Q(state=MessageState.QUEUED, claimed_at__lt=now - QUEUE_LEASE)
            | Q(state=MessageState.SENDING, claimed_at__lt=now - LEASE))


def _due(now: datetime):
    """The messages waiting whose time has come, the longest waiting first."""
    return Message.objects.filter(state=MessageState.PENDING, due_at__lte=now).order_by("due_at", "id")


def messages_dispatch(*, now: datetime | None = None, limit: int = DISPATCH_AHEAD) -> int:
    """Claim the messages that are due, so that at most ``limit`` wait for a worker, and hand them to workers
    in batches. Returns how many were handed over."""
    now = now or _now()
    messages_recover(now=now)
    with transaction.atomic():
        room = limit - Message.objects.filter(state=MessageState.QUEUED).count()
        # SKIP LOCKED: a second dispatcher running at the same moment takes other rows (PostgreSQL).
        # On SQLite the atomic block itself is serialised (BEGIN IMMEDIATE).
        ids = list(_due(now).select_for_update(skip_locked=True).values_list("pk", flat=True)[:max(room, 0)])
        if ids:
            Message.objects.filter(pk__in=ids, state=MessageState.PENDING).update(
                state=MessageState.QUEUED, claimed_at=now, updated_at=now)
    return _enqueue(ids, claimed_at=now)


def messages_tick(*, now: datetime | None = None) -> int:
    """The beat's run: first the work apps left for it (``registry.on_tick``: re-planning after a settings
    change, recorded in the database so a broker outage cannot drop it), then the dispatch of what is due."""
    now = now or _now()
    for hook in tick_hooks():
        try:
            hook(now=now)
        except Exception:  # one app's failure must not stop messages going out; it is retried next run
            logger.exception("tick hook %s failed; retried next run", getattr(hook, "__name__", hook))
    return messages_dispatch(now=now)


def _enqueue(ids: list[int], *, claimed_at: datetime | None = None) -> int:
    """One task per ``SEND_BATCH`` ids. If the broker refuses, the batches not handed over go back to pending
    at once (``claimed_at``: the dispatcher's claim) for the next run. Returns how many were handed over."""
    from .tasks import send_messages

    for start in range(0, len(ids), SEND_BATCH):
        try:
            send_messages.delay(ids[start:start + SEND_BATCH])
        except Exception:  # broker down: nothing is lost, the rows wait for the next dispatcher run
            logger.exception("could not hand %s messages to a worker; they will be retried", len(ids) - start)
            if claimed_at is not None:
                Message.objects.filter(pk__in=ids[start:], state=MessageState.QUEUED, claimed_at=claimed_at).update(
                    state=MessageState.PENDING, claimed_at=None, updated_at=claimed_at)
            return start
    return len(ids)


def _send_soon(ids: list[int]) -> None:
    """On commit, for messages due now (a confirmation, a cancellation notice): a worker sends them within about
    ``WAVE``. The commits of one wave share one task: the first asks the broker for it (and marks the wave in
    the shared cache), the others find it asked for; the task (``messages_send_wave``) frees the wave before it
    claims, so it sends every commit that found its wave marked. A busy clinic's bookings then cost the workers
    one task a second, not one each. In-process (tests, ``CELERY_TASK_ALWAYS_EAGER``) or without the cache, these
    ids go at once, as a task of their own. Whatever is lost on the way (the broker or the cache down, a task
    flushed) waits as pending rows for the dispatcher's next run."""
    from .tasks import send_messages_wave

    if send_messages_wave.app.conf.task_always_eager:
        _enqueue(ids)
        return
    try:
        if not cache.add(WAVE_KEY, "asked", timeout=WAVE.total_seconds()):
            return  # this wave's task is asked for and has not started yet: it takes these too
    except Exception:  # noqa: BLE001 - the cache is down: no waves, each commit asks on its own
        logger.warning("the cache is unavailable: %s messages are handed to a worker on their own", len(ids))
        _enqueue(ids)
        return
    try:
        send_messages_wave.apply_async(countdown=WAVE.total_seconds())
    except Exception:  # broker down: nothing is lost, the rows wait for the next dispatcher run
        logger.exception("could not ask a worker for the waiting messages; the dispatcher will send them")
        with suppress(Exception):
            cache.delete(WAVE_KEY)


def messages_send_wave(*, now: datetime | None = None) -> int:
    """A wave's task: free the wave (a commit from now on asks for the next task), then send what is due, the
    oldest first, one batch here and any more through the dispatcher. Returns how many this task sent."""
    with suppress(Exception):  # the cache down: the mark expires on its own after WAVE
        cache.delete(WAVE_KEY)
    now = now or _now()
    ids = list(_due(now).values_list("pk", flat=True)[:SEND_BATCH])
    sent = messages_send(message_ids=ids, now=now) if ids else 0
    if len(ids) == SEND_BATCH:  # a backlog: the dispatcher hands out the rest
        messages_dispatch()
    return sent


def messages_health(*, now: datetime | None = None) -> dict[str, int]:
    """For ``/healthz``: ``overdue``, messages still waiting ``OVERDUE_AFTER`` past their due time (no beat or no
    worker is running), and ``stalled``, claims past their lease that nobody recovered (the dispatcher is not
    running, or workers keep dying). One query."""
    now = now or _now()
    overdue = Q(state=MessageState.PENDING, due_at__lt=now - OVERDUE_AFTER)
    # The WHERE keeps it on the indexes (waiting rows, claims): a probe never reads the table's history.
    return Message.objects.filter(overdue | _stalled(now)).aggregate(
        overdue=Count("pk", filter=overdue), stalled=Count("pk", filter=_stalled(now)))


# --- Sending (a worker, one batch at a time) -----------------------------------------------------

def _claim(message_ids: list[int], now: datetime) -> list[Message]:
    """queued (or pending and due) -> sending, for the ids no one else holds; returns them loaded, with their
    recipients. ``claimed_at`` (``now``) is the claim: renewed by ``_renew``, named by every later update."""
    with transaction.atomic():
        ids = list(Message.objects.select_for_update(skip_locked=True).filter(
            pk__in=message_ids, state__in=[MessageState.QUEUED, MessageState.PENDING], due_at__lte=now,
        ).values_list("pk", flat=True))
        if not ids:
            return []
        Message.objects.filter(pk__in=ids).update(state=MessageState.SENDING, claimed_at=now,
                                                  attempts=F("attempts") + 1, updated_at=now)
    return list(Message.objects.select_related("recipient").filter(pk__in=ids, state=MessageState.SENDING,
                                                                   claimed_at=now))


def _renew(messages: list[Message], now: datetime) -> list[Message]:
    """The heartbeat: push the claims of the messages still to send forward to ``now``. Returns those still ours
    (one whose claim ran out and was taken over belongs to the other worker now)."""
    with transaction.atomic():  # SKIP LOCKED: a row locked now is being recovered, so it is no longer ours
        ours = set(Message.objects.select_for_update(skip_locked=True).filter(
            pk__in=[m.pk for m in messages], state=MessageState.SENDING,
            claimed_at__in={m.claimed_at for m in messages}).values_list("pk", "claimed_at"))
        kept = [m for m in messages if (m.pk, m.claimed_at) in ours]
        Message.objects.filter(pk__in=[m.pk for m in kept]).update(claimed_at=now, updated_at=now)
    for message in kept:
        message.claimed_at = now
    if len(kept) < len(messages):
        logger.warning("%s claims ran out while their batch was sending", len(messages) - len(kept))
    return kept


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


def _local(message: Message) -> bool:
    """Delivered into the in-app outbox (a table of this database): delivery and "sent" can commit together."""
    if message.channel == Channel.SMS:
        return settings.SMS_BACKEND == settings.SMS_OUTBOX_BACKEND
    return settings.EMAIL_BACKEND == _OUTBOX_EMAIL_BACKEND


def _email(message: Message, outgoing: Outgoing, connection) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(outgoing.subject, outgoing.text, None, [message.recipient.email],
                                   reply_to=outgoing.reply_to or None, headers=outgoing.headers or None,
                                   connection=connection)
    if outgoing.html:
        email.attach_alternative(outgoing.html, "text/html")
    for filename, content, mimetype in outgoing.attachments:
        email.attach(filename, content, mimetype)
    return email


def _deliver(message: Message, outgoing: Outgoing, connection) -> None:
    if message.channel == Channel.SMS:
        sms_backend().send(to=message.recipient.phone, body=outgoing.sms or outgoing.text)
        return
    connection.open()  # once per batch: an open SMTP connection is reused (a no-op for other backends)
    try:
        _email(message, outgoing, connection).send()
    except Exception:
        with suppress(Exception):
            connection.close()  # the next message starts a fresh conversation, whatever state this one is in
        raise


def _build(message: Message) -> Outgoing | Exception:
    """What ``message`` says, or what stops it (``NotNeeded``, or a failure to record). A database error is
    raised, not returned: it spoils the transaction the caller may be in."""
    try:
        if reason := _opted_out(message):
            raise NotNeeded(reason)
        return builder_for(message.kind)(message)
    except DatabaseError:
        raise
    except Exception as exc:  # noqa: BLE001 - every other failure is recorded on the row and retried
        return exc


def _attempt(message: Message, connection) -> Exception | None:
    """Build and deliver one message: None if delivered, else what stopped it. A database error is raised."""
    outgoing = _build(message)
    if isinstance(outgoing, Exception):
        return outgoing
    try:
        _deliver(message, outgoing, connection)
    except DatabaseError:
        raise
    except Exception as exc:  # noqa: BLE001 - recorded on the row and retried
        return exc
    return None


_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def _describe(exc: Exception) -> str:
    """An error for the staff page: its type and message, addresses blanked out."""
    text = _EMAIL_RE.sub("[address]", f"{type(exc).__name__}: {exc}")
    return text[:300]


def _finish(message: Message, now: datetime, **changes) -> bool:
    """Write the outcome, unless our claim was taken over meanwhile (a lease that ran out)."""
    return bool(Message.objects.filter(pk=message.pk, state=MessageState.SENDING, claimed_at=message.claimed_at)
                .update(updated_at=now, **changes))


def _record_problem(message: Message, problem: Exception, now: datetime) -> bool:
    """Not needed: cancelled. A failure: retried later with backoff, never by a Celery countdown, or failed
    for staff to see after ``MAX_ATTEMPTS`` (or at once when retrying cannot help)."""
    if isinstance(problem, NotNeeded):
        logger.info("message %s (%s) not needed: %s", message.pk, message.kind, problem)
        return _finish(message, now, state=MessageState.CANCELLED, last_error=str(problem)[:300])
    # No traceback: a mail server's refusal quotes the address, and logs hold ids only.
    logger.warning("message %s (%s) attempt %s failed: %s", message.pk, message.kind, message.attempts,
                   _describe(problem))
    if isinstance(problem, PermanentFailure) or message.attempts >= MAX_ATTEMPTS:
        return _finish(message, now, state=MessageState.FAILED, last_error=_describe(problem))
    return _finish(message, now, state=MessageState.PENDING, claimed_at=None, last_error=_describe(problem),
                   due_at=now + BACKOFF[min(message.attempts, len(BACKOFF)) - 1])


def _send_together(messages: list[Message], connection, now: datetime) -> int:
    """All into the in-app outbox: the batch's emails go to the backend in one call, and the outbox rows and
    every outcome commit in one transaction (a killed worker leaves none of them). Raises ``_ClaimLost`` or a
    database error, having committed nothing; the caller then sends the batch one message at a time."""
    with transaction.atomic():
        built = [(message, _build(message)) for message in messages]
        ready = [(message, outgoing) for message, outgoing in built if isinstance(outgoing, Outgoing)]
        for message, outgoing in ready:
            if message.channel == Channel.SMS:
                sms_backend().send(to=message.recipient.phone, body=outgoing.sms or outgoing.text)
        emails = [_email(message, outgoing, connection) for message, outgoing in ready
                  if message.channel == Channel.EMAIL]
        if emails and connection.send_messages(emails) != len(emails):
            raise RuntimeError("The outbox did not take every email of the batch.")
        delivered = [message.pk for message, _outgoing in ready]
        if delivered and Message.objects.filter(
                pk__in=delivered, state=MessageState.SENDING, claimed_at=messages[0].claimed_at,
        ).update(state=MessageState.SENT, sent_at=_now(), last_error="", updated_at=now) != len(delivered):
            raise _ClaimLost
        for message, problem in built:
            if isinstance(problem, Exception) and not _record_problem(message, problem, now):
                raise _ClaimLost
    return len(delivered)


def _send_alone(message: Message, connection, now: datetime) -> bool:
    """One message: into the outbox in one transaction with its "sent"; through a mail server or provider, then
    "sent" at once (the window where a killed worker sends it twice is this one update)."""
    try:
        with transaction.atomic() if _local(message) else nullcontext():
            problem = _attempt(message, connection)
            if problem is None and not _finish(message, now, state=MessageState.SENT, sent_at=_now(),
                                               last_error=""):
                raise _ClaimLost
    except _ClaimLost:
        logger.warning("message %s: claim expired while sending", message.pk)
        return False
    except DatabaseError as exc:
        problem = exc
    if problem is None:
        return True
    if not _record_problem(message, problem, now):
        logger.warning("message %s: claim expired while sending", message.pk)
    return False


def messages_send(*, message_ids: list[int], now: datetime | None = None) -> int:
    """Send the messages among ``message_ids`` whose claim this caller wins. Returns how many it sent.

    One claim, one load and (into the outbox) one "sent" for the whole batch; builders share what they load
    (``registry.sending``); emails share one mail server connection. Sending one by one, the claims are renewed
    every ``HEARTBEAT``.
    """
    now = now or _now()
    messages = _claim(message_ids, now)
    if not messages:
        return 0
    connection = get_connection()
    try:
        with sending(messages):
            if all(_local(message) for message in messages):
                try:
                    sent = _send_together(messages, connection, now)
                except Exception as exc:  # noqa: BLE001 - nothing committed: each message is tried on its own
                    logger.warning("a batch of %s messages is sent one by one after %s", len(messages),
                                   type(exc).__name__)
                else:
                    logger.info("sent %s of a batch of %s messages", sent, len(messages))
                    return sent
            return _send_each(messages, connection, now)
    finally:
        with suppress(Exception):
            connection.close()


def _send_each(messages: list[Message], connection, now: datetime) -> int:
    sent, beat, todo = 0, now, list(messages)
    while todo:
        if _now() - beat >= HEARTBEAT:
            beat = _now()
            todo = _renew(todo, beat)
            continue
        sent += _send_alone(todo.pop(0), connection, now)
    logger.info("sent %s of a batch of %s messages", sent, len(messages))
    return sent


def message_send(*, message_id: int, now: datetime | None = None) -> bool:
    """Send one message if this caller wins its claim. Returns True when this call sent it."""
    return messages_send(message_ids=[message_id], now=now) == 1


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
