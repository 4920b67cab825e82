"""Phone bookings, moves, cancellations and check-in. Every write goes through ``booking.services``."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core import signing
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from booking import screening
from booking import selectors as booking_selectors
from booking import services as booking_services
from booking.models import Appointment, AppointmentStatus, BookedVia, Location, Practitioner, Service
from booking.selectors import Slot
from clinic.accounts.models import Role, User
from clinic.accounts.permissions import Cap, has_cap, require
from clinic.core.http import safe_next
from intake.selectors import intake_statuses

from ..forms import (
    BookingForm,
    CancelForm,
    ClientQuickCreateForm,
    ClientSearchForm,
    MoveForm,
    parse_slot,
    slot_value,
)
from ..selectors import appointment_history, client_search, default_location
from .common import is_htmx

# Buttons offered for each status (the service decides what is really allowed).
STATUS_ACTIONS = {
    AppointmentStatus.PENDING: [(AppointmentStatus.BOOKED, "Confirm booking", "btn-outline-primary")],
    AppointmentStatus.BOOKED: [(AppointmentStatus.ARRIVED, "Arrived", "btn-success"),
                               (AppointmentStatus.NO_SHOW, "No-show", "btn-outline-danger")],
    AppointmentStatus.ARRIVED: [(AppointmentStatus.IN_TREATMENT, "In treatment", "btn-primary"),
                                (AppointmentStatus.COMPLETED, "Completed", "btn-outline-success"),
                                (AppointmentStatus.BOOKED, "Undo arrival", "btn-outline-secondary")],
    AppointmentStatus.IN_TREATMENT: [(AppointmentStatus.COMPLETED, "Completed", "btn-success")],
    AppointmentStatus.NO_SHOW: [(AppointmentStatus.BOOKED, "Undo no-show", "btn-outline-secondary")],
}
MOVABLE = (AppointmentStatus.BOOKED, AppointmentStatus.PENDING)
NO_SHOW_TOO_EARLY = "This session has not started yet: a no-show can only be recorded after its start time."


def _actions(appointment: Appointment) -> list[tuple[str, str, str]]:
    """The buttons that make sense now: check-in only on the day, no-show only once the start time has passed
    (a stray click at 9:00 must not mark the 15:00 client a no-show and skew their record)."""
    now = timezone.now()
    tz = appointment.location.tz
    on_the_day = appointment.starts_at.astimezone(tz).date() <= now.astimezone(tz).date()
    actions = []
    for status, label, css in STATUS_ACTIONS.get(appointment.status, []):
        if status == AppointmentStatus.ARRIVED and not on_the_day:
            continue
        if status == AppointmentStatus.NO_SHOW and appointment.starts_at > now:
            continue
        actions.append((status, label, css))
    return actions


def _screening(appointment: Appointment, actions: list) -> tuple[str | None, list]:
    """What the gate says before the desk presses a button: why the next step cannot happen (check-in, start,
    completion), and the buttons left once the held steps are taken off. The service refuses them anyway."""
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING, AppointmentStatus.ARRIVED,
                                  AppointmentStatus.IN_TREATMENT):
        return None, actions
    verdict = screening.verdict(client=appointment.client, service=appointment.service,
                                day=appointment.starts_at.astimezone(appointment.location.tz).date(),
                                appointment=appointment)
    following = {AppointmentStatus.BOOKED: "arrived", AppointmentStatus.PENDING: "arrived",
                 AppointmentStatus.ARRIVED: "in_treatment", AppointmentStatus.IN_TREATMENT: "completed"}
    problem = verdict and verdict.session_problem(first_name=appointment.client.first_name,
                                                  status=following[appointment.status])
    if not problem:
        return None, actions
    return problem, [a for a in actions if a[0] not in booking_services.SCREENED_STATUSES]


def _appointment(pk: int) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related("client", "service", "practitioner__user", "location", "room"), pk=pk)


def _calendar_url(appointment: Appointment) -> str:
    day = appointment.starts_at.astimezone(appointment.location.tz).date()
    query = urlencode({"location": appointment.location_id, "date": day.isoformat()})
    return f"{reverse('frontdesk:calendar')}?{query}"


def _summary(appointment: Appointment) -> str:
    local = appointment.starts_at.astimezone(appointment.location.tz)
    return (f"{appointment.client.full_name}, {appointment.service.name} with {appointment.practitioner} "
            f"on {local:%a %d %b at %H:%M}")


@require(Cap.VIEW_CALENDAR)
def appointment_detail(request, pk: int):
    appointment = _appointment(pk)
    tz = appointment.location.tz
    local_day = appointment.starts_at.astimezone(tz).date()
    can_manage = has_cap(request.user, Cap.MANAGE_APPOINTMENTS)
    screening_problem, actions = _screening(appointment, _actions(appointment) if can_manage else [])
    context = {
        "appointment": appointment, "tzname": appointment.location.time_zone,
        "intake": intake_statuses(client_ids=[appointment.client_id], on_date=local_day).get(appointment.client_id),
        "can_manage": can_manage,
        "actions": actions, "screening_problem": screening_problem,
        "movable": can_manage and appointment.status in MOVABLE,
        "late_if_cancelled": not booking_services.policy_allows_client_change(appointment, clinic=request.clinic),
        "calendar_url": _calendar_url(appointment),
        "next": safe_next(request, _calendar_url(appointment)),
    }
    if request.GET.get("panel") and is_htmx(request):
        return render(request, "frontdesk/_appointment_panel.html", context)
    context["full_page"] = True  # no "Full details" link pointing at the page itself
    context["history"] = appointment_history(appointment=appointment)
    # Did the client get their reminder? Kinds, times and states only, never the content.
    context["client_messages"] = list(appointment.messages.order_by("due_at", "id"))
    return render(request, "frontdesk/appointment_detail.html", context)


@require(Cap.MANAGE_APPOINTMENTS)
@require_POST
def appointment_status(request, pk: int):
    appointment = _appointment(pk)
    status = request.POST.get("status", "")
    back = safe_next(request, reverse("frontdesk:appointment", args=[pk]))
    if status not in AppointmentStatus.values or status in (AppointmentStatus.CANCELLED, AppointmentStatus.PENDING):
        messages.error(request, "Please use one of the buttons on the appointment.")
        return redirect(back)
    if status == AppointmentStatus.NO_SHOW and appointment.starts_at > timezone.now():
        messages.error(request, NO_SHOW_TOO_EARLY)
        return redirect(back)
    try:
        booking_services.appointment_set_status(appointment=appointment, status=status, actor=request.user)
    except booking_services.BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{appointment.client.full_name}: {AppointmentStatus(status).label.lower()}.")
    return redirect(back)


@require(Cap.MANAGE_APPOINTMENTS)
def appointment_cancel(request, pk: int):
    appointment = _appointment(pk)
    back = safe_next(request, _calendar_url(appointment))
    if appointment.status not in MOVABLE:
        messages.error(request, f"This session is {appointment.get_status_display().lower()}: it cannot be cancelled.")
        return redirect(reverse("frontdesk:appointment", args=[pk]))
    form = CancelForm(request.POST or None)
    late = (not booking_services.policy_allows_client_change(appointment, clinic=request.clinic)
            and appointment.starts_at > timezone.now())
    if request.method == "POST" and form.is_valid():
        try:
            booking_services.appointment_cancel(appointment=appointment, actor=request.user,
                                                reason=form.cleaned_data["reason"], by_staff=True)
        except booking_services.BookingError as exc:
            messages.error(request, exc.message)
            return redirect(reverse("frontdesk:appointment", args=[pk]))
        appointment.refresh_from_db()
        text = f"Cancelled: {_summary(appointment)}."
        if appointment.late_cancellation:
            text += " Recorded as a late cancellation."
        messages.success(request, text + " Matching waitlist clients are offered the freed time.")
        return redirect(back)
    return render(request, "frontdesk/appointment_cancel.html", {
        "appointment": appointment, "form": form, "late": late, "next": back, "tzname": appointment.location.time_zone,
        "reasons": ["Client called to cancel", "Client unwell", "Client running late, rebooking",
                    "Practitioner unavailable", "Clinic closure", "Booked by mistake"],
    })


# --- Booking and moving: shared slot picking -----------------------------------------------------

def _slots(*, service: Service, location: Location, day: date, practitioner: Practitioner | None,
           ignore_pk: int | None = None) -> list[Slot]:
    return booking_selectors.available_slots(service=service, location=location, start_date=day, end_date=day,
                                             practitioner=practitioner, staff=True, ignore_appointment_pk=ignore_pk)


def _group(slots: list[Slot], location: Location) -> list[tuple[Practitioner, list[tuple[str, str]]]]:
    """Slots grouped by practitioner, as (value, local label) pairs for radio buttons."""
    by_practitioner: dict[int, list] = defaultdict(list)
    for slot in slots:
        by_practitioner[slot.practitioner_id].append(
            (slot_value(slot.practitioner_id, slot.start), slot.start.astimezone(location.tz).strftime("%H:%M")))
    practitioners = Practitioner.objects.filter(pk__in=by_practitioner).select_related("user")
    return [(p, by_practitioner[p.pk]) for p in practitioners]


def _alternatives(exc: booking_services.BookingError, location: Location):
    alternatives = getattr(exc, "alternatives", None) or []
    names = {p.pk: str(p) for p in Practitioner.objects.filter(
        pk__in={s.practitioner_id for s in alternatives}).select_related("user")}
    return [(slot_value(s.practitioner_id, s.start),
             f"{s.start.astimezone(location.tz):%a %d %b %H:%M} with {names.get(s.practitioner_id, '?')}")
            for s in alternatives]


def _overrides(request, slot: str | None = None) -> list[str]:
    """The warnings the desk confirmed ("Book anyway"), honoured only for the time they were shown for. ``slot``:
    that time when the request does not post it (an undo names it in its token)."""
    chosen = request.POST.get("slot") if slot is None else slot
    if request.method != "POST" or request.POST.get("warned") != chosen:
        return []
    return request.POST.get("override", "").split()


def _warning(request, exc: booking_services.DeskWarning, *, label: str, slot: str | None = None) -> dict:
    """What the page needs to offer "... anyway": the codes to post (earlier ones kept) and the time warned about
    (``slot`` as for ``_overrides``)."""
    return {"label": label, "override": " ".join([*_overrides(request, slot), exc.code]),
            "warned": request.POST.get("slot", "") if slot is None else slot}


def _keep_choice(warning: dict | None, groups: list, location: Location) -> list[tuple[str, str]]:
    """After a warning the chosen time must stay selectable, even when it is not among the day's free times."""
    value = (warning or {}).get("warned")
    parsed = parse_slot(value) if value else None
    if parsed is None or any(value == v for _p, slots in groups for v, _label in slots):
        return []
    return [(value, f"{parsed[1].astimezone(location.tz):%a %d %b %H:%M} (chosen)")]


