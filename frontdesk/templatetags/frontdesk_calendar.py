"""The calendar grid's markup, built in Python: headings, hour axis, and each column's shading and sessions;
and the day sheet's rows.

A busy week draws hundreds of sessions with a dozen values each; through nested template loops that took
most of the page's time. Here each piece is one f-string over plain values (``frontdesk.grid``), escaped
exactly as the template language would (``html.escape`` is what ``django.utils.html.escape`` calls).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from html import escape
from urllib.parse import quote

from django import template
from django.template.loader import get_template
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe

from booking.models import AppointmentStatus, Location

from ..grid import ROOMS, Block, Column, DayAxis, Grid
from ..selectors import SheetRow

register = template.Library()

STATUS_BADGE = {
    AppointmentStatus.PENDING: "secondary", AppointmentStatus.ARRIVED: "warning",
    AppointmentStatus.IN_TREATMENT: "primary", AppointmentStatus.COMPLETED: "success",
    AppointmentStatus.NO_SHOW: "danger", AppointmentStatus.CANCELLED: "secondary",
}
MOVABLE = (AppointmentStatus.BOOKED, AppointmentStatus.PENDING)  # what the move view accepts (views.appointments)


@dataclass(frozen=True)
class Links:
    """What every session block links to, worked out once per page rather than once per block."""

    detail: str  # the appointment page, with "{}" for its id
    move: str  # its move endpoint, with "{}" for its id
    back: str  # this calendar's address, quoted for a "next=" parameter
    can_manage: bool
    day_link: str  # a week heading's link to that day, less the date
    statuses: dict[str, str]  # status -> its words (translated once, not once per block)

    @classmethod
    def for_page(cls, *, location: Location, mode: str, self_url: str, can_manage: bool) -> Links:
        def pattern(name: str) -> str:
            return reverse(name, args=[0]).replace("/0/", "/{}/")

        day_link = f"{reverse('frontdesk:calendar')}?location={location.pk}&view=day&mode={mode}&date="
        return cls(detail=pattern("frontdesk:appointment"), move=pattern("frontdesk:appointment_move"),
                   back=quote(self_url), can_manage=can_manage, day_link=day_link,
                   statuses={value: str(label) for value, label in AppointmentStatus.choices})


@dataclass(frozen=True)
class DayLabels:
    """A day's words, escaped, as the template's ``date`` filter writes them (localised): once per day, not
    once per column (a week by room has eight columns a day)."""

    short: str  # "Mon 2"
    medium: str  # "Mon 2 Mar"
    long: str  # "Monday 2 March"

    @classmethod
    def of(cls, axis: DayAxis) -> DayLabels:
        return cls(*(escape(date_format(axis.day, fmt)) for fmt in ("D j", "D j M", "l j F")))


def _dot(column: Column) -> str:
    return f'<span class="fd-dot" style="background: {escape(column.colour)}"></span>' if column.practitioner_id else ""


def heading_html(axis: DayAxis, labels: DayLabels, column: Column, *, first: bool, week: bool, links: Links) -> str:
    """A column's heading: the day (first column of a week's day) and who or which room."""
    if not week:
        return (f'<div class="fd-head"><div class="fw-semibold text-truncate">{_dot(column)}'
                f'{escape(column.title)}</div>'
                f'<div class="text-muted small text-truncate">{escape(column.subtitle)}</div></div>')
    css = "fd-head" + (" fd-day-start" if first else "") + (" is-today" if axis.is_today else "")
    if first:
        href = escape(links.day_link + axis.day.isoformat())
        day = (f'<div class="fw-semibold"><a class="link-dark text-decoration-none" href="{href}" hx-get="{href}" '
               f'hx-target="#fd-calendar" hx-swap="outerHTML" hx-push-url="true">'
               f'{labels.short}</a></div>')
    else:
        day = "<div>&nbsp;</div>"
    return (f'<div class="{css}">{day}<div class="text-truncate small" title="{escape(column.title)}">{_dot(column)}'
            f'{escape(column.short)}</div></div>')


def axis_html(grid: Grid) -> str:
    """The hour labels down the side, and "Now" in the gutter (the line itself runs behind the sessions)."""
    hours = "".join(f'<div class="fd-hour" style="--t: {top}">{escape(label)}</div>' for top, label in grid.hour_marks)
    now = "".join(f'<div class="fd-now-label" style="--t: {axis.now_top}">Now</div>'
                  for axis in grid.days if axis.now_top is not None)
    return f'<div class="fd-axis" aria-hidden="true">{hours}{now}</div>'


def block_html(block: Block, column: Column, *, day_view: bool, rooms: bool, links: Links) -> str:
    """One session: its link (opening the side panel), time, client, badges, and its clean-up tail."""
    a = block.appointment
    start, end = f"{block.local_start:%H:%M}", f"{block.local_end:%H:%M}"
    url = links.detail.format(a.pk)
    status = links.statuses[a.status]
    client = escape(a.client_name)
    drag = ""
    if links.can_manage and column.practitioner_id and a.status in MOVABLE:
        # The move dialog's "from", e.g. "Wed 2 Dec, 10:00 with Ana Torres".
        local = block.local_start
        moved_from = f"{local:%a} {local.day} {local:%b, %H:%M} with {a.practitioner_name}"
        drag = (f'draggable="true" data-move-url="{escape(links.move.format(a.pk))}" data-client="{client}" '
                f'data-from="{escape(moved_from)}" ')
    title = f"{start}–{end} {a.client_name} · {a.service_name} · {a.practitioner_name} · {a.room_name} · {status}"
    time_label = f"{start}–{end}" if day_view else start
    if day_view and a.status != AppointmentStatus.BOOKED:
        time_label += (f' <span class="badge rounded-pill text-bg-{STATUS_BADGE.get(a.status, "secondary")}">'
                       f'{escape(status)}</span>')
    service = ""
    if day_view:
        where = a.practitioner_name if rooms else a.room_name
        service = f'<div class="fd-service">{escape(f"{a.service_name} · {where}")}</div>'
    badges = "".join(f'<span class="badge text-bg-{css}">{escape(label)}</span>' for css, label in block.badges)
    lane = f"--lane: {block.lane}; --lanes: {block.lanes}"
    html = (f'<a class="fd-appt st-{escape(a.status)}" href="{url}?next={links.back}" '
            f'style="--t: {block.top}; --h: {block.height}; {lane}; --c: {escape(a.colour)}" '
            f'hx-get="{url}?panel=1&amp;next={links.back}" hx-target="#fd-panel-body" hx-swap="innerHTML" '
            f'data-bs-toggle="offcanvas" data-bs-target="#fd-panel" {drag}title="{escape(title)}">'
            f'<div class="fd-time">{time_label}</div><div class="fd-client">{client}</div>{service}'
            f'<div class="fd-badges">{badges}</div></a>')
    if block.buffer:
        html += (f'<div class="fd-buffer" style="--t: {block.top + block.height}; --h: {block.buffer}; {lane}" '
                 f'title="Clean-up time"></div>')
    return html


def column_html(axis: DayAxis, labels: DayLabels, column: Column, *, first: bool, grid: Grid, location_pk: int,
                links: Links) -> str:
    """A column of one day: its shading (work, breaks, time off, closures), its sessions and the now line."""
    week, day_view = grid.view == "week", grid.view == "day"
    css = "fd-col" + (" fd-day-start" if first and week else "") + (
        " can-book can-drop" if links.can_manage and column.practitioner_id else "")
    title = escape(column.title)
    who = f' data-practitioner="{column.practitioner_id}"' if column.practitioner_id else ""
    room = f' data-room="{column.room_id}"' if column.room_id else ""
    shades = "".join(f'<div class="fd-shade {escape(s.kind)}" style="--t: {s.top}; --h: {s.height}">'
                     f'{escape(s.label)}</div>' for s in column.shades)
    blocks = "".join(block_html(b, column, day_view=day_view, rooms=grid.mode == ROOMS, links=links)
                     for b in column.blocks)
    now = (f'<div class="fd-now" style="--t: {axis.now_top}" data-testid="now-line" title="Now"></div>'
           if axis.now_top is not None else "")
    return (f'<div class="{css}" data-date="{axis.day.isoformat()}" '
            f'data-start="{axis.start.astimezone(UTC).isoformat()}" data-location="{location_pk}"{who} '
            f'data-title="{title}" data-day-label="{labels.medium}"{room} role="group" '
            f'aria-label="{title}, {labels.long}">{shades}<div class="fd-lines"></div>{blocks}{now}</div>')


@register.simple_tag
def calendar_cells(grid: Grid, *, location: Location, mode: str, self_url: str, can_manage: bool) -> SafeString:
    """Everything inside ``.fd-grid`` after its corner: headings, the hour axis, then the columns."""
    links = Links.for_page(location=location, mode=mode, self_url=self_url, can_manage=can_manage)
    week = grid.view == "week"
    heads, columns = [], []
    for axis, day_columns in grid.columns_by_day:
        labels = DayLabels.of(axis)
        for i, column in enumerate(day_columns):
            heads.append(heading_html(axis, labels, column, first=i == 0, week=week, links=links))
            columns.append(column_html(axis, labels, column, first=i == 0, grid=grid, location_pk=location.pk,
                                       links=links))
    return mark_safe("\n".join(heads) + "\n" + axis_html(grid) + "\n" + "\n".join(columns))  # noqa: S308 (escaped above)


@register.simple_tag
def sheet_rows(rows: list[SheetRow]) -> SafeString:
    """The day sheet's table rows: time, client (first visit, phone), service, room, status, intake, notes. The
    intake badge is the intake app's one partial, so it reads the same as on every other page."""
    badge = get_template("intake/_status_badge.html")
    out = []
    for row in rows:
        first = ' <span class="badge text-bg-info">First visit</span>' if row.is_first_visit else ""
        phone = f' <br><span class="small">{escape(row.phone)}</span>' if row.phone else " "
        note = ' data-label="Notes"' if row.desk_note else ""
        out.append(
            f'<tr><td class="text-nowrap fw-semibold" data-label="Time">{row.local_start:%H:%M}–{row.local_end:%H:%M}'
            f'</td><td data-label="Client">{escape(row.client_name)}{first}{phone}</td>'
            f'<td data-label="Service">{escape(row.service_name)}</td>'
            f'<td data-label="Room">{escape(row.room_name)}</td>'
            f'<td data-label="Status" data-testid="sheet-status">{escape(row.status)}</td>'
            f'<td data-label="Intake">{badge.render({"intake": row.intake})}</td>'
            f'<td class="small"{note}>{escape(row.desk_note)}</td></tr>')
    return mark_safe("\n".join(out))  # noqa: S308 (escaped above)
