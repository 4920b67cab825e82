"""Settings for benchmarks and the load test: the project's own settings, plus one route that only exists here.

``/bench/bare-insert/`` is the yardstick the issue's figures compare against: a view on the very same stack
(middleware, session, signed-in user, database, transaction) that inserts one row and redirects, as a booking
does, but with no rules. It is never part of the product's URLs.

``BENCH_REDIS_PREFIX`` (set by ``bench/loadtest.py``) puts every Redis key of a run (Celery's queues, the
cache's throttle counters) under a prefix of its own, so a run never reads or leaves work in another's queues
and its keys can be deleted afterwards, even when it shares a Redis database.
"""

import os

from clinic.settings import *  # noqa: F403
from clinic.settings import CACHES, CELERY_BROKER_TRANSPORT_OPTIONS, REDIS_URL

ROOT_URLCONF = "bench.urls"
# As production runs (and as the public app's benchmark settings run it): with DEBUG on, Django's debug cursor
# formats every statement for its log, a per-query cost no deployment pays. The rest of the embedded default
# (SQLite, plain static files, the outbox) stays as the project's settings chose it under DEBUG.
DEBUG = False

_REDIS_PREFIX = os.environ.get("BENCH_REDIS_PREFIX", "")
if _REDIS_PREFIX and REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": _REDIS_PREFIX}
    CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": _REDIS_PREFIX}}

if os.environ.get("BENCH_SERVER_TIMING"):
    # Each response says what it cost the worker (CPU, database, queries): see bench.loadtest.ServerTiming.
    MIDDLEWARE = ["bench.loadtest.ServerTiming", *MIDDLEWARE]  # noqa: F405
