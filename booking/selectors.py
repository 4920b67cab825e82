"""Reads on the schedule, above all the availability engine.

``available_slots`` answers "when can this service be booked?" for a date range with a fixed
number of queries (one per table involved, whatever the number of days or appointments), then
works in memory. Weekly hours are wall-clock times in the location's zone: each day's intervals
are turned into UTC instants for that very date, so DST days come out right.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from operator import attrgetter
from zoneinfo import ZoneInfo

from django.db import connections, router
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clinic.core.models import ClinicSettings

from .models import (
    ACTIVE_STATUSES,
    MAX_HOLD,
    Appointment,
    AppointmentStatus,
    Break,
    Location,
    OpeningHours,
    Practitioner,
    Room,
    Service,
    TimeOff,
    WorkingHours,
)


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime  # end of the session (the buffer comes after)
    practitioner_id: int
    location_id: int

    def local_start(self, tz: ZoneInfo) -> datetime:
        return self.start.astimezone(tz)


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock time on a date, or None if that time does not exist (DST gap).

    Ambiguous times (clocks going back) take their first occurrence.
    """
    local = datetime.combine(day, at, tzinfo=tz)
    utc = local.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return utc


def wall_clock_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Like ``local_to_utc``, but a time inside a DST gap becomes the gap's end (the same UTC as fold=1)."""
    return local_to_utc(day, at, tz) or datetime.combine(day, at, tzinfo=tz).replace(fold=1).astimezone(UTC)


class _Busy:
    """Sorted, merged half-open intervals (touching ones joined): one practitioner's bookings and time off."""

    def __init__(self, intervals: list[tuple[datetime, datetime]]):
        merged: list[list[datetime]] = []
        for lo, hi in sorted(intervals):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def between(self, lo: datetime, hi: datetime,
                extra: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
        """The intervals reaching into ``[lo, hi)``, with ``extra`` ones (a day's breaks), sorted by start."""
        first, last = bisect.bisect_right(self.ends, lo), bisect.bisect_left(self.starts, hi)
        found = list(zip(self.starts[first:last], self.ends[first:last], strict=True))
        return sorted(found + extra) if extra else found


@dataclass
class Schedule:
    """A location's schedule over a window, as stored: who works when, breaks, time off, closures and
    bookings. The front-desk calendar reads it (``schedule_setup``); the engine reads the same weekly hours
    (``weekly_hours``) and only the bookings its dates need."""

    location: Location
    practitioners: list[Practitioner]
    rooms: list[Room]  # the active ones, by name
    hours: dict[tuple[int, int], list[tuple[time, time]]]  # (practitioner, weekday) -> wall-clock intervals here
    opening: dict[int, list[tuple[time, time]]]  # weekday -> intervals (empty dict: no restriction)
    breaks: dict[tuple[int, int], list[tuple[time, time]]]  # (practitioner, weekday) -> intervals
    time_off: dict[int, list[TimeOff]]  # practitioner -> their time off
    closures: list[TimeOff]  # the location's and the whole clinic's
    # By start: at this location, in its rooms, or anywhere for these practitioners. ``Appointment``s when
    # loaded ``with_details``, else light rows with the same names (pk, practitioner_id, room_id, location_id,
    # starts_at, blocked_until, status).
    appointments: list


def schedule_setup(*, location: Location, start: datetime, end: datetime, practitioners=None) -> Schedule:
    """How ``location`` is set up over ``[start, end)``: who works when, opening hours, breaks, time off and
    closures, without bookings (``appointments`` is empty): four queries. The front-desk calendar reads this and
    then only the sessions it draws; ``schedule_load`` adds every booking that holds time there.

    ``practitioners`` is a queryset (default: everyone active at the location)."""
    if practitioners is None:
        practitioners = Practitioner.objects.filter(is_active=True, locations=location)
    people = list(practitioners.select_related("user"))
    ids = [p.pk for p in people]
    rooms = list(Room.objects.filter(location=location, is_active=True).order_by("name", "pk"))
    hours, opening, breaks = weekly_hours(location, ids)
    time_off: dict = defaultdict(list)
    closures = []
    for off in TimeOff.objects.filter(
        Q(practitioner_id__in=ids) | Q(practitioner=None, location=location) | Q(practitioner=None, location=None),
        starts_at__lt=end, ends_at__gt=start,
    ).order_by("starts_at", "pk"):
        (time_off[off.practitioner_id] if off.practitioner_id else closures).append(off)
    return Schedule(location=location, practitioners=people, rooms=rooms, hours=hours, opening=opening or {},
                    breaks=breaks, time_off=time_off, closures=closures, appointments=[])


def schedule_load(*, location: Location, start: datetime, end: datetime, practitioners=None,
                  with_cancelled: bool = False, with_details: bool = False,
                  ignore_appointment_pk: int | None = None) -> Schedule:
    """Everything set up or booked at ``location`` that touches ``[start, end)``: ``schedule_setup`` plus one
    query for the bookings, whatever the length of the window or the number of appointments.

    Appointments are those holding time (cancelled ones too ``with_cancelled``), including the practitioners'
    sessions at other locations: they are busy then wherever they are. ``with_details`` loads each one's client,
    service, practitioner and room to draw it; without, only what placing it needs.
    """
    schedule = schedule_setup(location=location, start=start, end=end, practitioners=practitioners)
    ids = [p.pk for p in schedule.practitioners]
    appointments = (Appointment.objects.filter(starts_at__lt=end, blocked_until__gt=start)
                    .filter(Q(location=location) | Q(practitioner_id__in=ids)
                            | Q(room_id__in=[r.pk for r in schedule.rooms]))
                    .exclude(pk=ignore_appointment_pk).order_by("starts_at", "pk"))
    if not with_cancelled:
        appointments = appointments.filter(status__in=ACTIVE_STATUSES)
    if with_details:
        appointments = appointments.select_related("client", "service", "practitioner__user", "room")
    else:  # light rows with the same attribute names
        appointments = appointments.values_list("pk", "practitioner_id", "room_id", "location_id", "starts_at",
                                                "blocked_until", "status", named=True)
    schedule.appointments = list(appointments)
    return schedule


# --- the engine: interval arithmetic per practitioner-day ------------------------------------------------
#
# A slot fits when [start, start + duration + buffer) lies inside one working interval (and one opening
# interval, when the location sets any), overlaps none of the practitioner's breaks, time off, clinic closures
# or appointments, and one active room is free for all of it. Rather than testing every candidate start
# against each of those, the engine turns each practitioner-day into closed ranges of allowed *starts*
# (free stretch [lo, hi) -> starts [lo, hi - length]), intersects them with the ranges where some room is
# free, and only then walks the wall-clock step grid inside what is left.

Starts = list[tuple[datetime, datetime]]  # sorted, disjoint, closed ranges of allowed start instants

# A one-practitioner read asks for room bookings only around the practitioner's free time, as at most
# this many OR-ed windows (nearby windows are joined beyond that, which reads a little more, never less).
MAX_ROOM_WINDOWS = 24


@lru_cache(maxsize=4096)
def _day_offset(day: date, tz: ZoneInfo) -> timedelta | None:
    """The UTC offset in force for the whole local ``day``, or None when the clocks change that day.

    Zone rules are fixed for the life of the process, so this is cached across requests: a day without a
    change converts wall-clock times by subtraction instead of a zone lookup each.
    """
    first = datetime.combine(day, time.min, tzinfo=tz).utcoffset()
    after = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz).utcoffset()
    return first if first == after else None


