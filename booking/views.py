"""The client's booking journey and "My appointments".

Service -> practitioner (or first available) -> week of free times -> review (sign in / sign up with
``?next=`` back to it) -> confirm -> confirmation page. Browsing free times is public; anything that
books, moves, cancels or shows an appointment needs ``Cap.BOOK_ONLINE`` and only ever sees the
client's own appointments (another client's id is a 404).

All times on these pages are shown in the location's zone: views hand templates local datetimes and
templates render them with ``{% localtime off %}`` so Django does not convert them again.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from clinic.accounts.models import Role, User
from clinic.accounts.permissions import Cap, has_cap, require
from clinic.core.http import strip_control
from intake.models import IntakeSubmission, SubmissionStatus

from . import ics, screening, selectors, services
from .forms import CancelForm, CourseForm, RescheduleForm, SlotForm, format_start, parse_day
from .models import ACTIVE_STATUSES, Appointment, AppointmentStatus, BookedVia, Course, Location, Practitioner, Service
from .selectors import Slot

ANY = "any"


# --- helpers ---------------------------------------------------------------------------------------

def _service_or_404(slug: str) -> Service:
    return get_object_or_404(Service, slug=slug, is_active=True, bookable_online=True)


def _locations_for(service: Service):
    return (Location.objects.filter(is_active=True, practitioners__services=service,
                                    practitioners__is_active=True).distinct().order_by("name"))


def _location_for(request, service: Service) -> tuple[Location, list[Location]]:
    """The location asked for in ``?location=``, else the first offering the service (404 if none)."""
    locations = list(_locations_for(service))
    if not locations:
        raise Http404("No practitioner offers this service online.")
    wanted = request.GET.get("location", "")
    chosen = next((loc for loc in locations if str(loc.pk) == wanted), locations[0])
    return chosen, locations


def _own_appointment(request, pk: int, **annotations) -> Appointment:
    """The logged-in client's appointment, or 404: never reveal that someone else's exists. ``annotations``
    ride along in the same query."""
    appointments = Appointment.objects.select_related("service", "practitioner__user", "location", "room")
    appointment = get_object_or_404(appointments.annotate(**annotations) if annotations else appointments,
                                     pk=pk, client=request.user)
    appointment.client = request.user  # theirs, as the filter says: the services read it without a query
    return appointment


def _local(value: datetime, location: Location) -> datetime:
    return value.astimezone(location.tz)


def _next_url(service: Service, *, practitioner: Practitioner, location: Location, start: datetime,
              any_practitioner: bool) -> str:
    """Where to come back after signing in: this review page with the chosen slot in the query string,
    also when the confirm was a POST (a session that expired on the review page must not lose the slot)."""
    query = {"practitioner": practitioner.pk, "location": location.pk, "start": format_start(start)}
    if any_practitioner:
        query["any"] = "1"
    return f"{reverse('booking:review', args=[service.slug])}?{urlencode(query)}"


def _inside_change_window(request, start: datetime) -> int | None:
    """The window in hours if a session at ``start`` could not be moved or cancelled online once booked."""
    hours = request.clinic.cancellation_window_hours
    return hours if hours and start - timezone.now() < timedelta(hours=hours) else None


@dataclass
class SlotView:
    start: datetime  # local
    end: datetime  # local
    url: str
    practitioner: Practitioner | None = None
    # Formatted once here: a week holds a hundred times, and template filters cost far more than f-strings.
    label: str = ""  # "09:15"
    iso: str = ""  # "2026-03-09T09:15:00-04:00", as the ``date:"c"`` filter writes it
    with_whom: str = ""  # the practitioner's name for "first available"


@dataclass
class DayView:
    day: date
    slots: list[SlotView] = field(default_factory=list)
    bookable: bool = True  # False before today or past the horizon


@dataclass
class MonthCell:
    day: date
    in_month: bool
    free: int
    url: str | None  # the day's week, on a day of this month that times may be offered on
    in_week: bool
    # Written once here, as SlotView's labels are: the template renders some forty cells.
    css: str = ""  # "has-free in-week", "out"
    title: str = ""  # "3 free times"


def _slot_views(slots: list[Slot], location: Location, url: Callable[[Slot], str],
                practitioners: dict[int, Practitioner]) -> list[SlotView]:
    tz = location.tz
    names = {pk: str(p) for pk, p in practitioners.items()}
    views = []
    for s in slots:
        start = s.start.astimezone(tz)
        views.append(SlotView(start=start, end=s.end.astimezone(tz), url=url(s),
                              practitioner=practitioners.get(s.practitioner_id), label=f"{start:%H:%M}",
                              iso=start.isoformat(), with_whom=names.get(s.practitioner_id, "")))
    return views


def _screening_floor(request, *, service: Service, location: Location) -> tuple[date | None, str]:
    """The first date the screening gate lets this client have ``service`` (``date.max``: none until the clinic
    clears it) and why, for the slot pages; (None, "") when nothing holds them back or nobody is signed in."""
    if not has_cap(request.user, Cap.BOOK_ONLINE):
        return None, ""
    verdict = screening.verdict(client=request.user, service=service, day=selectors.local_today(location))
    if verdict is None or not verdict.blocked:
        return None, ""
    return verdict.earliest or date.max, verdict.client_message


def _week(request, *, service: Service, location: Location, practitioner: Practitioner | None,
          slot_url: Callable[[Slot], str], page_url: Callable[[date], str],
          ignore_appointment_pk: int | None = None, not_before: date | None = None,
          opens_on: date | None = None) -> dict:
    """Context for a week of free times (Mon-Sun, location's dates) plus a month overview.

    One ``available_slots`` call covers both the week and its month, so the page's query count does
    not depend on how many days or appointments there are. ``not_before``: the screening gate's earliest
    date for this client; earlier days are shown without times and the page opens on that date. ``opens_on``:
    the week shown when none is asked for (default: the first day times may be offered).
    """
    clinic = request.clinic
    now = timezone.now()
    today = selectors.local_today(location, now=now)
    first = max(today, not_before or today)  # the first day times may be offered
    last_day = (now + timedelta(days=clinic.booking_horizon_days)).astimezone(location.tz).date()
    asked = parse_day(request.GET.get("week")) or opens_on or first
    asked = min(max(asked, first), last_day)
    week_start = asked - timedelta(days=asked.weekday())
    week_end = week_start + timedelta(days=6)
    month_start = asked.replace(day=1)
    month_end = month_start.replace(day=calendar.monthrange(asked.year, asked.month)[1])
    lo = max(first, min(week_start, month_start))
    hi = min(last_day, max(week_end, month_end))
    slots = [] if lo > hi else selectors.available_slots(
        service=service, location=location, practitioner=practitioner, start_date=lo, end_date=hi, now=now,
        ignore_appointment_pk=ignore_appointment_pk)
    if slots and has_cap(request.user, Cap.BOOK_ONLINE):
        slots = _not_clashing(slots, client=request.user, ignore_pk=ignore_appointment_pk)
    if practitioner is None:
        slots = selectors.first_per_start(slots)
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for slot in slots:
        by_day[slot.local_start(location.tz).date()].append(slot)

    week = [week_start + timedelta(days=offset) for offset in range(7)]
    shown = any(by_day.get(day) for day in week)
    # "First available" names who each time is with; a week without times needs no names (and no query).
    practitioners = _names(service=service, location=location) if practitioner is None and shown else {}
    days = [DayView(day=day, slots=_slot_views(by_day.get(day, []), location, slot_url, practitioners),
                    bookable=first <= day <= last_day) for day in week]
    month = _month(month_start, month_end, by_day=by_day, week=(week_start, week_end),
                   offered=lambda day: first <= day <= last_day, page_url=page_url)
    next_free = next((d for d in sorted(by_day) if d > week_end), None)
    previous_month_end = month_start - timedelta(days=1)
    next_month_start = month_end + timedelta(days=1)
    return {
        "location": location, "days": days, "month": month, "month_start": month_start,
        "week_start": week_start, "week_end": week_end, "today": today,
        "week_has_slots": shown,
        "prev_week_url": page_url(week_start - timedelta(days=7)) if week_start > first else None,
        "next_week_url": page_url(week_end + timedelta(days=1)) if week_end < last_day else None,
        "prev_month_url": page_url(previous_month_end) if previous_month_end >= first else None,
        "next_month_url": page_url(next_month_start) if next_month_start <= last_day else None,
        "next_free_url": page_url(next_free) if next_free else None, "next_free": next_free,
        "tz_name": location.time_zone,
    }


def _not_clashing(slots: list[Slot], *, client: User, ignore_pk: int | None) -> list[Slot]:
    """The slots the client could book: none that overlaps one of their own live sessions (anywhere, the session
    itself, not its clean-up buffer), which the booking would refuse (``services._check_client_free``). One
    query for the slots' whole span; ``ignore_pk``: the session being moved does not hold its own time."""
    own = list(Appointment.objects.filter(client=client, status__in=ACTIVE_STATUSES, starts_at__lt=slots[-1].end,
                                          ends_at__gt=slots[0].start).exclude(pk=ignore_pk).order_by()
               .values_list("starts_at", "ends_at"))
    if not own:
        return slots
    return [s for s in slots if not any(b < s.end and e > s.start for b, e in own)]


def _names(*, service: Service, location: Location) -> dict[int, Practitioner]:
    """The practitioners of "first available", by id, read for their names only (not their whole user row)."""
    people = (selectors.bookable_practitioners(service=service, location=location).select_related("user")
              .only("user", "user__first_name", "user__last_name").order_by())
    return {p.pk: p for p in people}


def _month(month_start: date, month_end: date, *, by_day: dict[date, list[Slot]], week: tuple[date, date],
           offered: Callable[[date], bool], page_url: Callable[[date], str]) -> list[list[MonthCell]]:
    """The month overview, Monday to Sunday rows: each day's number of free times, and a link to its week on
    the days of this month that times may be offered on."""
    day = month_start - timedelta(days=month_start.weekday())
    grid_end = month_end + timedelta(days=6 - month_end.weekday())
    rows = []
    while day <= grid_end:
        row = []
        for _ in range(7):
            in_month, in_week = day.month == month_start.month, week[0] <= day <= week[1]
            free = len(by_day.get(day, ()))
            url = page_url(day) if in_month and offered(day) else None
            first_class = ("has-free" if free else "") if url else "out"
            row.append(MonthCell(day=day, in_month=in_month, free=free, url=url, in_week=in_week,
                                 css=f"{first_class} in-week".strip() if in_week else first_class,
                                 title=f"{free} free time{'' if free == 1 else 's'}"))
            day += timedelta(days=1)
        rows.append(row)
    return rows


def _review_urls(service: Service, *, any_practitioner: bool) -> Callable[[Slot], str]:
    """The review link of each slot; the route is reversed once for a whole week of them, not per slot."""
    base = reverse("booking:review", args=[service.slug])
    tail = "&any=1" if any_practitioner else ""

    def url(slot: Slot) -> str:
        # The ids are integers, so only the start needs quoting: the link urlencode writes, at half its cost.
        start = urlencode({"start": format_start(slot.start)})
        return f"{base}?practitioner={slot.practitioner_id}&location={slot.location_id}&{start}{tail}"

    return url


def _page_urls(base: str, **query) -> Callable[[date], str]:
    """The link to the week (and month) of a date: ``base`` reversed and ``query`` encoded once for the month's
    cells (an ISO date needs no quoting)."""
    prefix = f"{base}?{urlencode(query)}&" if query else f"{base}?"

    def url(day: date) -> str:
        return f"{prefix}week={day.isoformat()}"

    return url


# --- the journey -----------------------------------------------------------------------------------

def start(request):
    """Step 1 (public): choose a treatment."""
    slug = strip_control(request.GET.get("service", ""))  # a NUL would be a 500 on PostgreSQL
    if slug and Service.objects.filter(slug=slug, is_active=True, bookable_online=True).exists():
        return redirect("booking:practitioners", slug=slug)
    services_qs = Service.objects.filter(is_active=True, bookable_online=True).order_by("duration_minutes")
    new_client = not (request.user.is_authenticated and Appointment.objects.filter(
        client=request.user, status__in=ACTIVE_STATUSES).exists())
    initial_first = new_client and request.clinic.first_visit_must_be_initial
    if initial_first:
        # A newcomer can only start with the initial consultation: show it at the top, not last.
        services_qs = services_qs.order_by("-is_initial_consultation", "duration_minutes")
    return render(request, "booking/start.html", {
        "services": services_qs, "new_client": new_client, "initial_first": initial_first,
    })


def practitioners(request, slug: str):
    """Step 2 (public): a practitioner, or whoever is free first."""
    service = _service_or_404(slug)
    location, locations = _location_for(request, service)
    people = (selectors.bookable_practitioners(service=service, location=location)
              .select_related("user").order_by("user__first_name"))
    return render(request, "booking/practitioners.html", {
        "service": service, "location": location, "locations": locations, "practitioners": people,
    })


def times(request, slug: str):
    """Step 3 (public): a week of free times, grouped by day, in the location's time zone."""
    service = _service_or_404(slug)
    location, locations = _location_for(request, service)
    wanted = request.GET.get("practitioner", ANY)
    practitioner = None
    if wanted != ANY:
        practitioner = get_object_or_404(
            selectors.bookable_practitioners(service=service, location=location).select_related("user"),
            pk=wanted if wanted.isdigit() else 0)
    any_practitioner = practitioner is None

    page_url = _page_urls(reverse("booking:times", args=[slug]), location=location.pk,
                          practitioner=wanted if practitioner else ANY)
    not_before, screening_message = _screening_floor(request, service=service, location=location)
    context = _week(request, service=service, location=location, practitioner=practitioner,
                    slot_url=_review_urls(service, any_practitioner=any_practitioner),
                    page_url=page_url, not_before=not_before)
    context.update({"service": service, "practitioner": practitioner, "locations": locations,
                    "any_practitioner": any_practitioner, "screening_message": screening_message})
    return render(request, "booking/times.html", context)


def _nearest(*, service: Service, practitioner: Practitioner | None, location: Location, around: datetime,
             any_practitioner: bool) -> list[SlotView]:
    slots = selectors.nearest_slots(service=service, location=location, around=around,
                                    practitioner=None if any_practitioner else practitioner)
    return _slot_views(slots, location, _review_urls(service, any_practitioner=any_practitioner), {})


TAKEN_MESSAGE = ("Sorry, that time was just taken by someone else. Here are the nearest free times; "
                 "nothing has been booked yet.")


def review(request, slug: str):
    """Step 4: the chosen slot, then confirm (POST). Anonymous visitors sign in or up and come back here."""
    service = _service_or_404(slug)
    form = SlotForm(request.POST if request.method == "POST" else request.GET)
    context: dict = {"service": service, "form": form}
    if not form.is_valid():
        context["error"] = next(iter(form.errors.values()))[0]
        return render(request, "booking/review.html", context, status=400)
    practitioner: Practitioner = form.cleaned_data["practitioner"]
    location: Location = form.cleaned_data["location"]
    start_at: datetime = form.cleaned_data["start"]
    any_practitioner: bool = form.cleaned_data["any"]
    back_query = {"location": location.pk, "practitioner": ANY if any_practitioner else practitioner.pk,
                  "week": _local(start_at, location).date().isoformat()}
    context.update({
        "practitioner": practitioner, "location": location, "start": _local(start_at, location),
        "end": _local(start_at + service.duration, location), "start_value": format_start(start_at),
        "any_practitioner": any_practitioner,
        "next": _next_url(service, practitioner=practitioner, location=location, start=start_at,
                          any_practitioner=any_practitioner),
        "calendar_url": f"{reverse('booking:times', args=[slug])}?{urlencode(back_query)}",
        "can_book": has_cap(request.user, Cap.BOOK_ONLINE),
        "late_window_hours": _inside_change_window(request, start_at),
    })
    if request.method == "POST":
        return _confirm(request, context)
    # One read answers both "may this time be booked" and "is it still free".
    check = selectors.slot_check(service=service, practitioner=practitioner, location=location, start=start_at)
    problem = check.problem
    if problem is None and context["can_book"]:
        problem = selectors.client_service_problem(client=request.user, service=service, starts_at=start_at) \
            or _screening_problem(request.user, service=service, location=location, start=start_at)
        context["client_problem"] = problem is not None
    if problem:
        context["error"] = problem
    elif check.taken:
        context.update(taken=True, error=TAKEN_MESSAGE, alternatives=_nearest(
            service=service, practitioner=practitioner, location=location, around=start_at,
            any_practitioner=any_practitioner))
    return render(request, "booking/review.html", context)


def _screening_problem(client, *, service: Service, location: Location, start: datetime) -> str | None:
    """The gate's words to the client when it stops a session at ``start`` (the service refuses it anyway)."""
    verdict = screening.verdict(client=client, service=service, day=_local(start, location).date())
    return verdict.client_message if verdict is not None and verdict.blocked else None


def _confirm(request, context: dict):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': context['next']})}")
    if not context["can_book"]:
        return render(request, "403.html", status=403)
    service, practitioner, location = context["service"], context["practitioner"], context["location"]
    start_at = context["start"]
    try:
        appointment = services.appointment_book(client=request.user, service=service, practitioner=practitioner,
                                                starts_at=start_at, location=location, actor=request.user)
    except services.SlotTaken as exc:
        context["taken"] = True
        context["error"] = TAKEN_MESSAGE
        if context["any_practitioner"]:
            context["alternatives"] = _nearest(service=service, practitioner=None, location=location,
                                               around=start_at, any_practitioner=True)
        else:
            context["alternatives"] = _slot_views(exc.alternatives, location,
                                                  _review_urls(service, any_practitioner=False), {})
        return render(request, "booking/review.html", context)
    except services.BookingError as exc:
        context["error"] = exc.message
        return render(request, "booking/review.html", context)
    return redirect("booking:booked", pk=appointment.pk)


@require(Cap.BOOK_ONLINE)
def booked(request, pk: int):
    """Step 5: confirmation, the .ics link and, for a first visit, the intake questionnaire."""
    # No "fill in the questionnaire" prompt for a client who already sent it (e.g. booking again): asked in the
    # appointment's own query, not a round trip of its own.
    sent = IntakeSubmission.objects.filter(client=OuterRef("client"), status=SubmissionStatus.SUBMITTED)
    appointment = _own_appointment(request, pk, intake_sent=Exists(sent))
    return render(request, "booking/booked.html", {
        "appointment": appointment, "start": appointment.local_starts_at, "end": appointment.local_ends_at,
        "intake_sent": appointment.intake_sent,
    })


@require(Cap.BOOK_ONLINE)
def appointment_calendar(request, pk: int):
    appointment = _own_appointment(request, pk)
    response = HttpResponse(ics.appointment_ics(appointment, clinic=request.clinic),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ics.ics_filename(appointment)}"'
    return response


# --- My appointments -------------------------------------------------------------------------------

@require(Cap.BOOK_ONLINE)
def my_appointments(request):
    now = timezone.now()
    # Whether the questionnaire is sent / started rides along in the same query (no extra round trip).
    intake = IntakeSubmission.objects.filter(client=OuterRef("client"))
    appointments = list(selectors.client_appointments(client=request.user).annotate(
        intake_sent=Exists(intake.filter(status=SubmissionStatus.SUBMITTED)),
        intake_started=Exists(intake.filter(status=SubmissionStatus.DRAFT))))
    upcoming, past = [], []
    for a in appointments:
        a.start_local = a.local_starts_at
        if a.starts_at >= now and a.status in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING):
            a.can_change = services.policy_allows_client_change(a, now=now, clinic=request.clinic)
            upcoming.append(a)
        else:
            past.append(a)
    past.reverse()
    if any(a.intake_sent for a in upcoming):  # without a questionnaire the screening gate has nothing to say
        verdicts = screening.verdicts(appointments=upcoming)
        for a in upcoming:
            verdict = verdicts.get(a.pk)
            a.contact_first = verdict is not None and verdict.stops
            a.renew_intake = verdict is not None and verdict.renewal_due
    # The questionnaire is needed before a session that requires it; remind here, the client's landing page.
    needs_intake = next((a for a in upcoming if a.service.requires_intake and not a.intake_sent), None)
    return render(request, "booking/my_appointments.html", {
        "upcoming": upcoming, "past": past, "has_pending": any(a.status == AppointmentStatus.PENDING
                                                                for a in upcoming),
        "needs_intake": needs_intake,
    })


