"""What a client's booking costs: the booking POST beside a bare insert view, review GET + POST, the week page.

    .venv/bin/python bench/booking.py [--bookings 10] [--json PATH]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic .venv/bin/python bench/booking.py

In-process (Django's test client on ``bench.settings``, so every middleware, the session and the signed-in user
are on the path), in a throwaway database: 3 practitioners, 500 sessions over 30 days, and signed-in, verified
returning clients (a past initial consultation, two sessions booked ahead each). It prints medians and query
counts and asserts nothing:

- the booking POST (the review page's confirm) against ``/bench/bare-insert/`` (one row, same stack), run in
  alternation, and the ratio of their medians;
- what a client's click costs: the review GET and its POST together;
- the client's week page (a week of free times plus the month overview), one practitioner and "first available".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

# Run as a script, Python puts bench/ first on the path: use the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"  # adds /bench/bare-insert/
# Messages are handed to the broker as in production, not sent inside the request.
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
from bench import harness  # noqa: E402

PRACTITIONERS, SESSIONS, DAYS = 3, 500, 30
POST_ROW = "booking POST vs a bare view inserting one row on the same stack"
REVIEW_ROW = "booking review GET + POST (what a client's click costs)"
WEEK_ROW = "client's week page (times)"


def build(*, clients: int, seed: int = 13):
    """The clinic, its 500 sessions and ``clients`` returning clients; returns (location, follow-up, people,
    clients). Uses the shared public-comparison data when the harness provides it."""
    from booking.models import Appointment, AppointmentStatus, Room, Service
    from clinic.accounts.models import Role, User
    from clinic.core.models import ClinicSettings

    settings = ClinicSettings.load()
    settings.booking_horizon_days = DAYS + 14
    settings.minimum_notice_hours = 0
    settings.save()
    location, service, people = harness.bench_clinic(practitioners=PRACTITIONERS, days_a_week=6,
                                                     works=(time(9), time(18)))
    rooms = [Room.objects.create(location=location, name=f"Room {i}") for i in range(PRACTITIONERS)]
    initial = Service.objects.create(name="Initial consultation", slug="initial", duration_minutes=90,
                                     buffer_after_minutes=15, price=90, is_initial_consultation=True)
    for practitioner in people:
        practitioner.services.add(initial)
    tz = location.tz
    today = datetime.now(tz).date()
    others = [User.objects.create_user(email=f"bench-other{i}@example.com", first_name="Other", last_name=str(i))
              for i in range(50)]
    rng = random.Random(seed)
    candidates = [(p, rooms[i], datetime.combine(today + timedelta(days=d), time(hh, mm), tzinfo=tz))
                  for d in range(1, DAYS + 1) if (today + timedelta(days=d)).weekday() != 6
                  for i, p in enumerate(people) for hh, mm in ((9, 0), (10, 15), (11, 30), (14, 0), (15, 15))]
    chosen = rng.sample(candidates, min(SESSIONS, len(candidates)))
    Appointment.objects.bulk_create(
        Appointment(client=rng.choice(others), practitioner=p, service=service, location=location, room=room,
                    starts_at=start, ends_at=start + service.duration,
                    blocked_until=start + service.duration + service.buffer)
        for p, room, start in chosen)
    regulars = []
    for i in range(clients):
        client = User.objects.create_user(email=f"bench-client{i}@example.com", first_name="Bench",
                                          last_name=f"Client {i}", role=Role.CLIENT,
                                          email_verified_at=datetime.now(tz))
        past = datetime.combine(today - timedelta(days=30 + i), time(10), tzinfo=tz)
        Appointment.objects.create(client=client, practitioner=people[0], service=initial, location=location,
                                   room=rooms[0], starts_at=past, ends_at=past + initial.duration,
                                   blocked_until=past + initial.duration + initial.buffer,
                                   status=AppointmentStatus.COMPLETED, is_first_visit=True)
        regulars.append(client)
    return location, service, people, regulars


def free_starts(*, location, service, people, count: int) -> list:
    """``count`` free (practitioner, start) pairs in time order that can all be booked: none overlaps another of
    the same practitioner (3 rooms for 3 practitioners, so a room is always free)."""
    from booking.selectors import available_slots

    today = datetime.now(location.tz).date()
    slots = available_slots(service=service, location=location, start_date=today + timedelta(days=1),
                            end_date=today + timedelta(days=DAYS))
    picked, busy_until = [], {}
    by_id = {p.pk: p for p in people}
    for slot in slots:
        if slot.start >= busy_until.get(slot.practitioner_id, slot.start):
            picked.append((by_id[slot.practitioner_id], slot.start))
            busy_until[slot.practitioner_id] = slot.start + service.duration + service.buffer
    if len(picked) < count:
        raise SystemExit(f"only {len(picked)} free times for {count} bookings")
    step = len(picked) // count  # spread over the month
    return picked[::step][:count]


def review_url(service, practitioner, location, start) -> tuple[str, dict]:
    """The review page's URL for this free time, and the form its confirm button posts."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from booking.forms import format_start

    query = {"practitioner": practitioner.pk, "location": location.pk, "start": format_start(start)}
    return f"{reverse('booking:review', args=[service.slug])}?{urlencode(query)}", query


