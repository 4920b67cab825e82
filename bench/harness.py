"""What every benchmark needs: a throwaway database and a timer that also counts queries."""

from __future__ import annotations

import os
import statistics
import tempfile
import time as clock
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import Any

# Importing the harness configures the run: project settings, a throwaway var/ and in-process tasks.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("CLINIC_VAR_DIR", tempfile.mkdtemp(prefix="clinic-bench-"))  # never touch var/
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")


@contextmanager
def throwaway_database() -> Iterator[None]:
    """A fresh test database (SQLite in memory, or ``test_<name>`` beside DATABASE_URL), dropped after."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def bench_clinic(*, practitioners: int, days_a_week: int, works: tuple[time, time], tag: str = ""):
    """One London location open 08:00-20:00 on the first ``days_a_week`` weekdays, a 60-minute follow-up
    (15-minute clean-up), and ``practitioners`` offering it there in ``works`` hours, with a 13:00-13:45 lunch
    break, on those days. Returns (location, service, practitioners); rooms and clients are the caller's.
    ``tag`` names a second clinic built beside the first in the same database (its own emails and slug)."""
    from booking.models import Break, Location, OpeningHours, Practitioner, Service, WorkingHours
    from clinic.accounts.models import Role, User

    weekdays = range(days_a_week)
    location = Location.objects.create(name=f"Bench clinic{tag}", address="1 Bench Road", time_zone="Europe/London")
    OpeningHours.objects.bulk_create(OpeningHours(location=location, weekday=d, opens=time(8), closes=time(20))
                                     for d in weekdays)
    service = Service.objects.create(name="Follow-up", slug=f"follow-up{tag}", duration_minutes=60,
                                     buffer_after_minutes=15, price=Decimal("85"))
    staff = []
    for i in range(practitioners):
        user = User.objects.create_user(email=f"bench-p{i}{tag}@example.com", first_name=f"P{i}", last_name="Bench",
                                        role=Role.PRACTITIONER)
        practitioner = Practitioner.objects.create(user=user)
        practitioner.services.add(service)
        practitioner.locations.add(location)
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=practitioner, location=location, weekday=d, start=works[0], end=works[1])
            for d in weekdays)
        Break.objects.bulk_create(Break(practitioner=practitioner, weekday=d, start=time(13), end=time(13, 45))
                                  for d in weekdays)
        staff.append(practitioner)
    return location, service, staff


@dataclass
class Timing:
    """Medians over the timed runs (warm-up runs excluded), and the queries of one run."""

    wall_ms: float
    cpu_ms: float  # this process's CPU time: what the code costs, less swayed by other work on the machine
    best_ms: float
    queries: int
    result: Any


def count_queries(fn: Callable[[], Any]) -> tuple[int, Any]:
    """(queries, result) of one call of ``fn``. Never timed: ``CaptureQueriesContext`` switches on Django's debug
    cursor, which formats every statement for its log (on SQLite with an extra query per statement to quote the
    parameters), a cost production does not pay."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = fn()
    return len(captured), result


def time_runs(fn: Callable[[], Any], repeat: int, *, warmup: int = 0, queries: int | None = None) -> Timing:
    """Run ``fn`` ``warmup`` times untimed (caches, compiled code, the database's pages), once more to count its
    queries (``count_queries``; skipped when the caller passes them), then ``repeat`` times timed."""
    for _ in range(warmup):
        fn()
    if queries is None:
        queries, _ = count_queries(fn)
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        started, cpu = clock.perf_counter(), clock.process_time()
        result = fn()
        walls.append((clock.perf_counter() - started) * 1000)
        cpus.append((clock.process_time() - cpu) * 1000)
    return Timing(statistics.median(walls), statistics.median(cpus), min(walls), queries, result)


def time_alternately(fns: list[Callable[[], Any]], repeat: int, *, warmup: int = 0) -> list[Timing]:
    """``time_runs`` for several functions, one run of each in turn: a burst of other work on the machine then
    slows them all alike, so the ratio of their medians is steadier than from one batch after the other."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    counted = [count_queries(fn)[0] for fn in fns]
    runs = [[time_runs(fn, 1, queries=n) for fn, n in zip(fns, counted, strict=True)] for _ in range(repeat)]
    return [Timing(statistics.median(r[i].wall_ms for r in runs), statistics.median(r[i].cpu_ms for r in runs),
                   min(r[i].wall_ms for r in runs), counted[i], runs[-1][i].result)
            for i in range(len(fns))]


_HANDLER: list = []  # the one request handler of this process, once a browser has built it
FORM = "application/x-www-form-urlencoded"  # what a browser posts a form without files as


def browser(user=None):
    """Django's test client as a running server meets a browser: every client shares one request handler, so the
    middleware chain is built once per process, as a web worker builds it once (a fresh client builds its own
    on its first request). ``user``: signed in. Post forms with ``FORM`` and an encoded body, as browsers do
    (the test client's default, a multipart body, costs the server more to parse)."""
    from django.test import Client

    client = Client()
    if _HANDLER:
        client.handler = _HANDLER[0]
    else:
        _HANDLER.append(client.handler)
    if user is not None:
        client.force_login(user)
    return client


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, int, Any]:
    """Run ``fn`` ``repeat`` times: (median ms, best ms, queries of one run, last result)."""
    timing = time_runs(fn, repeat)
    return timing.wall_ms, timing.best_ms, timing.queries, timing.result


