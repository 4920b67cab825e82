"""Load test: N clients booking, rescheduling and cancelling at once through gunicorn, PostgreSQL and Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/loadtest.py                       # 50 clients, 3 gunicorn workers, 1 Celery worker
    .venv/bin/python bench/loadtest.py --clients 20 --duration 15 --think 1-3
    .venv/bin/python bench/loadtest.py --web 2 --workers 2 --workers-celery 2 --json var/loadtest.json

What it does, in order:

1. Creates a throwaway database beside DATABASE_URL's (``clinic_loadtest_<pid>``), migrates it and seeds a
   clinic: one location, practitioners with weekly hours and a lunch break, rooms, a returning-client service
   bookable online, background sessions over the booking horizon, and N clients who each have an initial
   consultation behind them and a submitted health questionnaire (so the follow-up is allowed and the
   screening gate has real work to do). Each client gets a signed-in session written straight into the session
   table, so sign-in throttles and password hashing stay out of the figures.
2. Starts ``--web`` gunicorn masters (``--workers`` sync workers each, every master on its own port; the
   clients spread over them like a load balancer would) with production settings (DEBUG off, PostgreSQL,
   Redis, manifest static files), and ``--workers-celery`` Celery worker processes, so confirmations are sent.
3. Phases, each ``--duration`` seconds, every client a thread with its own keep-alive connection:
   - ``bare insert``: a yardstick on the same stack (``bench.urls``: sign-in, session, CSRF, one row inserted
     in a transaction, a redirect), hammered with no think time;
   - ``no think time``: the client journey as fast as the server answers;
   - ``think time``: the same journey with a random pause (``--think``, default 1-3 s) before each step.
   The journey: the week of free times (any practitioner or a chosen one), review a free slot from it, confirm
   (the POST is timed on its own; the confirmation page it redirects to is a step of its own), then now and
   then reschedule one of the client's sessions (its week, its review, the POST) or cancel one (the page, the
   POST). A slot someone else took first is "taken": the friendly page, counted apart. Errors are 5xx
   answers and failed connections; a 4xx is counted too, as the journey never asks for one. A kept-alive
   connection that threaded workers (``--threads``) closed during a pause is opened again, as a browser does
   ("reconnected", not an error).
4. Checks in SQL that no two live sessions overlap for a practitioner, a room or a client, waits for the
   confirmations to be sent, prints one table and (``--json``) the rows of the ``make bench`` figure contract.

The load generator shares the machine: its own CPU time is printed beside the server's (gunicorn workers'
CPU per request), so a saturated client is visible. Nothing here asserts a time; the exit status is non-zero
only when a request failed or sessions overlap.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time as clock
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVICE_SLUG = "follow-up"
TAKEN_TEXT = "just taken by someone else"
CSRF_LENGTH = 32  # an unmasked CSRF secret: Django accepts it as both the cookie and the form's token
STALE_AFTER = 1.0  # seconds idle after which the server may have closed a kept-alive connection
NO_THINK_ROW = "{clients} clients booking at once through gunicorn ({workers}) + PostgreSQL, no think time"
THINK_ROW = "{clients} clients with {think} s think time"
NO_THINK_TARGET = ">= 20 confirmed bookings/s, p95 <= 1 s"
THINK_TARGET = "p95 <= 300 ms"
ISSUE_BEFORE = {  # the issue's figures for 50 clients, 3 workers (the public app has no such row)
    "no_think": "3.98 confirmed bookings/s, p50 2.2 s, p95 3.3 s; bare insert 314 req/s",
    "think": "p50 0.84 s, p95 1.4 s",
}
ISSUE_BEFORE_PER_HUNDRED_BARE = "1.27"  # 3.98 bookings/s beside 314 bare inserts/s


# --- pure parts: numbers, links, cookies, the data plan ------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks (NaN for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def parse_think(value: str) -> tuple[float, float]:
    """``"1-3"`` -> (1.0, 3.0); ``"2"`` -> (2.0, 2.0). Think time is drawn uniformly from the range."""
    low, _, high = value.partition("-")
    bounds = (float(low), float(high or low))
    if bounds[0] < 0 or bounds[1] < bounds[0]:
        raise argparse.ArgumentTypeError(f"think time must be 'low-high' seconds, low <= high: {value!r}")
    return bounds


def seconds(value: float) -> str:
    """A latency as people read it: ``850 ms`` below a second, ``2.2 s`` above."""
    if value != value:  # NaN: nothing measured
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


_REVIEW_LINK = re.compile(r'href="(/book/service/[^"]+/review/\?[^"]+)"')
_CONFIRM_LINK = re.compile(r'href="(/book/appointments/\d+/reschedule/confirm/\?[^"]+)"')


def links(pattern: re.Pattern[str], page: str) -> list[str]:
    """The unescaped, de-duplicated hrefs of ``page`` matching ``pattern``, in page order."""
    return list(dict.fromkeys(html.unescape(href) for href in pattern.findall(page)))


def review_links(page: str) -> list[str]:
    """The review links of a week page: one per free slot shown."""
    return links(_REVIEW_LINK, page)


def confirm_links(page: str) -> list[str]:
    """The "move it here" links of a client's reschedule week."""
    return links(_CONFIRM_LINK, page)


def start_of(link: str) -> datetime | None:
    """The UTC start a review or confirm link carries in its ``start`` parameter."""
    value = dict(parse_qsl(urlsplit(link).query)).get("start")
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def changeable(candidates: Iterable[str], *, now: datetime, window: timedelta) -> list[str]:
    """The links whose start is later than ``now + window``: a session booked there can still be moved or
    cancelled online, so the journey's later steps are not refused by the clinic's change window."""
    return [link for link in candidates if (start := start_of(link)) is not None and start > now + window]


