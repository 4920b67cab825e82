"""What every benchmark needs: a throwaway database and a timer that also counts queries."""

from __future__ import annotations

import os
import statistics
import tempfile
import time as clock
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
