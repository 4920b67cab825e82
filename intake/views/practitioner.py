"""The practitioner's side: the day, the review queue, the review page, treatment notes."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from booking.models import Appointment, AppointmentStatus, Location, Practitioner
from clinic.accounts.models import Role, User
from clinic.accounts.permissions import Cap, has_cap
from clinic.audit.forms import BreakGlassForm
from clinic.audit.services import BREAK_GLASS_MINUTES, BreakGlassError, audit_record, break_glass_open
from clinic.core.http import safe_next

from .. import access, gate, healthcheck, record_export, scoring, screening, selectors, services
from ..forms import AssessmentForm, HealthCheckForm, ReassessmentForm, TreatmentNoteForm
from ..models import (
    IntakeFlag,
    IntakeSettings,
    IntakeSubmission,
    Reassessment,
    SubmissionStatus,
    TreatmentNote,
)
from ..questionnaire import Questionnaire
from .common import age_on, intake_view

QUEUE_DAYS = 14
# Sort order of the review queue after "needs review": what the practitioner must act on first.
STATUS_ORDER = {"submitted": 0, "draft": 1, "missing": 2, "withdrawn": 2, "reviewed": 3}


def _day_bounds(day, tz) -> tuple[datetime, datetime]:
    """UTC bounds of a local calendar day (23 or 25 hours long on DST change days)."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def _practitioner(user) -> Practitioner | None:
    return Practitioner.objects.filter(user=user).first()


@intake_view(Cap.VIEW_OWN_SCHEDULE)
def practitioner_day(request):
    """The practitioner's landing page: today's sessions (each in its location's zone) with intake status."""
    # "Today" is where the practitioner works: 23:30 in New York is already tomorrow in the clinic's zone.
    practitioner = (Practitioner.objects.filter(user=request.user).annotate(home_zone=Subquery(
        Location.objects.filter(practitioners=OuterRef("pk")).order_by("pk").values("time_zone")[:1])).first())
    tz = ZoneInfo(practitioner.home_zone) if practitioner and practitioner.home_zone else request.clinic.tz
    today = timezone.localdate(timezone=tz)
    try:
        day = datetime.strptime(request.GET.get("date", ""), "%Y-%m-%d").date()
    except ValueError:
        day = today
    if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        day = today  # a typed or tampered year 9999 would overflow the day bounds (a 500)
    start, end = _day_bounds(day, tz)
    appointments = []
    if practitioner is not None:
        # A day wide on each side, then each session kept on its own location's calendar day.
        appointments = [
            a for a in Appointment.objects.filter(practitioner=practitioner, starts_at__gte=start - timedelta(days=1),
                                                  starts_at__lt=end + timedelta(days=1))
            .exclude(status=AppointmentStatus.CANCELLED)
            .select_related("client", "service", "room", "location", "treatment_note")
            .order_by("starts_at") if a.local_starts_at.date() == day]
    client_ids = list({a.client_id for a in appointments})
    statuses = selectors.intake_statuses(client_ids=client_ids, on_date=day)
    # The rule the course check-in email follows, so the badge and the email name the same session.
    course = selectors.course_sessions(appointments=appointments)
    verdicts = gate.screening_verdicts(appointments=appointments)  # what check-in and the note will say
    rows = [{"appointment": a, "intake": statuses[a.client_id], "note": getattr(a, "treatment_note", None),
             "session": course[a.pk].number, "reassess_due": course[a.pk].reassess_at,
             "local_start": a.local_starts_at, "gate": _gate_line(a, verdicts[a.pk]),
             "started": services.session_started(a), "actions": DAY_STATUS_ACTIONS.get(a.status, [])}
            for a in appointments]
    return render(request, "intake/practitioner_day.html", {
        "rows": rows, "day": day, "today": today, "practitioner": practitioner, "tz_name": str(tz),
        "previous_day": day - timedelta(days=1), "next_day": day + timedelta(days=1),
        "reviewed": sum(1 for r in rows if r["intake"].status == "reviewed"),
    })


