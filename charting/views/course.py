"""The course at a glance: one page per client with every session so far, for a re-assessment conversation."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from clinic.accounts.models import Role, User
from clinic.accounts.permissions import Cap
from clinic.audit.services import audit_record
from intake import access

from .. import map_selectors
from .map import chart_view, not_in_care


@chart_view(Cap.VIEW_CLINICAL)
def course(request, client_id: int):
    """Sessions in order: date, number, needles, key points, the client's concern ratings, tongue and pulse,
    photos. A fixed number of queries whatever the length of the course."""
    client = get_object_or_404(User, pk=client_id, role=Role.CLIENT)
    if not access.may_see_client(request.user, client, clinic=request.clinic):
        return not_in_care(request, client)
    glance = map_selectors.course_at_a_glance(client=client)
    audit_record(actor=request.user, action="course.view", obj=client, subject=client, request=request)
    return render(request, "charting/course.html", {"client": client, "course": glance})
