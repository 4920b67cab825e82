"""The pre-visit health check: the client's page (from the reminder) and the practitioner's reading of it."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from booking.models import Appointment
from clinic.accounts.permissions import Cap, has_cap
from clinic.audit.services import audit_record
from clinic.core.http import safe_next

from .. import healthcheck
from ..forms import HealthCheckForm
from ..models import HealthCheck
from .common import intake_view


def _appointment(**lookup) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related("client", "service", "location", "practitioner__user"), **lookup)


@intake_view(Cap.BOOK_ONLINE)
def health_check(request, appointment_id: int):
    """The client answers the health check for one of her own sessions: another client's is a 404."""
    appointment = _appointment(pk=appointment_id, client=request.user)
    existing = HealthCheck.objects.filter(appointment=appointment).first()
    closed = healthcheck.health_check_window_problem(appointment=appointment, via=HealthCheck.Via.ONLINE)
    today = timezone.localdate(timezone=appointment.location.tz)
    form = None
    if closed is None:
        if request.method == "POST":
            form = HealthCheckForm(request.POST, today=today)
            if form.is_valid():
                try:
                    healthcheck.health_check_submit(appointment=appointment, answers=form.answers(),
                                                    submitted_by=request.user, via=HealthCheck.Via.ONLINE,
                                                    request=request)
                except healthcheck.HealthCheckError as exc:  # e.g. checked in a moment ago: what was typed stays
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, "Thank you: your answers are with your practitioner. You can change "
                                              "them here until you check in.")
                    return redirect("intake:health_check", appointment.pk)
        else:
            form = HealthCheckForm(initial=_initial(existing), today=today)
    if existing is not None and request.method == "GET":
        audit_record(actor=request.user, action="health_check.view", obj=existing, subject=request.user,
                     request=request)
    return render(request, "intake/health_check.html", {
        "appointment": appointment, "form": form, "closed": closed, "existing": existing,
        "local_start": appointment.local_starts_at, "definition": healthcheck.HEALTH_CHECK,
    })


def _initial(existing: HealthCheck | None) -> dict:
    return dict(existing.answers) if existing is not None else {}


@intake_view(Cap.VIEW_CLINICAL)
def health_check_answers(request, appointment_id: int):
    """The session's health check as the practitioner reads it, linked from My day: answers, flags, review."""
    appointment = _appointment(pk=appointment_id)
    existing = (HealthCheck.objects.filter(appointment=appointment)
                .select_related("submitted_by", "reviewed_by").first())
    if existing is not None:
        audit_record(actor=request.user, action="health_check.view", obj=existing, subject=appointment.client,
                     request=request)
    return render(request, "intake/health_check_answers.html", {
        "appointment": appointment, "health_check": existing, "local_start": appointment.local_starts_at,
        "answered": healthcheck.answered(health_check=existing) if existing else [],
        "flags": healthcheck.raised_flags(health_check=existing, appointment=appointment) if existing else [],
        "can_review": has_cap(request.user, Cap.WRITE_CLINICAL),
        "next": safe_next(request, ""),
    })


@require_POST
@intake_view(Cap.WRITE_CLINICAL)
def health_check_review(request, appointment_id: int):
    health_check = get_object_or_404(HealthCheck.objects.select_related("appointment__client"),
                                     appointment_id=appointment_id)
    try:
        seen = datetime.fromisoformat(request.POST.get("seen", ""))
    except ValueError:
        seen = None
    if seen is None:
        messages.error(request, "Please open the health check again and mark it from there.")
    else:
        try:
            if healthcheck.health_check_review(health_check=health_check, practitioner=request.user,
                                               seen_submitted_at=seen, request=request):
                messages.success(request, "Health check marked seen: its flags no longer hold this session.")
            else:
                messages.info(request, "This health check had already been marked seen.")
        except healthcheck.HealthCheckError as exc:
            messages.error(request, exc.message)
    return redirect("intake:health_check_answers", appointment_id)