def _wall(day: date, at: time, tz: ZoneInfo, offset: timedelta | None) -> datetime:
    """``wall_clock_to_utc`` with the day's fixed offset when it has one (a DST day converts exactly)."""
    if offset is None:
        return wall_clock_to_utc(day, at, tz)
    return datetime.combine(day, at, tzinfo=UTC) - offset


def _wall_intervals(day: date, spec: list[tuple[time, time]], tz: ZoneInfo,
                    offset: timedelta | None) -> list[tuple[datetime, datetime]]:
    """Wall-clock intervals on a date as UTC instants; a bound inside a DST gap moves to the gap's end, and an
    interval left empty is dropped."""
    out = []
    for start, end in spec:
        lo, hi = _wall(day, start, tz, offset), _wall(day, end, tz, offset)
        if hi > lo:
            out.append((lo, hi))
    return out


def _clear_starts(lo: datetime, hi: datetime, busy: list[tuple[datetime, datetime]], length: timedelta) -> Starts:
    """Starts ``s`` with ``[s, s + length)`` inside ``[lo, hi)`` and overlapping nothing in ``busy``.

    ``busy`` holds half-open intervals sorted by start (they may overlap). Back-to-back is fine; an
    interval of no length strictly inside a booking still clashes with it.
    """
    out = []
    cursor = lo
    for busy_lo, busy_hi in busy:
        if busy_lo >= hi:
            break
        if busy_lo - cursor >= length:
            out.append((cursor, busy_lo - length))
        if busy_hi > cursor:
            cursor = busy_hi
    if hi - cursor >= length:
        out.append((cursor, hi - length))
    return out


def _union(ranges: Starts) -> Starts:
    """Sorted, disjoint closed ranges covering the same starts."""
    merged: Starts = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1]:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


def _intersect(a: Starts, b: Starts, b_ends: list[datetime] | None = None) -> Starts:
    """The starts in both; ``b_ends`` (b's upper bounds) skips the part of a long ``b`` before ``a``."""
    out: Starts = []
    if not a or not b:
        return out
    i, j = 0, bisect.bisect_left(b_ends, a[0][0]) if b_ends is not None else 0
    while i < len(a) and j < len(b):
        lo = a[i][0] if a[i][0] > b[j][0] else b[j][0]
        hi = a[i][1] if a[i][1] < b[j][1] else b[j][1]
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


@dataclass
class _Stretch:
    """One working interval on one date, with the starts its practitioner could take (rooms not yet counted)."""

    practitioner_id: int
    day: date
    start: time  # wall clock: the step grid runs from here
    end: time
    lo: datetime  # the interval in UTC
    offset: timedelta | None
    starts: Starts


def _stretch_starts(lo: datetime, hi: datetime, opening: list[tuple[datetime, datetime]] | None,
                    busy: list[tuple[datetime, datetime]], length: timedelta, bounds: Starts) -> Starts:
    """Starts inside one working interval: within one opening interval (when the location sets any), clear
    of ``busy`` and inside ``bounds`` (notice and horizon)."""
    pieces = [(lo, hi)] if opening is None else [
        (max(lo, o_lo), min(hi, o_hi)) for o_lo, o_hi in opening if o_lo < hi and lo < o_hi]
    ranges: Starts = []
    for piece_lo, piece_hi in pieces:
        ranges.extend(_clear_starts(piece_lo, piece_hi, busy, length))
    return _intersect(_union(ranges) if len(pieces) > 1 else ranges, bounds)