# Session starts of the benchmark diaries: back to back 75-minute holds (60-minute session, 15 minutes' clean-up)
# around the 13:00-13:45 lunch break, inside 09:00-18:00 working hours.
SESSION_STARTS = (time(9), time(10, 15), time(11, 30), time(13, 45), time(15), time(16, 15))


def build_schedule(*, practitioners: int, rooms: int, sessions: int, first_day: int, days: int, seed: int = 13,
                   tag: str = ""):
    """A location with ``practitioners`` working every day and ``sessions`` booked sessions among them.

    ``bench_clinic`` every day of the week (London, open 08:00-20:00, practitioners 09:00-18:00 with a
    13:00-13:45 lunch, a 60-minute follow-up with 15 minutes' clean-up), ``rooms`` active rooms, one client.
    Sessions are drawn (seeded, without repeats) from ``SESSION_STARTS`` on each of ``days`` dates starting
    ``first_day`` days from today (negative: in the past), each practitioner at most once per start, and take
    a room at random among those free then: no practitioner or room is ever double-booked. Online rules
    are opened up (no minimum notice, a 400-day horizon) so that any window is bookable.
    Returns (location, service, practitioners, today).
    """
    import random
    from datetime import datetime, timedelta

    from booking.models import Appointment, Room
    from clinic.accounts.models import User
    from clinic.core.models import ClinicSettings

    settings = ClinicSettings.load()
    settings.minimum_notice_hours, settings.booking_horizon_days = 0, 400
    settings.save()
    location, service, staff = bench_clinic(practitioners=practitioners, days_a_week=7, works=(time(9), time(18)),
                                            tag=tag)
    room_list = Room.objects.bulk_create(Room(location=location, name=f"Room {i + 1}") for i in range(rooms))
    client = User.objects.create_user(email=f"bench-client{tag}@example.com", first_name="Bench", last_name="Client")
    tz = location.tz
    today = datetime.now(tz).date()
    rng = random.Random(seed)
    candidates = [(offset, at, index) for offset in range(first_day, first_day + days) for at in SESSION_STARTS
                  for index in range(practitioners)]
    by_start: dict = {}
    for offset, at, index in rng.sample(candidates, min(sessions, len(candidates))):
        by_start.setdefault((offset, at), []).append(index)
    rows = []
    for (offset, at), people in sorted(by_start.items()):
        start = datetime.combine(today + timedelta(days=offset), at, tzinfo=tz)
        for index, room in zip(people, rng.sample(room_list, min(len(people), rooms)), strict=False):
            rows.append(Appointment(client=client, practitioner=staff[index], service=service, location=location,
                                    room=room, starts_at=start, ends_at=start + service.duration,
                                    blocked_until=start + service.duration + service.buffer))
    Appointment.objects.bulk_create(rows, batch_size=2000)
    return location, service, staff, today


def build_public_comparison_data():
    """The data the comparison with the public booking app uses: 3 practitioners, 500 sessions over 30 days.

    Exact shape: one location (Europe/London, open 08:00-20:00 every day); one service, 60 minutes with a
    15-minute clean-up buffer; 3 practitioners working 09:00-18:00 every day with a 13:00-13:45 lunch break;
    3 rooms; 500 sessions drawn (seed 13) from the 540 starts 09:00, 10:15, 11:30, 13:45, 15:00 and 16:15 of
    each practitioner on each of the 30 days from tomorrow on; no minimum notice. Returns
    (location, service, practitioners, today); the month asked for is tomorrow .. tomorrow + 29 days.
    """
    return build_schedule(practitioners=3, rooms=3, sessions=500, first_day=1, days=30)


def build_clinic_chain_data(tag: str = ""):
    """A clinic-chain location: 20 practitioners, 20 rooms, 20,000 sessions from 90 days ago to 89 days ahead.

    Same hours and service as ``build_public_comparison_data``, with the same density per practitioner
    (about 5.6 sessions a day, 93% of the starts), rooms shared at random: a 30-day window from tomorrow
    holds about 3,300 of the sessions. Returns (location, service, practitioners, today). ``tag``: as for
    ``bench_clinic``, to build it beside the comparison data.
    """
    return build_schedule(practitioners=20, rooms=20, sessions=20_000, first_day=-90, days=180, tag=tag)
