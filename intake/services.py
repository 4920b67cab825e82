"""Writes on intakes. Every change is audit-logged in the same transaction (ids and verbs only)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from booking.models import Appointment, AppointmentStatus
from clinic.accounts.models import Role
from clinic.audit.services import audit_record
from clinic.core.http import client_ip

from . import access, definitions, gate, notifications, scoring, screening
from .forms import SectionForm
from .models import (
    Assessment,
    ConsentRecord,
    IntakeFlag,
    IntakeRequest,
    IntakeSettings,
    IntakeSubmission,
    Reassessment,
    ScreeningOverride,
    SubmissionStatus,
    TreatmentNote,
    TreatmentNoteVersion,
    tongue_pulse_problems,
)
from .questionnaire import Questionnaire
from .selectors import clinic_today

logger = logging.getLogger(__name__)

_LINK_SALT = "intake.request-link"
# A second "chase" click within this time is a double click, not a new request.
REQUEST_THROTTLE = timedelta(minutes=2)


class IntakeError(Exception):
    """A user-facing reason an intake change cannot be made (``.message``)."""

    def __init__(self, message: str, step: int | None = None):
        super().__init__(message)
        self.message = message
        self.step = step


# -- the client's draft ---------------------------------------------------------------------------

def _carry_over(answers: dict, questionnaire: Questionnaire) -> dict:
    """Answers from an older submission that still fit the questions of this version."""
    return {k: v for k, v in answers.items() if k in questionnaire.questions}


def intake_draft_start(*, client, request=None) -> IntakeSubmission:
    """The client's open draft, or a new one (pre-filled from their current intake when updating)."""
    existing = IntakeSubmission.objects.filter(client=client, status=SubmissionStatus.DRAFT).first()
    if existing is not None:
        return existing
    version = definitions.questionnaire_current()
    # After a withdrawal nothing is current: her update starts from her last answers, and sending it is
    # how she gives consent again.
    current = (IntakeSubmission.objects.filter(client=client, is_current=True).first()
               or IntakeSubmission.objects.filter(client=client, status=SubmissionStatus.SUBMITTED)
               .order_by("-submitted_at").first())
    answers = _carry_over(current.answers, Questionnaire.of(version)) if current else {}
    try:
        with transaction.atomic():
            draft = IntakeSubmission.objects.create(client=client, version=version, answers=answers,
                                                    previous=current)
            audit_record(actor=client, action="intake.start", obj=draft, subject=client, request=request)
    except IntegrityError:  # a second tab created it first: the one-draft-per-client constraint
        return IntakeSubmission.objects.get(client=client, status=SubmissionStatus.DRAFT)
    return draft


def intake_step_save(*, submission: IntakeSubmission, step: int, answers: dict, complete: bool = True,
                     request=None) -> IntakeSubmission:
    """Store one validated step in the draft, so a closed browser or a lost session loses nothing.

    ``complete=False`` is the autosave while the client is still on the step: the answers given so
    far are kept, but the step is not counted as done.
    """
    with transaction.atomic():
        draft = IntakeSubmission.objects.select_for_update().get(pk=submission.pk)
        if not draft.is_draft:
            raise IntakeError("This questionnaire has already been sent.")
        questionnaire = Questionnaire.of(draft.version)
        draft.answers = {**draft.answers, **answers}
        if complete:
            draft.completed_steps = sorted(set(draft.completed_steps) | {step})
        # From the answers as now saved: an answer may have skipped or restored a later section.
        draft.current_step = questionnaire.next_step(draft.completed_steps, draft.answers)
        draft.save(update_fields=["answers", "completed_steps", "current_step", "updated_at"])
        audit_record(actor=draft.client, action="intake.draft_save", obj=draft, subject=draft.client, request=request)
    return draft