@dataclass
class Timing:
    """Medians of one path: wall-clock and this process's CPU time (ms; CPU is what a busy web worker runs out
    of, and the figure other processes on the machine disturb least), and the queries of one run."""

    wall: float
    cpu: float
    queries: int


def counted(fn: Callable[[], object], *, capture: bool = False) -> tuple[float | None, float | None, int | None,
                                                                         object]:
    """(wall ms, CPU ms, queries, result) of one call. ``capture``: count the queries instead (the transaction's
    COMMIT included) and leave the time out (None): see ``harness.count_queries``."""
    if capture:
        queries, result = harness.count_queries(fn)
        return None, None, queries, result
    started, cpu = clock.perf_counter(), clock.process_time()
    result = fn()
    return (clock.perf_counter() - started) * 1000, (clock.process_time() - cpu) * 1000, None, result


def median_of(runs: list[tuple[float | None, float | None, int | None]]) -> Timing:
    """The medians of the timed runs, and the query count of the captured one."""
    timed = [r for r in runs if r[0] is not None]
    return Timing(wall=statistics.median(r[0] for r in timed), cpu=statistics.median(r[1] for r in timed),
                  queries=next(r[2] for r in runs if r[2] is not None))


def expect(response, status: int, what: str):
    if response.status_code != status:
        raise SystemExit(f"{what}: HTTP {response.status_code}, expected {status}")
    return response


def submit(browser, url: str, form: dict | None = None):
    """POST ``form`` as a browser submits it (``harness.FORM``)."""
    from urllib.parse import urlencode

    return browser.post(url, urlencode(form or {}), content_type=harness.FORM)


def book_ahead(*, location, service, people, clients, starts) -> None:
    """Each client holds two sessions ahead, as returning clients do (booked through the service)."""
    from booking.services import appointment_book

    for index, client in enumerate(clients):  # far apart: the client's own sessions never overlap
        for practitioner, start in (starts[index], starts[index + len(clients)]):
            appointment_book(client=client, service=service, practitioner=practitioner, starts_at=start,
                             location=location)


def measure_post(*, browsers, bare, location, service, starts) -> tuple[Timing, Timing]:
    """Booking POSTs and bare-insert POSTs in alternation, one booking per (client, free time). The first pair
    is not timed: its queries are counted."""
    book, plain = [], []
    for index, (browser, (practitioner, start)) in enumerate(zip(browsers, starts, strict=True)):
        url, form = review_url(service, practitioner, location, start)
        *figures, response = counted(lambda url=url, form=form, browser=browser: submit(browser, url, form),
                                     capture=index == 0)
        expect(response, 302, "booking POST")
        book.append(figures)
        *figures, response = counted(lambda: submit(bare, "/bench/bare-insert/"), capture=index == 0)
        expect(response, 302, "bare insert")
        plain.append(figures)
    return median_of(book), median_of(plain)


def measure_review(*, browsers, location, service, starts) -> tuple[Timing, Timing]:
    """Review GET then its POST (what one confirmed booking costs a client), per client and free time:
    (the GET alone, GET + POST). The first pair is not timed: its queries are counted."""
    gets, both = [], []
    for index, (browser, (practitioner, start)) in enumerate(zip(browsers, starts, strict=True)):
        url, form = review_url(service, practitioner, location, start)
        *got, response = counted(lambda url=url, browser=browser: browser.get(url), capture=index == 0)
        expect(response, 200, "review GET")
        if response.context.get("error"):
            raise SystemExit(f"review GET: {response.context['error']}")
        *posted, response = counted(lambda url=url, form=form, browser=browser: submit(browser, url, form),
                                    capture=index == 0)
        expect(response, 302, "review POST")
        gets.append(got)
        both.append([None if a is None else a + b for a, b in zip(got, posted, strict=True)])
    return median_of(gets), median_of(both)