# What the practitioner may mark from her day, by the session's status: the desk checks clients in, she takes
# the session from there (the service holds the full list of moves and the screening gate).
DAY_STATUS_ACTIONS = {
    AppointmentStatus.ARRIVED: [(AppointmentStatus.IN_TREATMENT, "Start treatment"),
                                (AppointmentStatus.COMPLETED, "Mark completed")],
    AppointmentStatus.IN_TREATMENT: [(AppointmentStatus.COMPLETED, "Mark completed")],
}
DAY_STATUSES = {status for actions in DAY_STATUS_ACTIONS.values() for status, _ in actions}


@require_POST
@intake_view(Cap.VIEW_OWN_SCHEDULE)
def practitioner_set_status(request, appointment_id: int):
    """The practitioner marks her own session in treatment or completed, from My day."""
    from booking.services import BookingError, appointment_set_status

    appointment = get_object_or_404(Appointment.objects.select_related("client", "location"), pk=appointment_id,
                                    practitioner__user=request.user)  # only her own sessions (404 otherwise)
    status = request.POST.get("status", "")
    day = appointment.local_starts_at.date()
    back = f"{reverse('intake:practitioner_day')}?date={day:%Y-%m-%d}"
    if status not in DAY_STATUSES:
        messages.error(request, "Choose in treatment or completed.")
        return redirect(back)
    try:
        appointment_set_status(appointment=appointment, status=status, actor=request.user)
    except BookingError as exc:  # the screening gate, a wrong move, or the desk changed it meanwhile
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{appointment.client.first_name}'s session is now "
                                   f"{appointment.get_status_display().lower()}.")
    return redirect(back)


def _gate_line(appointment: Appointment, verdict: gate.Verdict) -> str | None:
    """Why this session cannot go ahead yet, for the practitioner (who may read the reasons); None if it can."""
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING, AppointmentStatus.ARRIVED):
        return None
    problem = verdict.session_problem(first_name=appointment.client.first_name,
                                      status="arrived" if appointment.status != AppointmentStatus.ARRIVED
                                      else "in_treatment")
    if problem and verdict.clinical_reasons:
        problem += " (" + "; ".join(verdict.clinical_reasons) + ")"
    return problem


@intake_view(Cap.VIEW_OWN_SCHEDULE)
def review_queue(request):
    """Upcoming clients with their intake status: flagged first, then what needs reading."""
    now = timezone.now()
    show_all = request.GET.get("all") == "1"
    practitioner = _practitioner(request.user)
    qs = (Appointment.objects.filter(starts_at__gte=now, starts_at__lt=now + timedelta(days=QUEUE_DAYS))
          .exclude(status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW])
          .select_related("client", "service", "practitioner__user", "location").order_by("starts_at"))
    if not show_all:
        qs = qs.filter(practitioner=practitioner) if practitioner else qs.none()
    qs = access.visible_to(request.user, qs, clinic=request.clinic)  # "all": still only the clients in her care
    first_by_client: dict[int, Appointment] = {}
    for appointment in qs:
        first_by_client.setdefault(appointment.client_id, appointment)
    statuses = selectors.statuses_for_dates(
        {cid: a.starts_at.astimezone(a.location.tz).date() for cid, a in first_by_client.items()})
    rows = [{"appointment": a, "intake": statuses[cid], "local_start": a.local_starts_at}
            for cid, a in first_by_client.items()]
    rows.sort(key=lambda r: (not r["intake"].needs_review, not r["intake"].has_flags,
                             STATUS_ORDER[r["intake"].status], r["appointment"].starts_at))
    return render(request, "intake/review_queue.html", {
        "rows": rows, "show_all": show_all, "days": QUEUE_DAYS,
        "to_review": sum(1 for r in rows if r["intake"].status == "submitted"),
    })


