"""Emails about appointments: confirmation, rescheduled, cancelled, reminder, aftercare.

Once only. Each (appointment, kind, start) is sent at most once: a worker first *claims* it by
inserting an ``AppointmentNotification`` row, and the unique constraint makes a second insert fail,
so two workers (or a redelivered task) can never both send. ``sent_at`` is set after the send.

Never lost. A claim whose ``sent_at`` is still empty after ``RETRY_CLAIMS_AFTER`` means the worker
crashed or the mail server refused: the beat's sweep takes it over with a conditional update (only
one sweeper can win) and tries again, for as long as the message still makes sense. The one
window left is a crash after the mail server accepted the message but before ``sent_at`` was
written: that message may go twice, which beats never.

Time zones. Every time in an email is the appointment location's wall-clock time with the zone's
abbreviation ("Tuesday 31 March 2026, 10:00 (BST)"), formatted here in Python: the template
``date`` filter would convert to whatever zone the worker has active.

Privacy. Emails name the service, practitioner, place and time; never intake answers, notes or reasons.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone

from clinic.core.models import ClinicSettings

from .ics import appointment_ics
from .models import Appointment, AppointmentEvent, AppointmentNotification, AppointmentStatus, NotificationKind

logger = logging.getLogger(__name__)

# A worker that claimed a message and has not marked it sent within this long is presumed dead.
# Must be well above the time one send can take (EMAIL_TIMEOUT bounds an SMTP conversation).
RETRY_CLAIMS_AFTER = timedelta(minutes=10)
# Aftercare still makes sense a few days after the session; nothing else once the start has passed.
AFTERCARE_VALID_FOR = timedelta(days=3)
# A change whose email has not even been claimed this long after it was made lost its task on the way
# to the broker (e.g. Redis down at commit time): the beat sends it from the appointment's history.
MISSED_AFTER = timedelta(minutes=5)
MISSED_WINDOW = timedelta(hours=24)

KINDS = (NotificationKind.CONFIRMATION, NotificationKind.RESCHEDULED, NotificationKind.CANCELLED,
         NotificationKind.REMINDER, NotificationKind.AFTERCARE)
SUBJECTS = {
    NotificationKind.CONFIRMATION: "Booking confirmed: {short}",
    NotificationKind.RESCHEDULED: "Your appointment has moved to {short}",
    NotificationKind.CANCELLED: "Appointment cancelled: {short}",
    NotificationKind.REMINDER: "Reminder: your appointment on {short}",
    NotificationKind.AFTERCARE: "Aftercare after your facial acupuncture",
}
WITH_CALENDAR = {NotificationKind.CONFIRMATION, NotificationKind.RESCHEDULED, NotificationKind.CANCELLED}


def _now() -> datetime:
    return timezone.now()  # frozen by time-machine in tests


# --- Formatting --------------------------------------------------------------------------------

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


def _previous_start(appointment: Appointment, for_starts_at: datetime) -> datetime | None:
    """The start this appointment had before the move to ``for_starts_at`` (from its history)."""
    moves = appointment.events.filter(action="rescheduled").order_by("-at", "-id")
    for event in moves:
        if event.details.get("new", {}).get("starts_at") == for_starts_at.isoformat():
            return datetime.fromisoformat(event.details["old"]["starts_at"])
    return None


def _context(appointment: Appointment, kind: str, for_starts_at: datetime, clinic: ClinicSettings) -> dict:
    tz, location = appointment.location.tz, appointment.location
    site = settings.SITE_URL
    context = {
        "kind": kind,
        "clinic": clinic,
        "first_name": appointment.client.first_name,
        "service": appointment.service.name,
        "practitioner": appointment.practitioner.user.full_name,
        "location": location,
        "address_lines": [line.strip() for line in location.address.splitlines() if line.strip()],
        "location_phone": location.phone or clinic.phone,
        "when": format_when(appointment.starts_at, tz),
        "ends": f"{appointment.ends_at.astimezone(tz):%H:%M}",
        "duration_minutes": appointment.service.duration_minutes,
        "is_first_visit": appointment.is_first_visit,
        "cancellation_window_hours": clinic.cancellation_window_hours,
        "manage_url": site + reverse("booking:my_appointments"),
        "book_url": site + reverse("booking:start"),
        "profile_url": site + reverse("accounts:profile"),
        "intake_url": None,
        "has_calendar": kind in WITH_CALENDAR,
    }
    if kind == NotificationKind.RESCHEDULED:
        previous = _previous_start(appointment, for_starts_at)
        context["old_when"] = format_when(previous, tz) if previous else None
    if (kind in (NotificationKind.CONFIRMATION, NotificationKind.RESCHEDULED, NotificationKind.REMINDER)
            and appointment.is_first_visit and _intake_missing(appointment.client)):
        context["intake_url"] = site + reverse("intake:my_intake")
    return context


def notification_message(*, appointment: Appointment, kind: str, for_starts_at: datetime) -> EmailMultiAlternatives:
    """Build (not send) the email: plain text, an HTML alternative and, where it helps, an .ics file."""
    clinic = ClinicSettings.load()
    context = _context(appointment, kind, for_starts_at, clinic)
    subject = SUBJECTS[NotificationKind(kind)].format(short=format_short(appointment.starts_at,
                                                                          appointment.location.tz))
    text = render_to_string(f"emails/appointment_{kind}.txt", context)
    html = render_to_string(f"emails/appointment_{kind}.html", context)
    message = EmailMultiAlternatives(subject, text, None, [appointment.client.email],
                                     reply_to=[clinic.email] if clinic.email else None)
    message.attach_alternative(html, "text/html")
    if kind in WITH_CALENDAR:
        method = "CANCEL" if kind == NotificationKind.CANCELLED else "REQUEST"
        message.attach("appointment.ics", appointment_ics(appointment, method=method).decode(),
                       f"text/calendar; method={method}")
    return message


# --- Once-only sending -------------------------------------------------------------------------

def _still_wanted(appointment: Appointment, kind: str, for_starts_at: datetime, now: datetime) -> bool:
    """Does this message still describe the appointment as it is? A later change queues its own."""
    if kind == NotificationKind.AFTERCARE:
        return appointment.status == AppointmentStatus.COMPLETED and now < for_starts_at + AFTERCARE_VALID_FOR
    if appointment.starts_at != for_starts_at or for_starts_at <= now:
        return False  # moved since (the move sends its own email), or already over
    if kind == NotificationKind.CANCELLED:
        return appointment.status == AppointmentStatus.CANCELLED
    if kind == NotificationKind.REMINDER:
        return appointment.status == AppointmentStatus.BOOKED and appointment.client.email_reminders
    return appointment.status == AppointmentStatus.BOOKED  # confirmation, rescheduled


def _claim(appointment: Appointment, kind: str, for_starts_at: datetime, now: datetime) -> int | None:
    """Claim the right to send; returns the claim's id, or None if another worker holds it."""
    try:
        with transaction.atomic():
            return AppointmentNotification.objects.create(
                appointment=appointment, kind=kind, for_starts_at=for_starts_at).pk
    except IntegrityError:
        pass
    # Already claimed. Take it over only if it was never sent and its worker is presumed dead:
    # the conditional update is atomic, so of two sweepers exactly one gets a row count of 1.
    existing = AppointmentNotification.objects.filter(
        appointment=appointment, kind=kind, for_starts_at=for_starts_at, channel="email",
        sent_at=None, created_at__lt=now - RETRY_CLAIMS_AFTER).values_list("pk", flat=True).first()
    if existing is None:
        return None
    taken = AppointmentNotification.objects.filter(
        pk=existing, sent_at=None, created_at__lt=now - RETRY_CLAIMS_AFTER).update(created_at=now)
    return existing if taken == 1 else None