def _change_refused(request, appointment: Appointment, action: str):
    """None if the client may change this appointment online, else the page that says why."""
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING) \
            or appointment.starts_at <= timezone.now():
        messages.info(request, f"This session can no longer be {action}.")
        return redirect("booking:my_appointments")
    if not services.policy_allows_client_change(appointment, clinic=request.clinic):
        return render(request, "booking/change_blocked.html", {
            "appointment": appointment, "start": appointment.local_starts_at, "action": action,
            "window_hours": request.clinic.cancellation_window_hours,
        })
    return None


@require(Cap.BOOK_ONLINE)
def reschedule(request, pk: int):
    """Pick a new free time for an upcoming appointment (its current time counts as free)."""
    appointment = _own_appointment(request, pk)
    refused = _change_refused(request, appointment, "moved")
    if refused:
        return refused
    confirm_url = reverse("booking:reschedule_confirm", args=[pk])

    page_url = _page_urls(reverse("booking:reschedule", args=[pk]))
    not_before, screening_message = _screening_floor(request, service=appointment.service,
                                                     location=appointment.location)
    context = _week(request, service=appointment.service, location=appointment.location,
                    practitioner=appointment.practitioner,
                    slot_url=lambda s: f"{confirm_url}?{urlencode({'start': format_start(s.start)})}",
                    page_url=page_url, ignore_appointment_pk=appointment.pk, not_before=not_before,
                    opens_on=appointment.local_starts_at.date())  # a new time is most often sought near the old
    context.update({"appointment": appointment, "current": appointment.local_starts_at,
                    "service": appointment.service, "practitioner": appointment.practitioner,
                    "screening_message": screening_message})
    return render(request, "booking/reschedule.html", context)


