"""How fast does the beat's dispatcher drain a backlog of due messages? Prints numbers, asserts nothing.

    .venv/bin/python bench/dispatch.py [--messages 2000] [--batch 500]

Builds a throwaway test database (SQLite in memory, or a fresh ``test_...`` database next to
``DATABASE_URL`` on PostgreSQL), books one appointment per client, queues N due reminders (real
builders: template rendering, .ics-free reminder emails, the in-app outbox backend), then times
the dispatcher's runs until nothing is due, with tasks run in-process as a worker would.
"""

import argparse
import sys
import time as clock
from datetime import time, timedelta
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.harness import bench_clinic, throwaway_database  # noqa: E402


def build(messages: int) -> None:
    from django.utils import timezone

    from booking.models import Appointment, Room
    from clinic.accounts.models import Role, User
    from clinic.notifications.models import Message, MessageKind

    location, service, (practitioner,) = bench_clinic(practitioners=1, days_a_week=7, works=(time(8), time(20)))
    room = Room.objects.create(location=location, name="Room 1")
    clients = User.objects.bulk_create(User(email=f"client{n}@bench.test", first_name=f"Client{n}", role=Role.CLIENT)
                                       for n in range(messages))
    start = timezone.now() + timedelta(hours=2)
    appointments = Appointment.objects.bulk_create(
        Appointment(client=c, practitioner=practitioner, service=service, location=location, room=room,
                    starts_at=start + timedelta(hours=n), ends_at=start + timedelta(hours=n, minutes=60),
                    blocked_until=start + timedelta(hours=n, minutes=60)) for n, c in enumerate(clients))
    due = timezone.now() - timedelta(minutes=1)
    Message.objects.bulk_create(
        Message(key=f"reminder:{a.pk}:2h:email@bench", kind=MessageKind.REMINDER, recipient=a.client,
                appointment=a, for_starts_at=a.starts_at, due_at=due, params={"hours": 2}) for a in appointments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    with throwaway_database():
        from django.conf import settings
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from clinic.core.models import OutboxEmail
        from clinic.notifications.models import Message, MessageState
        from clinic.notifications.services import messages_dispatch

        settings.EMAIL_BACKEND = "clinic.core.mail.OutboxEmailBackend"
        settings.SITE_URL = "https://clinic.example"
        build(args.messages)
        runs, started = [], clock.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            while True:
                run_started = clock.perf_counter()
                handed = messages_dispatch(limit=args.batch)
                if not handed:
                    break
                runs.append((handed, clock.perf_counter() - run_started))
        total = clock.perf_counter() - started
        sent = Message.objects.filter(state=MessageState.SENT).count()
        print(f"database: {connection.vendor}; {args.messages} due reminders, batches of {args.batch}")
        for handed, seconds in runs:
            print(f"  dispatcher run: {handed} messages in {seconds * 1000:.0f} ms")
        print(f"sent {sent} ({OutboxEmail.objects.count()} in the outbox) in {total:.2f} s: "
              f"{sent / total:.0f} messages/s, {len(captured) / max(sent, 1):.1f} queries per message")


if __name__ == "__main__":
    main()