def _first_invalid_step(submission: IntakeSubmission, today: date) -> int | None:
    """Re-check every step server-side before sending: the draft may predate a validation rule."""
    questionnaire = Questionnaire.of(submission.version)
    for section in questionnaire.steps(submission.answers):  # a skipped section requires nothing
        if section.number not in submission.completed_steps:
            return section.number
        initial = SectionForm.initial_from(submission.answers)
        data = {k: ("" if v is None else v) for k, v in initial.items()}
        form = SectionForm(data=_as_post(data), questionnaire=questionnaire, section=section, today=today)
        if not form.is_valid():
            return section.number
    return None


def _as_post(data: dict):
    from django.http import QueryDict

    post = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            post.setlist(key, [str(v) for v in value])
        else:
            post[key] = str(value)
    return post


def intake_submit(*, submission: IntakeSubmission, typed_name: str, request=None) -> IntakeSubmission:
    """Consent and send: the draft becomes the client's current intake, scored and screened."""
    today = clinic_today()
    with transaction.atomic():
        draft = IntakeSubmission.objects.select_for_update().select_related("version", "client").get(pk=submission.pk)
        if not draft.is_draft:
            raise IntakeError("This questionnaire has already been sent.")
        invalid = _first_invalid_step(draft, today)
        if invalid is not None:
            raise IntakeError("Some answers are missing: please complete this step.", step=invalid)
        questionnaire = Questionnaire.of(draft.version)
        client = draft.client
        consent = definitions.consent_current()
        now = timezone.now()
        IntakeSubmission.objects.filter(client=client, is_current=True).update(is_current=False)
        draft.status = SubmissionStatus.SUBMITTED
        draft.is_current = True
        draft.submitted_at = now
        # Answers left in a section the client then skipped are not kept in the clinical record.
        draft.answers = questionnaire.applicable_answers(draft.answers)
        draft.scores = scoring.score_patterns(questionnaire, draft.answers)
        draft.save(update_fields=["status", "is_current", "submitted_at", "answers", "scores", "updated_at"])
        ConsentRecord.objects.create(submission=draft, client=client, consent_version=consent,
                                     typed_name=typed_name, ip_address=client_ip(request), signed_at=now)
        flags = screening.screen(questionnaire, draft.answers, waits=IntakeSettings.load(), today=today)
        IntakeFlag.objects.bulk_create(IntakeFlag(submission=draft, code=f.code, level=f.level, reason=f.reason,
                                                  until=f.until) for f in flags)
        audit_record(actor=client, action="intake.submit", obj=draft, subject=client, request=request)
        # Sessions booked before this intake that it now stops: the client and the desk hear of them.
        conflicts = notifications.screening_conflicts_queue(client=client)
    logger.info("intake %s submitted by client %s (%s flags, %s clinical conflicts)", draft.pk, client.pk,
                len(flags), len(conflicts))
    return draft


# -- consent withdrawn ----------------------------------------------------------------------------

CONSENT_WITHDRAWN = ("The client has withdrawn her consent to the use of this questionnaire: its answers may not "
                     "be used, reviewed or exported until she sends it again with new consent.")


def consent_withdrawn(submission: IntakeSubmission) -> bool:
    consent = getattr(submission, "consent", None)  # None: a draft, or an intake entered before consent records
    return consent is not None and consent.withdrawn_at is not None


def intake_check_usable(*, submission: IntakeSubmission) -> None:
    """Refuse any use of answers whose consent was withdrawn: the pages show a banner, and this stops every
    other path (a stale form, an export link, a script)."""
    if consent_withdrawn(submission):
        raise IntakeError(CONSENT_WITHDRAWN)


