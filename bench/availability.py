"""How fast is the availability engine on a busy schedule? Prints timings and query counts, asserts nothing.

    .venv/bin/python bench/availability.py [--appointments 1000] [--days 90] [--repeat 25] [--json PATH]

Builds a throwaway test database (SQLite in memory, or a fresh ``test_...`` database next to
``DATABASE_URL`` on PostgreSQL, dropped at the end) and times three schedules, each built in a
transaction rolled back after it:

- the public-app comparison (``bench.harness.build_public_comparison_data``): 3 practitioners, 3 rooms,
  500 sessions over the next 30 days; a month for one practitioner and for any practitioner;
- a clinic chain's location (``bench.harness.build_clinic_chain_data``), built beside it: 20 practitioners,
  20 shared rooms, 20,000 sessions from 90 days ago to 89 days ahead, the same density per practitioner; the
  next 30 days for any practitioner, and for one practitioner (its ratio to the 500-session month is how much
  a single diary slows down as the location grows: the two months are timed in turn, run for run);
- the original mix: 3 practitioners working ``--days`` days ahead with breaks, time off and
  ``--appointments`` sessions; a day, a month, the whole range, a 10-session course check and the week page.

Every figure is a median after untimed warm-up runs, with this process's CPU time beside the wall clock.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time as clock
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from pathlib import Path

# Run as a script, Python puts bench/ first on the path: use the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from bench.harness import (  # noqa: E402
    Timing,
    bench_clinic,
    build_clinic_chain_data,
    build_public_comparison_data,
    throwaway_database,
    time_alternately,
    time_runs,
)

CHAIN_ROW = "any practitioner, 30 days, 20 practitioners, 20,000 sessions"
GROWTH_ROW = "one practitioner, 30 days, 500 -> 20,000 sessions"
PUBLIC_ONE_ROW = "one practitioner, a month (3 practitioners, 500 sessions)"
PUBLIC_ANY_ROW = "any practitioner, a month (3 practitioners, 500 sessions)"
CHAIN_TARGET_MS, TARGET_QUERIES, GROWTH_TARGET = 40.0, 8, 1.3
# The engine's figures when the comparison with the public app was first made: the lead to keep.
PUBLIC_ONE_BEFORE_MS, PUBLIC_ANY_BEFORE_MS = 23.0, 38.8


def build(*, appointments: int, days: int, seed: int = 7):
    from booking.models import Appointment, Room, TimeOff
    from clinic.accounts.models import User
    from clinic.core.models import ClinicSettings

    settings = ClinicSettings.load()
    settings.booking_horizon_days = days
    settings.minimum_notice_hours = 0
    settings.save()
    location, service, practitioners = bench_clinic(practitioners=3, days_a_week=6, works=(time(9), time(18)))
    rooms = [Room.objects.create(location=location, name=f"Room {i}") for i in range(3)]
    client = User.objects.create_user(email="bench-client@example.com", first_name="Bench", last_name="Client")
    tz = location.tz
    today = datetime.now(tz).date()
    rng = random.Random(seed)
    for practitioner in practitioners:  # a few days off each
        for _ in range(3):
            day = today + timedelta(days=rng.randrange(1, days))
            start = datetime.combine(day, time(0), tzinfo=tz)
            TimeOff.objects.create(practitioner=practitioner, starts_at=start, ends_at=start + timedelta(days=1))
    # Candidate starts 90 minutes apart, each practitioner in their own room: no overlaps by construction.
    candidates = []
    for offset in range(1, days):
        day = today + timedelta(days=offset)
        if day.weekday() == 6:
            continue
        for index, practitioner in enumerate(practitioners):
            for hh, mm in ((9, 0), (10, 30), (14, 0), (15, 30), (17, 0)):
                candidates.append((practitioner, rooms[index], datetime.combine(day, time(hh, mm), tzinfo=tz)))
    chosen = rng.sample(candidates, min(appointments, len(candidates)))
    Appointment.objects.bulk_create(
        Appointment(client=client, practitioner=p, service=service, location=location, room=room, starts_at=start,
                    ends_at=start + service.duration, blocked_until=start + service.duration + service.buffer)
        for p, room, start in chosen)
    return location, service, practitioners, today, len(chosen)


WARMUP = 3  # untimed runs first: the first calls fill caches (zone offsets, settings) a busy server has warm


def measure(label: str, fn, repeat: int) -> Timing:
    """Print one timing line (medians of wall-clock and CPU time); return the timing."""
    timing = time_runs(fn, repeat, warmup=WARMUP)
    result = timing.result
    size = len(result) if hasattr(result, "__len__") else "-"
    print(f"  {label:<48} median {timing.wall_ms:7.1f} ms (CPU {timing.cpu_ms:7.1f} ms)   best {timing.best_ms:7.1f} ms"
          f"   queries {timing.queries:3d}   items {size}")
    return timing


@contextmanager
def rolled_back():
    """Build and measure one schedule, then leave the database as it was for the next."""
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def month(location, service, today, practitioner=None):
    """The next 30 days' slots: one practitioner's, or the first free practitioner per start."""
    from booking.selectors import available_slots, first_per_start

    start = today + timedelta(days=1)
    slots = available_slots(service=service, location=location, practitioner=practitioner, start_date=start,
                            end_date=start + timedelta(days=29))
    return slots if practitioner is not None else first_per_start(slots)


def row(path: str, value: str, target: str, ok: bool | None, db: str) -> dict:
    return {"path": path, "value": value, "target": target, "ok": ok, "public": None, "db": db}


def scale_cases(repeat: int, db: str) -> list[dict]:
    """The public-app data and the clinic-chain location, as rows of the figure contract."""
    rows = []
    with rolled_back():
        started = clock.perf_counter()
        location, service, staff, today = build_public_comparison_data()
        print(f"Public-app comparison data: 3 practitioners, 500 sessions over 30 days "
              f"(built in {clock.perf_counter() - started:.1f} s)")
        public_one = measure("one practitioner, a month", lambda: month(location, service, today, staff[0]), repeat)
        public_any = measure("any practitioner, a month", lambda: month(location, service, today), repeat)
        # The chain's location beside it, in the same database: its month and the small one's are then timed
        # in turn, so that other work on the machine weighs on both sides of the growth ratio alike.
        started = clock.perf_counter()
        chain_place, chain_service, chain_staff, _today = build_clinic_chain_data(tag="-chain")
        print(f"Clinic-chain data: 20 practitioners, 20 rooms, 20,000 sessions over 180 days "
              f"(built in {clock.perf_counter() - started:.1f} s)")
        chain = measure("any practitioner, 30 days", lambda: month(chain_place, chain_service, today), repeat)
        small, big = time_alternately([lambda: month(location, service, today, staff[0]),
                                       lambda: month(chain_place, chain_service, today, chain_staff[0])],
                                      repeat, warmup=WARMUP)
        print(f"  one practitioner, 30 days, 500 and 20,000 sessions in turn: {small.wall_ms:.1f} ms "
              f"(CPU {small.cpu_ms:.1f} ms) and {big.wall_ms:.1f} ms (CPU {big.cpu_ms:.1f} ms), "
              f"queries {small.queries} and {big.queries}")
    rows.append(row(PUBLIC_ONE_ROW, f"{public_one.wall_ms:.1f} ms, {public_one.queries} queries",
                    f"<= {PUBLIC_ONE_BEFORE_MS:g} ms, <= {TARGET_QUERIES} queries",
                    public_one.wall_ms <= PUBLIC_ONE_BEFORE_MS and public_one.queries <= TARGET_QUERIES, db))
    rows.append(row(PUBLIC_ANY_ROW, f"{public_any.wall_ms:.1f} ms, {public_any.queries} queries",
                    f"<= {PUBLIC_ANY_BEFORE_MS:g} ms, <= {TARGET_QUERIES} queries",
                    public_any.wall_ms <= PUBLIC_ANY_BEFORE_MS and public_any.queries <= TARGET_QUERIES, db))
    # The ratio of the wall-clock medians is the figure; the CPU ratio beside it says how much of it is the code.
    ratio, cpu_ratio = big.wall_ms / small.wall_ms, big.cpu_ms / small.cpu_ms
    print(f"  one practitioner's month, 500 -> 20,000 sessions: {ratio:.2f}x ({small.wall_ms:.1f} -> "
          f"{big.wall_ms:.1f} ms), CPU {cpu_ratio:.2f}x ({small.cpu_ms:.1f} -> {big.cpu_ms:.1f} ms)")
    rows.append(row(CHAIN_ROW, f"{chain.wall_ms:.1f} ms, {chain.queries} queries",
                    f"<= {CHAIN_TARGET_MS:g} ms, <= {TARGET_QUERIES} queries",
                    chain.wall_ms <= CHAIN_TARGET_MS and chain.queries <= TARGET_QUERIES, db))
    rows.append(row(GROWTH_ROW, f"{ratio:.2f}x ({small.wall_ms:.1f} -> {big.wall_ms:.1f} ms, CPU {cpu_ratio:.2f}x, "
                                f"{small.queries} -> {big.queries} queries)",
                    f"<= {GROWTH_TARGET:g}x", ratio <= GROWTH_TARGET, db))
    return rows


def original_cases(appointments: int, days: int, repeat: int) -> None:
    from django.test import Client
    from django.urls import reverse

    from booking.selectors import available_slots, course_plan, first_per_start

    with rolled_back():
        started = clock.perf_counter()
        location, service, practitioners, today, made = build(appointments=appointments, days=days)
        print(f"Original mix: 3 practitioners, {days} days, {made} appointments "
              f"(built in {clock.perf_counter() - started:.1f} s)")
        month_days = (today + timedelta(days=1), today + timedelta(days=31))
        measure("one practitioner, 1 day", lambda: available_slots(
            service=service, location=location, practitioner=practitioners[0], start_date=month_days[0],
            end_date=month_days[0]), repeat)
        measure("one practitioner, a month", lambda: available_slots(
            service=service, location=location, practitioner=practitioners[0], start_date=month_days[0],
            end_date=month_days[1]), repeat)
        measure("any practitioner, a month", lambda: first_per_start(available_slots(
            service=service, location=location, start_date=month_days[0], end_date=month_days[1])), repeat)
        measure(f"any practitioner, {days} days", lambda: available_slots(
            service=service, location=location, start_date=today, end_date=today + timedelta(days=days)), repeat)
        measure("course check: 10 sessions twice a week", lambda: course_plan(
            service=service, practitioner=practitioners[1], location=location, first_day=month_days[0],
            weekdays=[1, 3], at=time(11, 45), sessions=10), repeat)
        browser = Client()
        url = reverse("booking:times", args=[service.slug])
        week = (today + timedelta(days=14)).isoformat()
        measure("week page (HTTP, any practitioner + month)", lambda: browser.get(
            url, {"practitioner": "any", "week": week}).content, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--appointments", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--json", type=Path, help="also write the figure rows here (see bench/report.py)")
    args = parser.parse_args()

    with throwaway_database():
        from django.db import connection

        db = "postgresql" if connection.vendor == "postgresql" else "sqlite"
        print(f"Database: {connection.vendor}; medians of {args.repeat} runs after {WARMUP} untimed ones")
        rows = scale_cases(args.repeat, db)
        original_cases(args.appointments, args.days, args.repeat)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