def _submission_for_staff(request, pk: int) -> IntakeSubmission:
    submission = get_object_or_404(
        IntakeSubmission.objects.select_related("client", "version", "reviewed_by", "consent__consent_version"),
        pk=pk, status=SubmissionStatus.SUBMITTED)
    _check_in_care(request, submission.client)
    return submission


def _check_in_care(request, client: User) -> None:
    # The same 404 as a missing record: outside her care, a record's existence is not hers to learn here.
    if not access.may_see_client(request.user, client, clinic=request.clinic):
        raise Http404("Not in this person's care.")


def _not_in_care(request, client: User) -> HttpResponse:
    """The 404 for a client's record outside the care relationship, with the emergency way in."""
    return render(request, "intake/not_in_care.html", {"client_id": client.pk, "minutes": BREAK_GLASS_MINUTES},
                  status=404)


def _changed_keys(submission: IntakeSubmission) -> set[str]:
    """Questions answered differently from the client's previous submission (updates only)."""
    previous = submission.previous
    if previous is None or previous.status != SubmissionStatus.SUBMITTED:
        return set()
    keys = set(submission.answers) | set(previous.answers)
    return {k for k in keys if submission.answers.get(k) != previous.answers.get(k)}


@intake_view(Cap.VIEW_CLINICAL)
def intake_review(request, pk: int):
    """The page a practitioner reads in a minute: flags, patterns, concerns, goals, lifestyle, then everything."""
    return _render_review(request, _submission_for_staff(request, pk))


def _render_review(request, submission: IntakeSubmission, form: AssessmentForm | None = None):
    if services.consent_withdrawn(submission):  # a banner instead of the answers
        return render(request, "intake/consent_withdrawn.html", {"submission": submission,
                                                                "client": submission.client})
    client = submission.client
    questionnaire = Questionnaire.of(submission.version)
    answers = submission.answers
    flags = list(submission.flags.select_related("cleared_by"))
    open_flags = [f for f in flags if f.cleared_at is None]
    next_appointment = (Appointment.objects.filter(client=client, ends_at__gte=timezone.now())
                        .exclude(status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW])
                        .select_related("location", "service", "practitioner__user").order_by("starts_at").first())
    today = timezone.localdate()  # the clinic's zone: the middleware activates it
    day = next_appointment.local_starts_at.date() if next_appointment else today
    concerns = _concerns(questionnaire, answers)
    # The gate, live: the clinic's current waits against the date of the next session (or today).
    verdict = gate.screening_verdict(client=client, service=getattr(next_appointment, "service", None), day=day) \
        if submission.is_current else None
    assessment = getattr(submission, "assessment", None)
    can_write = has_cap(request.user, Cap.WRITE_CLINICAL)
    if form is None and can_write:
        form = AssessmentForm(instance=assessment)
    scores = scoring.score_patterns(questionnaire, answers)
    lifestyle = questionnaire.section_by_key("lifestyle")
    goals = questionnaire.section_by_key("goals")
    audit_record(actor=request.user, action="intake.view", obj=submission, subject=client, request=request)
    return render(request, "intake/review.html", {
        "submission": submission, "client": client, "questionnaire": questionnaire, "flags": flags,
        "open_flags": open_flags,
        "blocking": verdict.blocking_codes if verdict else screening.blocking(open_flags, day),
        "unreviewed_concerns": [] if submission.is_reviewed else [f for f in open_flags if f.level == "review"],
        "earliest": verdict.earliest if verdict else screening.earliest_date(open_flags, day),
        "next_appointment": next_appointment, "gate": verdict,
        "overrides": list(client.screening_overrides.filter(day__gte=today).select_related("granted_by"))
        if submission.is_current else [],
        "patterns": scoring.pattern_results(questionnaire, answers), "yin_yang": scoring.yin_yang(scores),
        "concerns": concerns, "assessment": assessment, "form": form, "can_write": can_write,
        "age": age_on(client.date_of_birth, today),
        "answered": questionnaire.answered_sections(answers), "changed": _changed_keys(submission),
        "lifestyle": [(q, questionnaire.display(q["key"], answers.get(q["key"]))) for q in lifestyle.questions]
        if lifestyle else [],
        "goals": [(q, questionnaire.display(q["key"], answers.get(q["key"]))) for q in goals.questions]
        if goals else [],
        "history": list(selectors.submission_history(client=client)),
        "thresholds": {"present": settings.INTAKE_PATTERN_PRESENT, "tendency": settings.INTAKE_PATTERN_TENDENCY},
    })


