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

from . import definitions, scoring, screening
from .forms import SectionForm
from .models import (
    Assessment,
    ConsentRecord,
    IntakeFlag,
    IntakeRequest,
    IntakeSettings,
    IntakeSubmission,
    Reassessment,
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
    current = IntakeSubmission.objects.filter(client=client, is_current=True).first()
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
    logger.info("intake %s submitted by client %s (%s flags)", draft.pk, client.pk, len(flags))
    return draft


# -- the practitioner's side ----------------------------------------------------------------------

def intake_assessment_save(*, submission: IntakeSubmission, practitioner, data: dict, mark_reviewed: bool,
                           request=None) -> Assessment:
    """Save the assessment and treatment plan; optionally mark the intake reviewed."""
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
    with transaction.atomic():
        now = timezone.now()
        updated = IntakeSubmission.objects.filter(pk=submission.pk, reviewed_at=None).update(
            reviewed_at=now, reviewed_by=practitioner)
        if updated:
            submission.reviewed_at, submission.reviewed_by = now, practitioner
            audit_record(actor=practitioner, action="intake.review", obj=submission, subject=submission.client,
                         request=request)
    return bool(updated)


def intake_flag_clear(*, flag: IntakeFlag, practitioner, request=None) -> bool:
    """The practitioner has checked a flag and treatment may go ahead (e.g. the cold sore has healed)."""
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
