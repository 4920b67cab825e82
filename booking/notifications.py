"""Emails about appointments. Each (appointment, kind, start) is sent at most once: the
``AppointmentNotification`` unique constraint is the claim."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.core.models import ClinicSettings

from .models import Appointment, AppointmentNotification, AppointmentStatus, NotificationKind

logger = logging.getLogger(__name__)

SUBJECTS = {
    NotificationKind.CONFIRMATION: "Your appointment is confirmed",
    NotificationKind.RESCHEDULED: "Your appointment has moved",
    NotificationKind.CANCELLED: "Your appointment is cancelled",
    NotificationKind.REMINDER: "Reminder: your appointment",
    NotificationKind.AFTERCARE: "Aftercare after your facial acupuncture",
}


def _claim(appointment: Appointment, kind: str, for_starts_at: datetime) -> AppointmentNotification | None:
    try:
        with transaction.atomic():
            return AppointmentNotification.objects.create(appointment=appointment, kind=kind,
                                                          for_starts_at=for_starts_at)
    except IntegrityError:
        return None  # already sent (or being sent) by another worker


def notification_send(*, appointment_id: int, kind: str, for_starts_at: str) -> bool:
    appointment = (Appointment.objects.select_related("client", "service", "practitioner__user", "location")
                   .filter(pk=appointment_id).first())
    if appointment is None:
        return False
    claim = _claim(appointment, kind, datetime.fromisoformat(for_starts_at))
    if claim is None:
        return False
    clinic = ClinicSettings.load()
    context = {"appointment": appointment, "clinic": clinic, "kind": kind,
               "local_start": appointment.starts_at.astimezone(appointment.location.tz)}
    body = render_to_string(f"emails/appointment_{kind}.txt", context)
    message = EmailMultiAlternatives(SUBJECTS[NotificationKind(kind)], body, None, [appointment.client.email])
    message.send()
    AppointmentNotification.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
    logger.info("sent %s for appointment %s", kind, appointment_id)
    return True


def reminders_send_due(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    hours = ClinicSettings.load().reminder_hours_before
    due = (Appointment.objects.filter(status=AppointmentStatus.BOOKED, starts_at__gt=now,
                                      starts_at__lte=now + timedelta(hours=hours))
           .exclude(notifications__kind=NotificationKind.REMINDER)
           .values_list("pk", "starts_at"))
    sent = 0
    for pk, starts_at in due:
        sent += notification_send(appointment_id=pk, kind=NotificationKind.REMINDER,
                                  for_starts_at=starts_at.isoformat())
    return sent
