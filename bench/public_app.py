"""Side by side with a public Django booking app on the same data. Prints numbers, asserts nothing.

    .venv/bin/python bench/public_app.py [--rounds 3] [--repeat 5] [--bookings 5] [--json PATH]

The yardstick is django-appointment 3.10 (PyPI ``django-appointment``), a reusable Django booking app. It is not a
dependency of this project: the script installs it from the package registry into a throwaway virtualenv under
``var/bench/public-app/`` (gitignored; ``--env-dir`` moves it, ``make clean`` leaves it), writes a minimal Django
project for it there, and measures it in that environment's Python, in a subprocess.

Both sides get the same data: our side is built by ``bench.harness.build_public_comparison_data()`` (3
practitioners, 500 sessions over the next 30 days, one location) in a throwaway database; its schedule is exported
as plain JSON (weekly hours, breaks, time off, sessions in local wall-clock time) and the public app's side is built
from that file with its own models: ``StaffMember``, ``WorkingHours``, ``DayOff``, ``AppointmentRequest`` +
``Appointment``. It has no breaks, partial time off or rooms: breaks and partial time off become bookings of a
"blocked time" service, so the same minutes are taken; rooms have no counterpart (our engine checks them too). Our
15-minute slot step, 60-minute session and 15-minute clean-up become its slot duration, service duration and gap.

Measured, each side in its own process, alternately for ``--rounds`` rounds (medians of ``--repeat`` runs each, then
the median over rounds; the ratio is the ratio of those medians):

- one practitioner, 30 days: our ``available_slots``; its ``get_available_slots_for_staff`` for each day (what its
  slot list calls per chosen date);
- any practitioner, 30 days: our ``available_slots`` + ``first_per_start``; it has no "any practitioner", so the
  same call for every staff member and day, merged to one slot per start;
- its whole booking (public side only; ``bench/booking.py`` measures ours and ``bench/report.py`` puts them side by
  side): the booking page, the slot list of the chosen day (its AJAX call), the request POST and the client
  details POST that creates the appointment, for a new client each time (as its flow expects), one fresh browser
  each; the final redirect to its thank-you page is not followed, as ours is not.

``--json PATH`` writes rows in the ``make bench`` figure contract (see ``bench/README.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time as clock
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_APP = "django-appointment==3.10.*"
DAYS = 30
ONE_LABEL = "one practitioner, a month (3 practitioners, 500 sessions)"
ANY_LABEL = "any practitioner, a month (3 practitioners, 500 sessions)"
PUBLIC_ONE = "public app: one practitioner, a month"
PUBLIC_ANY = "public app: any practitioner, a month"
PUBLIC_BOOKING = "public app: whole booking"
# The figures for the lead ours must keep.
ONE_LEAD, ANY_LEAD = 16.0, 35.0

PUBLIC_SETTINGS = '''"""Throwaway settings for measuring django-appointment; written by bench/public_app.py."""
SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS = [
    "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions", "django.contrib.messages",
    "django.contrib.staticfiles", "phonenumber_field", "appointment",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware", "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "pa_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
USE_TZ = True
TIME_ZONE = %(time_zone)r
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PHONENUMBER_DEFAULT_REGION = "GB"
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "CRITICAL"}}
'''

PUBLIC_URLS = '''"""Throwaway URLs for measuring django-appointment; written by bench/public_app.py."""
from django.urls import include, path

urlpatterns = [path("appointment/", include("appointment.urls"))]
'''


# ---------------------------------------------------------------------------------------------------------------
# Shared: timing and the figure contract
# ---------------------------------------------------------------------------------------------------------------

def timed_queries(fn, repeat: int) -> tuple[float, int, object]:
    """Run ``fn`` ``repeat`` times: (median ms, queries of the last run, last result). Counts queries with an
    execute wrapper, which, unlike Django's query log, has no 9,000-entry cap."""
    from django.db import connection

    timings, result, count = [], None, [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    for _ in range(repeat):
        count[0] = 0
        with connection.execute_wrapper(counter):
            started = clock.perf_counter()
            result = fn()
            timings.append((clock.perf_counter() - started) * 1000)
    return statistics.median(timings), count[0], result


def figure(ms: float, queries: int) -> str:
    """The human string of one measurement, as the report shows it."""
    return f"{ms:.1f} ms, {queries} queries"


# ---------------------------------------------------------------------------------------------------------------
# Our side (the project's virtualenv)
# ---------------------------------------------------------------------------------------------------------------

def ours_shape(location, service, staff, today: date) -> dict:
    """Our schedule as plain local wall-clock data the public app's side can rebuild (see the module docstring)."""
    from booking.models import ACTIVE_STATUSES, Appointment, Break, TimeOff, WorkingHours
    from clinic.core.models import ClinicSettings

    tz = location.tz
    index = {p.pk: i for i, p in enumerate(staff)}
    people = [{"hours": {}, "breaks": {}, "blocks": []} for _ in staff]
    for wh in WorkingHours.objects.filter(practitioner__in=staff, location=location).order_by("start"):
        people[index[wh.practitioner_id]]["hours"].setdefault(str(wh.weekday), []).append(
            [wh.start.isoformat("minutes"), wh.end.isoformat("minutes")])
    for br in Break.objects.filter(practitioner__in=staff):
        people[index[br.practitioner_id]]["breaks"].setdefault(str(br.weekday), []).append(
            [br.start.isoformat("minutes"), br.end.isoformat("minutes")])
    for off in TimeOff.objects.filter(practitioner__in=staff):
        people[index[off.practitioner_id]]["blocks"].extend(local_pieces(off.starts_at, off.ends_at, tz, today))
    sessions = []
    for a in Appointment.objects.filter(practitioner__in=staff, status__in=ACTIVE_STATUSES):
        for piece in local_pieces(a.starts_at, a.ends_at, tz, today):
            sessions.append([index[a.practitioner_id], *piece])
    return {"time_zone": location.time_zone, "slot_step_minutes": ClinicSettings.load().slot_step_minutes,
            "duration_minutes": int(service.duration.total_seconds() // 60),
            "buffer_minutes": int(service.buffer.total_seconds() // 60),
            "practitioners": people, "sessions": sessions}


def local_pieces(starts_at: datetime, ends_at: datetime, tz, today: date) -> list[list]:
    """``[day offset from today, "HH:MM", "HH:MM"]`` for each local day an instant range covers (24:00 -> 23:59)."""
    lo, hi = starts_at.astimezone(tz), ends_at.astimezone(tz)
    pieces, day = [], lo.date()
    while day <= hi.date():
        start = lo.strftime("%H:%M") if day == lo.date() else "00:00"
        end = hi.strftime("%H:%M") if day == hi.date() else "23:59"
        if start < end:
            pieces.append([(day - today).days, start, end])
        day += timedelta(days=1)
    return pieces


def ours_measure(repeat: int, shape_out: str | None) -> list[dict]:
    """Build our side, optionally export its shape, and time one / any practitioner over the 30 days."""
    sys.path[0] = str(ROOT)
    os.environ.pop("DATABASE_URL", None)  # the public app's side is SQLite: so is ours here
    from bench.harness import build_public_comparison_data, throwaway_database

    with throwaway_database():
        from django.db import connection

        from booking.selectors import available_slots, first_per_start

        location, service, staff, today = build_public_comparison_data()
        if shape_out:
            Path(shape_out).write_text(json.dumps(ours_shape(location, service, staff, today)))
        first, last = today + timedelta(days=1), today + timedelta(days=DAYS)
        one = timed_queries(lambda: available_slots(service=service, location=location, practitioner=staff[0],
                                                    start_date=first, end_date=last), repeat)
        anyone = timed_queries(lambda: first_per_start(available_slots(
            service=service, location=location, start_date=first, end_date=last)), repeat)
        db = connection.vendor
    return [side_row(ONE_LABEL, one, db), side_row(ANY_LABEL, anyone, db)]


def side_row(path: str, measured: tuple[float, int, object], db: str) -> dict:
    """One side's figure: the contract's fields plus the numbers the report's ratios use."""
    ms, queries, result = measured
    return {"path": path, "value": figure(ms, queries), "target": None, "ok": None, "public": None, "db": db,
            "ms": round(ms, 3), "queries": queries, "items": len(result) if hasattr(result, "__len__") else None}


# ---------------------------------------------------------------------------------------------------------------
# The public app's side (its throwaway virtualenv)
# ---------------------------------------------------------------------------------------------------------------

def public_weekday(day: date) -> int:
    """django-appointment numbers weekdays from Sunday = 0."""
    return (day.weekday() + 1) % 7


def public_build(shape: dict):
    """The shape in django-appointment's models. Returns (service, staff members)."""
    from datetime import time

    from appointment.models import Appointment, AppointmentRequest, Config, DayOff, Service, StaffMember, WorkingHours
    from django.contrib.auth import get_user_model
    from django.utils.timezone import localdate

    step, duration, gap = shape["slot_step_minutes"], shape["duration_minutes"], shape["buffer_minutes"]
    Config.objects.create(slot_duration=step, lead_time=time(8), finish_time=time(20), appointment_buffer_time=0,
                          default_to_service_duration=True, website_name="Bench clinic")
    service = Service.objects.create(name="Follow-up", duration=timedelta(minutes=duration), price=85)
    blocked = Service.objects.create(name="Blocked time", duration=timedelta(hours=24), price=0)
    users = get_user_model()
    client = users.objects.create_user(username="bench-client", email="bench-client@example.com")
    today = localdate()
    staff, requests = [], []
    for i, person in enumerate(shape["practitioners"]):
        user = users.objects.create_user(username=f"bench-p{i}", email=f"bench-p{i}@example.com", first_name=f"P{i}")
        member = StaffMember.objects.create(user=user, slot_duration=step, slot_gap_time=gap,
                                            appointment_buffer_time=0, lead_time=time(8), finish_time=time(20))
        member.services_offered.add(service)
        staff.append(member)
        for weekday, spans in person["hours"].items():
            lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
            WorkingHours.objects.create(staff_member=member, day_of_week=public_weekday(
                date(2024, 1, 1) + timedelta(days=int(weekday))), start_time=time.fromisoformat(lo),
                end_time=time.fromisoformat(hi))
            # Gaps between several intervals on one day are taken time, like breaks.
            gaps = [[e, s] for (_, e), (s, _) in zip(sorted(spans), sorted(spans)[1:], strict=False)]
            person["breaks"].setdefault(weekday, []).extend(gaps)
        for offset in range(DAYS + 2):
            day = today + timedelta(days=offset)
            for s, e in person["breaks"].get(str(day.weekday()), []):
                requests.append((blocked, member, day, s, e))
        for offset, s, e in person["blocks"]:
            day = today + timedelta(days=offset)
            if s == "00:00" and e == "23:59":
                DayOff.objects.create(staff_member=member, start_date=day, end_date=day)
            elif offset >= 0:
                requests.append((blocked, member, day, s, e))
    for index, offset, s, e in shape["sessions"]:
        if offset >= 0:
            requests.append((service, staff[index], today + timedelta(days=offset), s, e))
    made = AppointmentRequest.objects.bulk_create(
        AppointmentRequest(service=svc, staff_member=member, date=day, start_time=time.fromisoformat(s),
                           end_time=time.fromisoformat(e), id_request=f"bench-{n}")
        for n, (svc, member, day, s, e) in enumerate(requests))
    Appointment.objects.bulk_create(Appointment(client=client, appointment_request=ar, id_request=f"bench-a{ar.pk}",
                                                amount_to_pay=0) for ar in made)
    return service, staff


def public_month(service, members, days: list[date]) -> list:
    """Its slots for the days, one staff member after another, merged to one per start (as "any" shows them)."""
    from appointment.services import get_available_slots_for_staff

    starts: set[datetime] = set()
    for member in members:
        for day in days:
            starts.update(get_available_slots_for_staff(day, member, public_weekday(day), service=service))
    return sorted(starts)


_HANDLER: list = []  # the one request handler of this process, once a client has built it
FORM = "application/x-www-form-urlencoded"


def public_booking(service, members, days: list[date], serial: list[int]) -> int:
    """One client's whole booking through its views; returns the number of requests. Raises if a step fails.
    As on our side (``bench.harness.browser``): one request handler for every client, forms posted encoded."""
    from urllib.parse import urlencode

    from django.test import Client
    from django.urls import reverse

    browser = Client()
    if _HANDLER:
        browser.handler = _HANDLER[0]
    else:
        _HANDLER.append(browser.handler)
    serial[0] += 1
    page = browser.get(reverse("appointment:appointment_request", args=[service.pk]))
    assert page.status_code == 200, page.status_code
    requests = 1
    for i in range(len(days) * len(members)):  # the first day and staff member with a free time
        day, member = days[(serial[0] + i) // len(members) % len(days)], members[(serial[0] + i) % len(members)]
        answer = browser.get(reverse("appointment:available_slots_ajax"),
                             {"selected_date": day.isoformat(), "staff_member": member.pk, "service_id": service.pk},
                             HTTP_X_REQUESTED_WITH="XMLHttpRequest")
        requests += 1
        slots = answer.json().get("available_slots") or []
        if slots:
            break
    else:
        raise RuntimeError("no free time left to book")
    start = datetime.combine(day, datetime.strptime(slots[0], "%I:%M %p").time())
    chosen = browser.post(reverse("appointment:appointment_request_submit"), urlencode({
        "date": day.isoformat(), "start_time": start.strftime("%H:%M"),
        "end_time": (start + service.duration).strftime("%H:%M"), "service": service.pk, "staff_member": member.pk}),
        content_type=FORM)
    assert chosen.status_code == 302, chosen.status_code
    booked = browser.post(chosen.headers["Location"], urlencode({
        "name": f"Bench Client{serial[0]}", "email": f"bench-new{serial[0]}@example.com", "phone_0": "GB",
        "phone_1": "02071838750", "payment_type": "full", "address": "1 Bench Road, London", "additional_info": ""}),
        content_type=FORM)
    assert booked.status_code == 302 and "thank-you" in booked.headers["Location"], booked.status_code
    return requests + 2


def public_measure(repeat: int, bookings: int, shape_path: str) -> list[dict]:
    """Build the public app's side from the shape and time its month views and its whole booking."""
    shape = json.loads(Path(shape_path).read_text())
    project = Path(shape_path).parent
    (project / "pa_settings.py").write_text(PUBLIC_SETTINGS % {"time_zone": shape["time_zone"]})
    (project / "pa_urls.py").write_text(PUBLIC_URLS)
    sys.path[0] = str(project)
    os.environ["DJANGO_SETTINGS_MODULE"] = "pa_settings"
    import logging

    import django

    django.setup()
    logging.disable(logging.CRITICAL)  # its loggers print every step to the console; ours log nothing here either
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    service, staff = public_build(shape)
    from django.utils.timezone import localdate

    today = localdate()
    days = [today + timedelta(days=d) for d in range(1, DAYS + 1)]
    one = timed_queries(lambda: public_month(service, staff[:1], days), repeat)
    anyone = timed_queries(lambda: public_month(service, staff, days), repeat)
    serial = [0]
    booking = timed_queries(lambda: public_booking(service, staff, days, serial), bookings)
    rows = [side_row(PUBLIC_ONE, one, connection.vendor), side_row(PUBLIC_ANY, anyone, connection.vendor),
            side_row(PUBLIC_BOOKING, booking, connection.vendor)]
    rows[2]["items"] = booking[2]
    rows[2]["value"] = f"{figure(booking[0], booking[1])}, {booking[2]} requests"
    return rows


# ---------------------------------------------------------------------------------------------------------------
# The orchestrator (the project's virtualenv): throwaway environment, alternating rounds, the side-by-side
# ---------------------------------------------------------------------------------------------------------------

def public_python(env_dir: Path) -> Path:
    """The throwaway virtualenv's Python with the public app installed (created on first use, then reused)."""
    python = env_dir / "venv" / "bin" / "python"
    if not python.exists():
        print(f"Installing {PUBLIC_APP} into a throwaway virtualenv ({env_dir}) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(env_dir / "venv")], check=True)
    probe = subprocess.run([str(python), "-c", "import appointment, django"], capture_output=True)
    if probe.returncode:
        install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                                  PUBLIC_APP], capture_output=True, text=True)
        if install.returncode:
            sys.exit(f"Could not install {PUBLIC_APP}:\n{install.stderr}")
    return python


def run_side(python: Path, args: list[str]) -> list[dict]:
    """Run one side in its own process and return its rows."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        target = Path(out.name)
    try:
        subprocess.run([str(python), str(Path(__file__).resolve()), *args, "--rows-out", str(target)], check=True)
        return json.loads(target.read_text())
    finally:
        target.unlink(missing_ok=True)


def median_row(samples: list[dict]) -> dict:
    """The round with the median time (the lower middle one of an even count, so the figure is one measured)."""
    middle = statistics.median_low(row["ms"] for row in samples)
    return {**next(row for row in samples if row["ms"] == middle), "rounds": len(samples)}


def times_faster(ours_ms: float, public_ms: float) -> float:
    """How many times faster ours is (the ratio of medians)."""
    return public_ms / ours_ms if ours_ms else float("inf")


def compare(rounds: dict[str, list[dict]]) -> list[dict]:
    """The contract rows: ours beside the public app for the two month views, then the public app's own medians
    (``bench/report.py`` puts its whole booking beside ours, and recomputes the ratios from these)."""
    rows = []
    for label, public_label, lead in ((ONE_LABEL, PUBLIC_ONE, ONE_LEAD), (ANY_LABEL, PUBLIC_ANY, ANY_LEAD)):
        if label not in rounds or public_label not in rounds:
            continue
        ours, theirs = median_row(rounds[label]), median_row(rounds[public_label])
        ratio = times_faster(ours["ms"], theirs["ms"])
        rows.append({**ours, "target": f">= {lead:g}x faster than the public app", "ok": ratio >= lead,
                     "public": f"{theirs['value']} (ours {ratio:.1f}x faster)"})
    return rows + [median_row(rounds[label]) for label in (PUBLIC_ONE, PUBLIC_ANY, PUBLIC_BOOKING) if label in rounds]


def orchestrate(args) -> list[dict]:
    """Alternate our side and the public app's for ``--rounds`` rounds; print and return the side-by-side."""
    env_dir = Path(args.env_dir)
    env_dir.mkdir(parents=True, exist_ok=True)
    python = public_python(env_dir)
    shape = env_dir / "shape.json"
    rounds: dict[str, list[dict]] = {}
    for n in range(args.rounds):
        ours = run_side(Path(sys.executable), ["--side", "ours", "--repeat", str(args.repeat), "--shape-out",
                                               str(shape)])
        theirs = run_side(python, ["--side", "public", "--repeat", str(args.repeat), "--bookings",
                                   str(args.bookings), "--shape", str(shape)])
        for row in ours + theirs:
            rounds.setdefault(row["path"], []).append(row)
        print(f"round {n + 1}: " + "; ".join(f"{row['path']}: {row['value']}" for row in ours + theirs), flush=True)
    rows = compare(rounds)
    version = subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.version("
                              "'django-appointment'))"], capture_output=True, text=True).stdout.strip()
    print(f"\nSide by side with django-appointment {version} (same data, SQLite, {args.rounds} alternating rounds, "
          f"medians):")
    for row in rows:
        if row["path"] != PUBLIC_ONE and row["path"] != PUBLIC_ANY:
            beside = f"   public app: {row['public']}" if row.get("public") else ""
            print(f"  {row['path']:<60} {row['value']:<34}{beside}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of each side")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement within a round")
    parser.add_argument("--bookings", type=int, default=5, help="whole bookings timed within a round")
    parser.add_argument("--env-dir", default=str(ROOT / "var" / "bench" / "public-app"),
                        help="where the throwaway virtualenv and project live")
    parser.add_argument("--json", help="write the figure rows (the make bench contract) to this file")
    parser.add_argument("--side", choices=["ours", "public"], help=argparse.SUPPRESS)
    parser.add_argument("--shape", help=argparse.SUPPRESS)
    parser.add_argument("--shape-out", help=argparse.SUPPRESS)
    parser.add_argument("--rows-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "ours":
        Path(args.rows_out).write_text(json.dumps(ours_measure(args.repeat, args.shape_out)))
    elif args.side == "public":
        Path(args.rows_out).write_text(json.dumps(public_measure(args.repeat, args.bookings, args.shape)))
    else:
        rows = orchestrate(args)
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
