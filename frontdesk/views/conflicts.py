"""Clinical conflicts: upcoming sessions the screening gate now stops (an intake sent or a flag added after they
were booked). The desk sees when and whom, never why: the words are the gate's staff message."""

from __future__ import annotations

from django.shortcuts import render

from clinic.accounts.permissions import Cap, require
from intake.gate import screening_conflicts


@require(Cap.MANAGE_APPOINTMENTS)
def clinical_conflicts(request):
    rows = [{"appointment": a, "local": a.local_starts_at, "message": v.staff_message, "earliest": v.earliest}
            for a, v in screening_conflicts()]
    return render(request, "frontdesk/clinical_conflicts.html", {"rows": rows})
