"""The manager's view of the audit log: who read, exported or changed which record, when and from where."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from clinic.accounts.permissions import Cap, require
from clinic.core.http import strip_control

from .forms import BREAK_GLASS_ACTION, AuditFilterForm
from .models import AuditEvent, BreakGlassAccess

PAGE_SIZE = 50
RECENT_DAYS = 30
# Reads are "<thing>.view", "<thing>.view_<part>" or "<thing>_view" ("intake.review" is a change, not a read).
READ_Q = Q(action__endswith=".view") | Q(action__contains=".view_") | Q(action__endswith="_view")
EXPORT_Q = Q(action__contains="export")


def _person_q(prefix: str, text: str) -> Q:
    """Every word of ``text`` in the person's first name, last name or email ("ana li", "ana@demo")."""
    q = Q()
    for word in text.split():
        q &= (Q(**{f"{prefix}__email__icontains": word}) | Q(**{f"{prefix}__first_name__icontains": word})
              | Q(**{f"{prefix}__last_name__icontains": word}))
    return q


def _filtered(data: dict) -> QuerySet:
    events = AuditEvent.objects.all()
    if data.get("actor"):
        events = events.filter(_person_q("actor", data["actor"]))
    if data.get("subject"):
        events = events.filter(_person_q("subject", data["subject"]))
    kind = data.get("action")
    if kind == "read":
        events = events.filter(READ_Q)
    elif kind == "export":
        events = events.filter(EXPORT_Q)
    elif kind == "break_glass":
        events = events.filter(action=BREAK_GLASS_ACTION)
    elif kind == "change":
        events = events.exclude(READ_Q | EXPORT_Q | Q(action=BREAK_GLASS_ACTION))
    tz = timezone.get_current_timezone()  # the clinic's zone (middleware): days as the manager means them
    if data.get("date_from"):
        events = events.filter(at__gte=datetime.combine(data["date_from"], time(0), tzinfo=tz))
    if data.get("date_to"):
        events = events.filter(at__lt=datetime.combine(data["date_to"] + timedelta(days=1), time(0), tzinfo=tz))
    if data.get("ip"):
        events = events.filter(ip_address=data["ip"])
    return events


@never_cache  # not clinical data, but who read whose record is personal
@require(Cap.MANAGE_CLINIC)
def audit_log(request):
    params = {key: strip_control(value) for key, value in request.GET.items() if key != "page"}
    form = AuditFilterForm(params)
    # An invalid filter shows its message and no rows: listing everything would look like "no match found".
    events = _filtered(form.cleaned_data) if form.is_valid() else AuditEvent.objects.none()
    # Queries: count, page of events with both people; the emergency openings on the page; the recent-openings count.
    page = Paginator(events.select_related("actor", "subject").order_by("-at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    glass_ids = [int(e.object_id) for e in page if e.action == BREAK_GLASS_ACTION and e.object_id.isdigit()]
    openings = BreakGlassAccess.objects.in_bulk(glass_ids) if glass_ids else {}
    rows = [{"event": e, "opening": openings.get(int(e.object_id)) if e.action == BREAK_GLASS_ACTION
             and e.object_id.isdigit() else None} for e in page]
    recent = AuditEvent.objects.filter(action=BREAK_GLASS_ACTION,
                                       at__gte=timezone.now() - timedelta(days=RECENT_DAYS)).count()
    return render(request, "audit/audit_log.html", {
        "form": form, "page": page, "rows": rows, "recent_openings": recent, "recent_days": RECENT_DAYS,
        # The filters again for the page links, without empty ones.
        "query": urlencode({k: v for k, v in params.items() if v}), "page_size": PAGE_SIZE,
    })

