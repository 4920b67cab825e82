"""Messages about appointments: when each is due (the planner) and what it says (the builders).

Queued by the change itself. ``booking.services`` queues the confirmation, move and cancellation
notices in the transaction of the booking, move or cancellation (``clinic.notifications``: a row in
the outbox, sent by a worker, never twice).

Planned. Reminders (one per offset in the clinic settings and per channel the client chose), the
questionnaire nudge, the course check-in and the aftercare note depend on the session's time, the
clinic's settings and the client's choices. ``client_messages_plan`` works out what each upcoming
session of a client should have and makes the rows agree: missing ones are created, pending ones
are *moved* to the session's new time, ones no longer wanted are cancelled. It runs in the
transaction of every booking, move, cancellation and change of preferences, and is idempotent.

Time zones. Every time in a message is the location's wall-clock time with the zone's abbreviation
("Tuesday 31 March 2026, 10:00 (BST)"), formatted here in Python: the template ``date`` filter would
convert to whatever zone the worker has active. Reminders are due a number of real hours before the
start, so across a clock change "48 hours before" is 47 or 49 hours of wall-clock time.

Privacy. Messages name the service, practitioner, place and time; never intake answers or notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone

from clinic.core.models import ClinicSettings
from clinic.notifications.models import Channel, Message, MessageKind, MessageState
from clinic.notifications.registry import NotNeeded, Outgoing, batch_memo, batch_of, on_tick, register
from clinic.notifications.services import message_queue, messages_cancel, messages_insert

from .ics import appointment_ics
from .models import Appointment, AppointmentStatus

# Aftercare still makes sense a few days after the session, if the first tries failed.
AFTERCARE_VALID_FOR = timedelta(days=3)
PLANNED_KINDS = (MessageKind.REMINDER, MessageKind.INTAKE_NUDGE, MessageKind.COURSE_CHECKIN, MessageKind.AFTERCARE)

SUBJECTS = {
    MessageKind.CONFIRMATION: "Booking confirmed: {short}",
    MessageKind.RESCHEDULED: "Your appointment has moved to {short}",
    MessageKind.CANCELLED: "Appointment cancelled: {short}",
    MessageKind.REMINDER: "Reminder: your appointment on {short}",
    MessageKind.AFTERCARE: "Your aftercare note from {clinic}",
}
WITH_CALENDAR = {MessageKind.CONFIRMATION, MessageKind.RESCHEDULED, MessageKind.CANCELLED}


def _now() -> datetime:
    return timezone.now()  # frozen by time-machine in tests


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


# --- Queued by the change ------------------------------------------------------------------------

def appointment_messages_booked(appointment: Appointment, *, plan: bool = True,
                                sessions: list[Appointment] | None = None) -> None:
    """A booking is confirmed (booked by staff, or online with a confirmed email address).

    The sessions of a course booked in one go share one confirmation listing them all (its key is the
    course's), sent once the whole course has committed. ``plan=False``: the caller plans once for
    many bookings (``course_book``). ``sessions``: the appointment was inserted in this very transaction and
    these are all of the client's live sessions with it (the caller just read them under the client's lock):
    no message of it exists yet, so its confirmation and planned messages go in one insert, and of the other
    sessions only the later ones' course check-ins are re-planned (``_plan_after_booking``).
    """
    fresh: list[Message] = []
    if appointment.course_id:
        message_queue(key=f"course_confirmation:{appointment.course_id}", kind=MessageKind.COURSE_CONFIRMATION,
                      recipient=appointment.client, params={"course_id": appointment.course_id})
    elif sessions is not None:
        now = _now()
        fresh.append(Message(key=f"confirmation:{appointment.pk}", kind=MessageKind.CONFIRMATION,
                             recipient=appointment.client, appointment=appointment,
                             for_starts_at=appointment.starts_at, due_at=now, created_at=now))
    else:
        message_queue(key=f"confirmation:{appointment.pk}", kind=MessageKind.CONFIRMATION,
                      recipient=appointment.client, appointment=appointment, for_starts_at=appointment.starts_at)
    if plan and sessions is not None:
        fresh += _plan_after_booking(appointment, sessions=sessions)
    elif plan:
        client_messages_plan(client=appointment.client)
    messages_insert(fresh)
    if appointment.is_first_visit:  # after the confirmation: the client reads that first
        from intake.notifications import intake_request_after_first_booking

        intake_request_after_first_booking(appointment)


def appointment_messages_moved(appointment: Appointment, *, old_starts_at: datetime, change_id: int,
                                notify: bool = True) -> None:
    """The session moved: a notice with the new time (unless the desk chose not to), and its pending
    messages move with it."""
    if notify and appointment.status == AppointmentStatus.BOOKED:
        message_queue(key=f"rescheduled:{appointment.pk}:{change_id}", kind=MessageKind.RESCHEDULED,
                      recipient=appointment.client, appointment=appointment, for_starts_at=appointment.starts_at,
                      params={"old_starts_at": old_starts_at.isoformat()})
    client_messages_plan(client=appointment.client)


def appointment_messages_cancelled(appointment: Appointment, *, was_confirmed: bool = True) -> None:
    """Cancelled: say so, and cancel everything still waiting to go about this session.

    A booking held for an email address nobody confirmed was never announced to it: nothing is sent.
    """
    messages_cancel(Message.objects.filter(appointment=appointment), reason="The session was cancelled.")
    if was_confirmed:
        message_queue(key=f"cancelled:{appointment.pk}", kind=MessageKind.CANCELLED, recipient=appointment.client,
                      appointment=appointment, for_starts_at=appointment.starts_at)
    _plan_after_cancel(appointment)  # the sessions after it count one session fewer before them


def appointment_messages_status(appointment: Appointment, *, now: datetime | None = None) -> None:
    """Arrived, in treatment, completed or no-show: reminders are over; aftercare follows a visit."""
    now = now or _now()
    messages_cancel(Message.objects.filter(appointment=appointment).exclude(kind=MessageKind.AFTERCARE)
                    .filter(kind__in=PLANNED_KINDS), reason="The session has taken place.")
    aftercare = Message.objects.filter(key=_aftercare_key(appointment))
    delay = timedelta(minutes=ClinicSettings.load().aftercare_delay_minutes)
    waiting = [MessageState.PENDING, MessageState.CANCELLED]  # cancelled: a no-show marked by mistake
    if appointment.status == AppointmentStatus.NO_SHOW:
        messages_cancel(aftercare, reason="The client did not come.")
    elif appointment.status == AppointmentStatus.COMPLETED:
        # Completed: aftercare goes after the clinic's delay, counted from now (earlier than the fallback
        # after the session's end when the session finishes early; later when it is marked late).
        # (None yet, e.g. a session written without planning: queue it; the unique key keeps it one.)
        if not aftercare.filter(state__in=waiting).update(state=MessageState.PENDING, due_at=now + delay,
                                                          last_error="", updated_at=now):
            message_queue(key=_aftercare_key(appointment), kind=MessageKind.AFTERCARE, recipient=appointment.client,
                          appointment=appointment, for_starts_at=appointment.starts_at, due_at=now + delay)
    elif appointment.status in (AppointmentStatus.ARRIVED, AppointmentStatus.IN_TREATMENT):
        aftercare.filter(state=MessageState.CANCELLED).update(
            state=MessageState.PENDING, due_at=max(now, appointment.ends_at) + delay, last_error="", updated_at=now)
    elif appointment.status == AppointmentStatus.BOOKED:  # a no-show or check-in undone
        client_messages_plan(client=appointment.client, now=now)


def _aftercare_key(appointment: Appointment) -> str:
    return f"aftercare:{appointment.pk}"  # one per session, whatever its time: it moves with the session


# --- Planned -------------------------------------------------------------------------------------

@dataclass
class Planned:
    slot: str  # the message's identity without the session time, e.g. reminder:42:48h:email
    kind: str
    due_at: datetime
    channel: str = Channel.EMAIL
    params: dict = field(default_factory=dict)
    by_start: bool = True  # a new message for each new time (reminders), or one that moves (aftercare)

    def key(self, appointment: Appointment) -> str:
        return f"{self.slot}@{_iso(appointment.starts_at)}" if self.by_start else self.slot


def reminder_channels(client) -> list[str]:
    channels = [Channel.EMAIL] if client.email_reminders else []
    if client.sms_reminders and client.phone:
        channels.append(Channel.SMS)
    return channels


def _wanted(appointment: Appointment, *, reassess_at: int | None, clinic: ClinicSettings,
            intake_missing: bool) -> list[Planned]:
    # In UTC: "48 hours before" is real hours (aware arithmetic in a local zone would be wall-clock hours, and
    # a session just booked still holds the zone its start was given in).
    pk, start, end = appointment.pk, appointment.starts_at.astimezone(UTC), appointment.ends_at.astimezone(UTC)
    wanted = [Planned(f"reminder:{pk}:{hours}h:{channel}", MessageKind.REMINDER, start - timedelta(hours=hours),
                      channel, {"hours": hours})
              for hours in clinic.reminder_offsets for channel in reminder_channels(appointment.client)]
    if appointment.is_first_visit and intake_missing:
        wanted.append(Planned(f"intake_nudge:{pk}", MessageKind.INTAKE_NUDGE,
                              start - timedelta(hours=clinic.intake_nudge_hours_before)))
    if reassess_at is not None:
        wanted.append(Planned(f"course_checkin:{pk}:{reassess_at}", MessageKind.COURSE_CHECKIN,
                              start - timedelta(hours=clinic.course_checkin_hours_before),
                              params={"session": reassess_at}))
    wanted.append(Planned(_aftercare_key(appointment), MessageKind.AFTERCARE,
                          end + timedelta(minutes=clinic.aftercare_delay_minutes), by_start=False))
    return wanted


def _slot(key: str) -> str:
    return key.split("@", 1)[0]


def _message(planned: Planned, appointment: Appointment, key: str, now: datetime) -> Message:
    """A new planned row (inserted with the others of the plan in one statement, see ``_insert``)."""
    return Message(key=key, kind=planned.kind, channel=planned.channel, recipient=appointment.client,
                   appointment=appointment, for_starts_at=appointment.starts_at, due_at=planned.due_at,
                   params=planned.params, created_at=now)


def _insert(messages: list[Message]) -> None:
    """Write the new planned rows in one statement, not one savepoint each. A row whose key exists already (a
    concurrent plan wrote it) is skipped, as ``message_queue`` skips it: the unique key keeps every message once."""
    if messages:
        Message.objects.bulk_create(messages, ignore_conflicts=True)


def _apply(appointment: Appointment, wanted: list[Planned], rows: list[Message], now: datetime) -> list[Message]:
    """Make ``rows`` (the session's existing planned messages) agree with ``wanted``: due times updated, waiting
    ones moved or cancelled. Returns the rows still missing, for the caller to ``_insert`` with the others."""
    by_key = {row.key: row for row in rows}
    keep: set[str] = set()
    missing: list[Message] = []
    for planned in wanted:
        key = planned.key(appointment)
        keep.add(key)
        row = by_key.get(key)
        if row is not None:
            if row.state == MessageState.PENDING and row.due_at != planned.due_at and not row.attempts:
                # (A row with attempts waits for its retry: its later due time is the backoff.)
                Message.objects.filter(pk=row.pk, state=MessageState.PENDING).update(due_at=planned.due_at,
                                                                                     updated_at=now)
            elif row.state == MessageState.CANCELLED and planned.due_at > now:  # e.g. moved back, opted in again
                Message.objects.filter(pk=row.pk, state=MessageState.CANCELLED).update(
                    state=MessageState.PENDING, due_at=planned.due_at, last_error="", updated_at=now)
            continue
        if planned.due_at <= now:
            continue  # booked or moved too late for this one (the confirmation says it all)
        movable = [r for r in rows if r.state == MessageState.PENDING and _slot(r.key) == planned.slot
                   and r.key not in keep]
        # The session moved: its waiting message moves with it (unless a dispatcher claimed it this very
        # moment; then that one goes nowhere, as the sender sees the new time, and a new one is written).
        if movable and Message.objects.filter(pk=movable[0].pk, state=MessageState.PENDING).update(
                key=key, due_at=planned.due_at, for_starts_at=appointment.starts_at, params=planned.params,
                updated_at=now):
            movable[0].key = key
            continue
        missing.append(_message(planned, appointment, key, now))
    stale = [row.pk for row in rows if row.state == MessageState.PENDING and row.key not in keep]
    if stale:
        messages_cancel(Message.objects.filter(pk__in=stale),
                        reason="The session moved, or the clinic's or client's settings changed.")
    return missing


def _plan_after_booking(appointment: Appointment, *, sessions: list[Appointment],
                        now: datetime | None = None) -> list[Message]:
    """What a new booking changes, and only that (``client_messages_plan`` would re-read every upcoming session).

    Returns the new session's planned messages, for the caller to insert with its confirmation (it has none
    yet). Of the client's other sessions only the later ones can change: each counts one more session before
    it, so its course check-in may come or go (``intake.selectors.course_sessions`` decides, as for a full
    plan, from ``sessions``: all of the client's live sessions, the new one included). Reminders, the
    questionnaire nudge and aftercare of other sessions depend on their own time and flags, which a booking
    elsewhere does not touch. The result equals a full plan (the planner tests compare them)."""
    from intake.selectors import course_sessions  # the intake app owns the course rule

    now = now or _now()
    upcoming = sorted((a for a in sessions if a.status == AppointmentStatus.BOOKED and a.starts_at > now),
                      key=lambda a: (a.starts_at, a.pk))
    if not upcoming:
        return []
    clinic = ClinicSettings.load()
    course = course_sessions(appointments=upcoming, sessions=sessions)
    fresh: list[Message] = []
    if any(a.pk == appointment.pk for a in upcoming):
        intake_missing = appointment.is_first_visit and _intake_missing(appointment.client)
        wanted = _wanted(appointment, reassess_at=course[appointment.pk].reassess_at, clinic=clinic,
                         intake_missing=intake_missing)
        fresh = [_message(p, appointment, p.key(appointment), now) for p in wanted if p.due_at > now]
    later = [a for a in upcoming if (a.starts_at, a.pk) > (appointment.starts_at, appointment.pk)]
    _insert(_replan_checkins(later, course=course, clinic=clinic, now=now))
    return fresh


def _plan_after_cancel(appointment: Appointment, *, now: datetime | None = None) -> None:
    """What a cancellation changes, and only that (``client_messages_plan`` would re-read every upcoming session
    and sweep every message of the client's): the cancelled session's waiting messages are cancelled by the
    caller; each later session counts one session fewer before it, so its course check-in may come or go.
    Reminders, the questionnaire nudge and aftercare of other sessions depend on their own time and flags. The
    result equals a full plan (the planner tests compare them)."""
    from intake.selectors import course_sessions  # the intake app owns the course rule

    now = now or _now()
    after = Q(starts_at__gt=appointment.starts_at) | Q(starts_at=appointment.starts_at, pk__gt=appointment.pk)
    later = list(Appointment.objects.filter(after, client_id=appointment.client_id, status=AppointmentStatus.BOOKED,
                                            starts_at__gt=now).select_related("client").order_by("starts_at", "pk"))
    if later:
        _insert(_replan_checkins(later, course=course_sessions(appointments=later), clinic=ClinicSettings.load(),
                                 now=now))


def _replan_checkins(appointments: list[Appointment], *, course: dict, clinic: ClinicSettings,
                     now: datetime) -> list[Message]:
    """Re-plan only the course check-ins of ``appointments`` (sessions whose number in the course changed);
    returns the rows to insert. One query for their existing check-ins, none when there are no sessions."""
    if not appointments:
        return []
    rows: dict[int, list[Message]] = {a.pk: [] for a in appointments}
    for row in Message.objects.filter(appointment__in=appointments, kind=MessageKind.COURSE_CHECKIN):
        rows[row.appointment_id].append(row)
    missing: list[Message] = []
    for a in appointments:
        wanted = [p for p in _wanted(a, reassess_at=course[a.pk].reassess_at, clinic=clinic, intake_missing=False)
                  if p.kind == MessageKind.COURSE_CHECKIN]
        missing += _apply(a, wanted, rows[a.pk], now)
    return missing


def client_messages_plan(*, client, now: datetime | None = None) -> None:
    """Make the planned messages of every upcoming session of ``client`` match what they should be."""
    from intake.selectors import course_sessions  # the intake app owns the course rule (the practitioner's day too)

    now = now or _now()
    upcoming = list(Appointment.objects.filter(client=client, status=AppointmentStatus.BOOKED, starts_at__gt=now)
                    .select_related("client").order_by("starts_at", "pk"))
    # Stop what waits for sessions that are no longer upcoming (cancelled, or moved into the past by staff).
    messages_cancel(Message.objects.filter(appointment__client=client, kind__in=PLANNED_KINDS)
                    .exclude(kind=MessageKind.AFTERCARE).exclude(appointment__in=upcoming),
                    reason="The session is no longer booked.")
    messages_cancel(Message.objects.filter(appointment__client=client, kind=MessageKind.AFTERCARE)
                    .filter(appointment__status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW,
                                                     AppointmentStatus.PENDING]),
                    reason="The session did not take place.")
    if not upcoming:
        return
    clinic = ClinicSettings.load()
    intake_missing = any(a.is_first_visit for a in upcoming) and _intake_missing(client)
    # A course check-in goes before exactly the sessions the practitioner's day marks as re-assessments.
    course = course_sessions(appointments=upcoming)
    rows: dict[int, list[Message]] = {a.pk: [] for a in upcoming}
    for row in Message.objects.filter(appointment__in=upcoming, kind__in=PLANNED_KINDS):
        rows[row.appointment_id].append(row)
    missing: list[Message] = []
    for appointment in upcoming:
        wanted = _wanted(appointment, reassess_at=course[appointment.pk].reassess_at, clinic=clinic,
                         intake_missing=intake_missing)
        missing += _apply(appointment, wanted, rows[appointment.pk], now)
    _insert(missing)


def messages_replan_request(*, now: datetime | None = None) -> None:
    """Call inside the transaction of a change to when messages go (clinic or intake settings): records that
    every upcoming session's messages must be re-planned, and asks a worker to do it once that commits. If the
    broker is down the request to the worker is lost, not the re-plan: the beat does it while it is recorded."""
    from .tasks import replan_messages  # tasks import this module

    clinic = ClinicSettings.load()  # the row exists before it is updated
    clinic.messages_replan_requested_at = now or _now()  # (the instance this request may read again)
    ClinicSettings.objects.update(messages_replan_requested_at=clinic.messages_replan_requested_at)
    transaction.on_commit(lambda: replan_messages.delay(), robust=True)


@on_tick
def messages_replan_if_requested(*, now: datetime | None = None) -> int:
    """Re-plan every upcoming session's messages if a settings change asked for it (``ClinicSettings.
    messages_replan_requested_at``, written with the change). Run by the task the change enqueues and, in case
    that task was lost, by the beat every minute until done."""
    requested = ClinicSettings.load().messages_replan_requested_at
    if requested is None:
        return 0
    count = messages_replan_all(now=now)
    # Cleared only if no later change asked again meanwhile (its newer time stays and is re-planned next).
    ClinicSettings.objects.filter(messages_replan_requested_at=requested).update(messages_replan_requested_at=None)
    return count


def messages_replan_all(*, now: datetime | None = None) -> int:
    """The clinic changed its message settings: re-plan every client with an upcoming session."""
    from clinic.accounts.models import User

    now = now or _now()
    clients = User.objects.filter(appointments__status=AppointmentStatus.BOOKED,
                                  appointments__starts_at__gt=now).distinct()
    count = 0
    for client in clients.iterator():
        client_messages_plan(client=client, now=now)
        count += 1
    return count


# --- Builders: what each message says ------------------------------------------------------------

def format_when(instant: datetime, tz) -> str:
    """``Tuesday 31 March 2026, 10:00 (BST)``: wall-clock time at the location, zone named."""
    local = instant.astimezone(tz)
    return f"{dateformat.format(local, 'l j F Y, H:i')} ({local.tzname()})"


def format_short(instant: datetime, tz) -> str:
    local = instant.astimezone(tz)
    return f"{dateformat.format(local, 'D j M, H:i')} ({local.tzname()})"


def _intake_missing(client) -> bool:
    from intake.selectors import current_submission  # the intake app answers; no answers are read

    return current_submission(client=client) is None


def appointment_context(appointment: Appointment, clinic: ClinicSettings) -> dict:
    """What every message about a session may say: who, what, when (with its zone) and where."""
    tz, location = appointment.location.tz, appointment.location
    site = settings.SITE_URL
    links = batch_memo("booking.links", lambda: {  # the same for every message: worked out once per batch
        "manage_url": site + reverse("booking:my_appointments"), "book_url": site + reverse("booking:start"),
        "profile_url": site + reverse("accounts:profile")})
    return {
        "clinic": clinic,
        "first_name": appointment.client.first_name,
        "service": appointment.service.name,
        "practitioner": appointment.practitioner.user.full_name,
        "location": location,
        "address_lines": [line.strip() for line in location.address.splitlines() if line.strip()],
        "location_phone": location.phone or clinic.phone,
        "when": format_when(appointment.starts_at, tz),
        "short": format_short(appointment.starts_at, tz),
        "ends": f"{appointment.ends_at.astimezone(tz):%H:%M}",
        "zone_city": location.time_zone.rsplit("/", 1)[-1].replace("_", " "),  # "New York time"
        "duration_minutes": appointment.service.duration_minutes,
        "is_first_visit": appointment.is_first_visit,
        "cancellation_window_hours": clinic.cancellation_window_hours,
        **links,
        "intake_url": None,
        "health_check_url": site + reverse("intake:health_check", args=[appointment.pk]),
    }


def load_appointment(message: Message) -> Appointment:
    """The session ``message`` speaks about, with all its text names. Sent in a batch, the sessions of the whole
    batch come in one query (loaded when its first message is built, so a moment before each is sent)."""
    appointments = batch_memo("booking.appointments", lambda: (
        Appointment.objects.select_related("client", "service", "practitioner__user", "location")
        .in_bulk({m.appointment_id for m in batch_of(message) if m.appointment_id})))
    appointment = appointments.get(message.appointment_id)
    if appointment is None:
        raise NotNeeded("The appointment no longer exists.")
    return appointment


def _later_reminder_due(message: Message, now: datetime) -> bool:
    """Has a later reminder of the same session, channel and time fallen due (waiting, on its way or sent)?
    One query answers for every reminder of a batch."""
    def due_reminders() -> dict[tuple, list[datetime]]:
        reminders = {m.appointment_id for m in batch_of(message) if m.kind == MessageKind.REMINDER}
        dues: dict[tuple, list[datetime]] = {}
        for appointment_id, channel, starts_at, due_at in Message.objects.filter(
                appointment_id__in=reminders, kind=MessageKind.REMINDER, due_at__lte=now,
                state__in=[MessageState.PENDING, MessageState.QUEUED, MessageState.SENDING, MessageState.SENT],
        ).values_list("appointment_id", "channel", "for_starts_at", "due_at"):
            dues.setdefault((appointment_id, channel, starts_at), []).append(due_at)
        return dues

    dues = batch_memo("booking.due_reminders", due_reminders)
    return any(due_at > message.due_at
               for due_at in dues.get((message.appointment_id, message.channel, message.for_starts_at), ()))


def _check_still_wanted(message: Message, appointment: Appointment, now: datetime) -> None:
    """Does this message still describe the session as it is? A later change queues its own."""
    kind, status = message.kind, appointment.status
    if kind == MessageKind.AFTERCARE:
        if status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW, AppointmentStatus.PENDING):
            raise NotNeeded("The session did not take place.")
        if now > appointment.ends_at + AFTERCARE_VALID_FOR:
            raise NotNeeded("Too long after the session for aftercare advice.")
        return
    if appointment.starts_at <= now:
        raise NotNeeded("The session has already started.")
    if kind == MessageKind.CANCELLED:
        if status != AppointmentStatus.CANCELLED:
            raise NotNeeded("The session is no longer cancelled.")
        return
    if status != AppointmentStatus.BOOKED:
        raise NotNeeded("The session is no longer booked.")
    if kind != MessageKind.CONFIRMATION and appointment.starts_at != message.for_starts_at:
        raise NotNeeded("The session moved since; the move has its own message.")
    if kind == MessageKind.REMINDER and _later_reminder_due(message, now):
        # Sending was held up (beat down, retries) until a later reminder fell due: one is enough.
        raise NotNeeded("A later reminder for this session is due; one reminder is enough.")


def _aftercare_context(appointment: Appointment, *, addition: str | None = None) -> dict:
    """``addition``: the practitioner's text as she is typing it (the preview); None reads the saved note."""
    from intake.models import TreatmentNote

    note = addition if addition is not None else (
        TreatmentNote.objects.filter(appointment=appointment).values_list("aftercare_addition", flat=True).first())
    text = appointment.service.aftercare_note.replace("\r\n", "\n").strip()  # a browser's line breaks
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    blocks = []
    for paragraph in paragraphs:
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        if all(line.startswith("- ") for line in lines):
            blocks.append({"bullets": [line[2:] for line in lines]})
        else:
            blocks.append({"text": " ".join(lines)})
    return {"aftercare_blocks": blocks, "personal_note": (note or "").strip(),
            "practitioner_first_name": appointment.practitioner.user.first_name}


def _screening_context(appointment: Appointment, message: Message) -> dict:
    """A reminder for a session the screening gate holds back asks the client to get in touch (or to update an
    old questionnaire) in plain words; never why. The verdicts for a batch's reminders come in a few queries."""
    from . import screening

    def reminder_verdicts() -> dict:
        reminders = {m.appointment_id for m in batch_of(message) if m.kind == MessageKind.REMINDER}
        loaded = batch_memo("booking.appointments", lambda: {appointment.pk: appointment})
        return screening.verdicts(appointments=[a for pk, a in loaded.items() if pk in reminders] or [appointment])

    verdict = batch_memo("booking.verdicts", reminder_verdicts).get(appointment.pk)
    if verdict is None:
        return {}
    if verdict.stops:
        return {"contact_first": True}
    if verdict.renewal_due:
        return {"renew_url": settings.SITE_URL + reverse("intake:my_intake")}
    return {}


def _sms(kind: str, context: dict) -> str:
    clinic = context["clinic"]
    if kind == MessageKind.REMINDER:
        first = " Please contact us before your visit." if context.get("contact_first") else ""
        return (f"{clinic.name}: reminder of your {context['service']} on {context['short']} at "
                f"{context['location'].name}.{first} To change or cancel: {context['manage_url']} "
                f"or call {context['location_phone']}.")
    return f"{clinic.name}: please check your email for a message about your appointment on {context['short']}."


@register(MessageKind.CONFIRMATION, MessageKind.RESCHEDULED, MessageKind.CANCELLED, MessageKind.REMINDER,
          MessageKind.AFTERCARE)
def appointment_message_build(message: Message) -> Outgoing:
    """The email (plain text, HTML, .ics where it helps) or text message about one session."""
    appointment = load_appointment(message)
    _check_still_wanted(message, appointment, _now())
    kind, clinic = message.kind, ClinicSettings.load()
    context = appointment_context(appointment, clinic)
    if kind == MessageKind.RESCHEDULED and message.params.get("old_starts_at"):
        context["old_when"] = format_when(datetime.fromisoformat(message.params["old_starts_at"]),
                                          appointment.location.tz)
    if (kind in (MessageKind.CONFIRMATION, MessageKind.RESCHEDULED, MessageKind.REMINDER)
            and appointment.is_first_visit
            and batch_memo(f"booking.intake_missing:{appointment.client_id}",
                           lambda: _intake_missing(appointment.client))):
        context["intake_url"] = settings.SITE_URL + reverse("intake:my_intake")
    if kind == MessageKind.AFTERCARE:
        context |= _aftercare_context(appointment)
    if kind == MessageKind.REMINDER:
        context |= _screening_context(appointment, message)
    return _render(kind, appointment, context, clinic)


def aftercare_preview(*, appointment: Appointment, addition: str) -> Outgoing:
    """The aftercare email exactly as the client would receive it with this addition: the same context and
    templates as the message itself, without the checks that decide whether it still goes."""
    clinic = ClinicSettings.load()
    context = appointment_context(appointment, clinic) | _aftercare_context(appointment, addition=addition)
    return _render(MessageKind.AFTERCARE, appointment, context, clinic)


def _render(kind: str, appointment: Appointment, context: dict, clinic: ClinicSettings) -> Outgoing:
    subject = SUBJECTS[MessageKind(kind)].format(short=context["short"], clinic=clinic.name)
    outgoing = Outgoing(subject=subject, text=render_to_string(f"emails/appointment_{kind}.txt", context),
                        html=render_to_string(f"emails/appointment_{kind}.html", context),
                        sms=_sms(kind, context), reply_to=[clinic.email] if clinic.email else [])
    if kind in WITH_CALENDAR:
        method = "CANCEL" if kind == MessageKind.CANCELLED else "REQUEST"
        outgoing.attachments.append(("appointment.ics", appointment_ics(appointment, method=method).decode(),
                                     f"text/calendar; method={method}"))
    return outgoing


@register(MessageKind.COURSE_CONFIRMATION)
def course_confirmation_build(message: Message) -> Outgoing:
    """One email for a course booked in one go: every session still booked, and one calendar file."""
    from .ics import appointments_ics
    from .models import Course

    course = Course.objects.select_related("service", "practitioner__user").filter(
        pk=message.params.get("course_id")).first()
    sessions = list(course.appointments.filter(status=AppointmentStatus.BOOKED, starts_at__gt=_now())
                    .select_related("client", "service", "practitioner__user", "location").order_by("starts_at")
                    ) if course else []
    if not sessions:
        raise NotNeeded("No session of the course is still booked.")
    clinic, first = ClinicSettings.load(), sessions[0]
    tz = first.location.tz
    context = appointment_context(first, clinic) | {
        "sessions": [format_when(s.starts_at, tz) for s in sessions], "count": len(sessions),
        "pattern": course.description}
    subject = f"Your course is booked: {len(sessions)} sessions from {format_short(first.starts_at, tz)}"
    return Outgoing(subject=subject, text=render_to_string("emails/course_confirmation.txt", context),
                    html=render_to_string("emails/course_confirmation.html", context),
                    attachments=[("course.ics", appointments_ics(sessions, clinic=clinic).decode(), "text/calendar")],
                    reply_to=[clinic.email] if clinic.email else [])