def set_cookies(jar: dict[str, str], headers: Iterable[tuple[str, str]]) -> None:
    """Apply a response's Set-Cookie headers to ``jar`` (name -> value): an empty value or ``max-age=0``
    deletes (Django's messages and a rotated CSRF cookie use both)."""
    for name, value in headers:
        if name.lower() != "set-cookie":
            continue
        pair, *attributes = value.split(";")
        key, _, cookie = pair.strip().partition("=")
        expired = any(a.strip().lower().replace(" ", "") == "max-age=0" for a in attributes)
        if expired or cookie in ("", '""'):
            jar.pop(key, None)
        else:
            jar[key] = cookie


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def server_timing(header: str) -> dict[str, float]:
    """``cpu;dur=12.5, db;dur=3.1;desc="9 queries", app;dur=20`` -> {"cpu": 12.5, "db": 3.1, "queries": 9,
    "app": 20}: what one request cost the worker (milliseconds), as ``ServerTiming`` reports it."""
    timing: dict[str, float] = {}
    for metric in filter(None, (part.strip() for part in header.split(","))):
        name, *params = (p.strip() for p in metric.split(";"))
        for param in params:
            key, _, value = param.partition("=")
            if key == "dur":
                timing[name] = float(value)
            elif key == "desc" and (count := re.match(r'"?(\d+) queries', value)):
                timing["queries"] = float(count.group(1))
    return timing


class ServerTiming:
    """Bench-only middleware, first in the stack when ``BENCH_SERVER_TIMING`` is set (``bench.settings``): each
    response carries a standard ``Server-Timing`` header with the CPU time the worker spent on it, the time spent
    waiting for the database and the number of queries, and the whole time inside Django. The client subtracts:
    its latency minus ``app`` is time queued in front of the workers; ``app`` minus ``cpu`` and ``db`` is time the
    worker waited for a CPU (or, with ``--threads``, for the GIL). CPU time is the request's own thread's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.db import connection

        spent = {"db": 0.0, "queries": 0}

        def timed(execute, sql, params, many, context):
            started = clock.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent["db"] += clock.perf_counter() - started
                spent["queries"] += 1

        cpu, wall = clock.thread_time(), clock.perf_counter()
        with connection.execute_wrapper(timed):
            response = self.get_response(request)
        response["Server-Timing"] = (
            f"cpu;dur={(clock.thread_time() - cpu) * 1000:.1f}, "
            f'db;dur={spent["db"] * 1000:.1f};desc="{spent["queries"]} queries", '
            f"app;dur={(clock.perf_counter() - wall) * 1000:.1f}")
        return response


@dataclass(frozen=True)
class Shift:
    """Where a seeded session goes: a practitioner (by index) in a room (by index) at a wall-clock start."""

    practitioner: int
    room: int
    day: date
    start: time


SHIFT_STARTS = (time(9), time(10, 30), time(14), time(15, 30), time(17))  # 60 min + 15 buffer each, no lunch


def works_on(practitioner: int, day: date) -> bool:
    """Practitioners work Monday to Saturday, each with one weekday off (so fewer work at once than exist)."""
    return day.weekday() < 6 and day.weekday() != practitioner % 6


def seed_plan(*, days: Iterable[date], practitioners: int, rooms: int, wanted: int, rng: random.Random) -> list[Shift]:
    """About ``wanted`` sessions spread over ``days``: each working practitioner is given a room of their own
    that day (at most ``rooms`` of them work in the plan each day) and some of ``SHIFT_STARTS``, so no two
    planned sessions share a practitioner or a room at once, whatever the numbers.

    Fewer than the whole grid fill it from the front, as a clinic's diary does: a start on the first day is
    four times as likely to be taken as one on the last (weighted sampling, Efraimidis and Spirakis)."""
    days = list(days)
    grid = []
    for day in days:
        working = [p for p in range(practitioners) if works_on(p, day)][:rooms]
        grid += [Shift(p, room, day, start) for room, p in enumerate(working) for start in SHIFT_STARTS]
    if wanted >= len(grid):
        return grid
    first, span = min(days), max(1, (max(days) - min(days)).days)

    def key(shift: Shift) -> float:
        weight = 1 - 0.75 * abs((shift.day - first).days) / span
        return rng.random() ** (1 / weight)

    chosen = sorted(grid, key=key, reverse=True)[:wanted]
    return sorted(chosen, key=lambda s: (s.day, s.start, s.room))


def client_for(shift: Shift, day_index: int, pool: int) -> int:
    """A client (index into a pool of ``pool`` >= rooms) for a planned session: distinct across the rooms of one
    start, so the plan never gives one client two sessions at once."""
    return (shift.room + day_index * 7 + SHIFT_STARTS.index(shift.start) * 3) % pool


@dataclass
class Stats:
    """What the clients saw in one phase."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    server: dict[str, list[dict[str, float]]] = field(default_factory=lambda: defaultdict(list))
    outcomes: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, step: str, elapsed: float, status: int, timing: dict[str, float] | None = None) -> None:
        with self.lock:
            self.latencies[step].append(elapsed)
            if timing:
                self.server[step].append(timing)
            if status >= 500:
                self.outcomes["5xx"] += 1
            elif status >= 400:
                self.outcomes["4xx"] += 1

    def count(self, outcome: str, note: str = "") -> None:
        with self.lock:
            self.outcomes[outcome] += 1
        if note:
            self.note(note)

    def note(self, text: str) -> None:
        """Keep what went wrong or was refused, for the report (the first 20 notes)."""
        with self.lock:
            if len(self.errors) < 20:
                self.errors.append(text)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def failures(self) -> int:
        return self.outcomes["5xx"] + self.outcomes["connection"]

    def all_latencies(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]

    def server_median(self, step: str | None, metric: str) -> float:
        """The median of one ``Server-Timing`` metric over a step's responses (all steps: None); NaN if none."""
        timings = self.server[step] if step else [t for values in self.server.values() for t in values]
        values = [t[metric] for t in timings if metric in t]
        return percentile(values, 50)


# --- the virtual client ------------------------------------------------------------------------------------

class Failed(Exception):
    """A request the journey cannot go on from (5xx, 4xx, a broken connection): counted, then the next round."""


class TimeUp(Exception):
    """The phase is over: no request is started after its deadline, so the figures cover ``--duration``."""


