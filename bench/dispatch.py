"""How fast are due messages sent, and how soon after a worker is killed? Prints numbers, asserts nothing.

    .venv/bin/python bench/dispatch.py [--messages 2000] [--json PATH]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/dispatch.py --real-messages 10000 --redis-db 13

Builds a throwaway test database (SQLite in memory, or a fresh ``test_...`` database next to
``DATABASE_URL`` on PostgreSQL), books one session per client and queues due reminders (real
builders and templates, the in-app outbox backend). Then:

1. In-process: the dispatcher's runs until nothing is due, each batch's task run in-process as a worker
   would, with every SQL query counted (a ``connection.execute_wrapper``, which has no log limit).
2. Real (PostgreSQL and Redis only): ``--real-messages`` due reminders, two ``celery -A clinic worker``
   processes (one task at a time each) and a ``celery beat``; the dispatch is triggered as the beat
   would, and timed until every message is sent. Each must be sent exactly once: one outbox row each.
3. Killed (same stack): sending starts, one worker is killed with SIGKILL mid-batch, and the time until
   everything is sent is measured; still one outbox row per message.

The real runs use the Redis database ``--redis-db`` on REDIS_URL's server and empty it before and after:
give it one nothing else uses (workers of a live clinic must never see the benchmark's tasks).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from bench.harness import bench_clinic, throwaway_database  # noqa: E402

THROUGHPUT_ROW = "dispatching due messages (PostgreSQL + Redis, 2 workers)"
RECOVERY_ROW = "recovery after a worker is killed mid-send"
OUTBOX = "clinic.core.mail.OutboxEmailBackend"


def clinic():
    """The bench clinic, with one room: (location, service, practitioner, room)."""
    from booking.models import Room

    location, service, (practitioner,) = bench_clinic(practitioners=1, days_a_week=7, works=(time(8), time(20)))
    return location, service, practitioner, Room.objects.create(location=location, name="Room 1")


def queue(place, messages: int, tag: str) -> None:
    """``messages`` clients, each with a session (one an hour from now on) and a reminder for it that is due now."""
    from django.utils import timezone

    from booking.models import Appointment
    from clinic.accounts.models import Role, User
    from clinic.notifications.models import Message, MessageKind

    location, service, practitioner, room = place
    clients = User.objects.bulk_create(
        User(email=f"{tag}-client{n}@bench.test", first_name=f"Client{n}", role=Role.CLIENT) for n in range(messages))
    start = timezone.now() + timedelta(hours=2)
    appointments = Appointment.objects.bulk_create(
        Appointment(client=c, practitioner=practitioner, service=service, location=location, room=room,
                    starts_at=start + timedelta(hours=n), ends_at=start + timedelta(hours=n, minutes=60),
                    blocked_until=start + timedelta(hours=n, minutes=60)) for n, c in enumerate(clients))
    due = timezone.now() - timedelta(minutes=1)
    Message.objects.bulk_create(
        Message(key=f"reminder:{a.pk}:2h:email@bench", kind=MessageKind.REMINDER, recipient=a.client,
                appointment=a, for_starts_at=a.starts_at, due_at=due, params={"hours": 2}) for a in appointments)


@contextmanager
def counted_queries() -> Iterator[list[int]]:
    """Counts every statement sent to the database (``CaptureQueriesContext`` keeps only the last 9,000)."""
    from django.db import connection

    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        yield count


def exactly_once(messages: int) -> tuple[bool, str]:
    """Every message sent, each exactly once: one outbox row per recipient (one message each)."""
    from django.db.models import Count

    from clinic.core.models import OutboxEmail
    from clinic.notifications.models import Message, MessageState

    sent = Message.objects.filter(state=MessageState.SENT).count()
    rows = OutboxEmail.objects.count()
    doubled = OutboxEmail.objects.values("to").annotate(n=Count("pk")).filter(n__gt=1).count()
    ok = sent == rows == messages and doubled == 0
    return ok, f"{sent} of {messages} sent, {rows} outbox rows, {doubled} recipients with more than one"


def in_process(place, messages: int) -> dict:
    from django.db import connection

    from clinic.notifications.services import messages_dispatch

    queue(place, messages, "inproc")
    runs, started = [], clock.perf_counter()
    with counted_queries() as queries:
        while handed := messages_dispatch():
            runs.append(handed)
    total = clock.perf_counter() - started
    ok, verdict = exactly_once(messages)
    print(f"in-process ({connection.vendor}): {messages} due reminders in {len(runs)} dispatcher runs, "
          f"{total:.2f} s: {messages / total:.0f} messages/s, {queries[0] / messages:.2f} queries per message "
          f"({queries[0]} in all); {verdict}")
    return {"messages": messages, "seconds": total, "queries": queries[0], "ok": ok}


# --- Real workers ----------------------------------------------------------------------------------

def redis_url(db: int) -> str | None:
    """REDIS_URL's server, database ``db``, if it answers."""
    import redis

    base = os.environ.get("REDIS_URL")
    if not base:
        return None
    url = urlsplit(base)._replace(path=f"/{db}").geturl()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception:  # noqa: BLE001 - reported as a skip
        return None
    return url