def intake_consent_withdraw(*, client, reason: str = "", request=None) -> ConsentRecord:
    """The client withdraws her consent: no submission of hers stays current, every consent she gave is marked
    withdrawn (so no earlier version can be used instead), and the records are kept as the law requires.
    Sending the questionnaire again, with new consent, makes it usable again."""
    with transaction.atomic():
        # The row lock orders a withdrawal and a practitioner's review of the same intake.
        current = IntakeSubmission.objects.select_for_update().filter(client=client, is_current=True).first()
        consent = ConsentRecord.objects.filter(submission=current).first() if current else None
        if consent is None or consent.withdrawn_at is not None:
            raise IntakeError("There is no questionnaire with your consent to withdraw.")
        now = timezone.now()
        ConsentRecord.objects.filter(client=client, withdrawn_at=None).update(
            withdrawn_at=now, withdrawal_reason=reason.strip()[:500])
        IntakeSubmission.objects.filter(pk=current.pk).update(is_current=False, updated_at=now)
        consent.refresh_from_db()
        audit_record(actor=client, action="intake.consent_withdraw", obj=consent, subject=client, request=request)
    logger.info("client %s withdrew consent (intake %s)", client.pk, current.pk)
    return consent


# -- the practitioner's side ----------------------------------------------------------------------

def _check_in_care(user, client) -> None:
    # The pages answer 404 first; this stops every other path (a script, a stale form) from writing to the
    # record of a client outside the practitioner's care.
    if not access.may_see_client(user, client):
        raise IntakeError("This client's record is not open to you.")


def intake_assessment_save(*, submission: IntakeSubmission, practitioner, data: dict, mark_reviewed: bool,
                           request=None) -> Assessment:
    """Save the assessment and treatment plan; optionally mark the intake reviewed."""
    _check_in_care(practitioner, submission.client)
    intake_check_usable(submission=submission)
    _check_tongue_pulse(data)
    with transaction.atomic():
        assessment, created = Assessment.objects.update_or_create(
            submission=submission, defaults={**data, "practitioner": practitioner})
        audit_record(actor=practitioner, action="intake.assessment_save", obj=submission,
                     subject=submission.client, request=request)
        if mark_reviewed:
            intake_mark_reviewed(submission=submission, practitioner=practitioner, request=request)
    return assessment


def _check_tongue_pulse(data: dict) -> None:
    """The forms show these beside their fields; this stops every other path (a script, an import, a stale form)
    from storing a tongue or pulse reading that is not on the lists."""
    problems = tongue_pulse_problems(data)
    if problems:
        raise IntakeError(" ".join(problems.values()) + " Nothing was saved.")


def intake_mark_reviewed(*, submission: IntakeSubmission, practitioner, request=None) -> bool:
    """Mark a submitted intake reviewed. Returns False if it already was (first reviewer wins)."""
    if submission.status != SubmissionStatus.SUBMITTED:
        raise IntakeError("Only a sent questionnaire can be reviewed.")
    _check_in_care(practitioner, submission.client)
    intake_check_usable(submission=submission)
    with transaction.atomic():
        now = timezone.now()
        updated = IntakeSubmission.objects.filter(pk=submission.pk, reviewed_at=None).update(
            reviewed_at=now, reviewed_by=practitioner)
        if updated:
            submission.reviewed_at, submission.reviewed_by = now, practitioner
            audit_record(actor=practitioner, action="intake.review", obj=submission, subject=submission.client,
                         request=request)
    return bool(updated)


def screening_override_grant(*, client, day: date, practitioner, reason: str, request=None) -> ScreeningOverride:
    """A practitioner approves a session on ``day`` that screening would stop (e.g. the client's other doctor
    agreed, or a treatment that avoids the face). The desk may then book or move a session onto that date,
    and the booking's event names this approval. Audit-logged; the reason is required."""
    reason = reason.strip()
    if getattr(practitioner, "role", None) != Role.PRACTITIONER:
        raise IntakeError("Only a practitioner can approve a session despite the screening.")
    if not reason:
        raise IntakeError("Please give the reason for the exception. Nothing was saved.")
    if day < clinic_today():
        raise IntakeError("Choose today or a later date. Nothing was saved.")
    verdict = gate.screening_verdict(client=client, service=None, day=day)
    if not verdict.blocked:
        raise IntakeError(f"Screening does not stop a session on {day:%-d %B %Y}: there is nothing to approve.")
    with transaction.atomic():
        override = ScreeningOverride.objects.create(client=client, day=day, granted_by=practitioner, reason=reason,
                                                    flag_codes=list(verdict.blocking_codes))
        audit_record(actor=practitioner, action="intake.screening_override", obj=override, subject=client,
                     request=request)
    logger.info("screening override %s for client %s by user %s", override.pk, client.pk, practitioner.pk)
    return override


