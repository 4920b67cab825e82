"""How fast is the availability engine on a busy schedule? Prints timings and query counts, asserts nothing.

    .venv/bin/python bench/availability.py [--appointments 1000] [--days 90] [--repeat 5]

Builds a throwaway test database (SQLite in memory, or a fresh ``test_...`` database next to
``DATABASE_URL`` on PostgreSQL, dropped at the end), fills it with 3 practitioners working 90 days
ahead with breaks, time off and ~1000 appointments, then times a month of slots, the week page
and a 10-session course check.
"""

from __future__ import annotations

import argparse
import random
import sys
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path

# Run as a script, Python puts bench/ first on the path: use the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from bench.harness import bench_clinic, throwaway_database, timed  # noqa: E402


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


def measure(label: str, fn, repeat: int) -> None:
    median, best, queries, result = timed(fn, repeat)
    size = len(result) if hasattr(result, "__len__") else "-"
    print(f"  {label:<44} median {median:8.1f} ms   best {best:8.1f} ms   queries {queries:3d}   items {size}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--appointments", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with throwaway_database():
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        from booking.selectors import available_slots, course_plan, first_per_start

        started = clock.perf_counter()
        location, service, practitioners, today, made = build(appointments=args.appointments, days=args.days)
        print(f"Database: {connection.vendor}; built 3 practitioners, {args.days} days, {made} appointments "
              f"in {clock.perf_counter() - started:.1f} s")
        month = (today + timedelta(days=1), today + timedelta(days=31))
        print(f"Timings over {args.repeat} runs:")
        measure("one practitioner, 1 day", lambda: available_slots(
            service=service, location=location, practitioner=practitioners[0], start_date=month[0],
            end_date=month[0]), args.repeat)
        measure("one practitioner, a month", lambda: available_slots(
            service=service, location=location, practitioner=practitioners[0], start_date=month[0],
            end_date=month[1]), args.repeat)
        measure("any practitioner, a month", lambda: first_per_start(available_slots(
            service=service, location=location, start_date=month[0], end_date=month[1])), args.repeat)
        measure(f"any practitioner, {args.days} days", lambda: available_slots(
            service=service, location=location, start_date=today, end_date=today + timedelta(days=args.days)),
            args.repeat)
        measure("course check: 10 sessions twice a week", lambda: course_plan(
            service=service, practitioner=practitioners[1], location=location, first_day=month[0],
            weekdays=[1, 3], at=time(11, 45), sessions=10), args.repeat)
        browser = Client()
        url = reverse("booking:times", args=[service.slug])
        week = (today + timedelta(days=14)).isoformat()
        measure("week page (HTTP, any practitioner + month)", lambda: browser.get(
            url, {"practitioner": "any", "week": week}).content, args.repeat)


if __name__ == "__main__":
    main()