def _concerns(questionnaire: Questionnaire, answers: dict) -> list[dict]:
    """The client's concerns, worst first, with severity and duration as words."""
    rows = []
    for q in questionnaire.concerns:
        answer = answers.get(q["key"]) or {}
        if answer.get("severity"):
            rows.append({"label": q["label"], "severity": answer["severity"],
                         "severity_label": questionnaire.severity_labels[answer["severity"]],
                         "duration_label": questionnaire.duration_labels.get(answer.get("duration"), "")})
    return sorted(rows, key=lambda r: -r["severity"])


@require_POST
@intake_view(Cap.WRITE_CLINICAL)
def assessment_save(request, pk: int):
    submission = _submission_for_staff(request, pk)
    form = AssessmentForm(request.POST, instance=getattr(submission, "assessment", None))
    if not form.is_valid():
        messages.error(request, "Please check the assessment and plan: some fields need attention.")
        return _render_review(request, submission, form=form)
    mark = "mark_reviewed" in request.POST
    try:
        services.intake_assessment_save(submission=submission, practitioner=request.user,
                                        data={k: form.cleaned_data[k] for k in form.Meta.fields},
                                        mark_reviewed=mark, request=request)
    except services.IntakeError as exc:  # the form is shown again with what was typed
        form.add_error(None, exc.message)
        return _render_review(request, submission, form=form)
    messages.success(request, "Assessment saved and intake marked reviewed." if mark else "Assessment saved.")
    return redirect("intake:review", submission.pk)


@require_POST
@intake_view(Cap.WRITE_CLINICAL)
def mark_reviewed(request, pk: int):
    submission = _submission_for_staff(request, pk)
    try:
        services.intake_mark_reviewed(submission=submission, practitioner=request.user, request=request)
    except services.IntakeError as exc:  # e.g. the client withdrew her consent meanwhile
        messages.error(request, exc.message)
        return redirect("intake:review", submission.pk)
    messages.success(request, "Intake marked reviewed.")
    return redirect(safe_next(request, default=reverse("intake:review", args=[submission.pk])))


@require_POST
@intake_view(Cap.WRITE_CLINICAL)
def flag_clear(request, pk: int):
    flag = get_object_or_404(IntakeFlag.objects.select_related("submission__client"), pk=pk,
                             submission__status=SubmissionStatus.SUBMITTED)
    _check_in_care(request, flag.submission.client)
    try:
        cleared = services.intake_flag_clear(flag=flag, practitioner=request.user, request=request)
    except services.IntakeError as exc:  # e.g. the client withdrew her consent meanwhile
        messages.error(request, exc.message)
        return redirect("intake:review", flag.submission_id)
    if cleared:
        messages.success(request, "Flag cleared: treatment may go ahead as far as this flag is concerned.")
    return redirect("intake:review", flag.submission_id)


@intake_view(Cap.VIEW_CLINICAL)
def submission_export(request, pk: int):
    """A JSON copy of one submission (questions, answers, flags, consent) for the clinical record."""
    submission = _submission_for_staff(request, pk)
    try:
        services.intake_check_usable(submission=submission)
    except services.IntakeError as exc:
        messages.error(request, exc.message)
        return redirect("intake:review", submission.pk)
    data = {"submission": submission.pk, "client": submission.client.full_name,
            **record_export.submission_export_data(submission=submission)}
    audit_record(actor=request.user, action="intake.export", obj=submission, subject=submission.client,
                 request=request)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="intake-{submission.pk}.json"'
    return response


