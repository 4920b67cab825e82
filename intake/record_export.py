"""A copy of a client's whole clinical record, for the practitioner to print or hand over ("Export the record").

Read-only: the view checks who asks and writes the audit row; these functions only gather. The number of queries
does not grow with the number of sessions, notes, versions or maps (everything is fetched in bulk).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch

from booking.models import Appointment

from . import healthcheck
from .models import (
    Assessment,
    IntakeSubmission,
    Reassessment,
    ScreeningOverride,
    SubmissionStatus,
    TonguePulse,
    TreatmentNoteContent,
    TreatmentNoteVersion,
)
from .questionnaire import Questionnaire
from .services import consent_withdrawn

# What the record says instead of the answers of a questionnaire whose consent the client withdrew.
ANSWERS_WITHHELD = "withheld: the client withdrew her consent to the use of these answers"


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


def _person(user) -> dict | None:
    return {"id": user.pk, "name": user.full_name} if user else None


def submission_export_data(*, submission: IntakeSubmission) -> dict:
    """One submitted questionnaire as exported: version, times, consent (with any withdrawal), pattern scores,
    flags and the answers in words. Shared by the single-intake export and the record export.

    When the consent was withdrawn the answers and everything worked out from them (scores, flags) are left out
    and marked withheld, as ``intake_check_usable`` refuses every other use of them; the rest stays, as the
    record of what was given and withdrawn. Expects ``version`` and ``consent__consent_version`` fetched and
    ``flags`` prefetched (or it costs a query each)."""
    questionnaire = Questionnaire.of(submission.version)
    consent = getattr(submission, "consent", None)
    data = {
        "questionnaire_version": questionnaire.number,
        "submitted_at": _iso(submission.submitted_at),
        "reviewed_at": _iso(submission.reviewed_at),
        "consent": {"version": consent.consent_version.number, "typed_name": consent.typed_name,
                    "signed_at": consent.signed_at.isoformat(), "ip_address": consent.ip_address,
                    "withdrawn_at": _iso(consent.withdrawn_at), "withdrawal_reason": consent.withdrawal_reason}
        if consent else None,
    }
    if consent_withdrawn(submission):
        return {**data, "answers_withheld": True, "pattern_scores": ANSWERS_WITHHELD, "flags": ANSWERS_WITHHELD,
                "answers": ANSWERS_WITHHELD}
    return {
        **data, "answers_withheld": False,
        "pattern_scores": submission.scores,
        "flags": [{"level": f.level, "reason": f.reason, "until": f.until.isoformat() if f.until else None,
                   "cleared": f.cleared_at is not None} for f in submission.flags.all()],
        "answers": [{"section": s.title, "question": q["label"], "answer": text}
                    for s, pairs in questionnaire.answered_sections(submission.answers) for q, text in pairs],
    }


def _tongue_pulse(reading: TonguePulse) -> dict:
    return {"tongue_colour": reading.get_tongue_colour_display() if reading.tongue_colour else "",
            "tongue_coat": reading.get_tongue_coat_display(), "tongue_shape": reading.get_tongue_shape_display(),
            "pulse_rate": reading.pulse_rate, "pulse_qualities": reading.get_pulse_qualities_display(),
            "tongue": reading.tongue_text, "pulse": reading.pulse_text}


def _assessment(assessment: Assessment) -> dict:
    return {
        "intake_submitted_at": _iso(assessment.submission.submitted_at),
        "practitioner": _person(assessment.practitioner),
        "written_at": _iso(assessment.created_at), "updated_at": _iso(assessment.updated_at),
        "assessment": assessment.assessment, "plan_sessions": assessment.plan_sessions,
        "plan_frequency": assessment.get_plan_frequency_display(), "face_points": assessment.face_points,
        "body_points": assessment.body_points, "needle_count": assessment.needle_count,
        **_tongue_pulse(assessment),
    }


def _note_content(content: TreatmentNoteContent) -> dict:
    return {"face_points": content.face_points, "body_points": content.body_points,
            "needle_count": content.needle_count, "retention_minutes": content.retention_minutes,
            "reactions": content.get_reactions_display(), "notes": content.notes,
            "aftercare_addition": content.aftercare_addition, **_tongue_pulse(content)}


def _treatment_note(note) -> dict | None:
    if note is None:
        return None
    return {
        "version": note.version, "written_by": _person(note.amended_by or note.practitioner),
        "written_at": _iso(note.written_at), "amendment_reason": note.amendment_reason,
        "first_written_by": _person(note.practitioner), "first_written_at": _iso(note.created_at),
        **_note_content(note),
        "earlier_versions": [{"version": v.number, "written_by": _person(v.written_by),
                              "written_at": _iso(v.written_at), "reason": v.reason, "replaced_at": _iso(v.replaced_at),
                              **_note_content(v)} for v in note.earlier_versions.all()],
    }


def _health_check(health_check) -> dict | None:
    if health_check is None:
        return None
    return {
        "version": health_check.version, "answered_at": _iso(health_check.submitted_at),
        "answered_by": _person(health_check.submitted_by), "answered_where": health_check.get_via_display(),
        "answers": [{"question": q, "answer": a} for q, a in healthcheck.answered(health_check=health_check)],
        # As raised when the answers were given (the gate works them out again for the session as it is now).
        "flags": health_check.flags,
        "reviewed_at": _iso(health_check.reviewed_at), "reviewed_by": _person(health_check.reviewed_by),
    }


def _session(appointment: Appointment) -> dict:
    tz = appointment.location.tz
    return {
        "id": appointment.pk,
        "starts_at_utc": appointment.starts_at.isoformat(),
        "starts_at_local": appointment.starts_at.astimezone(tz).isoformat(),
        "ends_at_local": appointment.ends_at.astimezone(tz).isoformat(),
        "time_zone": str(tz),
        "service": appointment.service.name, "location": appointment.location.name,
        "practitioner": _person(appointment.practitioner.user),
        "status": appointment.get_status_display(),
        "treatment_note": _treatment_note(getattr(appointment, "treatment_note", None)),
        "health_check": _health_check(getattr(appointment, "health_check", None)),
    }


def _reassessment(reassessment: Reassessment) -> dict:
    questionnaire = Questionnaire.of(reassessment.version)
    return {
        "recorded_at": _iso(reassessment.created_at), "recorded_by": _person(reassessment.recorded_by),
        "after_session": reassessment.session_number, "questionnaire_version": questionnaire.number,
        "pattern_scores": reassessment.scores,
        "answers": [{"question": questionnaire.questions[key]["label"],
                     "answer": questionnaire.display(key, value)}
                    for key, value in reassessment.answers.items() if key in questionnaire.questions],
    }


def _sessions(client) -> list[dict]:
    versions = TreatmentNoteVersion.objects.select_related("written_by").order_by("-number")
    appointments = (Appointment.objects.filter(client=client)
                    .select_related("service", "location", "practitioner__user",
                                    "treatment_note__practitioner", "treatment_note__amended_by",
                                    "health_check__submitted_by", "health_check__reviewed_by")
                    .prefetch_related(Prefetch("treatment_note__earlier_versions", queryset=versions))
                    .order_by("starts_at", "pk"))
    return [_session(a) for a in appointments]


def clinical_record_export(*, client) -> dict:
    """Everything the clinic's clinical record holds about ``client``, oldest first, as plain JSON-ready data:
    identity, questionnaires, assessments, sessions with notes (and their earlier versions) and health checks,
    re-assessments, screening approvals, and the charting part (point maps, planned points, photos)."""
    # Imported here: charting builds on intake (its services import ours), not the other way round.
    from charting.services import charting_export

    submissions = (IntakeSubmission.objects.filter(client=client, status=SubmissionStatus.SUBMITTED)
                   .select_related("version", "consent__consent_version").prefetch_related("flags")
                   .order_by("submitted_at", "pk"))
    assessments = (Assessment.objects.filter(submission__client=client)
                   .select_related("submission", "practitioner").order_by("created_at", "pk"))
    reassessments = Reassessment.objects.filter(client=client).select_related("version", "recorded_by")
    overrides = ScreeningOverride.objects.filter(client=client).select_related("granted_by").order_by("created_at")
    return {
        "client": {"id": client.pk, "name": client.full_name,
                   "date_of_birth": client.date_of_birth.isoformat() if client.date_of_birth else None,
                   "email": client.email, "phone": client.phone},
        "questionnaires": [submission_export_data(submission=s) for s in submissions],
        "assessments": [_assessment(a) for a in assessments],
        "sessions": _sessions(client),
        "reassessments": [_reassessment(r) for r in reassessments],
        "screening_approvals": [{"session_date": o.day.isoformat(), "approved_by": _person(o.granted_by),
                                 "approved_at": _iso(o.created_at), "reason": o.reason,
                                 "flags_set_aside": o.flag_codes} for o in overrides],
        "charting": charting_export(client),
    }