class Browser:
    """One client's keep-alive connection and cookies; times each request into ``stats``."""

    def __init__(self, port: int, session_key: str, stats: Stats, deadline: float):
        self.port, self.stats, self.deadline = port, stats, deadline
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        csrf = secrets.token_hex(CSRF_LENGTH // 2)
        self.jar = {"sessionid": session_key, "csrftoken": csrf}
        self.origin = f"https://127.0.0.1:{port}"
        self.idle_since: float | None = None  # when the kept-alive connection last answered (None: none is open)

    def request(self, step: str, method: str, url: str, data: dict | None = None) -> tuple[int, str, str]:
        """(status, Location header, body). The proxy in front says it was HTTPS, as production's does."""
        if clock.monotonic() >= self.deadline:
            raise TimeUp
        headers = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https", "Cookie": cookie_header(self.jar),
                   "User-Agent": "clinic-loadtest"}
        body = None
        if method == "POST":
            body = urlencode({**(data or {}), "csrfmiddlewaretoken": self.jar.get("csrftoken", "")})
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin,
                        "Referer": self.origin + url}
        started = clock.perf_counter()
        try:
            response, payload = self._exchange(method, url, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            self.idle_since = None
            self.stats.count("connection", f"{step}: {type(exc).__name__}: {exc}")
            raise Failed from exc
        elapsed = clock.perf_counter() - started
        self.stats.record(step, elapsed, response.status, server_timing(response.getheader("Server-Timing", "")))
        set_cookies(self.jar, response.getheaders())
        if response.status >= 400:
            self.stats.note(f"{step}: {method} {url} -> {response.status}")
            raise Failed
        return response.status, response.getheader("Location", ""), payload

    def _exchange(self, method: str, url: str, body: str | None,
                  headers: dict[str, str]) -> tuple[http.client.HTTPResponse, str]:
        """Send one request and read its answer. A threaded gunicorn closes a kept-alive connection that stayed
        idle for ``--keep-alive`` seconds (2), which the client only learns when it sends on it again: as a browser
        does, it then opens a new connection and sends the request once more (counted as ``reconnected``). Only
        after a pause: a connection that breaks right after an answer is an error, not a stale connection."""
        stale = self.idle_since is not None and clock.monotonic() - self.idle_since >= STALE_AFTER
        try:
            response, payload = self._send(method, url, body, headers)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            if not stale:
                raise
            self.connection.close()
            self.stats.count("reconnected")
            response, payload = self._send(method, url, body, headers)
        self.idle_since = None if response.will_close else clock.monotonic()
        return response, payload

    def _send(self, method: str, url: str, body: str | None,
              headers: dict[str, str]) -> tuple[http.client.HTTPResponse, str]:
        self.connection.request(method, url, body=body, headers=headers)
        response = self.connection.getresponse()
        return response, response.read().decode("utf-8", "replace")

    def close(self) -> None:
        self.connection.close()


@dataclass
class Journey:
    """A client's plan: which practitioner to ask for, how often to move or cancel, and the pause between steps."""

    location: int
    practitioners: list[int]
    horizon_days: int
    window: timedelta
    think: tuple[float, float] | None
    rng: random.Random
    reschedule_share: float = 0.25
    cancel_share: float = 0.3
    max_held: int = 3
    held: list[int] = field(default_factory=list)

    def pause(self, deadline: float) -> None:
        if self.think:
            clock.sleep(max(0.0, min(self.rng.uniform(*self.think), deadline - clock.monotonic())))

    def times_url(self, today: date) -> str:
        """A week some days ahead (clients browse, they do not all open the first week), any practitioner or one."""
        wanted = "any" if self.rng.random() < 0.5 else str(self.rng.choice(self.practitioners))
        week = today + timedelta(days=self.rng.randint(2, max(2, self.horizon_days - 14)))
        query = {"location": self.location, "practitioner": wanted, "week": week.isoformat()}
        return f"/book/service/{SERVICE_SLUG}/times/?{urlencode(query)}"


_BOOKED = re.compile(r"^/book/appointments/(\d+)/$")


def book(browser: Browser, journey: Journey, deadline: float) -> None:
    """Times -> review -> confirm -> confirmation page. Taken and refused outcomes are counted, not failures."""
    stats = browser.stats
    _, _, page = browser.request("times", "GET", journey.times_url(datetime.now(UTC).date()))
    candidates = changeable(review_links(page), now=datetime.now(UTC), window=journey.window)
    if not candidates:
        stats.count("no free slot shown")
        return
    link = journey.rng.choice(candidates)
    journey.pause(deadline)
    browser.request("review", "GET", link)
    journey.pause(deadline)
    status, location, page = browser.request("book", "POST", urlsplit(link).path, dict(parse_qsl(urlsplit(link).query)))
    if status == 302 and (match := _BOOKED.match(urlsplit(location).path)):
        stats.count("booked")
        journey.held.append(int(match.group(1)))
        browser.request("booked page", "GET", location)
    elif TAKEN_TEXT in page:
        stats.count("taken")
    else:
        stats.count("refused", "book refused: " + _error_text(page))


def reschedule(browser: Browser, journey: Journey, deadline: float) -> None:
    """Move one of the client's sessions: its week, the review of a new time, the POST (moved when it redirects
    to the session's page; taken or refused otherwise)."""
    pk = journey.rng.choice(journey.held)
    journey.pause(deadline)
    _, _, page = browser.request("reschedule week", "GET", f"/book/appointments/{pk}/reschedule/")
    candidates = changeable(confirm_links(page), now=datetime.now(UTC), window=journey.window)
    if not candidates:
        browser.stats.count("no free slot shown")
        return
    link = journey.rng.choice(candidates)
    journey.pause(deadline)
    browser.request("reschedule review", "GET", link)
    journey.pause(deadline)
    status, location, page = browser.request("reschedule", "POST", urlsplit(link).path,
                                             dict(parse_qsl(urlsplit(link).query)))
    if status == 302 and _BOOKED.match(urlsplit(location).path):
        browser.stats.count("moved")
    elif TAKEN_TEXT in page:
        browser.stats.count("taken")
    else:
        browser.stats.count("refused", "reschedule refused: " + _error_text(page))


def cancel(browser: Browser, journey: Journey, deadline: float) -> None:
    """Cancel one of the client's sessions: the page, then the POST. Its redirect means cancelled: the other one
    (a session already past or cancelled) cannot happen to those the journey holds, past the change window."""
    pk = journey.held.pop(journey.rng.randrange(len(journey.held)))
    journey.pause(deadline)
    browser.request("cancel page", "GET", f"/book/appointments/{pk}/cancel/")
    journey.pause(deadline)
    status, _, page = browser.request("cancel", "POST", f"/book/appointments/{pk}/cancel/", {"reason": "load test"})
    if status == 302:
        browser.stats.count("cancelled")
    else:
        browser.stats.count("refused", "cancel refused: " + _error_text(page))


def _error_text(page: str) -> str:
    """The page's alert, for the report when something was refused (the first one, tags stripped)."""
    match = re.search(r'class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()[:160] if match else "(no alert)"


def run_journeys(browser: Browser, journey: Journey, deadline: float) -> None:
    with suppress(TimeUp):
        while True:
            try:
                journey.pause(deadline)
                book(browser, journey, deadline)
                if journey.held and journey.rng.random() < journey.reschedule_share:
                    reschedule(browser, journey, deadline)
                if journey.held and (len(journey.held) > journey.max_held
                                     or journey.rng.random() < journey.cancel_share):
                    cancel(browser, journey, deadline)
            except Failed:
                continue


def run_bare(browser: Browser, journey: Journey, deadline: float) -> None:
    with suppress(TimeUp):
        while True:
            with suppress(Failed):
                browser.request("bare insert", "POST", "/bench/bare-insert/", {})


@dataclass
class Phase:
    name: str
    stats: Stats
    elapsed: float
    server_cpu: float
    worker_cpu: float
    own_cpu: float
    db_cpu: float  # PostgreSQL backends of the run's database
    database: dict[str, float]  # what the database sessions did: state -> average number in it
    locked: float = 0.0  # share of the phase in which a booking held an advisory lock
    machine_cpu: float = float("nan")  # CPU seconds of the whole machine: other work on a shared machine shows here


def run_phase(name: str, target: Callable[[Browser, Journey, float], None], *, ports: list[int], keys: list[str],
              journeys: list[Journey], duration: float, processes: Processes, sampler: DatabaseWatch) -> Phase:
    """Every client on its own thread until ``duration`` has passed (requests under way are finished)."""
    stats = Stats()
    deadline = clock.monotonic() + duration
    browsers = [Browser(ports[i % len(ports)], key, stats, deadline) for i, key in enumerate(keys)]
    web_before, workers_before, own_before = processes.web_cpu(), processes.worker_cpu(), _own_cpu()
    db_before = sampler.backend_cpu()
    sampler.reset()
    started, machine_before = clock.monotonic(), _machine_cpu()
    threads = [threading.Thread(target=target, args=(b, j, deadline), daemon=True)
               for b, j in zip(browsers, journeys, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = clock.monotonic() - started
    db_cpu = sum(cpu - db_before.get(pid, 0.0) for pid, cpu in sampler.backend_cpu().items())
    for browser in browsers:
        browser.close()
    return Phase(name, stats, elapsed, processes.web_cpu() - web_before, processes.worker_cpu() - workers_before,
                 _own_cpu() - own_before, db_cpu, sampler.averages(),
                 sampler.locked_share(), _machine_cpu() - machine_before)


def _machine_cpu() -> float:
    """CPU seconds every process of the machine has used since boot (busy time of all cores, /proc/stat)."""
    with suppress(OSError, ValueError):
        user, nice, system, _idle, _iowait, irq, softirq = (
            int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8])
        return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")
    return float("nan")


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- processes: gunicorn, Celery, CPU accounting ---------------------------------------------------------

def _cpu_of(pids: Iterable[int]) -> float:
    """User + system CPU seconds of these processes (those that have gone count as 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / tick


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """The gunicorn masters and Celery workers of one run, logging to files in ``logs``; stopped (and waited
    for) on ``stop``."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env, self.logs, self.web, self.celery, self.ports = env, logs, [], [], []

    def _start(self, command: list[str], log: str) -> subprocess.Popen:
        with open(self.logs / log, "ab") as output:
            return subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT)

    def start_web(self, count: int, workers: int, threads: int) -> None:
        """``count`` masters of ``workers`` workers each (sync workers; threaded ones when ``threads`` > 1)."""
        for _ in range(count):
            port = free_port()
            self.web.append(self._start(
                [str(BIN / "gunicorn"), "clinic.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                 "--threads", str(threads), "--log-level", "warning", "--error-logfile", "-"],
                f"gunicorn-{port}.log"))
            self.ports.append(port)

    def start_celery(self, count: int) -> None:
        for i in range(count):
            self.celery.append(self._start(
                [str(BIN / "celery"), "-A", "clinic", "worker", "--pool=solo", "--loglevel=WARNING",
                 "-n", f"loadtest{i}-{os.getpid()}@%h"], f"celery-{i}.log"))

    def wait_ready(self, timeout: float = 60) -> None:
        """Until every master answers /healthz (database and broker reachable) with 200."""
        deadline = clock.monotonic() + timeout
        for port, process in zip(self.ports, self.web, strict=True):
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"gunicorn on port {port} exited with {process.returncode}")
                with suppress(OSError, http.client.HTTPException):
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
                    if connection.getresponse().status == 200:
                        break
                if clock.monotonic() > deadline:
                    raise SystemExit(f"gunicorn on port {port} did not answer /healthz within {timeout:.0f} s")
                clock.sleep(0.3)

    def web_cpu(self) -> float:
        return _cpu_of(pid for master in self.web for pid in _children(master.pid))

    def worker_cpu(self) -> float:
        return _cpu_of(p.pid for p in self.celery)

    def stop(self) -> None:
        for process in self.web + self.celery:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.web + self.celery:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class DatabaseWatch:
    """Samples pg_stat_activity every 0.2 s on its own connection: what the run's database sessions are doing
    (running, waiting for a lock and in which statement, for the WAL to reach the disk, idle inside a transaction
    while Django works).
    The average number of sessions in each state tells where the "db" time of the responses goes."""

    def __init__(self, dsn: str, database: str):
        import psycopg2

        self.dsn, self.connection = dsn, psycopg2.connect(dsn)
        self.connection.autocommit = True
        self.database, self.samples, self.states, self.locked = database, 0, Counter(), 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        with self.connection.cursor() as cursor:
            while self.running:
                cursor.execute(
                    "SELECT CASE WHEN state <> 'active' THEN state "
                    "WHEN wait_event_type = 'Lock' THEN 'Lock:' || wait_event || ' in \"' "
                    "|| left(regexp_replace(query, '\\s+', ' ', 'g'), 40) || '...\"' "
                    "ELSE coalesce(wait_event_type || ':' || wait_event, 'running') END, count(*) "
                    "FROM pg_stat_activity WHERE datname = %s AND state <> 'idle' AND pid <> pg_backend_pid() "
                    "GROUP BY 1", [self.database])
                rows = cursor.fetchall()
                cursor.execute("SELECT count(*) FROM pg_locks JOIN pg_database d ON d.oid = database "
                               "WHERE locktype = 'advisory' AND granted AND d.datname = %s", [self.database])
                held = cursor.fetchone()[0]
                self.samples += 1
                self.states.update(dict(rows))
                self.locked += held > 0
                clock.sleep(0.2)

    def reset(self) -> None:
        self.samples, self.states, self.locked = 0, Counter(), 0

    def locked_share(self) -> float:
        """The share of samples in which some booking held an advisory lock (a location or a practitioner): near
        1, bookings run one after another, and confirmed bookings a second cannot exceed 1 / their transaction."""
        return self.locked / self.samples if self.samples else 0.0

    def averages(self) -> dict[str, float]:
        """State -> average number of the run's database sessions in it, busiest first."""
        return {state: count / self.samples for state, count in self.states.most_common()} if self.samples else {}

    def backend_cpu(self) -> dict[int, float]:
        """CPU seconds so far of each PostgreSQL backend serving the run's database (same machine only)."""
        import psycopg2

        with psycopg2.connect(self.dsn) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database])
            pids = [pid for (pid,) in cursor.fetchall()]
        connection.close()
        return {pid: _cpu_of([pid]) for pid in pids}

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.connection.close()