def database_url() -> str:
    """DATABASE_URL pointing at the throwaway database the harness created."""
    from django.db import connection

    return urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + connection.settings_dict["NAME"]).geturl()


class Stack:
    """Two ``celery worker`` processes (solo pool: one task at a time, and SIGKILL kills the one doing it) and
    a ``celery beat``, on the throwaway database and a Redis database of their own."""

    def __init__(self, broker: str, workdir: Path):
        self.broker, self.workdir, self.workers, self.beat = broker, workdir, [], None
        self.env = os.environ | {
            "DATABASE_URL": database_url(), "REDIS_URL": broker, "CELERY_TASK_ALWAYS_EAGER": "0",
            "EMAIL_BACKEND": OUTBOX, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "bench-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "localhost", "SITE_URL": "https://clinic.example", "LOG_LEVEL": "WARNING"}

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        return subprocess.Popen([str(ROOT / ".venv/bin/celery"), "-A", "clinic", *args], cwd=ROOT, env=self.env,
                                stdout=log, stderr=subprocess.STDOUT)

    def start(self) -> None:
        for n in (1, 2):
            self.workers.append(self._start(f"worker{n}", "worker", "--pool=solo", "--loglevel=INFO",
                                            "--without-gossip", "--without-mingle", "-n", f"bench{n}@%h"))
        self.beat = self._start("beat", "beat", "--loglevel=WARNING", "-s", str(self.workdir / "beat-schedule"))
        deadline = clock.monotonic() + 120
        while not all("ready." in (self.workdir / f"worker{n}.log").read_text() for n in (1, 2)):
            if clock.monotonic() > deadline or any(w.poll() is not None for w in self.workers):
                raise RuntimeError(f"the workers did not start: see {self.workdir}")
            clock.sleep(0.2)

    def cpu_seconds(self) -> float | None:
        """CPU time the workers used so far (Linux ``/proc``; None elsewhere): a figure the machine's other load
        does not inflate, unlike the wall-clock time."""
        try:
            ticks = sum(sum(int(field) for field in Path(f"/proc/{w.pid}/stat").read_text().rsplit(")", 1)[1]
                                .split()[11:13]) for w in self.workers if w.poll() is None)
        except OSError:
            return None
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        for process in [*self.workers, self.beat]:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in [*self.workers, self.beat]:
            if process is not None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def trigger(broker: str) -> None:
    """What the beat does: queue one dispatcher run."""
    from clinic.celery import app

    app.conf.update(task_always_eager=False, broker_url=broker)
    app._pool = None  # the connection pool is made once per process, for the broker of the time
    app.amqp._producer_pool = None
    app.send_task("clinic.notifications.tasks.dispatch_messages")


def sent_count() -> int:
    from clinic.notifications.models import Message, MessageState

    return Message.objects.filter(state=MessageState.SENT).count()


def wait_until_sent(messages: int, timeout: float) -> float | None:
    started = clock.perf_counter()
    while sent_count() < messages:
        if clock.perf_counter() - started > timeout:
            return None
        clock.sleep(0.25)
    return clock.perf_counter() - started


def clear() -> None:
    from booking.models import Appointment
    from clinic.accounts.models import Role, User
    from clinic.core.models import OutboxEmail
    from clinic.notifications.models import Message

    Message.objects.all().delete()
    OutboxEmail.objects.all().delete()
    Appointment.objects.all().delete()
    User.objects.filter(role=Role.CLIENT).delete()


def real_throughput(place, broker: str, workdir: Path, messages: int) -> dict:
    clear()
    queue(place, messages, "real")
    stack = Stack(broker, workdir)
    try:
        stack.start()
        idle = stack.cpu_seconds()
        trigger(broker)
        seconds = wait_until_sent(messages, timeout=600)
        busy = stack.cpu_seconds()
    finally:
        stack.stop()
    ok, verdict = exactly_once(messages)
    shown = f"{seconds:.1f} s" if seconds is not None else "not done in 600 s"
    rate = f", {messages / seconds:.0f} messages/s" if seconds else ""
    cpu = (busy - idle) * 1000 / messages if busy is not None and idle is not None else None
    print(f"real: {messages} due reminders, 2 workers: all sent in {shown}{rate}"
          f"{f', the workers used {cpu:.1f} ms of CPU per message' if cpu else ''}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {verdict}")
    return {"messages": messages, "seconds": seconds, "exactly_once": ok, "cpu_ms": cpu}


def real_kill(place, broker: str, workdir: Path, messages: int) -> dict:
    from clinic.notifications.models import Message, MessageState
    from clinic.notifications.services import SEND_BATCH

    clear()
    queue(place, messages, "kill")
    stack = Stack(broker, workdir)
    try:
        stack.start()
        trigger(broker)
        while sent_count() < messages // 4:  # well under way
            clock.sleep(0.05)
        deadline = clock.monotonic() + 30
        while (Message.objects.filter(state=MessageState.SENDING).count() < 2 * SEND_BATCH
               and clock.monotonic() < deadline):  # both workers hold a claimed batch: each is mid-send
            clock.sleep(0.01)
        stack.workers[0].send_signal(signal.SIGKILL)
        sending = Message.objects.filter(state=MessageState.SENDING).count()
        seconds = wait_until_sent(messages, timeout=600)
    finally:
        stack.stop()
    ok, verdict = exactly_once(messages)
    resent = Message.objects.filter(attempts__gt=1).count()
    shown = f"{seconds:.1f} s" if seconds is not None else "not done in 600 s"
    print(f"killed: one of 2 workers killed with SIGKILL mid-send ({sending} messages sending at that moment); "
          f"everything sent {shown} after the kill ({resent} sent again after the lease); {verdict}")
    return {"messages": messages, "seconds": seconds, "exactly_once": ok, "resent": resent}


def rows(inproc: dict, real: dict | None, killed: dict | None, db: str) -> list[dict]:
    per_message = inproc["queries"] / inproc["messages"]
    note = f"in-process {inproc['messages'] / inproc['seconds']:.0f}/s, {per_message:.2f} queries per message"
    if real is None:
        throughput = {"value": f"not measured (needs PostgreSQL and Redis); {note}", "ok": None}
        recovery = {"value": "not measured (needs PostgreSQL and Redis)", "ok": None}
    else:
        seconds = real["seconds"]
        cpu = f", workers {real['cpu_ms']:.1f} ms CPU per message" if real["cpu_ms"] else ""
        throughput = {"value": (f"{real['messages']} sent in {seconds:.1f} s ({real['messages'] / seconds:.0f}/s), "
                                f"each once: {real['exactly_once']}{cpu}; {note}") if seconds else "not done in 600 s",
                      "ok": bool(seconds and seconds <= 60 and real["exactly_once"])}
        seconds = killed["seconds"]
        recovery = {"value": (f"all sent {seconds:.0f} s after the kill, {killed['resent']} re-sent, each once: "
                              f"{killed['exactly_once']}") if seconds else "not done in 600 s",
                    "ok": bool(seconds and seconds <= 120 and killed["exactly_once"])}
    return [
        {"path": THROUGHPUT_ROW, "target": "10,000 due reminders sent in <= 60 s, each once", "public": None,
         "db": db, **throughput},
        {"path": RECOVERY_ROW, "target": "<= 2 min, still exactly once", "public": None, "db": db, **recovery},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="due reminders for the in-process run")
    parser.add_argument("--real-messages", type=int, default=10_000, help="due reminders for the real run")
    parser.add_argument("--kill-messages", type=int, default=4000, help="due reminders for the kill run")
    parser.add_argument("--redis-db", type=int, default=13, help="Redis database of the real runs (emptied)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON rows here")
    args = parser.parse_args()
    with throwaway_database():
        from django.conf import settings
        from django.db import connection

        settings.EMAIL_BACKEND = OUTBOX
        settings.SITE_URL = "https://clinic.example"
        place = clinic()
        inproc = in_process(place, args.messages)
        real = killed = None
        broker = redis_url(args.redis_db)
        if connection.vendor != "postgresql" or broker is None:
            print("real workers: skipped (they need DATABASE_URL on PostgreSQL and a Redis at REDIS_URL)")
        else:
            import redis

            store = redis.Redis.from_url(broker)
            store.flushdb()
            try:
                with tempfile.TemporaryDirectory(prefix="clinic-dispatch-") as workdir:
                    real = real_throughput(place, broker, Path(workdir), args.real_messages)
                    killed = real_kill(place, broker, Path(workdir), args.kill_messages)
            finally:
                store.flushdb()
        if args.json:
            args.json.write_text(json.dumps(rows(inproc, real, killed, connection.vendor), indent=2))


if __name__ == "__main__":
    main()
