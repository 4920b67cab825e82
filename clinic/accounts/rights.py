"""The client's rights over her data: a copy of everything (access), erasure (with the clinical records the law
makes the clinic keep, purged when their retention period ends).

Every step is written to the audit log in its own transaction: ``client.data_export``,
``client.erasure_requested``, ``client.erasure_declined``, ``client.erased``, ``client.purged``. The log itself
is kept after a purge (it holds ids, never the data).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clinic.audit.services import audit_record

from .models import ErasureRequest, ErasureStatus, User

logger = logging.getLogger(__name__)

ERASED_EMAIL_DOMAIN = "erased.invalid"  # RFC 2606: can never receive mail


class RightsError(Exception):
    """A user-facing reason a request cannot be made or decided (``.message``)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _now() -> datetime:
    return timezone.now()  # frozen by time-machine in tests


# -- access: a copy of her data -------------------------------------------------------------------

def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


def _when(instant: datetime | None, tz) -> dict | None:
    """One instant as UTC and as the wall-clock time where it happens, zone named."""
    if instant is None:
        return None
    local = instant.astimezone(tz)
    return {"utc": instant.astimezone(UTC).isoformat(), "local": local.isoformat(),
            "time_zone": str(tz), "text": f"{local:%A %d %B %Y, %H:%M} ({local.tzname()})"}


def client_data_export(*, client: User, request=None) -> dict:
    """Everything the clinic holds about the client that she may see: her profile, appointments, questionnaires
    (questions and answers in words), consents, check-ins, messages sent to her and waitlist entries.

    Treatment notes are the clinician's record and clients do not see them in the app: they are not in this copy
    (she may ask the clinic for them). A fixed number of queries whatever the amount of data (pinned in
    tests/accounts/test_data_export.py), and one audit row.
    """
    from booking.models import Appointment
    from charting.photos import photo_consents_export, photos_export
    from clinic.core.models import ClinicSettings
    from clinic.notifications.models import Message
    from frontdesk.models import WaitlistEntry
    from intake.models import IntakeSubmission, Reassessment
    from intake.questionnaire import Questionnaire

    clinic_tz = ClinicSettings.load().tz
    appointments = (Appointment.objects.filter(client=client)
                    .select_related("service", "location", "practitioner__user").order_by("starts_at"))
    submissions = (IntakeSubmission.objects.filter(client=client)
                   .select_related("version", "consent__consent_version").prefetch_related("flags")
                   .order_by("started_at", "id"))
    data = {
        "about": "A copy of the personal data the clinic holds about you, made at your request.",
        "made_at": _when(_now(), clinic_tz),
        "profile": {
            "first_name": client.first_name, "last_name": client.last_name, "email": client.email,
            "phone": client.phone, "date_of_birth": client.date_of_birth.isoformat() if client.date_of_birth else None,
            "account_created": _when(client.date_joined, clinic_tz),
            "email_confirmed": _when(client.email_verified_at, clinic_tz),
            "preferences": {"email_reminders": client.email_reminders, "text_message_reminders": client.sms_reminders,
                            "aftercare_and_check_ins": client.care_messages, "news_and_offers": client.marketing_ok},
        },
        "appointments": [{
            "service": a.service.name, "practitioner": a.practitioner.user.full_name, "location": a.location.name,
            "starts": _when(a.starts_at, a.location.tz), "ends": _when(a.ends_at, a.location.tz),
            "status": str(a.get_status_display()), "booked": _when(a.created_at, a.location.tz),
            "cancelled": _when(a.cancelled_at, a.location.tz),
        } for a in appointments],
        "questionnaires": [],
        "consents": [],
        "check_ins": [],
        "messages_sent_to_you": [{
            "about": str(m.get_kind_display()), "by": str(m.get_channel_display()), "state": str(m.get_state_display()),
            "planned_for": _when(m.due_at, clinic_tz), "sent": _when(m.sent_at, clinic_tz),
        } for m in Message.objects.filter(recipient=client).order_by("due_at", "id")],
        "waitlist": [{
            "service": w.service.name, "location": w.location.name, "status": str(w.get_status_display()),
            "days": w.weekday_labels, "time_of_day": str(w.get_time_of_day_display()),
            "joined": _when(w.created_at, clinic_tz), "closed": _when(w.closed_at, clinic_tz),
        } for w in WaitlistEntry.objects.filter(client=client).select_related("service", "location")],
        "treatment_notes": "Not included: treatment notes are your practitioner's clinical record. "
                           "Ask the clinic if you would like a copy.",
        "photo_consents": photo_consents_export(client),
        "photos": photos_export(client),  # when and which pose; the images themselves on request, as the notes
    }
    for s in submissions:
        questionnaire = Questionnaire.of(s.version)
        data["questionnaires"].append({
            "status": str(s.get_status_display()), "questionnaire_version": questionnaire.number,
            "started": _when(s.started_at, clinic_tz), "sent": _when(s.submitted_at, clinic_tz),
            "answers": [{"section": section.title, "question": q["label"], "answer": text}
                        for section, pairs in questionnaire.answered_sections(s.answers) for q, text in pairs],
            "screening_notes": [{"level": str(f.get_level_display()), "reason": f.reason,
                                 "no_treatment_before": f.until.isoformat() if f.until else None}
                                for f in s.flags.all()],
        })
        consent = getattr(s, "consent", None)
        if consent is not None:
            data["consents"].append({
                "consent_text": f"{consent.consent_version.title} (version {consent.consent_version.number})",
                "typed_name": consent.typed_name, "signed": _when(consent.signed_at, clinic_tz),
                "from_address": consent.ip_address, "withdrawn": _when(consent.withdrawn_at, clinic_tz),
                "reason_for_withdrawing": consent.withdrawal_reason,
            })
    for r in Reassessment.objects.filter(client=client).select_related("version"):
        questionnaire = Questionnaire.of(r.version)
        data["check_ins"].append({
            "recorded": _when(r.created_at, clinic_tz), "after_session": r.session_number,
            "answers": [{"question": questionnaire.questions[k]["label"], "answer": questionnaire.display(k, v)}
                        for k, v in r.answers.items() if k in questionnaire.questions],
        })
    audit_record(actor=client, action="client.data_export", obj=client, subject=client, request=request)
    return data