def _chosen_practitioner(slot: tuple[int, datetime]) -> Practitioner:
    """The practitioner of the chosen slot; ``BookingError`` if they are gone (a stale page)."""
    chosen = Practitioner.objects.filter(pk=slot[0], is_active=True).select_related("user").first()
    if chosen is None:
        raise booking_services.BookingError("Please choose one of the free times shown.")
    return chosen


def _preselect(request, location: Location) -> str:
    """A time clicked on the calendar (``at`` = UTC ISO, ``practitioner``) as a slot value."""
    at, pk = request.GET.get("at"), request.GET.get("practitioner")
    if not (at and pk and pk.isdigit()):
        return ""
    parsed = parse_slot(f"{pk}@{at}")
    return slot_value(*parsed) if parsed else ""


def _client_step(request, location: Location | None):
    """Step 1 of a phone booking: find the client or create them."""
    search = ClientSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    carry = {k: v for k, v in request.GET.items()
             if k in ("location", "date", "practitioner", "at", "service", "course")}
    context = {"search": search, "query": query, "results": list(client_search(query=query)) if query else [],
               "create_form": ClientQuickCreateForm(), "carry": carry, "carry_query": urlencode(carry),
               "location": location}
    if is_htmx(request) and request.GET.get("results"):
        return render(request, "frontdesk/_client_results.html", context)
    return render(request, "frontdesk/book_client.html", context)


