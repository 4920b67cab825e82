"""The waitlist: the desk's list, clients joining online, and the page behind an offer's link."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from booking.models import Location
from clinic.accounts.models import Role, User
from clinic.accounts.permissions import Cap, require

from ..forms import ClientSearchForm, WaitlistEntryForm
from ..models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer
from ..selectors import (
    client_search,
    default_location,
    offers_by_opening,
    pending_offers_by_entry,
    recent_openings,
    waiting_entries,
)
from ..services import (
    OFFER_BATCH,
    OfferUnavailable,
    WaitlistError,
    waitlist_entry_add,
    waitlist_entry_remove,
    waitlist_offer_accept,
    waitlist_offer_decline,
)
from ..tokens import read_offer_token

RECENT_DAYS = 14


@require(Cap.MANAGE_APPOINTMENTS)
def waitlist(request):
    location = default_location(request.GET.get("location"))
    entries = list(waiting_entries(location=location)) if location else []
    pending = pending_offers_by_entry(entries)
    for position, entry in enumerate(entries, start=1):
        entry.position, entry.pending_offers = position, pending.get(entry.pk, [])
    openings = list(recent_openings(since=timezone.now() - timedelta(days=RECENT_DAYS)))
    offers = offers_by_opening(openings)
    for opening in openings:
        opening.offer_list = offers.get(opening.pk, [])
    return render(request, "frontdesk/waitlist.html", {
        "location": location, "locations": Location.objects.filter(is_active=True), "entries": entries,
        "openings": openings, "recent_days": RECENT_DAYS, "batch": OFFER_BATCH,
        "tzname": location.time_zone if location else None,
    })


@require(Cap.MANAGE_APPOINTMENTS)
def waitlist_add(request):
    """The desk puts a client on the waitlist (find the client first)."""
    location = default_location(request.POST.get("location") or request.GET.get("location"))
    client_id = request.POST.get("client") or request.GET.get("client") or ""
    if location is None:
        messages.error(request, "No clinic location is set up yet.")
        return redirect("frontdesk:waitlist")
    if not client_id.isdigit():
        search = ClientSearchForm(request.GET or None)
        query = search.cleaned_data["q"] if search.is_valid() else ""
        return render(request, "frontdesk/waitlist_add.html", {
            "search": search, "query": query, "results": list(client_search(query=query)) if query else [],
            "location": location})
    client = get_object_or_404(User, pk=client_id, role=Role.CLIENT, is_active=True)
    form = WaitlistEntryForm(request.POST or None, location=location, online=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            waitlist_entry_add(client=client, service=data["service"], location=location, actor=request.user,
                               practitioner=data["practitioner"], weekdays=data["weekdays"],
                               time_of_day=data["time_of_day"], note=data.get("note", ""))
        except WaitlistError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{client.full_name} is on the waitlist for {data['service'].name}.")
            return redirect(f"{reverse('frontdesk:waitlist')}?{urlencode({'location': location.pk})}")
    return render(request, "frontdesk/waitlist_add.html", {"client": client, "form": form, "location": location})


@require(Cap.MANAGE_APPOINTMENTS)
@require_POST
def waitlist_remove(request, pk: int):
    entry = get_object_or_404(WaitlistEntry.objects.select_related("client", "service"), pk=pk)
    if waitlist_entry_remove(entry=entry, actor=request.user):
        messages.success(request, f"{entry.client.full_name} is off the waitlist for {entry.service.name}.")
    else:
        messages.info(request, "That entry was no longer on the waitlist.")
    return redirect(f"{reverse('frontdesk:waitlist')}?{urlencode({'location': entry.location_id})}")


@require(Cap.BOOK_ONLINE)
def waitlist_join(request):
    """A client asks to be told when an earlier time frees up."""
    location = default_location(request.POST.get("location") or request.GET.get("location"))
    form = WaitlistEntryForm(request.POST or None, location=location, online=True) if location else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            waitlist_entry_add(client=request.user, service=data["service"], location=location, actor=request.user,
                               practitioner=data["practitioner"], weekdays=data["weekdays"],
                               time_of_day=data["time_of_day"])
        except WaitlistError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"You are on the waitlist for {data['service'].name}. We will email you "
                             "as soon as a matching time frees up.")
            return redirect("frontdesk:waitlist_join")
    entries = list(WaitlistEntry.objects.filter(client=request.user, status=EntryStatus.WAITING)
                   .select_related("service", "practitioner__user", "location"))
    return render(request, "frontdesk/waitlist_join.html", {
        "form": form, "entries": entries, "location": location,
        "locations": list(Location.objects.filter(is_active=True).order_by("name"))})


@require(Cap.BOOK_ONLINE)
@require_POST
def waitlist_leave(request, pk: int):
    # Filtered by owner: someone else's entry is a 404, never a change.
    entry = get_object_or_404(WaitlistEntry.objects.select_related("service"), pk=pk, client=request.user)
    if waitlist_entry_remove(entry=entry, actor=request.user):
        messages.success(request, f"You have left the waitlist for {entry.service.name}.")
    return redirect("frontdesk:waitlist_join")


@never_cache
def waitlist_offer(request, token: str):
    """The page behind the link in an offer email. The signed token is the credential: it names one
    offer to one client. GET only shows it (mail scanners follow links); taking it needs a POST."""
    ids = read_offer_token(token)
    offer = None
    if ids is not None:
        offer = (WaitlistOffer.objects.select_related("entry__client", "entry__service", "opening__location",
                                                      "opening__practitioner__user", "appointment")
                 .filter(pk=ids[0], entry_id=ids[1]).first())
    if offer is None:
        return render(request, "frontdesk/waitlist_offer.html", {"offer": None}, status=404)
    if request.method == "POST":
        if request.POST.get("action") == "accept":
            try:
                waitlist_offer_accept(offer=offer)
            except OfferUnavailable as exc:
                messages.error(request, exc.message)
            # On success the page itself says "It's yours" (a flash message too would say it twice).
        elif request.POST.get("action") == "decline":
            waitlist_offer_decline(offer=offer)
        return redirect("frontdesk:waitlist_offer", token=token)
    state = offer.status
    if state == OfferStatus.PENDING and offer.expires_at <= timezone.now():
        state = OfferStatus.EXPIRED
    return render(request, "frontdesk/waitlist_offer.html", {
        "offer": offer, "state": state, "tzname": offer.opening.location.time_zone,
        "is_owner": request.user.is_authenticated and request.user.pk == offer.entry.client_id,
    })