# -- erasure --------------------------------------------------------------------------------------

def erasure_request_create(*, client: User, reason: str = "", request=None) -> ErasureRequest:
    """The client asks for her personal details to be erased; the clinic decides (``erasure_request_decide``)."""
    if not client.is_client or not client.is_active:
        raise RightsError("Only an active client account can ask for erasure here.")
    try:
        with transaction.atomic():
            erasure = ErasureRequest.objects.create(client=client, reason=reason.strip()[:500], requested_at=_now())
            audit_record(actor=client, action="client.erasure_requested", obj=erasure, subject=client,
                         request=request)
    except IntegrityError:  # the one-open-request constraint: a second click or tab
        raise RightsError("You have already asked for your details to be erased: the clinic will reply soon.") \
            from None
    logger.info("erasure request %s from client %s", erasure.pk, client.pk)
    return erasure


def erasure_request_decide(*, erasure: ErasureRequest, actor: User, confirm: bool, note: str = "",
                           request=None) -> ErasureRequest:
    """The manager confirms (the client is erased at once) or declines with a note. Of two managers deciding
    at the same moment, one wins: the conditional update names the state it leaves."""
    now = _now()
    with transaction.atomic():
        decided = ErasureRequest.objects.filter(pk=erasure.pk, status=ErasureStatus.REQUESTED).update(
            status=ErasureStatus.CONFIRMED if confirm else ErasureStatus.DECLINED, decided_by=actor,
            decided_at=now, decision_note=note.strip()[:500])
        if not decided:
            raise RightsError("This request has already been decided.")
        erasure.refresh_from_db()
        if not confirm:
            audit_record(actor=actor, action="client.erasure_declined", obj=erasure, subject=erasure.client,
                         request=request)
            return erasure
        _client_erase(erasure=erasure, actor=actor, now=now, request=request)
    return erasure