def _can_list_slots(form) -> bool:
    """Free times can be shown when date, practitioner (and service) are fine, even if no time is chosen."""
    needed = [name for name in ("service", "practitioner", "date") if name in form.fields]
    return all(name in form.cleaned_data for name in needed)


def _schedule_data(request, defaults: dict):
    """POST as sent; on GET the defaults overlaid with what the query string says (slot preview)."""
    if request.method == "POST":
        return request.POST
    return {**defaults, **{k: v for k, v in request.GET.items() if k in ("service", "practitioner", "date")}}


@require(Cap.MANAGE_APPOINTMENTS)
def book(request):
    location = default_location(request.POST.get("location") or request.GET.get("location"))
    client_id = request.POST.get("client") or request.GET.get("client")
    if location is None:
        messages.error(request, "No clinic location is set up yet. A manager can add one under Manage clinic.")
        return redirect("frontdesk:calendar")
    if not client_id:
        return _client_step(request, location)
    if not str(client_id).isdigit():
        raise Http404
    client = get_object_or_404(User, pk=client_id, role=Role.CLIENT, is_active=True)
    course_url = _course_url(request.GET.get("course", ""), client=client, location=location)
    if course_url and request.method == "GET":
        return redirect(course_url)  # "Book a course" on the booking pages: the client is chosen now
    today = timezone.localdate(timezone=location.tz)
    is_new_client = not Appointment.objects.filter(client=client).exclude(
        status=AppointmentStatus.CANCELLED).exists()
    services = Service.objects.filter(is_active=True)
    wants_initial = is_new_client and request.clinic.first_visit_must_be_initial
    # A new client's first visit is the (longer) initial consultation: start there, not on the shortest service.
    first_service = (services.filter(is_initial_consultation=True) if wants_initial else services.none()) \
        .order_by("duration_minutes", "name").first() or services.order_by("duration_minutes", "name").first()
    data = _schedule_data(request, {"service": getattr(first_service, "pk", ""), "date": today.isoformat(),
                                    "practitioner": ""})
    form = BookingForm(data, location=location)
    error, alternatives, groups, warning = None, [], [], None
    valid = form.is_valid()
    if _can_list_slots(form):
        service, practitioner = form.cleaned_data["service"], form.cleaned_data["practitioner"]
        slot = form.cleaned_data.get("slot")
        if valid and request.method == "POST" and slot:
            try:
                appointment = booking_services.appointment_book(
                    client=client, service=service, practitioner=_chosen_practitioner(slot), starts_at=slot[1],
                    location=location, actor=request.user, via=BookedVia.PHONE,
                    desk_note=form.cleaned_data["desk_note"], overrides=_overrides(request))
            except booking_services.DeskWarning as exc:
                error, warning = exc.message, _warning(request, exc, label="Book anyway")
            except booking_services.BookingError as exc:
                error, alternatives = exc.message, _alternatives(exc, location)
            else:
                messages.success(request, f"Booked: {_summary(appointment)}.")
                return redirect(safe_next(request, _calendar_url(appointment)))
        groups = _group(_slots(service=service, location=location, day=form.cleaned_data["date"],
                               practitioner=practitioner), location)
        alternatives = alternatives or _keep_choice(warning, groups, location)
    context = {
        "client": client, "form": form, "location": location, "groups": groups, "error": error,
        "warning": warning, "alternatives": alternatives,
        "intake": intake_statuses(client_ids=[client.pk]).get(client.pk),
        "selected": data.get("slot") or _preselect(request, location),
        "is_new_client": is_new_client,
        "first_visit_warning": wants_initial and form.cleaned_data.get("service") is not None
        and not form.cleaned_data["service"].is_initial_consultation,
        "tzname": location.time_zone, "next": safe_next(request, ""),
    }
    if is_htmx(request) and request.method == "GET":
        return render(request, "frontdesk/_slots.html", context)
    return render(request, "frontdesk/book.html", context)