@require(Cap.BOOK_ONLINE)
def reschedule_confirm(request, pk: int):
    appointment = _own_appointment(request, pk)
    refused = _change_refused(request, appointment, "moved")
    if refused:
        return refused
    form = RescheduleForm(request.POST if request.method == "POST" else request.GET)
    location = appointment.location
    context: dict = {"appointment": appointment, "current": appointment.local_starts_at,
                     "choose_url": reverse("booking:reschedule", args=[pk])}
    if not form.is_valid():
        context["error"] = form.errors["start"][0]
        return render(request, "booking/reschedule_confirm.html", context, status=400)
    new_start = form.cleaned_data["start"]
    context.update({"new_start": _local(new_start, location), "start_value": format_start(new_start),
                    "new_end": _local(new_start + appointment.service.duration, location),
                    "late_window_hours": _inside_change_window(request, new_start)})

    def alternative_url(s: Slot) -> str:
        return f"{reverse('booking:reschedule_confirm', args=[pk])}?{urlencode({'start': format_start(s.start)})}"

    if request.method == "POST":
        try:
            services.appointment_reschedule(appointment=appointment, starts_at=new_start, actor=request.user)
        except services.SlotTaken as exc:
            context["error"] = ("Sorry, that time was just taken by someone else. Your session has not moved; "
                                "here are the nearest free times.")
            context["alternatives"] = _slot_views(exc.alternatives, location, alternative_url, {})
            return render(request, "booking/reschedule_confirm.html", context)
        except services.BookingError as exc:
            context["error"] = exc.message
            return render(request, "booking/reschedule_confirm.html", context)
        messages.success(request, f"Your session is now on {_local(new_start, location):%A %-d %B at %H:%M}.")
        return redirect("booking:booked", pk=appointment.pk)
    check = selectors.slot_check(service=appointment.service, practitioner=appointment.practitioner,
                                 location=location, start=new_start, ignore_appointment_pk=appointment.pk)
    problem = (check.problem or selectors.moved_first_visit_problem(appointment=appointment, new_start=new_start)
               or _screening_problem(request.user, service=appointment.service, location=location, start=new_start))
    if problem:
        context["error"] = problem
    elif check.taken:
        context["error"] = "Sorry, that time was just taken by someone else. Here are the nearest free times."
        context["alternatives"] = _slot_views(selectors.nearest_slots(
            service=appointment.service, practitioner=appointment.practitioner, location=location,
            around=new_start), location, alternative_url, {})
    return render(request, "booking/reschedule_confirm.html", context)


