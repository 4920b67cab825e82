"""The live preview of the aftercare email on the treatment-note page (htmx, as the practitioner types)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from booking.models import Appointment
from booking.notifications import aftercare_preview as render_aftercare
from clinic.accounts.permissions import Cap

from ..notifications import clinical_terms_in
from .common import intake_view

MAX_ADDITION = 1000  # the form's limit


@require_POST
@intake_view(Cap.WRITE_CLINICAL)
def aftercare_preview(request, appointment_id: int):
    """Exactly what the client will receive (subject and text), rendered by the message's own builder from the
    addition as typed, with a warning when the addition uses a clinical term. Saves nothing."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("client", "service", "location", "practitioner__user"), pk=appointment_id)
    if appointment.practitioner.user_id != request.user.pk:  # only the session's practitioner writes the addition
        raise Http404
    addition = request.POST.get("aftercare_addition", "")[:MAX_ADDITION].replace("\r\n", "\n").replace("\x00", "")
    outgoing = render_aftercare(appointment=appointment, addition=addition)
    return render(request, "intake/_aftercare_preview.html", {
        "outgoing": outgoing, "terms": clinical_terms_in(addition), "addition": addition.strip()})