def intake_flag_clear(*, flag: IntakeFlag, practitioner, request=None) -> bool:
    """The practitioner has checked a flag and treatment may go ahead (e.g. the cold sore has healed)."""
    _check_in_care(practitioner, flag.submission.client)
    intake_check_usable(submission=flag.submission)
    with transaction.atomic():
        updated = IntakeFlag.objects.filter(pk=flag.pk, cleared_at=None).update(cleared_at=timezone.now(),
                                                                               cleared_by=practitioner)
        if updated:
            audit_record(actor=practitioner, action="intake.flag_clear", obj=flag,
                         subject=flag.submission.client, request=request)
    return bool(updated)


class NoteChanged(IntakeError):
    """The note was saved from elsewhere (another tab) since the page was opened: ``.note`` is the new one."""

    def __init__(self, message: str, note: TreatmentNote):
        super().__init__(message)
        self.note = note


def session_started(appointment: Appointment, *, now: datetime | None = None) -> bool:
    """A note can be written once the session has begun (or the desk has checked the client in early)."""
    return appointment.starts_at <= (now or timezone.now()) or appointment.status in (
        AppointmentStatus.ARRIVED, AppointmentStatus.IN_TREATMENT, AppointmentStatus.COMPLETED)


def treatment_note_save(*, appointment: Appointment, practitioner, data: dict, reason: str = "",
                        based_on: int | None = None, request=None) -> TreatmentNote:
    """Write the session's treatment note: the first save creates it, every later one is an amendment.

    Clinical records are corrected, not overwritten: an amendment first copies the version it replaces (text,
    structured fields, who wrote it and when) into ``TreatmentNoteVersion``. Only the session's practitioner
    writes its note. ``based_on`` is the version the practitioner was looking at (0: no note yet); if the note
    has moved on since, ``NoteChanged`` is raised and nothing is saved, so a second tab cannot silently undo
    a correction. Saving the same content again changes nothing.
    """
    if appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW):
        raise IntakeError(f"This appointment is {appointment.get_status_display().lower()}: "
                          "there is no session to write up.")
    if appointment.practitioner.user_id != practitioner.pk:
        raise IntakeError(f"Only {appointment.practitioner}, who gave this session, can write or amend its note. "
                          "Nothing was saved.")
    now = timezone.now()
    if not session_started(appointment, now=now):
        raise IntakeError("You can write the note once the session has started.")
    if appointment.status == AppointmentStatus.BOOKED and not TreatmentNote.objects.filter(
            appointment=appointment).exists():
        # Not checked in: the gate the desk's check-in applies holds the first note too. Amendments go ahead,
        # a clinical record can always be corrected.
        problem = gate.appointment_verdict(appointment=appointment).session_problem(
            first_name=appointment.client.first_name, status="in_treatment")
        if problem:
            raise IntakeError(f"{problem} No note can be written until then.")
    data = {name: data[name] for name in TreatmentNote.CONTENT_FIELDS if name in data}
    _check_tongue_pulse(data)
    reason = reason.strip()
    with transaction.atomic():
        # The row lock orders two saves of one note: the second sees the first's version number.
        note = TreatmentNote.objects.select_for_update().filter(appointment=appointment).first()
        if note is None:
            return _treatment_note_create(appointment=appointment, practitioner=practitioner, data=data,
                                          based_on=based_on, request=request)
        if based_on is not None and based_on != note.version:
            raise NoteChanged("This note was changed after you opened the page (see the current version below). "
                              "Your text is kept here: check it against the note and save again.", note=note)
        if all(getattr(note, name) == value for name, value in data.items()):
            return note  # nothing to amend
        TreatmentNoteVersion.objects.create(
            note=note, number=note.version, written_by_id=note.written_by_id, written_at=note.written_at,
            reason=note.amendment_reason, replaced_at=now, **note.content())
        for name, value in data.items():
            setattr(note, name, value)
        note.version += 1
        note.amended_by, note.amended_at, note.amendment_reason = practitioner, now, reason
        note.save()
        audit_record(actor=practitioner, action="treatment_note.amend", obj=note, subject=appointment.client,
                     request=request)
    return note


