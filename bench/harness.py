"""What every benchmark needs: a throwaway database and a timer that also counts queries."""

from __future__ import annotations

import os
import statistics
import tempfile
import time as clock
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def bench_clinic(*, practitioners: int, days_a_week: int, works: tuple[time, time]):
    """One London location open 08:00-20:00 on the first ``days_a_week`` weekdays, a 60-minute follow-up
    (15-minute clean-up), and ``practitioners`` offering it there in ``works`` hours, with a 13:00-13:45 lunch
    break, on those days. Returns (location, service, practitioners); rooms and clients are the caller's."""
    from booking.models import Break, Location, OpeningHours, Practitioner, Service, WorkingHours
    from clinic.accounts.models import Role, User

    weekdays = range(days_a_week)
    location = Location.objects.create(name="Bench clinic", address="1 Bench Road", time_zone="Europe/London")
    OpeningHours.objects.bulk_create(OpeningHours(location=location, weekday=d, opens=time(8), closes=time(20))
                                     for d in weekdays)
    service = Service.objects.create(name="Follow-up", slug="follow-up", duration_minutes=60,
                                     buffer_after_minutes=15, price=Decimal("85"))
    staff = []
    for i in range(practitioners):
        user = User.objects.create_user(email=f"bench-p{i}@example.com", first_name=f"P{i}", last_name="Bench",
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


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, int, Any]:
    """Run ``fn`` ``repeat`` times: (median ms, best ms, queries of one run, last result)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, result, queries = [], None, 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = clock.perf_counter()
            result = fn()
            timings.append((clock.perf_counter() - started) * 1000)
        queries = len(captured)
    return statistics.median(timings), min(timings), queries, result
