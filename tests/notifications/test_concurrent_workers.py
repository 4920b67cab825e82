"""Real concurrency on PostgreSQL: workers on separate connections racing for the same email."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from booking import notifications
from booking.models import AppointmentNotification
from tests import factories
from tests.factories import local

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _race(n: int, fn) -> list:
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def _appointment():
    location = factories.LocationFactory(time_zone="Europe/London")
    practitioner = factories.PractitionerFactory(location=location)
    return location, factories.AppointmentFactory(practitioner=practitioner,
                                                  starts_at=local(location, 2026, 3, 25, 10, 0))


def test_ten_beat_runs_at_once_send_one_reminder(mailoutbox):
    location, appointment = _appointment()
    now = local(location, 2026, 3, 24, 10, 0)

    with time_machine.travel(now, tick=False):
        results = _race(10, lambda: notifications.reminders_send_due(now=now))

    assert sorted(results) == [0] * 9 + [1]
    assert len(mailoutbox) == 1
    assert AppointmentNotification.objects.get(appointment=appointment).sent_at is not None


def test_ten_sweepers_taking_over_a_stale_claim_send_once(mailoutbox):
    location, appointment = _appointment()
    due = local(location, 2026, 3, 24, 10, 0)
    claim = AppointmentNotification.objects.create(appointment=appointment, kind="reminder",
                                                   for_starts_at=appointment.starts_at)
    AppointmentNotification.objects.filter(pk=claim.pk).update(created_at=due)
    later = due + timedelta(minutes=15)

    with time_machine.travel(later, tick=False):
        results = _race(10, lambda: notifications.reminders_send_due(now=later))

    assert sum(results) == 1
    assert len(mailoutbox) == 1