def _treatment_note_create(*, appointment: Appointment, practitioner, data: dict, based_on: int | None,
                           request=None) -> TreatmentNote:
    try:
        with transaction.atomic():  # a savepoint: the IntegrityError below must not spoil the caller's transaction
            note = TreatmentNote.objects.create(appointment=appointment, practitioner=practitioner, **data)
    except IntegrityError:
        # Another tab wrote the first version between our read and our insert (the one-note-per-session rule).
        note = TreatmentNote.objects.get(appointment=appointment)
        if based_on is None:
            raise IntakeError("A note for this session was saved a moment ago: please check it and save again.") \
                from None
        raise NoteChanged("A note for this session was saved after you opened the page (see it below). "
                          "Your text is kept here: check it against the note and save again.", note=note) from None
    audit_record(actor=practitioner, action="treatment_note.save", obj=note, subject=appointment.client,
                 request=request)
    return note


# -- progress --------------------------------------------------------------------------------------

def completed_sessions(*, client) -> int:
    return Appointment.objects.filter(client=client, status=AppointmentStatus.COMPLETED).count()


def reassessment_record(*, client, recorded_by, answers: dict, appointment: Appointment | None = None,
                        request=None) -> Reassessment:
    if recorded_by.pk != client.pk:  # the client's own check-in, or a clinician's in a session
        _check_in_care(recorded_by, client)
    version = definitions.questionnaire_current()
    questionnaire = Questionnaire.of(version)
    with transaction.atomic():
        reassessment = Reassessment.objects.create(
            client=client, version=version, recorded_by=recorded_by, appointment=appointment,
            session_number=completed_sessions(client=client), answers=answers,
            scores=scoring.score_patterns(questionnaire, answers))
        audit_record(actor=recorded_by, action="reassessment.save", obj=reassessment, subject=client,
                     request=request)
    return reassessment


# -- intake requests (signed links) ----------------------------------------------------------------

def intake_link_token(*, client) -> str:
    return signing.TimestampSigner(salt=_LINK_SALT).sign(str(client.pk))


def intake_link_client_id(token: str, *, max_age_days: int) -> int | None:
    """The client id a link was made for, or None if it is forged or expired."""
    try:
        value = signing.TimestampSigner(salt=_LINK_SALT).unsign(token, max_age=max_age_days * 86400)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    return int(value) if value.isdigit() else None


def intake_request_send(*, client, appointment: Appointment | None = None, actor=None) -> IntakeRequest:
    """Email the client a signed link to their intake (never any answers). The message is queued in
    the outbox in the same transaction, and a worker sends it as soon as it commits."""
    from clinic.notifications.models import MessageKind
    from clinic.notifications.services import message_queue

    if not client.is_active or client.role != Role.CLIENT:
        raise IntakeError("Questionnaire links can only be sent to active client accounts.")
    recent = IntakeRequest.objects.filter(client=client, created_at__gte=timezone.now() - REQUEST_THROTTLE).first()
    if recent is not None:
        raise IntakeError("A questionnaire link was emailed to this client a moment ago.")
    with transaction.atomic():
        intake_request = IntakeRequest.objects.create(client=client, appointment=appointment, sent_by=actor)
        audit_record(actor=actor, action="intake.request_send", obj=intake_request, subject=client)
        message_queue(key=f"intake_request:{intake_request.pk}", kind=MessageKind.INTAKE_REQUEST, recipient=client,
                      appointment=appointment, for_starts_at=appointment.starts_at if appointment else None,
                      params={"request_id": intake_request.pk})
    return intake_request
