"""The health check on the desk tablet: the desk opens it from the appointment panel, the client answers.

The desk never sees an answer: not on the tablet before handing it over (the form always starts empty), not
after (one line says whether a practitioner needs to see it first). The page has no navigation, so the tablet
cannot wander to other clients.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from booking.models import Appointment
from clinic.accounts.permissions import Cap
from intake import healthcheck
from intake.forms import HealthCheckForm
from intake.models import HealthCheck
from intake.views.common import intake_view


@intake_view(Cap.MANAGE_APPOINTMENTS)  # no-store: the form holds health answers while the client types
def appointment_health_check(request, pk: int):
    appointment = get_object_or_404(Appointment.objects.select_related("client", "location", "service"), pk=pk)
    done = HealthCheck.objects.filter(appointment=appointment).only("id", "via", "submitted_at").first()
    closed = healthcheck.health_check_window_problem(appointment=appointment, via=HealthCheck.Via.DESK)
    show_form = closed is None and (done is None or request.GET.get("again") == "1" or request.method == "POST")
    form = None
    if show_form:
        form = HealthCheckForm(request.POST or None, today=timezone.localdate(timezone=appointment.location.tz))
        if request.method == "POST" and form.is_valid():
            try:
                healthcheck.health_check_submit(appointment=appointment, answers=form.answers(),
                                                submitted_by=request.user, via=HealthCheck.Via.DESK,
                                                request=request)
            except healthcheck.HealthCheckError as exc:  # what the client typed stays on the tablet
                form.add_error(None, exc.message)
            else:
                return redirect("frontdesk:appointment_health_check", appointment.pk)
    return render(request, "intake/health_check_kiosk.html", {
        "appointment": appointment, "form": form, "closed": closed, "done": done,
        "outcome": healthcheck.health_check_outcome(appointment=appointment) if done and not form else "",
        "definition": healthcheck.HEALTH_CHECK,
    })
