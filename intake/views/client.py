"""The client's side: fill in the questionnaire step by step, check, consent, read, update."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from booking.models import Appointment, AppointmentStatus
from clinic.accounts.permissions import Cap
from clinic.audit.services import audit_record

from .. import gate, healthcheck, selectors, services
from ..definitions import consent_current
from ..forms import ConsentForm, ConsentWithdrawForm, HealthCheckForm, ReassessmentForm, SectionForm
from ..models import ConsentRecord, FlagLevel, IntakeSettings, IntakeSubmission, SubmissionStatus
from ..questionnaire import Questionnaire
from .common import intake_view

UPCOMING = [AppointmentStatus.PENDING, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED]


def _upcoming(client) -> list[Appointment]:
    return list(Appointment.objects.filter(client=client, status__in=UPCOMING, ends_at__gte=timezone.now())
                .select_related("location", "service", "practitioner__user").order_by("starts_at")[:20])


def _blocked_sessions(verdicts: dict, appointments) -> list[dict]:
    """Upcoming sessions the screening gate stops (live: the clinic's current waits, the session's date), with the
    client's own reasons and the earliest date that would be fine."""
    return [{"appointment": a, "reasons": verdicts[a.pk].clinical_reasons, "earliest": verdicts[a.pk].earliest}
            for a in appointments if verdicts[a.pk].stops]


@intake_view(Cap.BOOK_ONLINE)
def my_intake(request):
    client = request.user
    current = selectors.current_submission(client=client)
    draft = selectors.draft_submission(client=client)
    context = {"current": current, "draft": draft, "history": list(selectors.submission_history(client=client)),
               "blocked": [], "review_flags": False}
    if draft is not None:
        steps = Questionnaire.of(draft.version).steps(draft.answers)
        done = sum(1 for s in steps if s.number in draft.completed_steps)
        context["draft_percent"] = round(100 * done / len(steps))
    if current is None:
        # Withdrawn: say so, and that updating the questionnaire is how she gives consent again.
        context["withdrawn"] = (ConsentRecord.objects.filter(client=client, withdrawn_at__isnull=False)
                                .order_by("-withdrawn_at").first())
    if current is not None:
        flags = list(current.flags.filter(cleared_at=None))
        upcoming = _upcoming(client)
        verdicts = gate.screening_verdicts(appointments=upcoming)
        context["blocked"] = _blocked_sessions(verdicts, upcoming)
        context["renewal_due"] = next((a for a in upcoming if verdicts[a.pk].renewal_due), None)
        context["valid_months"] = next(iter(verdicts.values())).valid_months if verdicts else 12
        context["review_flags"] = not current.is_reviewed and any(f.level == FlagLevel.REVIEW for f in flags)
        context["reassess_due"] = selectors.reassessment_due(client=client)
        audit_record(actor=client, action="intake.view_status", obj=current, subject=client, request=request)
    return render(request, "intake/my_intake.html", context)


@require_POST
@intake_view(Cap.BOOK_ONLINE)
def intake_start(request):
    draft = services.intake_draft_start(client=request.user, request=request)
    return redirect(_resume_url(draft))


def _resume_url(draft: IntakeSubmission) -> str:
    if draft.current_step > Questionnaire.of(draft.version).step_count:
        return reverse("intake:check")
    return reverse("intake:step", args=[draft.current_step])


@intake_view(Cap.BOOK_ONLINE)
def intake_continue(request):
    draft = selectors.draft_submission(client=request.user)
    if draft is None:
        return redirect("intake:my_intake")
    return redirect(_resume_url(draft))


def _steps_nav(questionnaire: Questionnaire, draft: IntakeSubmission, active: int | str) -> dict:
    """The step labels and the "Step n of N · p% done" line, from one list so they always agree: the sections
    this client is asked (skipped ones are not counted), then the check page and the consent page.

    ``active`` is a section number, "check" or "consent"."""
    reachable = set(draft.completed_steps) | {draft.current_step}
    sections = questionnaire.steps(draft.answers)
    all_done = all(s.number in draft.completed_steps for s in sections)
    steps = [{"number": s.number, "title": s.title, "done": s.number in draft.completed_steps,
              "active": s.number == active, "reachable": s.number in reachable,
              "url": reverse("intake:step", args=[s.number])} for s in sections]
    steps.append({"title": "Check your answers", "done": active == "consent", "active": active == "check",
                  "reachable": all_done, "url": reverse("intake:check")})
    steps.append({"title": "Consent", "done": False, "active": active == "consent", "reachable": all_done,
                  "url": reverse("intake:consent")})
    for position, step in enumerate(steps, start=1):
        step["position"] = position
    current = next(s["position"] for s in steps if s["active"])
    done = sum(1 for s in steps if s["done"])
    return {"steps": steps,
            "progress": {"step": current, "total": len(steps), "percent": round(100 * done / len(steps))}}