def _client_or_404(client_id: int) -> User:
    return get_object_or_404(User, pk=client_id, role=Role.CLIENT)


@intake_view(Cap.VIEW_CLINICAL)
def client_record(request, client_id: int):
    """A client's clinical record: intake history, assessment, notes, re-assessments."""
    client = _client_or_404(client_id)
    if not access.may_see_client(request.user, client, clinic=request.clinic):
        return _not_in_care(request, client)
    current = selectors.current_submission(client=client)
    appointments = list(Appointment.objects.filter(client=client).exclude(status=AppointmentStatus.CANCELLED)
                        .select_related("service", "location", "practitioner__user", "treatment_note")
                        .order_by("-starts_at")[:30])
    audit_record(actor=request.user, action="intake.view_record", obj=client, subject=client, request=request)
    return render(request, "intake/client_record.html", {
        "client": client, "current": current, "appointments": appointments,
        "history": list(selectors.submission_history(client=client)),
        "status": selectors.intake_statuses(client_ids=[client.pk])[client.pk],
        "reassessments": list(Reassessment.objects.filter(client=client).select_related("recorded_by")),
        "reassess_due": selectors.reassessment_due(client=client),
        "draft": selectors.draft_submission(client=client),
        "age": age_on(client.date_of_birth, selectors.clinic_today()),
    })


@intake_view(Cap.VIEW_CLINICAL)
def break_glass(request, client_id: int):
    """Emergency access: open one client's record outside the care relationship, for a limited time, with a
    stated reason. The opening is audited and shown to the manager; every read during it is audited as usual."""
    client = _client_or_404(client_id)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            opened = break_glass_open(actor=request.user, client=client, reason=form.cleaned_data["reason"],
                                      request=request)
        except BreakGlassError as exc:  # the form is shown again with what was typed
            form.add_error("reason", exc.message)
        else:
            until = timezone.localtime(opened.expires_at)
            messages.warning(request, f"Emergency access to {client.full_name}'s record is open until {until:%H:%M}. "
                                      "Every page you open is recorded, and the manager sees your reason.")
            return redirect("intake:client_record", client.pk)
    return render(request, "intake/break_glass.html", {
        "client": client, "form": form, "minutes": BREAK_GLASS_MINUTES,
        "in_care": access.may_see_client(request.user, client, clinic=request.clinic)})


def _aftercare_status(appointment: Appointment) -> dict | None:
    """What happens to this session's aftercare email, so the practitioner knows whether an addition
    written now still reaches the client. Times are the location's wall clock."""
    from clinic.notifications.models import Message, MessageKind, MessageState

    message = Message.objects.filter(appointment=appointment, kind=MessageKind.AFTERCARE).first()
    if message is None:
        return None
    tz = appointment.location.tz

    def at(instant: datetime) -> str:
        local = instant.astimezone(tz)
        same_day = local.date() == appointment.starts_at.astimezone(tz).date()
        return f"{local:%H:%M}" if same_day else f"{local:%H:%M} on {local.day} {local:%b}"

    if message.state == MessageState.PENDING and not appointment.client.care_messages:
        return {"state": "cancelled", "text": "not being sent (the client chose not to get aftercare emails)"}
    if message.state == MessageState.PENDING:
        return {"state": "pending", "text": f"will be sent at {at(message.due_at)}"}
    if message.state in (MessageState.QUEUED, MessageState.SENDING):
        return {"state": "sending", "text": "being sent now — additions written now may not be included"}
    if message.state == MessageState.SENT:
        return {"state": "sent", "text": f"sent at {at(message.sent_at)} — additions written now are not included"}
    reason = message.last_error.strip().rstrip(".")
    if message.state == MessageState.FAILED:
        return {"state": "failed", "text": f"could not be sent ({reason or 'delivery failed'})"}
    reason = reason or "No longer needed"
    return {"state": "cancelled", "text": f"not being sent ({reason[0].lower()}{reason[1:]})"}