def _grid_starts(stretch: _Stretch, ranges: Starts, step: timedelta, tz: ZoneInfo) -> list[datetime]:
    """The starts on the stretch's wall-clock step grid (09:00, 09:15, ... on every date) inside ``ranges``.

    With a fixed offset the grid is arithmetic in UTC; on a clock-change day each wall-clock candidate is
    converted exactly, and one inside the gap does not exist.
    """
    out: list[datetime] = []
    if stretch.offset is not None:
        origin = stretch.lo
        for lo, hi in ranges:
            first = max(0, -((origin - lo) // step))
            last = (hi - origin) // step
            out.extend(origin + k * step for k in range(first, last + 1))
        return out
    cursor = datetime.combine(stretch.day, stretch.start)
    end = datetime.combine(stretch.day, stretch.end)
    while cursor < end:
        start = local_to_utc(stretch.day, cursor.time(), tz)
        cursor += step
        if start is not None and any(lo <= start <= hi for lo, hi in ranges):
            out.append(start)
    return out


@dataclass
class _Plan:
    """What the engine read for one location and window, before rooms are counted."""

    location: Location
    length: timedelta  # duration + buffer: the time a booking holds
    rooms: list[int]  # the active rooms
    ids: list[int]  # the practitioners read
    stretches: list[_Stretch]
    busy_rows: list  # (practitioner_id, room_id, starts_at, blocked_until) of the practitioners' own bookings
    room_windows_only: bool  # True: room bookings are still to be read around the stretches' starts


# Who the engine reads: a list of practitioner ids, or a subquery selecting them, with its parameters.
Practitioners = list[int] | tuple[str, list]


def _who(practitioners: Practitioners) -> tuple[str, list]:
    """What goes inside ``practitioner_id IN (...)`` for ``practitioners``, with its parameters."""
    if isinstance(practitioners, tuple):
        return practitioners
    return ", ".join(["%s"] * len(practitioners)) or "NULL", list(practitioners)


def weekly_hours(location: Location, practitioners: Practitioners) -> tuple[dict, dict | None, dict]:
    """Working hours here, the location's opening hours and the breaks, in one query.

    Returns (hours, opening, breaks): (practitioner, weekday) -> intervals, weekday -> intervals (None: the
    location sets no opening hours, so nothing limits the practitioners' hours), (practitioner, weekday) ->
    intervals. ``practitioners``: their ids, or a subquery of them (``bookable_sql``).

    Written as SQL, as the engine's other hot reads: through the ORM, compiling this union of three filtered
    tables cost a week of free times 1.4 ms; the whole read now takes about 0.2 ms.
    """
    connection = connections[router.db_for_read(WorkingHours)]
    q = connection.ops.quote_name
    who, who_params = _who(practitioners)
    start, end = q("start"), q("end")
    sql = (f"SELECT 0, practitioner_id, weekday, {start}, {end} FROM {q(WorkingHours._meta.db_table)} "
           f"WHERE location_id = %s AND practitioner_id IN ({who}) "
           f"UNION ALL SELECT 1, CAST(NULL AS integer), weekday, opens, closes FROM {q(OpeningHours._meta.db_table)} "
           f"WHERE location_id = %s "
           f"UNION ALL SELECT 2, practitioner_id, weekday, {start}, {end} FROM {q(Break._meta.db_table)} "
           f"WHERE practitioner_id IN ({who})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [location.pk, *who_params, location.pk, *who_params])
        rows = cursor.fetchall()
    if rows and isinstance(rows[0][3], str):  # SQLite may hand times back as text: parse each distinct one once
        parsed = {text: time.fromisoformat(text) for row in rows for text in row[3:]}
        rows = [(table, pk, weekday, parsed[a], parsed[b]) for table, pk, weekday, a, b in rows]
    hours: dict = defaultdict(list)
    opening: dict = defaultdict(list)
    breaks: dict = defaultdict(list)
    for table, pk, weekday, start_at, end_at in sorted(rows, key=lambda r: (r[0], r[3], r[4])):
        if table == 0:
            hours[(pk, weekday)].append((start_at, end_at))
        elif table == 1:
            opening[weekday].append((start_at, end_at))
        else:
            breaks[(pk, weekday)].append((start_at, end_at))
    return hours, (opening or None), breaks


def _rooms_and_time_off(location: Location, practitioners: Practitioners, lo: datetime,
                        hi: datetime) -> tuple[list[int], list[tuple[int | None, datetime, datetime]]]:
    """The location's active rooms, and the time off touching ``[lo, hi)`` of ``practitioners`` (practitioner,
    starts, ends) with the closures of the location and the whole clinic (practitioner None): one query, by hand
    for the reason ``weekly_hours`` gives."""
    connection = connections[router.db_for_read(TimeOff)]
    ops = connection.ops
    who, who_params = _who(practitioners)
    sqlite = connection.vendor == "sqlite"
    # SQLite: the instants as text (no per-value converter), parsed below; the rooms' rows carry none.
    instants = "starts_at || '', ends_at || ''" if sqlite else "starts_at, ends_at"
    nothing = "NULL, NULL" if sqlite else ", ".join(["CAST(NULL AS timestamp with time zone)"] * 2)
    sql = (f"SELECT 0, id, {nothing} FROM {ops.quote_name(Room._meta.db_table)} "
           "WHERE location_id = %s AND is_active "
           f"UNION ALL SELECT 1, practitioner_id, {instants} FROM {ops.quote_name(TimeOff._meta.db_table)} "
           f"WHERE (practitioner_id IN ({who}) "
           "OR (practitioner_id IS NULL AND (location_id = %s OR location_id IS NULL))) "
           "AND starts_at < %s AND ends_at > %s")
    params = [location.pk, *who_params, location.pk, ops.adapt_datetimefield_value(hi),
              ops.adapt_datetimefield_value(lo)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    tz = connection.timezone
    rooms = sorted(pk for table, pk, _a, _b in rows if table == 0)
    time_off = [(pk, _aware(a, tz), _aware(b, tz)) for table, pk, a, b in rows if table == 1]
    return rooms, time_off


def _plan(*, service: Service, location: Location, practitioners: Practitioners, start_date: date, end_date: date,
          earliest: datetime, latest: datetime, ignore_pk: int | None) -> _Plan:
    """Read the window's schedule (four queries whatever its size) and work out each practitioner-day's
    possible starts, rooms aside. One practitioner's bookings are read alone; the rooms' bookings then
    only around the starts left (``_room_starts``), so a big location costs a single diary little more."""
    tz = location.tz
    window_lo = datetime.combine(start_date, time.min, tzinfo=tz) - timedelta(days=1)
    window_hi = datetime.combine(end_date, time.max, tzinfo=tz) + timedelta(days=1)
    hours, opening, breaks = weekly_hours(location, practitioners)
    ids = sorted({pk for pk, _weekday in hours})
    rooms, time_off = _rooms_and_time_off(location, practitioners, window_lo, window_hi)
    length = service.duration + service.buffer
    if not ids or not rooms or earliest > latest:
        return _Plan(location=location, length=length, rooms=rooms, ids=ids, stretches=[], busy_rows=[],
                     room_windows_only=False)
    busy: dict[int, list] = {pk: [] for pk in ids}
    for pk, starts_at, ends_at in time_off:
        for key in ([pk] if pk is not None else ids):
            if key in busy:  # the subquery's practitioners without hours here have no day to block
                busy[key].append((starts_at, ends_at))
    alone = len(ids) == 1
    rows = _holds([("practitioner_id", ids, window_lo, window_hi)] if alone else
                  [("practitioner_id", ids, window_lo, window_hi), ("room_id", rooms, window_lo, window_hi)],
                  ignore_pk=ignore_pk)
    for pk, _room, starts_at, blocked_until in rows:
        if pk in busy:
            busy[pk].append((starts_at, blocked_until))
    stretches = _stretches(ids=ids, hours=hours, opening=opening, breaks=breaks, busy=busy, tz=tz, length=length,
                           days=(start_date, end_date), bounds=[(earliest, latest)])
    return _Plan(location=location, length=length, rooms=rooms, ids=ids, stretches=stretches, busy_rows=rows,
                 room_windows_only=alone)


def held_sql(lo: datetime, hi: datetime, *, ops, alias: str = "", ignore_pk: int | None = None) -> tuple[str, list]:
    """The hand-written reads' condition, with its parameters, for "an active booking holding time within
    ``[lo, hi)``" (``booking.services._overlapping`` says it to the ORM): no booking holds longer than
    ``MAX_HOLD`` (a check constraint), so one touching ``[lo, hi)`` started after ``lo - MAX_HOLD``; that bound
    changes no answer, and makes the read one range of a (practitioner | room, starts_at) index. ``alias``: the
    table's alias in the query; ``ignore_pk``: a booking being moved does not hold its own time."""
    column = f"{alias}." if alias else ""
    adapt = ops.adapt_datetimefield_value
    sql = (f"{column}status IN ({', '.join(['%s'] * len(ACTIVE_STATUSES))}) AND {column}starts_at > %s "
           f"AND {column}starts_at < %s AND {column}blocked_until > %s")
    params = [*ACTIVE_STATUSES, adapt(lo - MAX_HOLD), adapt(hi), adapt(lo)]
    if ignore_pk is not None:
        sql += f" AND {column}id <> %s"
        params.append(ignore_pk)
    return sql, params


# (column, the ids it may hold, lo, hi): the bookings of those practitioners or rooms touching [lo, hi).
HoldTerm = tuple[str, list[int], datetime, datetime]


def _holds(terms: list[HoldTerm], *, ignore_pk: int | None,
           not_practitioners: list[int] | None = None) -> list[tuple[int, int, datetime, datetime]]:
    """(practitioner, room, starts_at, blocked_until) of each active booking matching any of ``terms``.

    The engine's hot reads, written as SQL: compiling the same filter through the ORM cost more than running it
    (a month's room windows are two dozen OR-ed terms), and Django's datetime converter consults the settings
    for every value. Each term is one range of the (practitioner | room, starts_at) index (``held_sql``), not
    every booking since the clinic opened.
    """
    connection = connections[router.db_for_read(Appointment)]
    ops, table = connection.ops, Appointment._meta.db_table
    ors, params = [], []
    for column, ids, lo, hi in terms:
        if ids:
            held, held_params = held_sql(lo, hi, ops=ops, ignore_pk=ignore_pk)
            ors.append(f"({column} IN ({', '.join(['%s'] * len(ids))}) AND {held})")
            params += [*ids, *held_params]
    if not ors:
        return []
    sqlite = connection.vendor == "sqlite"
    # SQLite: the instants as text (no per-value converter), parsed once per distinct value below.
    instants = "starts_at || '', blocked_until || ''" if sqlite else "starts_at, blocked_until"
    sql = f"SELECT practitioner_id, room_id, {instants} FROM {ops.quote_name(table)} WHERE ({' OR '.join(ors)})"
    if not_practitioners:
        sql += f" AND practitioner_id NOT IN ({', '.join(['%s'] * len(not_practitioners))})"
        params += not_practitioners
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    tz = connection.timezone
    if sqlite:  # sessions start and end on the step grid: a location's month shares a few hundred instants
        texts = {text for row in rows for text in row[2:]}
        parsed = {text: datetime.fromisoformat(text).replace(tzinfo=tz) for text in texts}
        return [(pk, room, parsed[lo], parsed[hi]) for pk, room, lo, hi in rows]
    return [(pk, room, _aware(starts_at, tz), _aware(blocked_until, tz)) for pk, room, starts_at, blocked_until in rows]


def _aware(value: datetime | str, tz) -> datetime:
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def _stretches(*, ids: list[int], hours: dict, opening: dict | None, breaks: dict, busy: dict[int, list],
               tz: ZoneInfo, length: timedelta, days: tuple[date, date], bounds: Starts) -> list[_Stretch]:
    """Every practitioner-day's working intervals with their possible starts (rooms aside)."""
    merged = {pk: _Busy(intervals) for pk, intervals in busy.items()}
    out = []
    day = days[0]
    while day <= days[1]:
        weekday = day.weekday()
        offset = _day_offset(day, tz)
        day_opening = None if opening is None else _wall_intervals(day, opening.get(weekday, []), tz, offset)
        in_utc: dict[tuple, list] = {}  # the day's hours and breaks in UTC: most of a team share theirs
        for pk in ids:
            spec = hours.get((pk, weekday))
            if not spec:
                continue
            hours_key, breaks_key = tuple(spec), ("breaks", *breaks.get((pk, weekday), ()))
            if hours_key not in in_utc:
                in_utc[hours_key] = [(a, b, _wall(day, a, tz, offset), _wall(day, b, tz, offset)) for a, b in spec]
            if breaks_key not in in_utc:
                in_utc[breaks_key] = _wall_intervals(day, breaks_key[1:], tz, offset)
            day_breaks = in_utc[breaks_key]
            for start_t, end_t, lo, hi in in_utc[hours_key]:
                if hi <= lo:
                    continue
                starts = _stretch_starts(lo, hi, day_opening, merged[pk].between(lo, hi, extra=day_breaks),
                                         length, bounds)
                if starts:
                    out.append(_Stretch(pk, day, start_t, end_t, lo, offset, starts))
        day += timedelta(days=1)
    return out


def _room_starts(plan: _Plan, ignore_pk: int | None) -> tuple[Starts, list[datetime]]:
    """Starts at which at least one active room is free for the whole booking, and their upper bounds.

    One practitioner: only the rooms' bookings that could touch one of the stretches' starts are read
    (one query); otherwise ``_plan`` read them already.
    """
    rows = plan.busy_rows
    if plan.room_windows_only:
        windows = _room_windows([r for s in plan.stretches for r in s.starts], plan.length)
        rows = rows + _holds([("room_id", plan.rooms, lo, hi) for lo, hi in windows], ignore_pk=ignore_pk,
                             not_practitioners=plan.ids)
    per_room: dict[int, list] = {pk: [] for pk in plan.rooms}
    for _pk, room, starts_at, blocked_until in rows:
        if room in per_room:
            per_room[room].append((starts_at, blocked_until))
    lo = min(s.starts[0][0] for s in plan.stretches)
    hi = max(s.starts[-1][1] for s in plan.stretches) + plan.length
    free = _union([r for busy in per_room.values() for r in _clear_starts(lo, hi, sorted(busy), plan.length)])
    return free, [r[1] for r in free]


def _room_windows(starts: Starts, length: timedelta) -> Starts:
    """The time the rooms matter for these starts, as at most ``MAX_ROOM_WINDOWS`` windows (closest joined)."""
    windows = _union([(lo, hi + length) for lo, hi in starts])
    if len(windows) <= MAX_ROOM_WINDOWS:
        return windows
    # Join across the smallest gaps: at least len - MAX of them (ties join too), so at most MAX are left.
    gaps = sorted(windows[i + 1][0] - windows[i][1] for i in range(len(windows) - 1))
    limit = gaps[len(windows) - MAX_ROOM_WINDOWS - 1]
    joined: Starts = [windows[0]]
    for lo, hi in windows[1:]:
        if lo - joined[-1][1] <= limit:
            joined[-1] = (joined[-1][0], hi)
        else:
            joined.append((lo, hi))
    return joined


def _engine(*, service: Service, location: Location, practitioners: Practitioners, start_date: date,
            end_date: date, step: timedelta, earliest: datetime, latest: datetime,
            ignore_pk: int | None) -> list[Slot]:
    plan = _plan(service=service, location=location, practitioners=practitioners, start_date=start_date,
                 end_date=end_date, earliest=earliest, latest=latest, ignore_pk=ignore_pk)
    if not plan.stretches:
        return []
    rooms, room_ends = _room_starts(plan, ignore_pk)
    tz, duration, location_id = location.tz, service.duration, location.pk
    slots = []
    for stretch in plan.stretches:
        ranges = _intersect(stretch.starts, rooms, room_ends)
        if ranges:
            pk = stretch.practitioner_id
            slots.extend(Slot(start, start + duration, pk, location_id)
                         for start in _grid_starts(stretch, ranges, step, tz))
    slots.sort(key=_slot_order)
    return slots


_slot_order = attrgetter("start", "end", "practitioner_id", "location_id")  # Slot's own order, compared in C


def _bounds(*, staff: bool, now: datetime, clinic: ClinicSettings) -> tuple[datetime, datetime]:
    if staff:
        return now, now + timedelta(days=3650)
    return now + timedelta(hours=clinic.minimum_notice_hours), now + timedelta(days=clinic.booking_horizon_days)


def bookable_practitioners(*, service: Service, location: Location):
    return Practitioner.objects.filter(is_active=True, services=service, locations=location)


def bookable_sql(*, service: Service, location: Location, practitioner: Practitioner | None = None,
                 ) -> tuple[str, list]:
    """``bookable_practitioners`` (only ``practitioner``, if given) as a subquery of their ids, with its
    parameters, for the engine's hand-written reads (``weekly_hours``)."""
    q = connections[router.db_for_read(Practitioner)].ops.quote_name
    through = Practitioner.services.through._meta.db_table, Practitioner.locations.through._meta.db_table
    sql = (f"SELECT p.id FROM {q(Practitioner._meta.db_table)} p "
           f"JOIN {q(through[0])} ps ON ps.practitioner_id = p.id AND ps.service_id = %s "
           f"JOIN {q(through[1])} pl ON pl.practitioner_id = p.id AND pl.location_id = %s WHERE p.is_active")
    params = [service.pk, location.pk]
    if practitioner is not None:
        sql += " AND p.id = %s"
        params.append(practitioner.pk)
    return sql, params


def available_slots(
    *,
    service: Service,
    location: Location,
    start_date: date,
    end_date: date,
    practitioner: Practitioner | None = None,
    staff: bool = False,
    now: datetime | None = None,
    ignore_appointment_pk: int | None = None,
) -> list[Slot]:
    """Bookable slots for ``service`` at ``location`` on local dates ``start_date``..``end_date``.

    ``practitioner=None`` means "any practitioner" (slots of every practitioner, sorted by time).
    ``staff=True`` lifts the online rules (minimum notice and horizon) but never allows overlap.
    At most five queries whatever the window or the number of bookings.
    """
    return _slots(service=service, location=location, start_date=start_date, end_date=end_date,
                  practitioner=practitioner, staff=staff, now=now or timezone.now(), clinic=ClinicSettings.load(),
                  ignore_pk=ignore_appointment_pk)


def _slots(*, service: Service, location: Location, start_date: date, end_date: date,
           practitioner: Practitioner | None, staff: bool, now: datetime, clinic: ClinicSettings,
           ignore_pk: int | None) -> list[Slot]:
    """``available_slots`` with the clinic's settings already read."""
    earliest, latest = _bounds(staff=staff, now=now, clinic=clinic)
    return _engine(service=service, location=location,
                   practitioners=bookable_sql(service=service, location=location, practitioner=practitioner),
                   start_date=start_date, end_date=end_date, step=timedelta(minutes=clinic.slot_step_minutes),
                   earliest=earliest, latest=latest, ignore_pk=ignore_pk)


def first_per_start(slots: list[Slot]) -> list[Slot]:
    """For "any practitioner": one slot per start time (the first practitioner free then)."""
    seen: set[datetime] = set()
    out = []
    for slot in slots:
        if slot.start not in seen:
            seen.add(slot.start)
            out.append(slot)
    return out


def nearest_slots(*, service: Service, practitioner: Practitioner | None, location: Location, around: datetime,
                  limit: int = 3, staff: bool = False) -> list[Slot]:
    """The free slots closest in time to ``around`` (for "that time was just taken")."""
    tz = location.tz
    day = around.astimezone(tz).date()
    slots = available_slots(service=service, location=location, practitioner=practitioner, staff=staff,
                            start_date=day - timedelta(days=3), end_date=day + timedelta(days=7))
    if practitioner is None:
        slots = first_per_start(slots)
    slots.sort(key=lambda s: (abs((s.start - around).total_seconds()), s.start))
    return sorted(slots[:limit])


@dataclass(frozen=True)
class SlotCheck:
    """One exact start checked in one read: why it cannot be booked (``problem``, in words for the user), and
    whether someone holds it (``taken``: the practitioner is busy or every room is; only looked at when
    there is no problem, else False)."""

    problem: str | None
    taken: bool


def slot_problem(*, service: Service, practitioner: Practitioner, location: Location, start: datetime,
                 staff: bool = False, ignore_appointment_pk: int | None = None,
                 now: datetime | None = None) -> str | None:
    """Why this exact slot cannot be booked, in words for the user; None when it fits the schedule.

    Clashes with other appointments are not reported here: the write itself detects them
    (``SlotTaken``) so that the message is the same whether we lost a race or not. So no booking is read:
    two queries (settings, then ``_slot_facts``: the offer, the weekday's hours, breaks, time off and rooms).
    """
    return _check(service=service, practitioner=practitioner, location=location, start=start, staff=staff,
                  ignore_pk=ignore_appointment_pk, now=now, clashes=False).problem


def slot_check(*, service: Service, practitioner: Practitioner, location: Location, start: datetime,
               staff: bool = False, ignore_appointment_pk: int | None = None,
               now: datetime | None = None) -> SlotCheck:
    """``slot_problem`` and, when there is none, whether the start is still free (what the engine would
    offer), in two queries (the bookings then are read with ``slot_problem``'s facts): the review page's whole
    question."""
    return _check(service=service, practitioner=practitioner, location=location, start=start, staff=staff,
                  ignore_pk=ignore_appointment_pk, now=now, clashes=True)


def _check(*, service: Service, practitioner: Practitioner, location: Location, start: datetime, staff: bool,
           ignore_pk: int | None, now: datetime | None, clashes: bool) -> SlotCheck:
    now = now or timezone.now()
    clinic = ClinicSettings.load()
    problem = _rule_problem(service=service, practitioner=practitioner, location=location, start=start,
                            staff=staff, now=now, clinic=clinic)
    if problem:
        return SlotCheck(problem, False)
    facts = _slot_facts(service=service, practitioner=practitioner, location=location, start=start,
                        ignore_pk=ignore_pk, clashes=clashes)
    if not practitioner.is_active or not facts.offers:
        return SlotCheck(f"{practitioner} does not offer {service.name}. Please choose another practitioner.", False)
    if not facts.works:
        return SlotCheck(f"{practitioner} does not work at {location.name}.", False)
    problem = _schedule_problem(service=service, practitioner=practitioner, location=location, start=start,
                                staff=staff, clinic=clinic, facts=facts)
    if problem or not clashes:
        return SlotCheck(problem, False)
    busy_rooms = {room for _pk, room in facts.held}
    return SlotCheck(None, any(pk == practitioner.pk for pk, _room in facts.held) or len(busy_rooms) >= facts.rooms)


def _rule_problem(*, service: Service, practitioner: Practitioner, location: Location, start: datetime, staff: bool,
                  now: datetime, clinic: ClinicSettings) -> str | None:
    """The online rules that need no query: past, notice, horizon, the service bookable."""
    if start <= now:
        return "That time is in the past. Please choose a time from the calendar."
    earliest, latest = _bounds(staff=staff, now=now, clinic=clinic)
    if start < earliest:
        return (f"Online bookings need at least {clinic.minimum_notice_hours} hours' notice. "
                f"For an earlier time please call the clinic on {clinic.phone}.")
    if start > latest:
        return f"Online bookings open {clinic.booking_horizon_days} days ahead. Please choose an earlier date."
    if not service.is_active or (not staff and not service.bookable_online):
        return "This service cannot be booked online. Please call the clinic."
    return None


@dataclass
class _SlotFacts:
    """Everything ``_check`` needs about one practitioner, service, location and start."""

    offers: bool  # the practitioner offers the service
    works: bool  # ... and works at the location
    rooms: int  # the location's active rooms
    hours: list[tuple[time, time]]  # the practitioner's working intervals here on the start's weekday
    opening: dict[int, list[tuple[time, time]]] | None  # weekday -> intervals; None: the location sets none
    breaks: list[tuple[time, time]]  # the practitioner's breaks that weekday
    time_off: list[tuple[int | None, datetime, datetime]]  # (practitioner, or None for a closure, starts, ends)
    held: list[tuple[int, int]]  # (practitioner, room) of the bookings then (read only for clashes)


# Row kinds of ``_slot_facts``' one query.
_HOURS, _OPENING, _BREAK, _OFF, _OFFERS, _WORKS, _ROOM, _HELD = range(8)


def _slot_facts(*, service: Service, practitioner: Practitioner, location: Location, start: datetime,
                ignore_pk: int | None, clashes: bool) -> _SlotFacts:
    """One query (a UNION ALL of small indexed reads) for what the booking POST and the review page ask of one
    start: compiling these reads through the ORM cost more than running them, once per click.

    Rows are (kind, a, b, from, until, starts, ends); typed NULLs keep PostgreSQL's column types.
    """
    connection = connections[router.db_for_read(Appointment)]
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    tz = location.tz
    weekday = start.astimezone(tz).weekday()
    blocked = start + service.duration + service.buffer
    pk, place = practitioner.pk, location.pk
    n_i, n_t, n_d = "CAST(NULL AS integer)", "CAST(NULL AS time)", "CAST(NULL AS timestamp with time zone)"

    def table(model) -> str:
        return q(model._meta.db_table)

    offers, works = Practitioner.services.through, Practitioner.locations.through
    parts = [
        (f"SELECT {_HOURS}, {n_i}, {n_i}, {q('start')}, {q('end')}, {n_d}, {n_d} FROM {table(WorkingHours)} "
         "WHERE practitioner_id = %s AND location_id = %s AND weekday = %s", [pk, place, weekday]),
        (f"SELECT {_OPENING}, {n_i}, weekday, opens, closes, {n_d}, {n_d} FROM {table(OpeningHours)} "
         "WHERE location_id = %s", [place]),
        (f"SELECT {_BREAK}, {n_i}, {n_i}, {q('start')}, {q('end')}, {n_d}, {n_d} FROM {table(Break)} "
         "WHERE practitioner_id = %s AND weekday = %s", [pk, weekday]),
        (f"SELECT {_OFF}, practitioner_id, {n_i}, {n_t}, {n_t}, starts_at, ends_at FROM {table(TimeOff)} "
         "WHERE (practitioner_id = %s OR (practitioner_id IS NULL AND (location_id = %s OR location_id IS NULL))) "
         "AND starts_at < %s AND ends_at > %s", [pk, place, adapt(blocked), adapt(start)]),
        (f"SELECT {_OFFERS}, {n_i}, {n_i}, {n_t}, {n_t}, {n_d}, {n_d} FROM {table(offers)} "
         "WHERE practitioner_id = %s AND service_id = %s", [pk, service.pk]),
        (f"SELECT {_WORKS}, {n_i}, {n_i}, {n_t}, {n_t}, {n_d}, {n_d} FROM {table(works)} "
         "WHERE practitioner_id = %s AND location_id = %s", [pk, place]),
        (f"SELECT {_ROOM}, {n_i}, {n_i}, {n_t}, {n_t}, {n_d}, {n_d} FROM {table(Room)} "
         "WHERE location_id = %s AND is_active", [place]),
    ]
    if clashes:  # the bookings holding the practitioner, or a room here, at that time
        held, held_params = held_sql(start, blocked, ops=connection.ops, ignore_pk=ignore_pk)
        parts.append((
            f"SELECT {_HELD}, practitioner_id, room_id, {n_t}, {n_t}, {n_d}, {n_d} FROM {table(Appointment)} "
            f"WHERE {held} AND (practitioner_id = %s OR room_id IN (SELECT id FROM {table(Room)} "
            "WHERE location_id = %s AND is_active))", [*held_params, pk, place]))
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sql for sql, _params in parts), [p for _sql, params in parts for p in params])
        rows = cursor.fetchall()
    return _facts_from(rows, connection.timezone)


def _facts_from(rows: list[tuple], db_tz) -> _SlotFacts:
    """``_slot_facts``' rows as typed facts. SQLite returns times and instants as text where no column type
    says otherwise (a UNION's later branches), PostgreSQL as objects."""
    facts = _SlotFacts(offers=False, works=False, rooms=0, hours=[], opening=None, breaks=[], time_off=[], held=[])
    opening: dict = defaultdict(list)
    for kind, a, b, lo, hi, starts_at, ends_at in rows:
        if kind in (_HOURS, _OPENING, _BREAK):
            interval = (_as_time(lo), _as_time(hi))
            (facts.hours if kind == _HOURS else facts.breaks if kind == _BREAK else opening[b]).append(interval)
        elif kind == _OFF:
            facts.time_off.append((a, _aware(starts_at, db_tz), _aware(ends_at, db_tz)))
        elif kind == _HELD:
            facts.held.append((a, b))
        else:
            facts.offers |= kind == _OFFERS
            facts.works |= kind == _WORKS
            facts.rooms += kind == _ROOM
    facts.hours.sort()
    facts.breaks.sort()
    facts.opening = {day: sorted(spec) for day, spec in opening.items()} or None
    return facts


def _as_time(value: time | str) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def _schedule_problem(*, service: Service, practitioner: Practitioner, location: Location, start: datetime,
                      staff: bool, clinic: ClinicSettings, facts: _SlotFacts) -> str | None:
    """Whether the engine would offer this exact start, clashes aside; else why not, in words."""
    tz = location.tz
    day = start.astimezone(tz).date()
    weekday = day.weekday()
    blocked = start + service.duration + service.buffer
    offset = _day_offset(day, tz)
    busy = _wall_intervals(day, facts.breaks, tz, offset)
    busy.extend((starts_at, ends_at) for _pk, starts_at, ends_at in facts.time_off)
    off = any(pk is not None for pk, _lo, _hi in facts.time_off)
    closed = any(pk is None for pk, _lo, _hi in facts.time_off)
    busy.sort()
    opening = facts.opening
    day_opening = None if opening is None else _wall_intervals(day, opening.get(weekday, []), tz, offset)
    step = timedelta(minutes=1) if staff else timedelta(minutes=clinic.slot_step_minutes)
    for start_t, end_t in facts.hours:
        lo, hi = _wall(day, start_t, tz, offset), _wall(day, end_t, tz, offset)
        if hi <= lo:
            continue
        starts = _stretch_starts(lo, hi, day_opening, busy, blocked - start, [(start, start)])
        stretch = _Stretch(practitioner.pk, day, start_t, end_t, lo, offset, starts)
        if facts.rooms and starts and _grid_starts(stretch, starts, step, tz):
            return None
    if not facts.rooms:
        return f"{location.name} has no treatment room set up."
    if closed:
        return "The clinic is closed at that time. Please choose another date."
    if off:
        return (f"{practitioner} is away on {start.astimezone(tz):%A %d %B}. "
                "Please choose another date or practitioner.")
    return (f"{practitioner} is not available for {service.name} at "
            f"{start.astimezone(tz):%A %d %B %H:%M}. Please choose one of the free times shown.")


def local_today(location: Location, *, now: datetime | None = None) -> date:
    """Today's date where the location is (at 23:30 UTC it is already tomorrow east of London)."""
    return (now or timezone.now()).astimezone(location.tz).date()


@dataclass
class CourseDate:
    """One session of a planned course: the wanted wall-clock time on its date, free or not."""

    day: date  # local date
    wanted: datetime  # UTC instant of the wanted wall-clock time (after a DST gap: its end)
    free: bool
    alternatives: list[Slot]
    problem: str = ""


MAX_COURSE_SESSIONS = 30


def course_dates(*, first_day: date, weekdays: list[int], sessions: int) -> list[date]:
    """The first ``sessions`` dates from ``first_day`` on that fall on ``weekdays`` (0 = Monday)."""
    wanted = set(weekdays)
    if not wanted or sessions < 1:
        return []
    days: list[date] = []
    day = first_day
    while len(days) < min(sessions, MAX_COURSE_SESSIONS):
        if day.weekday() in wanted:
            days.append(day)
        day += timedelta(days=1)
    return days


def course_plan(*, service: Service, practitioner: Practitioner, location: Location, first_day: date,
                weekdays: list[int], at: time, sessions: int, now: datetime | None = None,
                alternatives: int = 3, staff: bool = False) -> list[CourseDate]:
    """Check every session of a course (same local wall-clock time on each date, across DST).

    One ``available_slots`` call covers the whole course, so the query count does not grow with the
    number of sessions. A clashing date gets the nearest free times: the same day first, then days that
    hold no other session of the course. ``staff=True``: the desk's bounds (no notice, no horizon), as for
    a single phone booking.
    """
    days = course_dates(first_day=first_day, weekdays=weekdays, sessions=sessions)
    if not days:
        return []
    tz = location.tz
    now = now or timezone.now()
    clinic = ClinicSettings.load()
    slots = _slots(service=service, location=location, practitioner=practitioner, now=now, staff=staff,
                   start_date=days[0] - timedelta(days=3), end_date=days[-1] + timedelta(days=3), clinic=clinic,
                   ignore_pk=None)
    free = {s.start for s in slots}
    horizon = clinic.booking_horizon_days
    latest = now + timedelta(days=horizon)
    course_days = set(days)
    plan = []
    for day in days:
        wanted = wall_clock_to_utc(day, at, tz)
        if wanted in free:
            plan.append(CourseDate(day=day, wanted=wanted, free=True, alternatives=[]))
            continue
        # Same day first, then the nearest other days that do not already hold a session of the course.
        candidates = [s for s in slots if s.local_start(tz).date() == day or
                      s.local_start(tz).date() not in course_days]
        candidates.sort(key=lambda s: (s.local_start(tz).date() != day, abs((s.start - wanted).total_seconds())))
        problem = f"Not free at {at:%H:%M}."
        if wanted > latest and not staff:
            problem = (f"Online booking opens {horizon} days ahead; this date is further out. "
                       "Please book it later or call the clinic.")
        elif not candidates:
            problem = "No free time near this date. Please call the clinic or change the course pattern."
        plan.append(CourseDate(day=day, wanted=wanted, free=False, alternatives=sorted(candidates[:alternatives]),
                               problem=problem))
    return plan


def client_service_problem(*, client, service: Service, staff: bool = False,
                           starts_at: datetime | None = None, ignore_pk: int | None = None) -> str | None:
    """Rules about who may book what: new clients and the first-visit service.

    With ``starts_at`` only sessions before that time count as history: a follow-up booked ahead of the
    client's (future) initial consultation would itself be their first visit. ``ignore_pk``: the session
    being moved to ``starts_at`` (its old time is not history).

    The first-visit rule does not refuse staff: the desk may book another service first when the
    practitioner agreed, so ``booking.services`` asks them to confirm ``first_visit_warning`` instead.
    """
    first, later = _first_visit(client=client, starts_at=starts_at, ignore_pk=ignore_pk)
    if not first:
        return None
    if not service.new_clients_allowed:
        if later:
            return f"{service.name} is for returning clients. Please choose a time after your first visit."
        return f"{service.name} is for returning clients. Please book an initial consultation first."
    if not staff and _initial_needed_first(service):
        if later:
            return ("This would come before your initial consultation, and your first visit needs to be the "
                    "initial consultation. Please choose a time after it.")
        return "Your first visit needs to be the initial consultation, so we can take your full history."
    return None


def first_visit_order_problem(*, appointment: Appointment, new_start: datetime | None = None,
                              desk: bool = False) -> str | None:
    """A client moving (``new_start``) or cancelling (None) their initial consultation must not leave
    later sessions in front of it, when the clinic requires first visits to be the consultation. ``desk``: in
    the front desk's words, for a move they may confirm when the practitioner agreed."""
    if not appointment.service.is_initial_consultation or not ClinicSettings.load().first_visit_must_be_initial:
        return None
    others = (Appointment.objects.filter(client_id=appointment.client_id)
              .exclude(pk=appointment.pk).exclude(status=AppointmentStatus.CANCELLED))
    if others.filter(starts_at__lt=appointment.starts_at).exists():
        return None  # not their first visit: nothing depends on it
    later = others if new_start is None else others.filter(starts_at__lt=new_start)
    if not later.exists():
        return None
    if desk:
        return (f"This moves {appointment.client.full_name}'s initial consultation after their next session, and "
                "the clinic books the initial consultation first. Go ahead only if the practitioner has agreed.")
    if new_start is None:
        return ("This is your initial consultation and your other sessions follow it, so it cannot be cancelled "
                "on its own online. Please cancel the later sessions first, or call the clinic.")
    return ("Your initial consultation has to come before your other sessions. Please choose a time before "
            "your next session, or call the clinic.")


def becomes_first_visit(appointment: Appointment, *, new_start: datetime) -> bool:
    """Moving ``appointment`` to ``new_start`` makes it the client's first visit: it moves earlier, past every
    live session of theirs that came before it."""
    if new_start >= appointment.starts_at:
        return False
    before = (Appointment.objects.filter(client_id=appointment.client_id, starts_at__lt=appointment.starts_at)
              .exclude(pk=appointment.pk).exclude(status=AppointmentStatus.CANCELLED))
    return before.exists() and not before.filter(starts_at__lt=new_start).exists()


def moved_first_visit_problem(*, appointment: Appointment, new_start: datetime) -> str | None:
    """The first-visit rules for a client moving ``appointment`` to ``new_start`` online: a session moved in front
    of the initial consultation (``becomes_first_visit``) is checked as a new booking there, and the initial
    consultation cannot move behind the client's other sessions. A session that already was the first visit
    stays under what was accepted when it was booked."""
    if becomes_first_visit(appointment, new_start=new_start):
        return client_service_problem(client=appointment.client, service=appointment.service,
                                      starts_at=new_start, ignore_pk=appointment.pk)
    return first_visit_order_problem(appointment=appointment, new_start=new_start)


def client_appointments(*, client):
    return (Appointment.objects.filter(client=client)
            .select_related("service", "practitioner__user", "location", "room").order_by("starts_at"))


def appointments_between(*, start: datetime, end: datetime, location: Location | None = None):
    qs = Appointment.objects.filter(starts_at__lt=end, ends_at__gt=start).select_related(
        "client", "service", "practitioner__user", "location", "room")
    if location is not None:
        qs = qs.filter(location=location)
    return qs.order_by("starts_at")


def _first_visit(*, client, starts_at: datetime | None, ignore_pk: int | None = None) -> tuple[bool, bool]:
    """(Would a session at ``starts_at`` be the client's first visit, do they hold an initial consultation after
    it); ``ignore_pk``: a session being moved, not part of the history."""
    history = Appointment.objects.filter(client=client).exclude(status=AppointmentStatus.CANCELLED)
    if ignore_pk is not None:
        history = history.exclude(pk=ignore_pk)
    earlier = history.filter(starts_at__lt=starts_at) if starts_at is not None else history
    if earlier.exists():
        return False, False
    return True, starts_at is not None and history.filter(service__is_initial_consultation=True).exists()


def _initial_needed_first(service: Service) -> bool:
    return not service.is_initial_consultation and ClinicSettings.load().first_visit_must_be_initial


def first_visit_warning(*, client, service: Service, starts_at: datetime | None = None,
                        ignore_pk: int | None = None) -> str | None:
    """The first-visit rule in the front desk's words, or None when it does not apply (``ignore_pk``: as for
    ``client_service_problem``).

    Staff may set the rule aside (the practitioner agreed), but knowingly: ``booking.services`` raises
    this as a warning the desk confirms, where online it is ``client_service_problem``'s refusal."""
    first, later = _first_visit(client=client, starts_at=starts_at, ignore_pk=ignore_pk)
    if not first or not _initial_needed_first(service):
        return None
    if later:
        return (f"This {service.name} would come before {client.full_name}'s initial consultation, and the "
                "clinic books the initial consultation first. Go ahead only if the practitioner has agreed.")
    return (f"This would be {client.full_name}'s first visit, and the clinic books an initial consultation first "
            f"(longer, with the intake review). Book {service.name} only if the practitioner has agreed.")