_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _course_url(slug: str, *, client: User, location: Location) -> str | None:
    """The course page for this client, when ``slug`` names an active service; else None."""
    if not slug or not _SLUG.fullmatch(slug) or not Service.objects.filter(slug=slug, is_active=True).exists():
        return None
    url = reverse("booking:course_for_client", args=[slug, client.pk])
    return f"{url}?{urlencode({'location': location.pk})}"


UNDO_MINUTES = 5
_UNDO_SALT = "frontdesk.move.undo"


def _undo_token(appointment: Appointment) -> str:
    """Where the session was before this move, signed: an undo can only put it back there, for a few minutes."""
    local = appointment.starts_at.astimezone(appointment.location.tz)
    return signing.dumps({"a": appointment.pk, "slot": slot_value(appointment.practitioner_id, appointment.starts_at),
                          "date": local.date().isoformat(), "p": appointment.practitioner_id}, salt=_UNDO_SALT)


def _undo_data(request, appointment: Appointment) -> dict:
    """The move back, as the form would post it; ``BadSignature`` when stale, forged or for another session."""
    undo = signing.loads(request.POST["undo"], salt=_UNDO_SALT, max_age=UNDO_MINUTES * 60)
    if undo.get("a") != appointment.pk:
        raise signing.BadSignature("another appointment")
    return {"slot": undo["slot"], "date": undo["date"], "practitioner": str(undo["p"]), "confirm": "1",
            "notify": request.POST.get("notify", "1")}


