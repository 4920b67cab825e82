"""Two tabs save the same session's map at the same moment: one save wins, the other is told and keeps its marks.

Real threads, each with its own database connection, released together by a barrier. Needs PostgreSQL.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from booking.models import AppointmentStatus
from charting import services
from charting.models import PointMap, PointMapVersion
from tests.factories import AppointmentFactory, PractitionerFactory

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

TABS = 6


def _race(session, *, based_on: int) -> list[str]:
    barrier = threading.Barrier(TABS)
    results = [""] * TABS

    def save(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            services.point_map_save(appointment=session, practitioner=session.practitioner.user,
                                    points=[{"code": "ST3", "side": "L"}],
                                    local_needles=[{"region": "forehead", "count": index + 1}],
                                    retention_minutes=20, based_on=based_on)
            results[index] = "ok"
        except services.MapChanged:
            results[index] = "changed"
        except Exception as exc:  # noqa: BLE001 - the test reports anything else as a failure
            results[index] = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(TABS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def session(time_machine):
    time_machine.move_to(datetime(2026, 12, 2, 11, 30, tzinfo=UTC), tick=True)
    return AppointmentFactory(practitioner=PractitionerFactory(), status=AppointmentStatus.COMPLETED,
                              starts_at=datetime(2026, 12, 2, 10, 0, tzinfo=UTC) - timedelta(minutes=1))


def test_of_simultaneous_first_saves_exactly_one_wins(session):
    results = _race(session, based_on=0)
    assert results.count("ok") == 1 and results.count("changed") == TABS - 1, results
    assert PointMap.objects.get().version == 1 and not PointMapVersion.objects.exists()


def test_of_simultaneous_corrections_of_one_version_exactly_one_wins(session):
    services.point_map_save(appointment=session, practitioner=session.practitioner.user,
                            points=[{"code": "ST6", "side": "R"}], local_needles=[], retention_minutes=None)
    results = _race(session, based_on=1)
    assert results.count("ok") == 1 and results.count("changed") == TABS - 1, results
    assert PointMap.objects.get().version == 2
    assert list(PointMapVersion.objects.values_list("number", "points")) == [(1, [{"code": "ST6", "side": "R"}])]