@intake_view(Cap.BOOK_ONLINE)
def intake_step(request, step: int):
    draft = selectors.draft_submission(client=request.user)
    if draft is None:
        messages.info(request, "Start the questionnaire here: your answers are saved at every step.")
        return redirect("intake:my_intake")
    questionnaire = Questionnaire.of(draft.version)
    if not 1 <= step <= questionnaire.step_count:
        raise Http404
    if step not in draft.completed_steps and step > draft.current_step:
        return redirect(_resume_url(draft))  # no skipping ahead past an unfinished step
    if not questionnaire.applies(step, draft.answers):
        return redirect(_resume_url(draft))  # an earlier answer skips this section (e.g. the cycle questions)
    section = questionnaire.section(step)
    today = selectors.clinic_today()
    if request.method == "POST":
        form = SectionForm(request.POST, questionnaire=questionnaire, section=section, today=today)
        if form.is_valid():
            draft = services.intake_step_save(submission=draft, step=step, answers=form.answers(), request=request)
            following = questionnaire.step_after(step, draft.answers)  # this step's answers may skip the next
            if request.POST.get("then") == "check" or following is None:
                return redirect("intake:check")
            return redirect("intake:step", following)
    else:
        form = SectionForm(questionnaire=questionnaire, section=section, answers=draft.answers, today=today)
        audit_record(actor=request.user, action="intake.view_draft", obj=draft, subject=request.user,
                     request=request)
    return render(request, "intake/step.html", {
        "form": form, "section": section, "draft": draft, "questionnaire": questionnaire,
        **_steps_nav(questionnaire, draft, step),
        "back_step": questionnaire.step_before(step, draft.answers),
        "then": request.GET.get("then") or request.POST.get("then", ""),
    })


@require_POST
@intake_view(Cap.BOOK_ONLINE)
def intake_autosave(request, step: int):
    """Saves what is valid on the current step while the client types (htmx, on change): even the
    step in progress survives a closed browser. The step still needs "Save and continue" to count."""
    draft = selectors.draft_submission(client=request.user)
    if draft is None:
        return HttpResponse(status=204)
    questionnaire = Questionnaire.of(draft.version)
    if not 1 <= step <= questionnaire.step_count:
        raise Http404
    form = SectionForm(request.POST, questionnaire=questionnaire, section=questionnaire.section(step),
                       today=selectors.clinic_today())
    form.is_valid()
    partial = form.partial_answers()
    if partial:
        services.intake_step_save(submission=draft, step=step, answers=partial, complete=False, request=request)
    return HttpResponse(f"Draft saved at {timezone.localtime():%H:%M}" if partial else "")


@intake_view(Cap.BOOK_ONLINE)
def intake_check(request):
    draft = selectors.draft_submission(client=request.user)
    if draft is None:
        return redirect("intake:my_intake")
    questionnaire = Questionnaire.of(draft.version)
    steps = questionnaire.steps(draft.answers)
    missing = [s for s in steps if s.number not in draft.completed_steps]
    audit_record(actor=request.user, action="intake.view_draft", obj=draft, subject=request.user, request=request)
    return render(request, "intake/check.html", {
        "draft": draft, "questionnaire": questionnaire, "missing": missing,
        "answered": questionnaire.answered_sections(draft.answers),
        **_steps_nav(questionnaire, draft, "check"), "last_step": steps[-1].number,
    })


