"""How fast is the front-desk calendar on a full week? Prints timings and query counts, asserts nothing.

    .venv/bin/python bench/front_desk_calendar.py [--appointments 500] [--practitioners 8] [--repeat 5]

Builds a throwaway test database (SQLite in memory, or a fresh ``test_...`` database next to
``DATABASE_URL`` on PostgreSQL, dropped at the end) with one location, N practitioners each in their
own room working 08:00-20:00 every day with a lunch break, one client per appointment, and fills
next week; then times the week view, the day view, the room view and the day sheet over HTTP.
"""

import argparse
import random
import sys
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path

# Run as a script, Python puts bench/ first on the path: use the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.harness import bench_clinic, throwaway_database, timed  # noqa: E402


def build(*, appointments: int, practitioners: int, seed: int = 11):
    from booking.models import Appointment, AppointmentStatus, Room, TimeOff
    from clinic.accounts.models import Role, User
    from clinic.core.models import ClinicSettings

    ClinicSettings.load()
    location, service, team = bench_clinic(practitioners=practitioners, days_a_week=7, works=(time(8), time(20)))
    staff = [(p, Room.objects.create(location=location, name=f"Room {i}")) for i, p in enumerate(team)]
    tz = location.tz
    today = datetime.now(tz).date()
    monday = today + timedelta(days=7 - today.weekday())
    rng = random.Random(seed)
    TimeOff.objects.create(practitioner=staff[0][0], starts_at=datetime.combine(monday, time(8), tzinfo=tz),
                           ends_at=datetime.combine(monday, time(12), tzinfo=tz), reason="Training")
    # 75-minute blocks (session + clean-up), each practitioner in their own room: no overlaps by construction.
    starts = [(8, 0), (9, 15), (10, 30), (11, 45), (14, 0), (15, 15), (16, 30), (17, 45)]
    candidates = [(p, room, datetime.combine(monday + timedelta(days=d), time(hh, mm), tzinfo=tz))
                  for d in range(7) for p, room in staff for hh, mm in starts]
    chosen = rng.sample(candidates, min(appointments, len(candidates)))
    clients = User.objects.bulk_create(
        User(email=f"bench-c{i}@example.com", first_name="Client", last_name=f"{i:04d}", password="!")
        for i in range(len(chosen)))
    statuses = [AppointmentStatus.BOOKED] * 6 + [AppointmentStatus.ARRIVED, AppointmentStatus.COMPLETED]
    Appointment.objects.bulk_create(
        Appointment(client=client, practitioner=p, service=service, location=location, room=room, starts_at=start,
                    ends_at=start + service.duration, blocked_until=start + service.duration + service.buffer,
                    status=rng.choice(statuses), is_first_visit=rng.random() < 0.2)
        for client, (p, room, start) in zip(clients, chosen, strict=True))
    desk = User.objects.create_user(email="bench-desk@example.com", first_name="Desk", last_name="Bench",
                                    role=Role.FRONT_DESK)
    return location, monday, desk, len(chosen)


def measure(label: str, fn, repeat: int) -> None:
    median, best, queries, response = timed(fn, repeat)
    assert response.status_code == 200, response.status_code
    print(f"  {label:<36} median {median:8.1f} ms   best {best:8.1f} ms   queries {queries:3d}   "
          f"{len(response.content) / 1024:7.0f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--appointments", type=int, default=500)
    parser.add_argument("--practitioners", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with throwaway_database():
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        started = clock.perf_counter()
        location, monday, desk, made = build(appointments=args.appointments, practitioners=args.practitioners)
        print(f"Database: {connection.vendor}; built {args.practitioners} practitioners and {made} appointments "
              f"in the week of {monday:%d %b %Y} in {clock.perf_counter() - started:.1f} s")
        browser = Client()
        browser.force_login(desk, backend="clinic.accounts.backends.EmailBackend")
        url, sheet = reverse("frontdesk:calendar"), reverse("frontdesk:day_sheet")
        base = {"location": location.pk, "date": monday.isoformat()}
        print(f"Timings over {args.repeat} runs (HTTP, logged in as the front desk):")
        measure("week view, by practitioner", lambda: browser.get(url, {**base, "view": "week"}), args.repeat)
        measure("week view, by room", lambda: browser.get(url, {**base, "view": "week", "mode": "rooms"}),
                args.repeat)
        measure("week view, htmx refresh", lambda: browser.get(url, {**base, "view": "week"},
                                                               HTTP_HX_REQUEST="true"), args.repeat)
        # "view" named: a link without one keeps the view the desk chose last (the week, just above).
        measure("day view", lambda: browser.get(url, {**base, "view": "day"}), args.repeat)
        measure("day view, whole day", lambda: browser.get(url, {**base, "view": "day", "full": "1"}), args.repeat)
        measure("day sheet", lambda: browser.get(sheet, base), args.repeat)


if __name__ == "__main__":
    main()