def _client_erase(*, erasure: ErasureRequest, actor: User, now: datetime, request=None) -> None:
    """Cancel what is still to come, anonymise the account, keep the clinical and audit records until
    ``retain_until``. Runs in the caller's transaction: all of it or nothing."""
    from booking.models import Appointment, AppointmentStatus
    from booking.services import BookingError, appointment_cancel
    from charting.photos import photos_erase
    from clinic.core.models import ClinicSettings, OutboxEmail
    from clinic.notifications.models import Message, MessageState
    from frontdesk.models import EntryStatus, WaitlistEntry
    from frontdesk.services import waitlist_entry_remove

    client = User.objects.select_for_update().get(pk=erasure.client_id)
    upcoming = Appointment.objects.filter(client=client, starts_at__gt=now,
                                          status__in=[AppointmentStatus.BOOKED, AppointmentStatus.PENDING])
    for appointment in upcoming:
        try:
            appointment_cancel(appointment=appointment, actor=actor, by_staff=True,
                               reason="Client's details erased at her request")
        except BookingError:
            continue  # cancelled a moment ago by someone else
    for entry in WaitlistEntry.objects.filter(client=client, status=EntryStatus.WAITING):
        waitlist_entry_remove(entry=entry, actor=actor)
    # Nothing more goes to her, including the cancellation notices just queued above: a worker that picks up
    # one of these ids after the commit finds no row and sends nothing.
    Message.objects.filter(recipient=client, state__in=[MessageState.PENDING, MessageState.QUEUED]).delete()
    # The in-app copies of emails sent to her (embedded outbox) carry her name and address.
    OutboxEmail.objects.filter(to__iexact=client.email).delete()
    # Photos were kept only with her consent, which erasure ends: deleted now, not after the retention period.
    photos_erase(client)
    client.first_name, client.last_name = "Erased client", f"#{client.pk}"
    client.email = f"erased-{client.pk}@{ERASED_EMAIL_DOMAIN}"
    client.phone, client.date_of_birth, client.email_verified_at = "", None, None
    client.email_reminders = client.sms_reminders = client.care_messages = client.marketing_ok = False
    client.is_active = False  # her sessions end: the auth backend refuses inactive users
    client.set_unusable_password()
    client.save()
    years = ClinicSettings.load().clinical_retention_years
    ErasureRequest.objects.filter(pk=erasure.pk).update(
        status=ErasureStatus.COMPLETED, erased_at=now, retain_until=_years_after(now, years))
    erasure.refresh_from_db()
    audit_record(actor=actor, action="client.erased", obj=erasure, subject=client, request=request)
    logger.info("client %s erased (request %s); clinical records kept until %s", client.pk, erasure.pk,
                erasure.retain_until.date())


def _years_after(instant: datetime, years: int) -> datetime:
    try:
        return instant.replace(year=instant.year + years)
    except ValueError:  # 29 February into a year without one
        return instant.replace(year=instant.year + years, day=28)


def clients_purge_due(*, now: datetime | None = None) -> int:
    """Delete the clinical records of erased clients whose retention period has passed: questionnaires and
    their flags, consents, assessments, treatment notes and their earlier versions, check-ins and questionnaire
    requests. The anonymised account, her cancelled appointments and the audit log stay. Run by the beat
    (``clinic.accounts.tasks.purge_erased_clients``); safe to run twice at once (each purge is claimed)."""
    now = now or _now()
    due = list(ErasureRequest.objects.filter(status=ErasureStatus.COMPLETED, purged_at=None, retain_until__lte=now)
               .values_list("pk", flat=True))
    purged = 0
    for pk in due:
        with transaction.atomic():
            if ErasureRequest.objects.filter(pk=pk, purged_at=None).update(purged_at=now) != 1:
                continue  # another run got there first
            erasure = ErasureRequest.objects.select_related("client").get(pk=pk)
            _purge_clinical(client_id=erasure.client_id)
            audit_record(actor=None, action="client.purged", obj=erasure, subject=erasure.client)
        purged += 1
        logger.info("clinical records of erased client %s purged (request %s)", erasure.client_id, pk)
    return purged


def _purge_clinical(*, client_id: int) -> None:
    from charting.photos import photo_records_purge
    from charting.services import point_maps_purge
    from intake.models import (
        Assessment,
        ConsentRecord,
        IntakeRequest,
        IntakeSubmission,
        Reassessment,
        TreatmentNote,
        TreatmentNoteVersion,
    )

    # Earlier versions of notes are append-only on PostgreSQL; their trigger lets a DELETE through only while
    # this transaction-local flag is on (intake migration 0006). It is switched off again straight after, so a
    # caller's enclosing transaction cannot delete anything else with it (a failure rolls it back anyway).
    _purge_flag("on")
    TreatmentNoteVersion.objects.filter(note__appointment__client_id=client_id).delete()
    _purge_flag("off")
    point_maps_purge(client_id=client_id)  # the maps marked beside the notes go with them
    # Children first: these foreign keys PROTECT.
    TreatmentNote.objects.filter(appointment__client_id=client_id).delete()
    Reassessment.objects.filter(client_id=client_id).delete()
    Assessment.objects.filter(submission__client_id=client_id).delete()
    ConsentRecord.objects.filter(client_id=client_id).delete()
    IntakeSubmission.objects.filter(client_id=client_id).delete()  # flags cascade
    IntakeRequest.objects.filter(client_id=client_id).delete()
    photo_records_purge(client_id=client_id)


def _purge_flag(value: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('clinic.purge', %s, true)", [value])