# --- the database: throwaway, seeded, checked ------------------------------------------------------------

def throwaway_url(base: str, name: str) -> str:
    """``base`` (a PostgreSQL URL) with its database name replaced by ``name``."""
    parts = urlsplit(base)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit("The load test runs on PostgreSQL: set DATABASE_URL=postgres://user@host:port/name")
    return parts._replace(path=f"/{name}").geturl()


@contextmanager
def throwaway_database(base: str, name: str, *, keep: bool) -> Iterator[str]:
    """A new, empty database ``name`` on ``base``'s server (its URL is yielded), dropped afterwards even if
    connections to it are still open (``WITH (FORCE)``, PostgreSQL 13+), unless ``keep``."""
    import psycopg2

    admin = psycopg2.connect(throwaway_url(base, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield throwaway_url(base, name)
    finally:
        if keep:
            print(f"Kept database {name}.")
        else:
            from django.db import connections

            connections.close_all()
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@dataclass
class Seeded:
    """What the clients need to know of the seeded clinic (ids, their signed-in sessions, the clinic's rules)."""

    location: int
    practitioners: list[int]
    session_keys: list[str]
    horizon_days: int
    window: timedelta


def seed(*, clients: int, practitioners: int, rooms: int, sessions: int, now: datetime, rng: random.Random) -> Seeded:
    """The clinic the clients book in (see the module docstring): returns what the clients need to know."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore

    from booking.models import (
        Appointment,
        AppointmentStatus,
        Break,
        Location,
        OpeningHours,
        Practitioner,
        Room,
        Service,
        WorkingHours,
    )
    from booking.selectors import wall_clock_to_utc
    from clinic.accounts.models import Role, User
    from clinic.core.models import ClinicSettings

    clinic = ClinicSettings.load()
    location = Location.objects.create(name="Load-test clinic", address="1 Load Road", time_zone="Europe/London")
    OpeningHours.objects.bulk_create(OpeningHours(location=location, weekday=d, opens=time(8), closes=time(19))
                                     for d in range(6))
    room_objects = [Room.objects.create(location=location, name=f"Room {i + 1}") for i in range(rooms)]
    initial = Service.objects.create(name="Initial consultation", slug="initial", duration_minutes=60,
                                     buffer_after_minutes=15, price="120", is_initial_consultation=True)
    follow_up = Service.objects.create(name="Follow-up", slug=SERVICE_SLUG, duration_minutes=60,
                                       buffer_after_minutes=15, price="85", new_clients_allowed=False)
    password = make_password(secrets.token_urlsafe(16))  # one hash for everyone: nobody signs in with it
    staff = []
    for i in range(practitioners):
        user = User.objects.create(email=f"practitioner{i}@loadtest.example", first_name=f"P{i}", last_name="Load",
                                   role=Role.PRACTITIONER, password=password, email_verified_at=now)
        practitioner = Practitioner.objects.create(user=user)
        practitioner.services.set([initial, follow_up])
        practitioner.locations.add(location)
        weekdays = [d for d in range(6) if d != i % 6]
        WorkingHours.objects.bulk_create(WorkingHours(practitioner=practitioner, location=location, weekday=d,
                                                      start=time(9), end=time(18)) for d in weekdays)
        Break.objects.bulk_create(Break(practitioner=practitioner, weekday=d, start=time(13), end=time(13, 45))
                                  for d in weekdays)
        staff.append(practitioner)
    people = User.objects.bulk_create(
        User(email=f"client{i}@loadtest.example", first_name=f"Client{i}", last_name="Load", role=Role.CLIENT,
             password=password, email_verified_at=now) for i in range(clients))
    regulars = User.objects.bulk_create(
        User(email=f"regular{i}@loadtest.example", first_name=f"Regular{i}", last_name="Load", role=Role.CLIENT,
             password=password, email_verified_at=now) for i in range(max(rooms, 10)))
    tz = location.tz
    today = now.astimezone(tz).date()

    def appointment(shift: Shift, client, service, status) -> Appointment:
        starts = wall_clock_to_utc(shift.day, shift.start, tz)
        return Appointment(client=client, practitioner=staff[shift.practitioner], service=service, location=location,
                           room=room_objects[shift.room], starts_at=starts, ends_at=starts + service.duration,
                           blocked_until=starts + service.duration + service.buffer, status=status)

    # History: each client's initial consultation, done (so a follow-up is allowed online).
    past_days = [today - timedelta(days=n) for n in range(1, 400)]
    history = seed_plan(days=past_days, practitioners=practitioners, rooms=rooms, wanted=len(past_days) * rooms * 5,
                        rng=rng)[:clients]
    Appointment.objects.bulk_create(appointment(s, people[i], initial, AppointmentStatus.COMPLETED)
                                    for i, s in enumerate(history))
    # Other clients' upcoming sessions over the horizon, so the engine and the week pages have a real diary.
    future_days = [today + timedelta(days=n) for n in range(1, clinic.booking_horizon_days + 1)]
    plan = seed_plan(days=future_days, practitioners=practitioners, rooms=rooms, wanted=sessions, rng=rng)
    Appointment.objects.bulk_create(
        appointment(s, regulars[client_for(s, (s.day - today).days, len(regulars))], follow_up,
                    AppointmentStatus.BOOKED) for s in plan)
    _seed_intakes(people, now=now)
    keys = []
    for person in people:
        store = SessionStore()
        store.update({SESSION_KEY: str(person.pk), BACKEND_SESSION_KEY: "clinic.accounts.backends.EmailBackend",
                      HASH_SESSION_KEY: person.get_session_auth_hash()})
        store.create()
        keys.append(store.session_key)
    return Seeded(location=location.pk, practitioners=[p.pk for p in staff], session_keys=keys,
                  horizon_days=clinic.booking_horizon_days,
                  window=timedelta(hours=clinic.cancellation_window_hours + 2))


def _seed_intakes(people: list, *, now: datetime) -> None:
    """A submitted, reviewed questionnaire with nothing to flag for each client (the first choice of every
    question, every pattern "sometimes"), as the intake app stores one, with its signed consent."""
    from intake import definitions, scoring
    from intake.models import ConsentRecord, IntakeSubmission, SubmissionStatus
    from intake.questionnaire import Questionnaire

    version, consent = definitions.questionnaire_current(), definitions.consent_current()
    questionnaire = Questionnaire.of(version)
    answers: dict = {}
    for key, question in questionnaire.questions.items():
        kind = question["type"]
        if kind in ("choice", "yesno"):
            answers[key] = question["choices"][0][0]
        elif kind == "multi":
            answers[key] = []
        elif kind == "concern":
            answers[key] = {"severity": 0, "duration": ""}
        elif kind != "scale":
            answers[key] = ""
    for pattern in questionnaire.patterns:
        for item in pattern["items"]:
            answers[item["key"]] = 3
    answers = questionnaire.applicable_answers(answers)
    scores = scoring.score_patterns(questionnaire, answers)
    steps = [s.number for s in questionnaire.steps(answers)]
    submitted = now - timedelta(days=30)
    submissions = IntakeSubmission.objects.bulk_create(
        IntakeSubmission(client=person, version=version, status=SubmissionStatus.SUBMITTED, answers=answers,
                         is_current=True, current_step=questionnaire.step_count + 1, completed_steps=steps,
                         scores=scores, started_at=submitted - timedelta(minutes=14), submitted_at=submitted,
                         reviewed_at=submitted + timedelta(days=1)) for person in people)
    ConsentRecord.objects.bulk_create(
        ConsentRecord(submission=s, client=s.client, consent_version=consent, typed_name=s.client.full_name,
                      ip_address="127.0.0.1", signed_at=submitted) for s in submissions)


def overlaps() -> dict[str, int]:
    """Live sessions that overlap another live session of the same practitioner or room (the time each holds:
    start to the end of its clean-up buffer) or of the same client (the session itself). Must all be 0."""
    from django.db.models import Exists, OuterRef

    from booking.models import ACTIVE_STATUSES, Appointment

    live = Appointment.objects.filter(status__in=ACTIVE_STATUSES)

    def clashing(owner: str, end: str) -> int:
        other = live.filter(**{owner: OuterRef(owner), "starts_at__lt": OuterRef(end),
                               f"{end}__gt": OuterRef("starts_at")})
        return live.filter(Exists(other.exclude(pk=OuterRef("pk")))).count()

    return {"practitioner": clashing("practitioner", "blocked_until"), "room": clashing("room", "blocked_until"),
            "client": clashing("client", "ends_at")}


def confirmations(since: datetime) -> Counter:
    """Booking confirmations queued since ``since``, by state (sent, pending, queued, sending, failed)."""
    from clinic.notifications.models import Message, MessageKind

    return Counter(Message.objects.filter(kind=MessageKind.CONFIRMATION, created_at__gte=since)
                   .values_list("state", flat=True))


def wait_for_confirmations(since: datetime, timeout: float) -> Counter:
    """Until no booking confirmation is waiting (the workers sent them all) or ``timeout`` passes."""
    deadline = clock.monotonic() + timeout
    while True:
        states = confirmations(since)
        if not (set(states) - {"sent", "failed", "cancelled"}) or clock.monotonic() > deadline:
            return states
        clock.sleep(1)


# --- reporting ------------------------------------------------------------------------------------------

def _ms(value: float) -> str:
    return "-" if value != value else f"{value:.0f}"


def phase_rows(phase: Phase) -> list[list[str]]:
    """One line per step (and one for all requests): count, latency p50/p95/max as the client saw it, then the
    medians of what the server reported: time in Django, its CPU, time in the database, queries."""
    stats, rows = phase.stats, []
    for step, values in [*sorted(stats.latencies.items()), ("all requests", stats.all_latencies())]:
        key = None if step == "all requests" else step
        rows.append([phase.name, step, str(len(values)), seconds(percentile(values, 50)),
                     seconds(percentile(values, 95)), seconds(max(values)) if values else "-",
                     *(_ms(stats.server_median(key, metric)) for metric in ("app", "cpu", "db", "queries"))])
    return rows


def summary(phase: Phase) -> str:
    stats, elapsed = phase.stats, phase.elapsed
    requests = stats.requests
    web_ms, db_ms = (cpu / max(requests, 1) * 1000 for cpu in (phase.server_cpu, phase.db_cpu))
    parts = [f"{requests / elapsed:.1f} req/s", f"CPU per request: gunicorn {web_ms:.0f} ms, PostgreSQL {db_ms:.0f} ms",
             f"celery {phase.worker_cpu:.1f} s", f"load generator {phase.own_cpu:.1f} s",
             f"a booking lock held {phase.locked:.0%} of the time",
             f"machine {phase.machine_cpu / elapsed:.1f} cores busy, {_others(phase) / elapsed:.1f} of them "
             "outside this run",
             "database sessions on average: " + (", ".join(f"{state} {n:.1f}" for state, n in
                                                           list(phase.database.items())[:5]) or "none busy")]
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(stats.outcomes.items()))
    if "booked" in stats.outcomes:
        parts.insert(0, f"{stats.outcomes['booked'] / elapsed:.2f} confirmed bookings/s")
    return f"{phase.name}: {elapsed:.1f} s; " + "; ".join(parts) + (f"\n    outcomes: {outcomes}" if outcomes else "")


def _others(phase: Phase) -> float:
    """CPU seconds the machine spent on work other than this run's servers, database sessions and clients."""
    return phase.machine_cpu - phase.server_cpu - phase.worker_cpu - phase.own_cpu - phase.db_cpu


def figure(phase: Phase, bare: Phase | None) -> str:
    """The row value of the figure contract, e.g. ``12.3 confirmed bookings/s, p50 0.8 s, p95 1.9 s``."""
    values = phase.stats.all_latencies()
    text = (f"{phase.stats.outcomes['booked'] / phase.elapsed:.2f} confirmed bookings/s, "
            f"p50 {seconds(percentile(values, 50))}, p95 {seconds(percentile(values, 95))}")
    if bare is not None:
        text += f"; bare insert {bare.stats.requests / bare.elapsed:.0f} req/s"
    return text


def per_hundred_bare(phase: Phase, bare: Phase) -> float:
    """Confirmed bookings a second per 100 bare inserts a second, both measured in the same run."""
    bare_rate = bare.stats.requests / bare.elapsed
    return 100 * phase.stats.outcomes["booked"] / phase.elapsed / bare_rate if bare_rate else float("nan")


def _web_text(args: argparse.Namespace) -> str:
    """``3 workers`` as the issue says it; ``2 x 3 workers`` for two masters; threads when there are some."""
    text = f"{args.workers} workers" if args.web == 1 else f"{args.web} x {args.workers} workers"
    return text if args.threads == 1 else f"{text}, {args.threads} threads each"


def json_rows(*, no_think: Phase, think: Phase | None, bare: Phase, args: argparse.Namespace,
              clean: bool) -> list[dict]:
    """The rows of the ``make bench`` figure contract (``ok`` needs 0 errors and 0 overlaps as well)."""
    all_no_think = no_think.stats.all_latencies()
    rows = [{"path": NO_THINK_ROW.format(clients=args.clients, workers=_web_text(args)),
             "value": figure(no_think, bare),
             "target": NO_THINK_TARGET, "public": None, "db": "postgresql",
             "ok": clean and no_think.stats.outcomes["booked"] / no_think.elapsed >= 20
             and percentile(all_no_think, 95) <= 1.0}]
    if think is not None:
        values = think.stats.all_latencies()
        rows.append({"path": THINK_ROW.format(clients=args.clients, think=args.think),
                     "value": f"p50 {seconds(percentile(values, 50))}, p95 {seconds(percentile(values, 95))}, "
                              f"gunicorn CPU {think.server_cpu / max(think.stats.requests, 1) * 1000:.0f} ms/request",
                     "target": THINK_TARGET, "public": None, "db": "postgresql",
                     "ok": clean and percentile(values, 95) <= 0.3})
    return rows


def print_table(rows: list[list[str]]) -> None:
    header = ["phase", "step", "requests", "p50", "p95", "max", "app ms", "cpu ms", "db ms", "queries"]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(w) if i < 2 else str(cell).rjust(w) for i, (cell, w) in
                        enumerate(zip(row, widths, strict=True))))