def _drop_stale_claim(appointment: Appointment, kind: str, for_starts_at: datetime, now: datetime) -> None:
    """An unsent claim for a message that no longer makes sense: forget it so the sweep stops."""
    AppointmentNotification.objects.filter(
        appointment=appointment, kind=kind, for_starts_at=for_starts_at, sent_at=None,
        created_at__lt=now - RETRY_CLAIMS_AFTER).delete()


def notification_send(*, appointment_id: int, kind: str, for_starts_at: str | datetime,
                      now: datetime | None = None) -> bool:
    """Send one email about one appointment unless it was sent, is being sent, or no longer applies.

    Returns True when this call sent it. A failing send raises and leaves the claim unsent, so the
    next sweep (``notifications_retry_stale``) retries it.
    """
    now = now or _now()
    if isinstance(for_starts_at, str):
        for_starts_at = datetime.fromisoformat(for_starts_at)
    if kind not in KINDS:
        raise ValueError(f"unknown appointment notification kind {kind!r}")
    appointment = (Appointment.objects.select_related("client", "service", "practitioner__user", "location")
                   .filter(pk=appointment_id).first())
    if appointment is None:
        return False
    if not _still_wanted(appointment, kind, for_starts_at, now):
        _drop_stale_claim(appointment, kind, for_starts_at, now)
        logger.info("skipped %s for appointment %s: no longer applies", kind, appointment_id)
        return False
    claim_id = _claim(appointment, kind, for_starts_at, now)
    if claim_id is None:
        logger.info("skipped %s for appointment %s: already sent or being sent", kind, appointment_id)
        return False
    notification_message(appointment=appointment, kind=kind, for_starts_at=for_starts_at).send()
    AppointmentNotification.objects.filter(pk=claim_id, sent_at=None).update(sent_at=_now())
    logger.info("sent %s for appointment %s", kind, appointment_id)
    return True