@intake_view(Cap.VIEW_CLINICAL)
def treatment_note(request, appointment_id: int):
    """The session's treatment note: written and amended by the session's practitioner, read by clinicians,
    with every earlier version kept and shown."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("client", "service", "location", "practitioner__user", "room"),
        pk=appointment_id)
    _check_in_care(request, appointment.client)
    note = _treatment_note(appointment)
    did_not_happen = appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)
    is_clinician = has_cap(request.user, Cap.WRITE_CLINICAL)
    # Another practitioner reads the note but does not write it (the service refuses too).
    is_theirs = appointment.practitioner.user_id == request.user.pk
    can_write = is_clinician and is_theirs and not did_not_happen
    started = services.session_started(appointment)
    current = selectors.current_submission(client=appointment.client)
    plan = getattr(current, "assessment", None) if current else None
    form = None
    if request.method == "POST":
        if did_not_happen and is_clinician:
            messages.error(request, f"This session is {appointment.get_status_display().lower()}: "
                                    "there is no treatment to note.")
            return redirect("intake:treatment_note", appointment.pk)
        if not is_clinician:
            raise PermissionDenied
        if not started:
            messages.error(request, "You can write the note once the session has started.")
            return redirect("intake:treatment_note", appointment.pk)
        # A copy: validating a model form writes the typed values onto its instance, and the page shows the
        # stored note beside the form when the save is refused.
        form = TreatmentNoteForm(request.POST, instance=copy.copy(note))
        if form.is_valid():
            try:
                saved = services.treatment_note_save(
                    appointment=appointment, practitioner=request.user, data=form.content(),
                    reason=form.cleaned_data.get("amendment_reason", ""), based_on=form.cleaned_data["based_on"],
                    request=request)
            except services.NoteChanged as exc:
                # Keep what was typed, now based on the note as it is: saving again amends that version.
                note = _treatment_note(appointment)
                data = request.POST.copy()
                data["based_on"] = str(note.version)
                form = TreatmentNoteForm(data, instance=copy.copy(note))
                form.is_valid()
                form.add_error(None, exc.message)
            except services.IntakeError as exc:
                form.add_error(None, exc.message)
            else:
                if note is not None and saved.version == note.version:
                    messages.info(request, "Nothing changed: the note is as it was.")
                elif saved.is_amended:
                    messages.success(request, "Amendment saved: the earlier version is kept in the note's history.")
                else:
                    messages.success(request, "Treatment note saved.")
                return redirect(safe_next(request, default=reverse("intake:treatment_note", args=[appointment.pk])))
    elif can_write and started:
        initial = {}
        if note is None and plan is not None:  # start from the plan: most sessions follow it
            initial = {"face_points": plan.face_points, "body_points": plan.body_points,
                       "needle_count": plan.needle_count}
        form = TreatmentNoteForm(instance=note, initial=initial)
    if note is not None:
        audit_record(actor=request.user, action="treatment_note.view", obj=note, subject=appointment.client,
                     request=request)
    return render(request, "intake/treatment_note.html", {
        "appointment": appointment, "note": note, "form": form, "can_write": can_write, "started": started,
        "is_clinician": is_clinician, "is_theirs": is_theirs,
        "earlier_versions": list(note.earlier_versions.select_related("written_by")) if note else [],
        "plan": plan, "current": current, "local_start": appointment.local_starts_at,
        "next": safe_next(request, ""), "aftercare": _aftercare_status(appointment),
    })


def _treatment_note(appointment: Appointment) -> TreatmentNote | None:
    return (TreatmentNote.objects.filter(appointment=appointment).select_related("practitioner", "amended_by")
            .first())


@intake_view(Cap.WRITE_CLINICAL)
def client_reassess(request, client_id: int):
    """The practitioner records a re-assessment with the client during a session."""
    from ..definitions import questionnaire_current

    client = _client_or_404(client_id)
    if not access.may_see_client(request.user, client, clinic=request.clinic):
        return _not_in_care(request, client)
    questionnaire = Questionnaire.of(questionnaire_current())
    appointment = (Appointment.objects.filter(client=client, starts_at__lte=timezone.now())
                   .exclude(status=AppointmentStatus.CANCELLED).order_by("-starts_at").first())
    form = ReassessmentForm(request.POST or None, questionnaire=questionnaire)
    # The contraindications are asked again too: they change during a course (a new filler, a new medicine).
    health_form = HealthCheckForm(request.POST or None, prefix="hc", today=selectors.clinic_today())
    if request.method == "POST" and all([form.is_valid(), health_form.is_valid()]):
        try:
            healthcheck.reassessment_with_health_check_record(
                client=client, recorded_by=request.user, answers=form.answers(),
                health_check_answers=health_form.answers(), appointment=appointment, request=request)
        except healthcheck.HealthCheckError as exc:
            health_form.add_error(None, exc.message)
        else:
            messages.success(request, f"Re-assessment saved for {client.full_name}.")
            return redirect("intake:client_progress", client.pk)
    return render(request, "intake/reassess.html", {"form": form, "health_form": health_form, "client": client,
                                                    "for_client": False})


@require_POST
@intake_view(Cap.VIEW_INTAKE_STATUS)
def intake_request(request, client_id: int):
    """Email a client the link to their intake (front desk "chase", or a practitioner)."""
    client = _client_or_404(client_id)
    appointment = None
    appointment_id = request.POST.get("appointment", "")
    if appointment_id.isdigit():  # a tampered id is ignored, not a 500
        appointment = Appointment.objects.filter(pk=appointment_id, client=client).first()
    try:
        services.intake_request_send(client=client, appointment=appointment, actor=request.user)
    except services.IntakeError as exc:  # e.g. a double click: the link went out a moment ago
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Questionnaire link emailed to {client.full_name}.")
    return redirect(safe_next(request, default=reverse("accounts:landing")))


@intake_view(Cap.MANAGE_CLINIC)
def intake_settings(request):
    from ..forms import IntakeSettingsForm

    settings_row = IntakeSettings.load()
    checkins_before = settings_row.reassess_sessions  # read now: validating the form writes to the instance
    form = IntakeSettingsForm(request.POST or None, instance=settings_row)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            audit_record(actor=request.user, action="intake.settings_change", obj=settings_row, request=request)
            if settings_row.reassess_sessions != checkins_before:
                # Course check-ins are planned per upcoming session: a worker re-plans them once this commits
                # (and the beat, should that request be lost to a broker outage).
                from booking.notifications import messages_replan_request

                messages_replan_request()
        messages.success(request, "Intake settings saved. New waits apply to questionnaires sent from now on.")
        return redirect("intake:settings")
    return render(request, "intake/settings_form.html", {"form": form})


@intake_view(Cap.VIEW_CLINICAL)
def client_record_export(request, client_id: int):
    """The client's whole clinical record as one JSON file, for printing or handing over; audited."""
    client = _client_or_404(client_id)
    if not access.may_see_client(request.user, client, clinic=request.clinic):
        return _not_in_care(request, client)
    data = record_export.clinical_record_export(client=client)
    audit_record(actor=request.user, action="intake.export_record", obj=client, subject=client, request=request)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    # The id only: a file name ends up in download folders and browser histories, a client's name must not.
    response["Content-Disposition"] = f'attachment; filename="clinical-record-{client.pk}.json"'
    return response
