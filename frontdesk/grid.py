"""The calendar grid: appointments, working hours, breaks and time off laid out as positioned blocks.

Everything on the grid is placed in minutes from the top of its day. A day's axis is *elapsed*
time from the first wall-clock hour shown, so a daylight-saving day really has 23 or 25 hours
and its 10:00 appointment sits where 10:00 really is. ``calendar_grid`` reads the location's
set-up as the availability engine sees it (``booking.selectors.schedule_setup``, four queries),
then only the sessions its columns draw, in one query, as plain rows: a week holds hundreds, and
model instances for each (with client, service, practitioner and room) cost more than everything
else on the page. It then works in memory.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from booking.models import (
    ACTIVE_STATUSES,
    Appointment,
    Location,
    Practitioner,
    Room,
    TimeOff,
)
from booking.selectors import Schedule, schedule_setup, wall_clock_to_utc
from intake.selectors import IntakeStatus, intake_badges, statuses_on_dates

PRACTITIONERS, ROOMS = "practitioners", "rooms"
DEFAULT_HOURS = (8 * 60, 20 * 60)  # shown when nobody works that day


def wall_to_utc(day: date, minute_of_day: int, tz: ZoneInfo) -> datetime:
    """The instant of a wall-clock minute (0-1440) on a date. Inside a DST gap: the gap's end;
    in the repeated hour: its first occurrence."""
    if minute_of_day >= 24 * 60:
        return wall_to_utc(day + timedelta(days=1), minute_of_day - 24 * 60, tz)
    return wall_clock_to_utc(day, time(minute_of_day // 60, minute_of_day % 60), tz)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


@dataclass
class Shade:
    """A shaded or highlighted stretch of a column: working time, a break, time off, a closure."""

    top: int
    height: int
    kind: str  # "work" | "break" | "off" | "closed"
    label: str = ""


@dataclass(frozen=True, slots=True)
class AppointmentRow:
    """A session as the calendar draws it: plain values read in one query, names included."""

    pk: int
    client_id: int
    practitioner_id: int
    room_id: int
    location_id: int
    starts_at: datetime
    ends_at: datetime
    blocked_until: datetime
    status: str
    is_first_visit: bool
    late_cancellation: bool
    client_name: str
    service_name: str
    practitioner_name: str
    colour: str
    room_name: str


# The columns of one query, in ``AppointmentRow``'s order; first and last names are joined in Python.
ROW_FIELDS = ("pk", "client_id", "practitioner_id", "room_id", "location_id", "starts_at", "ends_at", "blocked_until",
              "status", "is_first_visit", "late_cancellation", "client__first_name", "client__last_name",
              "service__name", "practitioner__user__first_name", "practitioner__user__last_name",
              "practitioner__colour", "room__name")


def _row(values: tuple) -> AppointmentRow:
    *plain, client_first, client_last, service, first, last, colour, room = values
    return AppointmentRow(*plain, client_name=f"{client_first} {client_last}".strip(), service_name=service,
                          practitioner_name=f"{first} {last}".strip(), colour=colour, room_name=room)


@dataclass(slots=True)
class Block:
    appointment: AppointmentRow
    top: int
    height: int
    buffer: int  # minutes of clean-up after the session, drawn as a tail
    local_start: datetime
    local_end: datetime
    intake: IntakeStatus | None = None  # judged on the session's own date
    lane: int = 0
    lanes: int = 1

    @property
    def end(self) -> int:
        return self.top + self.height + self.buffer

    @property
    def badges(self) -> list[tuple[str, str]]:
        """(Bootstrap colour, words): the intake's badges in one vocabulary, day or week, between the first
        visit and a late cancellation."""
        a = self.appointment
        return ([("info", "1st visit")] if a.is_first_visit else []) + intake_badges(self.intake) + \
            ([("danger", "Late cancel")] if a.late_cancellation else [])


@dataclass
class Column:
    day: date
    title: str
    short: str = ""  # for the narrow columns of the week view
    subtitle: str = ""
    colour: str = "#6c757d"
    practitioner_id: int | None = None
    room_id: int | None = None
    shades: list[Shade] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


@dataclass
class DayAxis:
    day: date
    start: datetime  # UTC instant at the top of the grid
    end: datetime
    is_today: bool = False
    now_top: int | None = None

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def offset(self, instant: datetime) -> int:
        return int((instant - self.start).total_seconds() // 60)

    def clip(self, lo: datetime, hi: datetime) -> tuple[int, int] | None:
        """(top, height) of an interval on this day's axis, or None when it is not shown."""
        top, bottom = max(0, self.offset(lo)), min(self.minutes, self.offset(hi))
        return (top, bottom - top) if bottom > top else None

    def hour_marks(self, tz: ZoneInfo) -> list[tuple[int, str]]:
        # Step through real hours, labelling each with the wall clock: 01:00 appears twice on the
        # day the clocks go back, and there is no 01:00 on the day they go forward.
        marks, instant = [], self.start
        while instant < self.end:
            marks.append((self.offset(instant), instant.astimezone(tz).strftime("%H:%M")))
            instant += timedelta(hours=1)
        return marks