# --- main -------------------------------------------------------------------------------------------------

def _configure(args: argparse.Namespace, database_url: str, var_dir: str, prefix: str) -> dict[str, str]:
    """The production environment of every process of the run (this one included, for seeding and checks)."""
    env = {**os.environ,
           "DJANGO_SETTINGS_MODULE": "bench.settings", "DJANGO_DEBUG": "0",
           "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
           "DATABASE_URL": database_url, "REDIS_URL": args.redis_url, "BENCH_REDIS_PREFIX": prefix,
           "CLINIC_VAR_DIR": var_dir, "SITE_URL": "https://clinic.example",
           "EMAIL_BACKEND": "clinic.core.mail.OutboxEmailBackend", "LOG_LEVEL": "WARNING",
           "CELERY_TASK_ALWAYS_EAGER": "0", "BENCH_SERVER_TIMING": "1"}
    os.environ.update(env)
    return env


def _forget_redis_keys(url: str, prefix: str) -> None:
    """Delete the run's keys (broker queues, throttle counters): they all start with the run's prefix."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}*", count=500):
        client.delete(key)
    client.close()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--duration", type=float, default=30, help="seconds per phase (default 30)")
    parser.add_argument("--think", default="1-3", help="think-time range in seconds for the second journey phase "
                                                       "(default 1-3; 0 skips that phase)")
    parser.add_argument("--web", type=int, default=1, help="gunicorn masters, each on its own port (default 1)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers per master (default 3)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker (default 1: sync workers, as the Procfile runs)")
    parser.add_argument("--workers-celery", type=int, default=1, help="Celery worker processes (default 1)")
    parser.add_argument("--warmup", type=float, default=10,
                        help="unmeasured seconds of journeys (and bare inserts) before the phases (default 10)")
    parser.add_argument("--practitioners", type=int, default=6)
    parser.add_argument("--rooms", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=1200,
                        help="other clients' upcoming sessions, more of them in the first weeks (default 1200 of "
                             "the plan's 1925 starts; 2000 or more fills every one)")
    parser.add_argument("--seed", type=int, default=13, help="random seed of the data and the journeys")
    parser.add_argument("--keep", action="store_true", help="keep the database (and leave the servers' logs)")
    parser.add_argument("--hold", action="store_true",
                        help="after the phases, keep the servers up until Ctrl-C (e.g. to profile them)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--json", metavar="PATH", help="also write the figure rows as JSON to PATH")
    args = parser.parse_args(argv)
    try:
        args.think_range = parse_think(args.think) if args.think not in ("0", "") else None
    except (argparse.ArgumentTypeError, ValueError) as exc:
        parser.error(str(exc))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        raise SystemExit("Set DATABASE_URL=postgres://user@host:port/name (a throwaway database is made beside it).")
    name, prefix = f"clinic_loadtest_{os.getpid()}", f"loadtest-{os.getpid()}:"
    var_dir = tempfile.mkdtemp(prefix="clinic-loadtest-")
    rng = random.Random(args.seed)
    with throwaway_database(base, name, keep=args.keep) as url:
        env = _configure(args, url, var_dir, prefix)
        processes = Processes(env, Path(var_dir))
        try:
            return _run(args, processes, rng, base_url=base, database=name)
        finally:
            processes.stop()
            _forget_redis_keys(args.redis_url, prefix)
            if args.keep:
                print(f"Kept the servers' logs in {var_dir}.")
            else:
                shutil.rmtree(var_dir, ignore_errors=True)


def _run(args: argparse.Namespace, processes: Processes, rng: random.Random, *, base_url: str, database: str) -> int:
    """Seed, start the servers, run the phases, check and report; the exit status (0: no error, no overlap)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    started = clock.monotonic()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    now = datetime.now(UTC)
    seeded = seed(clients=args.clients, practitioners=args.practitioners, rooms=args.rooms, sessions=args.sessions,
                  now=now, rng=rng)
    connections.close_all()
    print(f"Database {database} migrated and seeded in {clock.monotonic() - started:.0f} s: {args.clients} clients, "
          f"{args.practitioners} practitioners, {args.rooms} rooms, {args.sessions} upcoming sessions.")
    processes.start_web(args.web, args.workers, args.threads)
    processes.start_celery(args.workers_celery)
    processes.wait_ready()
    print(f"gunicorn: {_web_text(args)} on ports {', '.join(map(str, processes.ports))}; "
          f"Celery: {args.workers_celery} worker process(es). {args.duration:.0f} s per phase.")

    def journeys(think: tuple[float, float] | None) -> list[Journey]:
        return [Journey(location=seeded.location, practitioners=seeded.practitioners, horizon_days=seeded.horizon_days,
                        window=seeded.window, think=think, rng=random.Random(rng.random()))
                for _ in seeded.session_keys]

    sampler = DatabaseWatch(throwaway_url(base_url, "postgres"), database)
    common = {"ports": processes.ports, "keys": seeded.session_keys, "processes": processes, "sampler": sampler}
    booking_since = datetime.now(UTC)
    warmups = []
    if args.warmup:
        # Not in the figures (its errors do count): each worker's first requests import what views load lazily,
        # fill the template cache and open its database and Redis connections.
        warmups = [run_phase("warm-up", run_journeys, journeys=journeys(None), duration=args.warmup, **common),
                   run_phase("warm-up", run_bare, journeys=journeys(None), duration=min(args.warmup, 2), **common)]
    bare = run_phase("bare insert", run_bare, journeys=journeys(None), duration=args.duration, **common)
    no_think = run_phase("no think time", run_journeys, journeys=journeys(None), duration=args.duration, **common)
    think = None
    if args.think_range:
        think = run_phase(f"think {args.think} s", run_journeys, journeys=journeys(args.think_range),
                          duration=args.duration, **common)
    sampler.close()
    sent = wait_for_confirmations(booking_since, timeout=60)
    clashes = overlaps()
    connections.close_all()
    clean = _report(args, bare=bare, no_think=no_think, think=think, warmups=warmups, sent=sent, clashes=clashes)
    if args.hold:
        print("Servers still up (Ctrl-C ends the run): ports", ", ".join(map(str, processes.ports)))
        with suppress(KeyboardInterrupt):
            signal.pause()
    return 0 if clean else 1


