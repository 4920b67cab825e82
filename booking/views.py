from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from clinic.accounts.permissions import Cap, require

from . import selectors
from .models import Service


def start(request):
    services = Service.objects.filter(is_active=True, bookable_online=True).order_by("duration_minutes")
    return render(request, "booking/start.html", {"services": services})


@require(Cap.BOOK_ONLINE)
def my_appointments(request):
    now = timezone.now()
    appointments = list(selectors.client_appointments(client=request.user))
    upcoming = [a for a in appointments if a.starts_at >= now and a.is_active]
    past = [a for a in reversed(appointments) if a not in upcoming]
    return render(request, "booking/my_appointments.html", {"upcoming": upcoming, "past": past})