# --- The beat: reminders and retries -------------------------------------------------------------
#
# Reminders are found by polling every minute rather than scheduled as Celery ETA/countdown tasks
# at booking time. On Redis an ETA task sits unacknowledged in a worker and is redelivered every
# ``visibility_timeout`` (reminders sent many times), it is lost if Redis restarts without
# persistence, and a reschedule or cancellation would have to hunt down and revoke it. Polling
# derives what is due from the appointments as they are now, so a moved appointment simply
# becomes due at its new time, and a beat that was down catches up on its next run.

def reminders_due(*, now: datetime, hours: int):
    """Booked appointments starting within ``hours`` whose reminder for their current start has
    neither been sent nor recently claimed (a stale claim is due again)."""
    settled = AppointmentNotification.objects.filter(
        appointment=OuterRef("pk"), kind=NotificationKind.REMINDER, for_starts_at=OuterRef("starts_at"),
    ).filter(Q(sent_at__isnull=False) | Q(created_at__gte=now - RETRY_CLAIMS_AFTER))
    return (Appointment.objects
            .filter(status=AppointmentStatus.BOOKED, client__email_reminders=True,
                    starts_at__gt=now, starts_at__lte=now + timedelta(hours=hours))
            .exclude(Exists(settled))
            .order_by("starts_at"))


def _send_each(pending: list[tuple[int, str, datetime]], now: datetime) -> int:
    sent = 0
    for appointment_id, kind, for_starts_at in pending:
        try:
            sent += notification_send(appointment_id=appointment_id, kind=kind, for_starts_at=for_starts_at,
                                      now=now)
        except Exception:  # one failing email must not hold up the others; its claim is retried
            logger.exception("sending %s for appointment %s failed; will retry", kind, appointment_id)
    return sent


def reminders_send_due(*, now: datetime | None = None) -> int:
    now = now or _now()
    hours = ClinicSettings.load().reminder_hours_before
    due = reminders_due(now=now, hours=hours).values_list("pk", "starts_at")
    return _send_each([(pk, NotificationKind.REMINDER, starts_at) for pk, starts_at in due], now)


def notifications_retry_stale(*, now: datetime | None = None) -> int:
    """Retry claims of any kind left unsent by a crashed worker or a refused send."""
    now = now or _now()
    stale = (AppointmentNotification.objects
             .filter(sent_at=None, created_at__lt=now - RETRY_CLAIMS_AFTER, kind__in=KINDS,
                     for_starts_at__gt=now - AFTERCARE_VALID_FOR)
             .exclude(kind=NotificationKind.REMINDER)  # reminders_send_due retries its own
             .values_list("appointment_id", "kind", "for_starts_at"))
    return _send_each(list(stale), now)


def notifications_send_missed(*, now: datetime | None = None) -> int:
    """Confirmations, move and cancellation emails whose task never reached a worker.

    Tasks are queued after commit; if the broker refused them the booking stands but nothing was
    claimed. The appointment's own history says what happened, so the sweep does not depend on the
    queue. Appointments without history (imported, demo data) are left alone.
    """
    now = now or _now()
    changed = AppointmentEvent.objects.filter(appointment=OuterRef("pk"), at__gte=now - MISSED_WINDOW,
                                              at__lte=now - MISSED_AFTER)
    told = AppointmentNotification.objects.filter(appointment=OuterRef("pk"), for_starts_at=OuterRef("starts_at"))
    ever_confirmed = AppointmentNotification.objects.filter(appointment=OuterRef("pk"),
                                                            kind=NotificationKind.CONFIRMATION)
    booked = (Appointment.objects.filter(status=AppointmentStatus.BOOKED, starts_at__gt=now)
              .filter(Exists(changed.filter(action__in=["booked", "rescheduled"])))
              .exclude(Exists(told.filter(kind__in=[NotificationKind.CONFIRMATION, NotificationKind.RESCHEDULED])))
              .annotate(confirmed_before=Exists(ever_confirmed))
              .values_list("pk", "starts_at", "confirmed_before"))
    pending = [(pk, NotificationKind.RESCHEDULED if before else NotificationKind.CONFIRMATION, starts_at)
               for pk, starts_at, before in booked]
    cancelled = (Appointment.objects.filter(status=AppointmentStatus.CANCELLED, starts_at__gt=now)
                 .filter(Exists(changed.filter(action="cancelled")))
                 .exclude(Exists(told.filter(kind=NotificationKind.CANCELLED)))
                 .values_list("pk", "starts_at"))
    pending += [(pk, NotificationKind.CANCELLED, starts_at) for pk, starts_at in cancelled]
    return _send_each(pending, now)