@require(Cap.MANAGE_APPOINTMENTS)
def appointment_move(request, pk: int):
    appointment = _appointment(pk)
    location = appointment.location
    wants_json = "application/json" in request.headers.get("Accept", "")
    if appointment.status not in MOVABLE:
        message = f"This session is {appointment.get_status_display().lower()}: it cannot be moved."
        if wants_json:
            return JsonResponse({"ok": False, "message": message}, status=409)
        messages.error(request, message)
        return redirect(reverse("frontdesk:appointment", args=[pk]))
    local = appointment.starts_at.astimezone(location.tz)
    data = _schedule_data(request, {"date": local.date().isoformat(), "practitioner": appointment.practitioner_id})
    if request.method == "POST" and request.POST.get("undo"):
        try:
            data = _undo_data(request, appointment)
        except signing.BadSignature:  # includes SignatureExpired
            message = (f"Undo is only possible for {UNDO_MINUTES} minutes after a move, and only for that move. "
                       "Nothing was changed: use Move to choose another time.")
            if wants_json:
                return JsonResponse({"ok": False, "message": message}, status=409)
            messages.error(request, message)
            return redirect(reverse("frontdesk:appointment_move", args=[pk]))
    # "Email the client about the change": a hidden 0 before the checkbox's 1, so unticked posts "0"; a
    # post without the field (an older page) keeps the old behaviour and emails.
    notify = data.get("notify") != "0"
    form = MoveForm(data, location=location, service=appointment.service)
    error, alternatives, groups, warning = None, [], [], None
    valid = form.is_valid()
    if _can_list_slots(form):
        slot = form.cleaned_data.get("slot")
        if valid and request.method == "POST" and slot:
            try:
                undo = _undo_token(appointment)
                booking_services.appointment_reschedule(appointment=appointment, starts_at=slot[1],
                                                        actor=request.user, practitioner=_chosen_practitioner(slot),
                                                        by_staff=True, overrides=_overrides(request, data.get("slot")),
                                                        notify=notify)
            except booking_services.DeskWarning as exc:
                # Nothing changed; the desk may confirm ("Move anyway", or a confirm dialog after a drop, or a
                # button beside the undo's warning).
                error, warning = exc.message, _warning(request, exc, label="Move anyway", slot=data.get("slot"))
                appointment.refresh_from_db()
                if wants_json:
                    return JsonResponse({"ok": False, "message": error, "confirm": warning["label"],
                                         "override": warning["override"], "warned": warning["warned"]},
                                        status=409)
            except booking_services.BookingError as exc:
                # Nothing changed: the transaction rolled back and the appointment keeps its time.
                error, alternatives = exc.message, _alternatives(exc, location)
                appointment.refresh_from_db()
                if wants_json:
                    return JsonResponse({"ok": False, "message": error,
                                         "alternatives": [label for _v, label in alternatives]}, status=409)
            else:
                appointment.refresh_from_db()
                text = f"Moved: {_summary(appointment)}." + ("" if notify else " The client was not emailed.")
                if wants_json:
                    return JsonResponse({"ok": True, "message": text, "undo": undo, "undo_minutes": UNDO_MINUTES})
                messages.success(request, text)
                return redirect(safe_next(request, _calendar_url(appointment)))
        groups = _group(_slots(service=appointment.service, location=location, day=form.cleaned_data["date"],
                               practitioner=form.cleaned_data["practitioner"], ignore_pk=appointment.pk), location)
        alternatives = alternatives or _keep_choice(warning, groups, location)
    if wants_json and not valid:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        message = errors[0] if errors else "Please choose one of the free times shown."
        return JsonResponse({"ok": False, "message": message}, status=400)
    context = {"appointment": appointment, "form": form, "groups": groups, "error": error, "warning": warning,
               "alternatives": alternatives, "location": location, "tzname": location.time_zone,
               "selected": data.get("slot") or "",
               "current": slot_value(appointment.practitioner_id, appointment.starts_at),
               "offer_notify": True, "notify": notify,
               "next": safe_next(request, _calendar_url(appointment))}
    if is_htmx(request) and request.method == "GET":
        return render(request, "frontdesk/_slots.html", context)
    return render(request, "frontdesk/appointment_move.html", context)
