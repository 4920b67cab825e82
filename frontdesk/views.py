from django.shortcuts import render

from clinic.accounts.permissions import Cap, require


@require(Cap.VIEW_CALENDAR)
def calendar(request):
    return render(request, "frontdesk/placeholder.html")


@require(Cap.VIEW_CALENDAR)
def clients(request):
    return render(request, "frontdesk/placeholder.html")


@require(Cap.MANAGE_APPOINTMENTS)
def waitlist(request):
    return render(request, "frontdesk/placeholder.html")