def measure_week(*, browser, location, service, people, repeat: int) -> dict[str, tuple[Timing, float]]:
    """The week page (one practitioner, and first available): its timing and size in KiB."""
    from django.urls import reverse

    url = reverse("booking:times", args=[service.slug])
    week = (datetime.now(location.tz).date() + timedelta(days=10)).isoformat()
    results = {}
    for label, who in (("one", str(people[1].pk)), ("any", "any")):
        runs, size = [], 0
        for index in range(repeat + 1):  # the first run counts the queries
            *figures, response = counted(lambda who=who: browser.get(
                url, {"practitioner": who, "week": week, "location": location.pk}), capture=index == 0)
            expect(response, 200, "week page")
            runs.append(figures)
            size = len(response.content)
        results[label] = (median_of(runs), size / 1024)
    return results


def line(label: str, timing: Timing, extra: str = "") -> str:
    return (f"  {label:<30} median {timing.wall:7.1f} ms wall {timing.cpu:7.1f} ms CPU  {timing.queries:3d} queries"
            f"{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--bookings", type=int, default=10, help="booking POSTs (and review GET + POSTs) timed")
    parser.add_argument("--repeat", type=int, default=9, help="runs of the week page")
    parser.add_argument("--json", help="also write the figures as JSON rows (see bench/README.md)")
    args = parser.parse_args()

    with harness.throwaway_database():
        from django.db import connection

        n = args.bookings + 1  # and one more, whose queries are counted
        location, service, people, clients = build(clients=2 * n)
        starts = free_starts(location=location, service=service, people=people, count=2 * 2 * n + 2 * n)
        ahead, for_post, for_review = starts[:4 * n], starts[4 * n:5 * n], starts[5 * n:]
        book_ahead(location=location, service=service, people=people, clients=clients, starts=ahead)
        browsers = [harness.browser(client) for client in clients]
        db = connection.vendor
        print(f"Database: {db}; {PRACTITIONERS} practitioners, {SESSIONS} sessions over {DAYS} days, "
              f"{len(clients)} returning clients with two sessions ahead each")
        book, bare = measure_post(browsers=browsers[:n], bare=browsers[-1], location=location, service=service,
                                  starts=for_post)
        ratio, cpu_ratio = book.wall / bare.wall, book.cpu / bare.cpu
        print(line("booking POST", book))
        print(line("bare insert POST", bare, f"   ratio {ratio:.1f}x wall, {cpu_ratio:.1f}x CPU"))
        review, click = measure_review(browsers=browsers[n:], location=location, service=service,
                                       starts=for_review)
        print(line("review GET", review))
        print(line("review GET + POST", click))
        week = measure_week(browser=browsers[0], location=location, service=service, people=people,
                            repeat=args.repeat)
        for label, (timing, kib) in week.items():
            who = "one practitioner" if label == "one" else "first available"
            print(line(f"week page, {who}", timing, f"  {kib:.1f} KiB"))
    if args.json:
        any_week, any_kib = week["any"]
        rows = [
            {"path": POST_ROW, "value": f"{book.wall:.0f} ms vs {bare.wall:.0f} ms bare: {ratio:.1f}x "
                                       f"({cpu_ratio:.1f}x CPU), {book.queries} queries",
             "target": "<= 2.5x, <= 20 queries", "ok": ratio <= 2.5 and book.queries <= 20, "public": None, "db": db},
            {"path": REVIEW_ROW, "value": f"{click.wall:.0f} ms ({click.cpu:.0f} ms CPU), {click.queries} queries",
             "target": "<= 1.0x the public app's whole booking", "ok": None, "public": None, "db": db},
            {"path": WEEK_ROW, "value": f"{any_week.wall:.0f} ms, {any_week.queries} queries, {any_kib:.0f} KiB "
                                       "(first available)",
             "target": "cheap under load (p95 <= 300 ms at 50 clients)", "ok": None, "public": None, "db": db},
        ]
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