@dataclass
class Grid:
    location: Location
    view: str  # "day" | "week"
    mode: str  # PRACTITIONERS | ROOMS
    days: list[DayAxis]
    columns: list[Column]
    hour_marks: list[tuple[int, str]]
    minutes: int
    practitioners: list[Practitioner]
    rooms: list[Room]
    appointment_count: int
    single: Practitioner | None = None  # a week drawn for one practitioner (7 readable day columns)

    @property
    def columns_by_day(self) -> list[tuple[DayAxis, list[Column]]]:
        by_day = defaultdict(list)
        for column in self.columns:
            by_day[column.day].append(column)
        return [(axis, by_day[axis.day]) for axis in self.days]


def calendar_schedule(*, location: Location, start: datetime, end: datetime) -> Schedule:
    """Who works when at ``location``, their breaks, time off and closures touching ``[start, end)``, as the
    availability engine reads them (``booking.selectors.schedule_setup``, four queries), without bookings: the
    calendar reads only the sessions it draws (``drawn_appointments``)."""
    return schedule_setup(location=location, start=start, end=end)


def drawn_appointments(*, location: Location, start: datetime, end: datetime, practitioner_ids: set[int] | None,
                       room_ids: set[int] | None, with_cancelled: bool) -> list[AppointmentRow]:
    """The sessions at ``location`` holding time in ``[start, end)`` (cancelled ones too ``with_cancelled``),
    of these practitioners and rooms (None: any), by start: one query, plain rows."""
    qs = Appointment.objects.filter(location=location, starts_at__lt=end, blocked_until__gt=start)
    if practitioner_ids is not None:
        qs = qs.filter(practitioner_id__in=practitioner_ids)
    if room_ids is not None:
        qs = qs.filter(room_id__in=room_ids)
    if not with_cancelled:
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    return [_row(values) for values in qs.order_by("starts_at", "pk").values_list(*ROW_FIELDS)]


