"""Shared fixtures. Named users as in healthchecks: ``client_user`` (Chloe) owns, ``other_client`` is refused."""

from __future__ import annotations

import os
from datetime import datetime

import pytest
import time_machine
from django.conf import settings

from tests import factories

POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
_skipped_pg: list[str] = []


def pytest_configure(config):
    """``CLINIC_TEST_NOW=2026-12-06T23:50+00:00 make test`` runs the suite as if it were that moment (the clock
    still ticks), to prove that no test depends on the weekday or the hour it happens to run at."""
    moment = os.environ.get("CLINIC_TEST_NOW")
    if moment:
        time_machine.travel(datetime.fromisoformat(moment), tick=True).start()


def pytest_collection_modifyitems(config, items):
    if POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... (as .ci/run does)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
            _skipped_pg.append(item.nodeid)


def pytest_terminal_summary(terminalreporter):
    db = settings.DATABASES["default"]
    terminalreporter.write_line(f"Database under test: {db['ENGINE'].rsplit('.', 1)[-1]}"
                                f"{' (REDIS_URL set)' if settings.REDIS_URL else ''}")
    if _skipped_pg:
        terminalreporter.write_line(
            f"NOTE: {len(_skipped_pg)} PostgreSQL-only tests (exclusion constraints, concurrency) were SKIPPED "
            "because DATABASE_URL is not PostgreSQL. Run .ci/run, or set DATABASE_URL, to run them.")


@pytest.fixture(autouse=True)
def _clinic_defaults(db):
    """Every test starts from the default clinic settings row."""
    from clinic.core.models import ClinicSettings

    ClinicSettings.load()


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the (local-memory) cache: each test starts with none, as a new day would."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _questionnaires_unparsed():
    """Each test reads its questionnaire versions afresh (ids repeat between tests' rolled-back rows): the
    screening gate's first read of a version in a test costs its one extra query, as in a new web process."""
    from intake import questionnaire

    questionnaire._FROZEN.clear()


@pytest.fixture
def client_user():
    return factories.ClientFactory(first_name="Chloe", last_name="Martin", email="chloe@example.com")


@pytest.fixture
def other_client():
    return factories.ClientFactory(first_name="Oscar", last_name="Other", email="oscar@example.com")


@pytest.fixture
def practitioner_user():
    return factories.PractitionerFactory().user


@pytest.fixture
def front_desk_user():
    return factories.UserFactory(role="front_desk", email="desk@example.com")


@pytest.fixture
def manager_user():
    return factories.UserFactory(role="manager", email="manager@example.com")


@pytest.fixture
def login(client):
    """``login(user)`` logs the Django test client in as that user and returns it."""

    def _login(user):
        client.force_login(user, backend="clinic.accounts.backends.EmailBackend")
        return client

    return _login
