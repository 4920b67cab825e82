"""The client directory: search, profile (contact details, visits, counts, intake status), quick-create."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from booking.models import ACTIVE_STATUSES, Appointment
from clinic.accounts.models import Role, User
from clinic.accounts.permissions import Cap, has_cap, require
from clinic.accounts.services import EmailTaken
from clinic.audit.services import audit_record
from clinic.core.http import safe_next
from intake.selectors import intake_statuses
from intake.services import IntakeError, intake_request_send

from ..forms import ClientQuickCreateForm, ClientSearchForm
from ..selectors import client_search, client_summary
from ..services import client_quick_create
from .common import is_htmx

PAGE_SIZE = 30


def _with_next_visit(clients: list[User]) -> list[User]:
    """Annotate ``next_visit`` and ``intake`` on a page of clients: two fixed queries, not one per row."""
    now = timezone.now()
    # Each next visit in its own location's wall-clock time (the page's zone is the clinic's).
    next_visit: dict[int, datetime] = {}
    for client_id, starts_at, zone in (
            Appointment.objects.filter(client__in=clients, status__in=ACTIVE_STATUSES, starts_at__gte=now)
            .order_by("starts_at").values_list("client_id", "starts_at", "location__time_zone")):
        next_visit.setdefault(client_id, starts_at.astimezone(ZoneInfo(zone)))
    statuses = intake_statuses(client_ids=[c.pk for c in clients])
    for c in clients:
        c.next_visit = next_visit.get(c.pk)
        c.intake = statuses.get(c.pk)
    return clients


@require(Cap.VIEW_CALENDAR)
def clients(request):
    search = ClientSearchForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    if query:
        page = None
        results = list(client_search(query=query))
    else:
        paginator = Paginator(User.objects.filter(role=Role.CLIENT, is_active=True)
                              .order_by("last_name", "first_name", "pk"), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        results = list(page.object_list)
    context = {"search": search, "query": query, "results": _with_next_visit(results), "page": page,
               "can_manage": has_cap(request.user, Cap.MANAGE_APPOINTMENTS)}
    template = "frontdesk/_client_table.html" if is_htmx(request) else "frontdesk/clients.html"
    return render(request, template, context)


@require(Cap.VIEW_CALENDAR)
def client_detail(request, pk: int):
    client = get_object_or_404(User, pk=pk, role=Role.CLIENT)
    summary = client_summary(client=client)
    audit_record(actor=request.user, action="frontdesk.client_view", obj=client, subject=client, request=request)
    return render(request, "frontdesk/client_detail.html", {
        "summary": summary, "client": client, "can_manage": has_cap(request.user, Cap.MANAGE_APPOINTMENTS),
        "book_url": f"{reverse('frontdesk:book')}?{urlencode({'client': client.pk})}",
    })


@require(Cap.MANAGE_APPOINTMENTS)
def client_create(request):
    """Quick-create a client on the phone (name, email, phone), then carry on booking for them."""
    form = ClientQuickCreateForm(request.POST or None)
    carry = {k: v for k, v in request.POST.items() if k in ("location", "date", "practitioner", "at", "service")}
    if request.method == "POST" and form.is_valid():
        try:
            client = client_quick_create(actor=request.user, **form.cleaned_data)
        except EmailTaken:
            form.add_error("email", "A client with this email already exists: search for them above.")
        else:
            messages.success(request, f"Client {client.full_name} added.")
            if request.POST.get("then") == "profile":
                return redirect("frontdesk:client", pk=client.pk)
            return redirect(f"{reverse('frontdesk:book')}?{urlencode({**carry, 'client': client.pk})}")
    return render(request, "frontdesk/client_create.html", {"form": form, "carry": carry})


@require(Cap.MANAGE_APPOINTMENTS)
@require_POST
def client_intake_reminder(request, pk: int):
    """"Chase missing intake": email the client a link to their questionnaire (never any answers)."""
    client = get_object_or_404(User, pk=pk, role=Role.CLIENT)
    appointment = None
    appointment_id = request.POST.get("appointment", "")
    if appointment_id.isdigit():
        appointment = Appointment.objects.filter(pk=appointment_id, client=client).first()
    if appointment is None:
        appointment = (Appointment.objects.filter(client=client, status__in=ACTIVE_STATUSES,
                                                  starts_at__gte=timezone.now())
                       .order_by("starts_at").first())
    try:
        intake_request_send(client=client, appointment=appointment, actor=request.user)
    except IntakeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Intake reminder emailed to {client.full_name} ({client.email}).")
    return redirect(safe_next(request, reverse("frontdesk:client", args=[pk])))