def _visible_minutes(data: Schedule, appointments: list[AppointmentRow], days: list[date], tz: ZoneInfo,
                     shown_practitioners: set[int]) -> tuple[int, int]:
    """Wall-clock range shown: from the earliest opening or working hour to the latest, widened
    to include any appointment, in whole hours."""
    weekdays = {d.weekday() for d in days}
    spans = [(_minutes(s), _minutes(e)) for wd in weekdays for s, e in data.opening.get(wd, [])]
    spans += [(_minutes(s), _minutes(e)) for (pid, wd), items in data.hours.items()
              if wd in weekdays and pid in shown_practitioners for s, e in items]
    for appointment in appointments:
        start, end = appointment.starts_at.astimezone(tz), appointment.blocked_until.astimezone(tz)
        end_minute = 24 * 60 if end.date() > start.date() else _minutes(end.time())
        spans.append((_minutes(start.time()), end_minute))
    if not spans:
        return DEFAULT_HOURS
    lo, hi = min(s for s, _e in spans), max(e for _s, e in spans)
    return (lo // 60) * 60, min(24 * 60, -(-hi // 60) * 60)


def _interval_shades(axis: DayAxis, specs: list[tuple[time, time]], tz: ZoneInfo, kind: str,
                     label: str = "") -> list[Shade]:
    shades = []
    for start, end in specs:
        placed = axis.clip(wall_to_utc(axis.day, _minutes(start), tz), wall_to_utc(axis.day, _minutes(end), tz))
        if placed:
            shades.append(Shade(*placed, kind=kind, label=label))
    return shades


def _off_shades(axis: DayAxis, items: list[TimeOff], kind: str, default_label: str) -> list[Shade]:
    shades = []
    for off in items:
        placed = axis.clip(off.starts_at, off.ends_at)
        if placed:
            shades.append(Shade(*placed, kind=kind, label=off.reason or default_label))
    return shades


def _assign_lanes(blocks: list[Block]) -> None:
    """Side by side where blocks overlap (only cancelled ones can, the database forbids the rest)."""
    cluster: list[Block] = []
    cluster_end = -1
    for block in sorted(blocks, key=lambda b: (b.top, -b.height)):
        if cluster and block.top >= cluster_end:
            _spread(cluster)
            cluster, cluster_end = [], -1
        cluster.append(block)
        cluster_end = max(cluster_end, block.end)
    if cluster:
        _spread(cluster)


def _spread(cluster: list[Block]) -> None:
    lane_ends: list[int] = []
    for block in cluster:
        for lane, end in enumerate(lane_ends):
            if block.top >= end:
                block.lane, lane_ends[lane] = lane, block.end
                break
        else:
            block.lane = len(lane_ends)
            lane_ends.append(block.end)
    for block in cluster:
        block.lanes = len(lane_ends)


def calendar_grid(
    *,
    location: Location,
    start_date: date,
    days: int = 1,
    mode: str = PRACTITIONERS,
    practitioner_ids: list[int] | None = None,
    room_ids: list[int] | None = None,
    show_cancelled: bool = False,
    full_day: bool = False,
    single: bool = False,
    now: datetime | None = None,
) -> Grid:
    """The calendar for ``days`` local dates from ``start_date`` at ``location``.

    ``mode`` chooses the columns (a practitioner or a room each, per day); ``practitioner_ids`` /
    ``room_ids`` filter columns and appointments. ``full_day`` shows midnight to midnight. ``single``
    (by practitioner): one practitioner only, the first of ``practitioner_ids`` who works here, else the
    first who works on one of the days: eight practitioners times seven days is unreadable.
    """
    now = now or timezone.now()
    tz = location.tz
    dates = [start_date + timedelta(days=i) for i in range(days)]
    start, end = wall_to_utc(dates[0], 0, tz), wall_to_utc(dates[-1], 24 * 60, tz)
    data = calendar_schedule(location=location, start=start, end=end)
    chosen = _single(data, dates, practitioner_ids or []) if single and mode == PRACTITIONERS else None
    if chosen is not None:
        practitioner_ids = [chosen.pk]
    practitioners = [p for p in data.practitioners if not practitioner_ids or p.pk in practitioner_ids]
    rooms = [r for r in data.rooms if not room_ids or r.pk in room_ids]
    shown_p, shown_r = {p.pk for p in practitioners}, {r.pk for r in rooms}
    # Only this location's sessions are drawn (the engine also counts the practitioners' sessions elsewhere).
    appointments = drawn_appointments(location=location, start=start, end=end,
                                      practitioner_ids=shown_p if practitioner_ids else None,
                                      room_ids=shown_r if room_ids else None, with_cancelled=show_cancelled)

    lo, hi = (0, 24 * 60) if full_day else _visible_minutes(data, appointments, dates, tz, shown_p)
    today = now.astimezone(tz).date()
    axes = []
    for day in dates:
        axis = DayAxis(day=day, start=wall_to_utc(day, lo, tz), end=wall_to_utc(day, hi, tz), is_today=day == today)
        if axis.start <= now < axis.end:
            axis.now_top = axis.offset(now)
        axes.append(axis)

    # Each session judged on its own date: a screening wait ending on Wednesday stops Monday's session,
    # not Thursday's.
    statuses = statuses_on_dates(sessions={(a.client_id, a.starts_at.astimezone(tz).date()) for a in appointments})
    columns: dict[tuple[date, int], Column] = {}
    for axis in axes:
        weekday = axis.day.weekday()
        closures = _off_shades(axis, data.closures, "closed", "Clinic closed")
        if mode == ROOMS:
            # No opening hours at all: no restriction; hours on other days only: closed today.
            work = (_interval_shades(axis, data.opening.get(weekday, []), tz, "work") if data.opening
                    else [Shade(0, axis.minutes, "work")])
            for room in rooms:
                columns[(axis.day, room.pk)] = Column(day=axis.day, title=room.name, short=room.name, room_id=room.pk,
                                                      shades=work + closures)
            continue
        for p in practitioners:
            shades = _interval_shades(axis, data.hours.get((p.pk, weekday), []), tz, "work")
            shades += _interval_shades(axis, data.breaks.get((p.pk, weekday), []), tz, "break", "Break")
            shades += _off_shades(axis, data.time_off.get(p.pk, []), "off", "Time off")
            columns[(axis.day, p.pk)] = Column(day=axis.day, title=str(p), short=p.user.first_name, subtitle=p.title,
                                               colour=p.colour, practitioner_id=p.pk, shades=shades + closures)

    by_day = {axis.day: axis for axis in axes}
    for appointment in appointments:
        local_start = appointment.starts_at.astimezone(tz)
        axis = by_day.get(local_start.date())
        key = appointment.room_id if mode == ROOMS else appointment.practitioner_id
        column = columns.get((local_start.date(), key))
        if axis is None or column is None:
            continue
        placed = axis.clip(appointment.starts_at, appointment.ends_at)
        if placed is None:
            continue
        buffer_end = min(axis.minutes, axis.offset(appointment.blocked_until))
        column.blocks.append(Block(
            appointment=appointment, top=placed[0], height=placed[1], buffer=max(0, buffer_end - sum(placed)),
            local_start=local_start, local_end=appointment.ends_at.astimezone(tz),
            intake=statuses.get((appointment.client_id, local_start.date()))))
    for column in columns.values():
        _assign_lanes(column.blocks)

    return Grid(location=location, view="day" if days == 1 else "week", mode=mode, days=axes,
                columns=list(columns.values()), hour_marks=axes[0].hour_marks(tz),
                minutes=max(a.minutes for a in axes), practitioners=data.practitioners, rooms=data.rooms,
                appointment_count=len(appointments), single=chosen)


def _single(data: Schedule, dates: list[date], wanted: list[int]) -> Practitioner | None:
    by_pk = {p.pk: p for p in data.practitioners}
    for pk in wanted:
        if pk in by_pk:
            return by_pk[pk]
    weekdays = {d.weekday() for d in dates}
    working = [p for p in data.practitioners if any(data.hours.get((p.pk, wd)) for wd in weekdays)]
    return (working or data.practitioners or [None])[0]