def _report(args: argparse.Namespace, *, bare: Phase, no_think: Phase, think: Phase | None, warmups: list[Phase],
            sent: Counter, clashes: dict[str, int]) -> bool:
    """Print the table, the phases' summaries, the checks and the figures (and write ``--json``); True if clean:
    no error in any phase, warm-up included, and no overlapping session."""
    phases = [p for p in (bare, no_think, think) if p is not None]
    print()
    print_table([row for p in phases for row in phase_rows(p)])
    print("p50/p95/max: latency seen by the client; app/cpu/db ms and queries: medians the server reported (time in "
          "Django, its CPU, waiting for PostgreSQL). Latency minus app is time queued for a worker.")
    print()
    for phase in phases:
        print(summary(phase))
    print(f"confirmations: {', '.join(f'{k} {v}' for k, v in sorted(sent.items())) or 'none'}")
    print(f"overlapping live sessions: practitioner {clashes['practitioner']}, room {clashes['room']}, "
          f"client {clashes['client']}")
    notes = [e for p in [*warmups, *phases] for e in p.stats.errors]
    for note in dict.fromkeys(notes):
        print(f"  note: {note}")
    failures = sum(p.stats.failures + p.stats.outcomes["4xx"] for p in [*warmups, *phases])
    clean = failures == 0 and not any(clashes.values())
    print()
    print(f"{'OK' if clean else 'NOT OK'}: {failures} errors, {sum(clashes.values())} overlapping sessions.")
    print(f"{NO_THINK_ROW.format(clients=args.clients, workers=_web_text(args))}: {figure(no_think, bare)} "
          f"(target {NO_THINK_TARGET}; issue's before: {ISSUE_BEFORE['no_think']})")
    print(f"  per 100 bare inserts a second, {per_hundred_bare(no_think, bare):.2f} confirmed bookings a second "
          f"(issue's before: {ISSUE_BEFORE_PER_HUNDRED_BARE}): the same stack's yardstick, so a busy machine "
          "moves this much less than the raw figures")
    if think is not None:
        values = think.stats.all_latencies()
        print(f"{THINK_ROW.format(clients=args.clients, think=args.think)}: p50 {seconds(percentile(values, 50))}, "
              f"p95 {seconds(percentile(values, 95))} (target {THINK_TARGET}; issue's before: {ISSUE_BEFORE['think']})")
    if args.json:
        rows = json_rows(no_think=no_think, think=think, bare=bare, args=args, clean=clean)
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return clean


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