@intake_view(Cap.BOOK_ONLINE)
def intake_consent(request):
    draft = selectors.draft_submission(client=request.user)
    if draft is None:
        return redirect("intake:my_intake")
    questionnaire = Questionnaire.of(draft.version)
    steps = questionnaire.steps(draft.answers)
    if any(s.number not in draft.completed_steps for s in steps):
        messages.warning(request, "A few steps are not finished yet: please complete them first.")
        return redirect("intake:check")
    consent = consent_current()
    form = ConsentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            submission = services.intake_submit(submission=draft, typed_name=form.cleaned_data["full_name"],
                                                request=request)
        except services.IntakeError as exc:
            messages.error(request, exc.message)
            return redirect("intake:step", exc.step) if exc.step else redirect("intake:my_intake")
        messages.success(request, "Thank you: your questionnaire is sent to your practitioner.")
        return redirect("intake:submission", submission.pk)
    return render(request, "intake/consent.html", {
        "form": form, "consent": consent, "draft": draft,
        **_steps_nav(questionnaire, draft, "consent"),
    })


@intake_view(Cap.BOOK_ONLINE)
def consent_withdraw(request):
    """The client withdraws her consent, after a page saying what that means."""
    current = selectors.current_submission(client=request.user)
    if current is None:
        messages.info(request, "There is no questionnaire with your consent to withdraw.")
        return redirect("intake:my_intake")
    form = ConsentWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.intake_consent_withdraw(client=request.user, reason=form.cleaned_data["reason"],
                                             request=request)
        except services.IntakeError as exc:  # a second tab withdrew it a moment ago
            messages.info(request, exc.message)
        else:
            messages.success(request, "Your consent is withdrawn: practitioners will no longer use your answers.")
        return redirect("intake:my_intake")
    return render(request, "intake/consent_withdraw.html", {"form": form, "current": current})


@intake_view(Cap.BOOK_ONLINE)
def submission_detail(request, pk: int):
    submission = get_object_or_404(IntakeSubmission.objects.select_related("version", "consent__consent_version"),
                                   pk=pk, client=request.user, status=SubmissionStatus.SUBMITTED)
    questionnaire = Questionnaire.of(submission.version)
    audit_record(actor=request.user, action="intake.view", obj=submission, subject=request.user, request=request)
    return render(request, "intake/submission_detail.html", {
        "submission": submission, "answered": questionnaire.answered_sections(submission.answers),
        "questionnaire": questionnaire, "has_draft": selectors.draft_submission(client=request.user) is not None,
    })


@intake_view(Cap.BOOK_ONLINE)
def intake_link(request, token: str):
    """The signed link from an intake request email. It carries only the client id, and opens the
    questionnaire only for that client once logged in: anyone else gets a 404."""
    client_id = services.intake_link_client_id(token, max_age_days=IntakeSettings.load().request_link_valid_days)
    if client_id is None:
        messages.warning(request, "That link has expired, but you can fill in your questionnaire here.")
        return redirect("intake:my_intake")
    if client_id != request.user.pk:
        raise Http404
    audit_record(actor=request.user, action="intake.link_open", obj=request.user, subject=request.user,
                 request=request)
    if selectors.current_submission(client=request.user) is not None and \
            selectors.draft_submission(client=request.user) is None:
        messages.info(request, "Please check your answers are still right, and update them if anything changed.")
        return redirect("intake:my_intake")
    draft = services.intake_draft_start(client=request.user, request=request)
    return redirect(_resume_url(draft))


@intake_view(Cap.BOOK_ONLINE)
def my_reassess(request):
    from ..definitions import questionnaire_current

    questionnaire = Questionnaire.of(questionnaire_current())
    current = selectors.current_submission(client=request.user)
    if current is None:
        # A check-in is compared with the intake; without one it would become a misleading baseline.
        messages.info(request, "Please fill in your questionnaire first: check-ins show your progress since then.")
        return redirect("intake:my_intake")
    form = ReassessmentForm(request.POST or None, questionnaire=questionnaire)
    # The contraindications are asked again too: they change during a course (a new filler, a new medicine).
    health_form = HealthCheckForm(request.POST or None, prefix="hc", today=selectors.clinic_today())
    if request.method == "POST" and all([form.is_valid(), health_form.is_valid()]):
        try:
            healthcheck.reassessment_with_health_check_record(
                client=request.user, recorded_by=request.user, answers=form.answers(),
                health_check_answers=health_form.answers(), request=request)
        except healthcheck.HealthCheckError as exc:
            health_form.add_error(None, exc.message)
        else:
            messages.success(request, "Thank you: your progress chart is updated.")
            return redirect("intake:my_progress")
    return render(request, "intake/reassess.html", {"form": form, "health_form": health_form, "client": request.user,
                                                    "current": current, "for_client": True})