@require(Cap.BOOK_ONLINE)
def cancel(request, pk: int):
    """Ask first, then cancel on POST."""
    appointment = _own_appointment(request, pk)
    refused = _change_refused(request, appointment, "cancelled")
    if refused:
        return refused
    form = CancelForm(request.POST or None)
    start = appointment.local_starts_at  # read before the cancel, which reloads the row and its location with it
    context = {"appointment": appointment, "start": start, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_cancel(appointment=appointment, actor=request.user,
                                        reason=form.cleaned_data["reason"])
        except services.BookingError as exc:
            context["error"] = exc.message
            return render(request, "booking/cancel.html", context)
        messages.success(request, f"Your session on {start:%A %-d %B at %H:%M} is cancelled.")
        return redirect("booking:my_appointments")
    return render(request, "booking/cancel.html", context)


# --- courses ---------------------------------------------------------------------------------------

def _course_starts(request, plan: list[selectors.CourseDate]) -> tuple[list[datetime], list[str]]:
    """The start the client chose for each date of the plan (``start_<n>``), checked against the offer."""
    chosen, errors = [], []
    for index, item in enumerate(plan):
        value = request.POST.get(f"start_{index}", "")
        offered = {format_start(item.wanted)} if item.free else {format_start(s.start) for s in item.alternatives}
        if value not in offered:
            errors.append(index)
            continue
        chosen.append(item.wanted if item.free else next(s.start for s in item.alternatives
                                                           if format_start(s.start) == value))
    return chosen, errors


@require(Cap.BOOK_ONLINE)
def course(request, slug: str):
    """A client books a course for themselves (online rules: notice, horizon, online services only)."""
    return _course_page(request, service=_service_or_404(slug), client=request.user, staff=False)


@require(Cap.MANAGE_APPOINTMENTS)
def course_for_client(request, slug: str, client_pk: int):
    """The front desk or the manager books a course for a client: the desk's bounds (no online notice or
    horizon, any active service), as for a single phone booking."""
    service = get_object_or_404(Service, slug=slug, is_active=True)
    client = get_object_or_404(User, pk=client_pk, role=Role.CLIENT, is_active=True)
    return _course_page(request, service=service, client=client, staff=True)


def _overrides(request, *, chosen: str) -> list[str]:
    """The warnings the desk confirmed ("... anyway"), honoured only for the choice they were shown for."""
    if request.POST.get("warned") != chosen:
        return []
    return request.POST.get("override", "").split()


def _course_page(request, *, service: Service, client, staff: bool):
    """Plan a course (weekdays + time + count), see which dates work, pick alternatives, book all or none."""
    location, locations = _location_for(request, service)
    people = selectors.bookable_practitioners(service=service, location=location).select_related("user")
    data = request.POST if request.method == "POST" else (request.GET if "sessions" in request.GET else None)
    today = selectors.local_today(location)
    form = CourseForm(data, practitioners=people, today=today, horizon_days=request.clinic.booking_horizon_days,
                      staff=staff, initial={"first_day": today + timedelta(days=1), "sessions": 10})
    context: dict = {"service": service, "location": location, "locations": locations, "form": form,
                     "staff": staff, "client": client}
    if data is None or not form.is_valid():
        return render(request, "booking/course.html", context)
    cleaned = form.cleaned_data
    plan = selectors.course_plan(service=service, practitioner=cleaned["practitioner"], location=location,
                                 first_day=cleaned["first_day"], weekdays=cleaned["weekdays"], at=cleaned["at"],
                                 sessions=cleaned["sessions"], staff=staff)
    tz = location.tz
    rows = [{"index": i, "item": item, "day": item.day, "wanted": _local(item.wanted, location),
             "wanted_value": format_start(item.wanted), "chosen": request.POST.get(f"start_{i}", ""),
             "alternatives": [(format_start(s.start), s.start.astimezone(tz)) for s in item.alternatives]}
            for i, item in enumerate(plan)]
    context.update({"plan": rows, "clashes": sum(not item.free for item in plan),
                    "bookable": all(item.free or item.alternatives for item in plan)})
    problem = selectors.client_service_problem(client=client, service=service, staff=staff,
                                               starts_at=min(item.wanted for item in plan) if plan else None)
    if problem:
        context.update(error=problem, bookable=False, client_problem=True)
    if request.method != "POST" or problem:
        return render(request, "booking/course.html", context)
    starts, missing = _course_starts(request, plan)
    if missing:
        context["error"] = "Please choose a time for every date marked \u201cneeds another time\u201d."
        context["missing"] = set(missing)
        return render(request, "booking/course.html", context)
    chosen = " ".join(format_start(start) for start in starts)
    overrides = _overrides(request, chosen=chosen) if staff else []
    try:
        booked_course = services.course_book(
            client=client, service=service, practitioner=cleaned["practitioner"], location=location,
            starts=starts, description=form.description(), actor=request.user,
            via=BookedVia.PHONE if staff else BookedVia.ONLINE, overrides=overrides)
    except services.CourseNotBooked as exc:
        context["error"] = exc.message
        if staff and exc.warning is not None:
            # Shown as a warning the desk may confirm; the chosen times are posted again with the override.
            context.update(warning=True, warned=chosen, override=" ".join([*overrides, exc.warning.code]))
        return render(request, "booking/course.html", context)
    except services.BookingError as exc:
        context["error"] = exc.message
        return render(request, "booking/course.html", context)
    if staff:
        messages.success(request, f"Course booked for {client.full_name}: {booked_course.description}.")
        return redirect("frontdesk:client", pk=client.pk)
    return redirect("booking:course_booked", pk=booked_course.pk)


def _own_course(request, pk: int) -> tuple[Course, list[Appointment]]:
    booked_course = get_object_or_404(Course.objects.select_related("service", "practitioner__user"),
                                      pk=pk, client=request.user)
    appointments = list(booked_course.appointments.select_related("service", "practitioner__user", "location")
                        .order_by("starts_at"))
    return booked_course, appointments


@require(Cap.BOOK_ONLINE)
def course_booked(request, pk: int):
    booked_course, appointments = _own_course(request, pk)
    for a in appointments:
        a.start_local = a.local_starts_at
    first = next((a for a in appointments if a.is_first_visit), None)
    return render(request, "booking/course_booked.html", {
        "course": booked_course, "appointments": appointments, "first_visit": first,
        "pending": any(a.status == AppointmentStatus.PENDING for a in appointments),
    })


@require(Cap.BOOK_ONLINE)
def course_calendar(request, pk: int):
    booked_course, appointments = _own_course(request, pk)
    response = HttpResponse(ics.appointments_ics(appointments, clinic=request.clinic),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="course-{booked_course.pk}.ics"'
    return response
