"""Many people click "Confirm" on the same slot at the same moment: exactly one gets it.

Real threads, each with its own database connection (Django opens one per thread), released
together by a barrier so the check-then-insert paths really interleave. Needs PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from booking import services
from booking.models import Appointment
from tests.factories import ClientFactory, PractitionerFactory, RoomFactory, local

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

ATTEMPTS = 24


def _race(attempts: list[dict]) -> list[str]:
    """Run each booking in its own thread at the same moment; return "ok" / "taken" / an error name."""
    barrier = threading.Barrier(len(attempts))
    results: list[str] = [""] * len(attempts)

    def attempt(index: int, kwargs: dict) -> None:
        try:
            barrier.wait(timeout=30)
            services.appointment_book(**kwargs)
            results[index] = "ok"
        except services.SlotTaken as exc:
            results[index] = "taken" if exc.message and exc.alternatives is not None else "taken-bad"
        except Exception as exc:  # noqa: BLE001 - the test reports anything else as a failure
            results[index] = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=attempt, args=(i, kw)) for i, kw in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_exactly_one_of_many_simultaneous_bookings_wins(time_machine, location, service, practitioner):
    time_machine.move_to(local(location, 2026, 6, 1, 9), tick=True)
    clients = [ClientFactory.build(email=f"racer{i}@example.com") for i in range(ATTEMPTS)]
    for c in clients:
        c.save()
    start = local(location, 2026, 6, 8, 10)
    results = _race([dict(client=c, service=service, practitioner=practitioner, starts_at=start, location=location)
                     for c in clients])
    assert results.count("ok") == 1, results
    assert results.count("taken") == ATTEMPTS - 1, results
    assert Appointment.objects.filter(starts_at=start).count() == 1


def test_practitioners_racing_for_rooms_get_one_room_each(time_machine, location, service):
    time_machine.move_to(local(location, 2026, 6, 1, 9), tick=True)
    RoomFactory(location=location, name="Jade")
    RoomFactory(location=location, name="Lotus")
    practitioners = [PractitionerFactory(location=location, services=[service]) for _ in range(6)]
    clients = [ClientFactory.build(email=f"room{i}@example.com") for i in range(6)]
    for c in clients:
        c.save()
    start = local(location, 2026, 6, 8, 10)
    results = _race([dict(client=c, service=service, practitioner=p, starts_at=start, location=location)
                     for c, p in zip(clients, practitioners, strict=True)])
    assert results.count("ok") == 2, results
    assert results.count("taken") == 4, results
    rooms = list(Appointment.objects.filter(starts_at=start).values_list("room_id", flat=True))
    assert len(set(rooms)) == 2
