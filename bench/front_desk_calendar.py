"""How fast is the front-desk calendar on a full week? Prints timings, query counts and page sizes, asserts nothing.

    .venv/bin/python bench/front_desk_calendar.py [--appointments 448] [--practitioners 8] [--repeat 9] [--json PATH]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic .venv/bin/python bench/front_desk_calendar.py

Builds a throwaway test database (SQLite in memory, or a fresh ``test_...`` database next to
``DATABASE_URL`` on PostgreSQL, dropped at the end) with one location, N practitioners each in their
own room working 08:00-20:00 every day with a lunch break, one client per appointment, and fills
next week (8 practitioners x 7 days x 8 sessions = 448, the most that fit); then times, over HTTP as the
front desk, the week the desk opens (one practitioner at a time, with the picker of everyone), the week
by room (every session of the week), its htmx refresh, the day view, the day by room and the day sheet.
Each page is visited once before it is timed: the desk's choices are already remembered then.
"""

import argparse
import json
import random
import sys
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path

# Run as a script, Python puts bench/ first on the path: use the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.harness import bench_clinic, throwaway_database, timed  # noqa: E402

WEEK_ROW = "front-desk week, 8 practitioners, 448 sessions"
WEEK_TARGET = {"ms": 60, "kib": 150, "queries": 14}


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


def measure(label: str, fn, repeat: int) -> dict:
    """Time one page (after a first visit): median and best ms, queries and size, printed and returned."""
    fn()
    median, best, queries, response = timed(fn, repeat)
    assert response.status_code == 200, response.status_code
    kib = len(response.content) / 1024
    print(f"  {label:<40} median {median:7.1f} ms   best {best:7.1f} ms   queries {queries:3d}   {kib:5.0f} KiB")
    return {"ms": median, "queries": queries, "kib": kib}


def figure(f: dict) -> str:
    """A figure as the report table shows it, e.g. "23 ms, 75 KiB, 12 queries"."""
    return f"{f['ms']:.0f} ms, {f['kib']:.0f} KiB, {f['queries']} queries"


def rows(figures: dict[str, dict], *, db: str, practitioners: int, sessions: int) -> list[dict]:
    """The figure contract's rows (bench/README.md): the issue's week row first, then the other views."""
    week = figures["week"]
    ok = (week["ms"] <= WEEK_TARGET["ms"] and week["kib"] <= WEEK_TARGET["kib"]
          and week["queries"] <= WEEK_TARGET["queries"])
    path = WEEK_ROW if (practitioners, sessions) == (8, 448) else \
        f"front-desk week, {practitioners} practitioners, {sessions} sessions"
    out = [{"path": path, "value": figure(week), "ok": ok, "public": None, "db": db,
            "target": f"<= {WEEK_TARGET['ms']} ms, <= {WEEK_TARGET['kib']} KiB, <= {WEEK_TARGET['queries']} queries"}]
    others = {"week_rooms": "front-desk week by room (every session)", "day": "front-desk day",
              "day_rooms": "front-desk day by room", "sheet": "front-desk day sheet"}
    out += [{"path": label, "value": figure(figures[key]), "target": None, "ok": None, "public": None, "db": db}
            for key, label in others.items()]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--appointments", type=int, default=448)
    parser.add_argument("--practitioners", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--json", help="also write the figures as JSON rows (see bench/README.md)")
    args = parser.parse_args()

    with throwaway_database():
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        started = clock.perf_counter()
        location, monday, desk, made = build(appointments=args.appointments, practitioners=args.practitioners)
        db = connection.vendor
        print(f"Database: {db}; built {args.practitioners} practitioners and {made} appointments "
              f"in the week of {monday:%d %b %Y} in {clock.perf_counter() - started:.1f} s")
        browser = Client()
        browser.force_login(desk, backend="clinic.accounts.backends.EmailBackend")
        url, sheet = reverse("frontdesk:calendar"), reverse("frontdesk:day_sheet")
        base = {"location": location.pk, "date": monday.isoformat()}
        week = {**base, "view": "week", "mode": "practitioners"}
        print(f"Medians over {args.repeat} runs (HTTP, logged in as the front desk):")
        figures = {
            "week": measure("week, one practitioner (what the desk opens)", lambda: browser.get(url, week),
                            args.repeat),
            "week_htmx": measure("week, htmx refresh", lambda: browser.get(url, week, HTTP_HX_REQUEST="true"),
                                 args.repeat),
            "week_rooms": measure("week by room (every session)",
                                  lambda: browser.get(url, {**base, "view": "week", "mode": "rooms"}), args.repeat),
            "day": measure("day", lambda: browser.get(url, {**base, "view": "day", "mode": "practitioners"}),
                           args.repeat),
            "day_full": measure("day, whole day", lambda: browser.get(url, {**base, "view": "day", "full": "1",
                                                                            "mode": "practitioners"}), args.repeat),
            "day_rooms": measure("day by room", lambda: browser.get(url, {**base, "view": "day", "mode": "rooms"}),
                                 args.repeat),
            "sheet": measure("day sheet", lambda: browser.get(sheet, base), args.repeat),
        }
    if args.json:
        Path(args.json).write_text(json.dumps(rows(figures, db=db, practitioners=args.practitioners, sessions=made),
                                              indent=2))


if __name__ == "__main__":
    main()
