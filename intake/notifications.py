"""Messages of the intake: questionnaire requests and nudges, and course check-ins.

They carry links and times, never answers: email is not a private channel.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clinic.core.models import ClinicSettings
from clinic.notifications.models import Message, MessageKind
from clinic.notifications.registry import NotNeeded, Outgoing, register
from clinic.notifications.services import message_queue

from .models import IntakeSettings
from .selectors import course_session, current_submission


def _now() -> datetime:
    return timezone.now()


def intake_request_after_first_booking(appointment) -> None:
    """A new client booked their first visit: ask for the questionnaire now (if it is still missing)."""
    if current_submission(client=appointment.client) is None:
        message_queue(key=f"intake_request:first:{appointment.pk}", kind=MessageKind.INTAKE_REQUEST,
                      recipient=appointment.client, appointment=appointment, for_starts_at=appointment.starts_at)


def _link(client) -> str:
    from .services import intake_link_token

    return settings.SITE_URL + reverse("intake:link", args=[intake_link_token(client=client)])


@register(MessageKind.INTAKE_REQUEST, MessageKind.INTAKE_NUDGE)
def intake_request_build(message: Message) -> Outgoing:
    from booking.models import AppointmentStatus
    from booking.notifications import format_when, load_appointment

    client, clinic = message.recipient, ClinicSettings.load()
    appointment = load_appointment(message) if message.appointment_id else None
    if appointment is not None and (appointment.status != AppointmentStatus.BOOKED or appointment.starts_at <= _now()):
        raise NotNeeded("The visit is no longer booked.")
    # A request the desk sent by hand goes even when an intake exists (to check it); the automatic ones
    # only while it is missing.
    automatic = message.kind == MessageKind.INTAKE_NUDGE or message.key.startswith("intake_request:first:")
    if automatic and current_submission(client=client) is not None:
        raise NotNeeded("The questionnaire has been filled in.")
    context = {"client": client, "clinic": clinic, "link": _link(client), "appointment": appointment,
               "valid_days": IntakeSettings.load().request_link_valid_days,
               "nudge": message.kind == MessageKind.INTAKE_NUDGE,
               "when": format_when(appointment.starts_at, appointment.location.tz) if appointment else None}
    subject = ("Your questionnaire: please fill it in before your first visit" if context["nudge"]
               else "Your questionnaire before your visit")
    context["first_name"] = client.first_name  # the HTML layout greets by it
    text = render_to_string("intake/email/intake_request.txt", context)
    return Outgoing(subject=subject, text=text, html=render_to_string("intake/email/intake_request.html", context),
                    sms=f"{clinic.name}: please fill in your questionnaire before your visit: {context['link']}")


@register(MessageKind.COURSE_CHECKIN)
def course_checkin_build(message: Message) -> Outgoing:
    from booking.models import AppointmentStatus
    from booking.notifications import format_when, load_appointment

    appointment = load_appointment(message)
    client, clinic = message.recipient, ClinicSettings.load()
    session = int(message.params.get("session", 0))
    if appointment.status != AppointmentStatus.BOOKED or appointment.starts_at <= _now() \
            or appointment.starts_at != message.for_starts_at:
        raise NotNeeded("The session moved or is no longer booked.")
    if current_submission(client=client) is None:
        raise NotNeeded("No questionnaire to compare a check-in with.")
    if course_session(appointment=appointment).reassess_at != session:  # the rule the planner and My day follow
        raise NotNeeded("No check-in is due before this session any more: it was done, or the course changed.")
    context = {"client": client, "first_name": client.first_name, "clinic": clinic, "session": session,
               "when": format_when(appointment.starts_at, appointment.location.tz),
               "link": settings.SITE_URL + reverse("intake:my_reassess"),
               "profile_url": settings.SITE_URL + reverse("accounts:profile")}
    text = render_to_string("intake/email/course_checkin.txt", context)
    return Outgoing(subject="How is your course going? A two-minute check-in", text=text,
                    html=render_to_string("intake/email/course_checkin.html", context),
                    sms=f"{clinic.name}: before session {session}, please take two minutes for your check-in: "
                        f"{context['link']}")


# -- the practitioner's addition to the aftercare email -----------------------------------------------------

# Words that suggest clinical details: the conditions and screening flags the intake asks about, and the TCM
# patterns it scores. Email is not private, so the treatment-note page warns when the addition uses one. A
# warning, not a refusal: practical advice ("a cold compress tonight") must always be sayable.
CLINICAL_TERMS = (
    "pregnant", "pregnancy", "breastfeeding", "miscarriage", "fertility", "IVF", "period", "menopause",
    "perimenopause", "cancer", "chemotherapy", "tumour", "diabetes", "diabetic", "epilepsy", "seizure", "stroke",
    "heart attack", "blood pressure", "hypertension", "anticoagulant", "warfarin", "blood thinner", "pacemaker",
    "hepatitis", "HIV", "herpes", "cold sore", "isotretinoin", "Roaccutane", "retinoid", "Botox", "filler",
    "migraine", "palsy", "eczema", "acne", "rosacea", "depression", "anxiety", "diagnosis", "diagnosed",
    "medication", "prescription", "infection", "allergy", "allergic", "contraindication",
    "qi", "yin", "yang", "deficiency", "stagnation", "stasis", "damp-heat", "phlegm", "spleen", "liver", "kidney",
    "tongue", "pulse",
)
_TERM_RES = [(term, re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)) for term in CLINICAL_TERMS]


def clinical_terms_in(text: str) -> list[str]:
    """The clinical terms an aftercare addition uses, in list order (empty when none)."""
    return [term for term, pattern in _TERM_RES if pattern.search(text or "")]


def screening_conflicts_queue(*, client, now: datetime | None = None) -> list:
    """The client's upcoming sessions the screening gate now stops (an intake sent, or a flag added, after
    they were booked): one "please contact us to rearrange" message each, and the sessions for the desk's
    "Clinical conflicts" list. Nothing is cancelled: the desk and the client agree on a new date.

    Call inside the transaction of the change. The message names no condition: email is not private."""
    from booking.models import Appointment, AppointmentStatus

    from .gate import screening_verdicts

    upcoming = list(Appointment.objects.filter(
        client=client, status__in=(AppointmentStatus.BOOKED, AppointmentStatus.PENDING), starts_at__gt=now or _now())
        .select_related("service", "location"))
    verdicts = screening_verdicts(appointments=upcoming)
    conflicts = [a for a in upcoming if verdicts[a.pk].stops]
    for appointment in conflicts:
        message_queue(key=f"screening_conflict:{appointment.pk}", kind=MessageKind.SCREENING_CONFLICT,
                      recipient=client, appointment=appointment, for_starts_at=appointment.starts_at)
    return conflicts


@register(MessageKind.SCREENING_CONFLICT)
def screening_conflict_build(message: Message) -> Outgoing:
    from booking.models import AppointmentStatus
    from booking.notifications import format_when, load_appointment

    from .gate import appointment_verdict

    appointment = load_appointment(message)
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING) \
            or appointment.starts_at <= _now():
        raise NotNeeded("The session is no longer booked.")
    if not appointment_verdict(appointment=appointment).stops:  # moved, cleared or approved since
        raise NotNeeded("The session can go ahead after all.")
    client, clinic = message.recipient, ClinicSettings.load()
    context = {"client": client, "first_name": client.first_name, "clinic": clinic,
               "when": format_when(appointment.starts_at, appointment.location.tz),
               "link": settings.SITE_URL + reverse("booking:my_appointments")}
    return Outgoing(subject="Please contact us to rearrange your session",
                    text=render_to_string("intake/email/screening_conflict.txt", context),
                    html=render_to_string("intake/email/screening_conflict.html", context),
                    sms=f"{clinic.name}: please contact us to rearrange your session on {context['when']}: "
                        f"{context['link']}")
