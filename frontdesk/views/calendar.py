"""The clinic calendar (day / week, by practitioner or room) and the printable day sheet."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import urlencode

from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from booking.models import Location
from clinic.accounts.permissions import Cap, has_cap, require

from ..forms import parse_date
from ..grid import PRACTITIONERS, ROOMS, calendar_grid
from ..selectors import active_locations, default_location, pick_location
from ..selectors import day_sheet as day_sheet_selector
from .common import is_htmx


def _ints(values: list[str]) -> list[int]:
    return sorted({int(v) for v in values if v.isdigit()})


@dataclass(frozen=True)
class CalendarParams:
    """What the calendar shows, read from and written back to the query string."""

    location_id: int
    day: date
    view: str = "day"
    mode: str = PRACTITIONERS
    practitioners: list[int] = field(default_factory=list)
    rooms: list[int] = field(default_factory=list)
    cancelled: bool = False
    full: bool = False
    week_practitioner: int | None = None  # the one practitioner a week by practitioner shows

    @classmethod
    def from_query(cls, query: QueryDict, location: Location) -> CalendarParams:
        today = timezone.localdate(timezone=location.tz)
        wp = query.get("wp", "")
        return cls(
            location_id=location.pk,
            day=parse_date(query.get("date")) or today,
            view="week" if query.get("view") == "week" else "day",
            mode=ROOMS if query.get("mode") == ROOMS else PRACTITIONERS,
            practitioners=_ints(query.getlist("p")),
            rooms=_ints(query.getlist("r")),
            cancelled=query.get("cancelled") == "1",
            full=query.get("full") == "1",
            week_practitioner=int(wp) if wp.isdigit() else None,
        )

    @property
    def single(self) -> bool:
        return self.view == "week" and self.mode == PRACTITIONERS

    @property
    def start(self) -> date:
        return self.day - timedelta(days=self.day.weekday()) if self.view == "week" else self.day

    @property
    def step(self) -> timedelta:
        return timedelta(days=7 if self.view == "week" else 1)

    def query(self, **changes) -> str:
        p = replace(self, **changes)
        pairs = [("location", p.location_id), ("date", p.day.isoformat()), ("view", p.view), ("mode", p.mode)]
        pairs += [("p", pk) for pk in p.practitioners] + [("r", pk) for pk in p.rooms]
        if p.cancelled:
            pairs.append(("cancelled", "1"))
        if p.full:
            pairs.append(("full", "1"))
        if p.week_practitioner:
            pairs.append(("wp", p.week_practitioner))
        return urlencode(pairs)

    def url(self, **changes) -> str:
        return f"{reverse('frontdesk:calendar')}?{self.query(**changes)}"


# What the desk chose stays chosen (per user, in the session) until changed: view, grouping, filters and
# the week's practitioner. The date is not remembered: the calendar opens on today.
STICKY = ("view", "mode", "p", "r", "cancelled", "wp")
STICKY_SESSION_KEY = "frontdesk.calendar"


def _sticky_query(request) -> tuple[QueryDict, bool]:
    """The query with the remembered choices filled in when it names none; and whether it named the view."""
    query = request.GET.copy()
    chose_view = "view" in query
    if not any(key in query for key in STICKY):
        for key, values in request.session.get(STICKY_SESSION_KEY, {}).items():
            if key in STICKY:
                query.setlist(key, values)
    return query, chose_view


def _remember(request, params: CalendarParams) -> None:
    saved = request.session.get(STICKY_SESSION_KEY, {})
    chosen = {key: values for key, values in QueryDict(params.query()).lists() if key in STICKY}
    if request.GET.get("narrow") == "1":  # a phone sent to today's day view: the desk did not choose it
        chosen["view"] = saved.get("view", ["day"])
    if chosen != saved:
        request.session[STICKY_SESSION_KEY] = chosen


@require(Cap.VIEW_CALENDAR)
def calendar(request):
    locations = active_locations()
    location = pick_location(locations, request.GET.get("location"))
    if location is None:
        return render(request, "frontdesk/calendar.html", {"locations": locations, "grid": None})
    query, chose_view = _sticky_query(request)
    params = CalendarParams.from_query(query, location)
    practitioner_ids = params.practitioners
    if params.single and params.week_practitioner:  # the week's practitioner first, then the filter's
        practitioner_ids = [params.week_practitioner, *practitioner_ids]
    grid = calendar_grid(
        location=location, start_date=params.start, days=7 if params.view == "week" else 1, mode=params.mode,
        practitioner_ids=practitioner_ids, room_ids=params.rooms, show_cancelled=params.cancelled,
        full_day=params.full and params.view == "day", single=params.single)
    if grid.single is not None:
        params = replace(params, week_practitioner=grid.single.pk)
    _remember(request, params)
    today = timezone.localdate(timezone=location.tz)
    can_manage = has_cap(request.user, Cap.MANAGE_APPOINTMENTS)
    context = {
        "locations": locations, "location": location, "grid": grid, "params": params, "today": today,
        "can_manage": can_manage,
        "self_url": params.url(),
        "prev_url": params.url(day=params.day - params.step),
        "next_url": params.url(day=params.day + params.step),
        "today_url": params.url(day=today),
        "day_url": params.url(view="day"),
        "week_url": params.url(view="week"),
        "mode_url": params.url(mode=ROOMS if params.mode == PRACTITIONERS else PRACTITIONERS, practitioners=[],
                               rooms=[]),
        "full_url": params.url(full=not params.full),
        "cancelled_url": params.url(cancelled=not params.cancelled),
        "sheet_url": f"{reverse('frontdesk:day_sheet')}?{urlencode({'location': location.pk, 'date': params.day})}",
        "week_end": params.start + timedelta(days=6),
        "filter_count": len(params.practitioners) + len(params.rooms),
        "calendar_url": reverse("frontdesk:calendar"), "location_id": str(location.pk),
        # A phone opens on today's day view unless the desk asked for another view in the link itself.
        "chose_view": chose_view,
        "phone_url": params.url(view="day", day=params.day if "date" in request.GET else today) + "&narrow=1",
        "single_urls": [(p, params.url(week_practitioner=p.pk)) for p in grid.practitioners] if params.single else [],
    }
    template = "frontdesk/_calendar.html" if is_htmx(request) else "frontdesk/calendar.html"
    return render(request, template, context)


@require(Cap.VIEW_CALENDAR)
def day_sheet(request):
    location = default_location(request.GET.get("location"))
    day = parse_date(request.GET.get("date"))
    if location is not None and day is None:
        day = timezone.localdate(timezone=location.tz)
    sections = day_sheet_selector(location=location, day=day) if location is not None else []
    return render(request, "frontdesk/day_sheet.html", {
        "location": location, "day": day, "sections": sections,
        "locations": Location.objects.filter(is_active=True).order_by("name"),
        "printed_at": timezone.now(),
    })
