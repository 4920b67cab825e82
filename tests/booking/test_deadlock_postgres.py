"""Ten clients confirm at the same moment, for different practitioners at offset starts, sharing two rooms.

PostgreSQL checks an exclusion constraint after inserting the row, so two transactions whose new rows
clash in a room each wait for the other: "deadlock detected", which used to reach the client as a 500.
Every response must now be a booking or "that time was just taken" with other times, and the database
must hold no overlap for a practitioner, a room or a client.

Real threads, each with its own Django test client and database connection, released together by a
barrier. Needs PostgreSQL.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from booking.forms import format_start
from booking.models import ACTIVE_STATUSES, Appointment
from booking.views import TAKEN_MESSAGE
from tests.factories import ClientFactory, PractitionerFactory, RoomFactory, local

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

PEOPLE = 10
ROUNDS = 3  # a deadlock needs an unlucky interleaving: several rounds make a regression show reliably


def _confirm_all(posts: list[tuple[Client, str, dict]]) -> list[tuple[int, str]]:
    """POST every confirm in its own thread at the same moment; (status, body or redirect) per request."""
    barrier = threading.Barrier(len(posts))
    results: list[tuple[int, str]] = [(0, "")] * len(posts)

    def post(index: int, http: Client, url: str, data: dict) -> None:
        try:
            barrier.wait(timeout=30)
            response = http.post(url, data)
            body = response.get("Location", "") if response.status_code == 302 else response.content.decode()
            results[index] = (response.status_code, body)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=post, args=(i, *p)) for i, p in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _overlaps(rows: list[tuple[int, object, object]]) -> list[tuple]:
    """Pairs of rows with the same key whose [start, end) ranges overlap."""
    clashes = []
    rows = sorted(rows, key=lambda r: (r[0], r[1]))
    for a, b in zip(rows, rows[1:], strict=False):
        if a[0] == b[0] and b[1] < a[2]:
            clashes.append((a, b))
    return clashes


def test_simultaneous_confirms_sharing_two_rooms_never_fail_or_overlap(time_machine, location, service):
    time_machine.move_to(local(location, 2026, 6, 1, 9), tick=True)
    RoomFactory(location=location, name="Jade")
    RoomFactory(location=location, name="Lotus")
    practitioners = [PractitionerFactory(location=location, services=[service]) for _ in range(PEOPLE)]
    clients = [ClientFactory.build(email=f"racer{i}@example.com") for i in range(PEOPLE)]
    for c in clients:
        c.save()
    url = reverse("booking:review", args=[service.slug])
    outcomes: list[tuple[int, str]] = []
    for round_ in range(ROUNDS):
        day = local(location, 2026, 6, 8 + round_, 10)
        posts = []
        for i, (who, practitioner) in enumerate(zip(clients, practitioners, strict=True)):
            http = Client(raise_request_exception=False)  # a 500 must be seen as the client would see it
            http.force_login(who, backend="clinic.accounts.backends.EmailBackend")
            start = day + timedelta(minutes=15 * i)  # each overlaps its neighbours: rooms are contested
            posts.append((http, url, {"practitioner": practitioner.pk, "location": location.pk,
                                      "start": format_start(start)}))
        outcomes += _confirm_all(posts)

    booked_prefix = reverse("booking:booked", args=[0]).rsplit("0/", 1)[0]
    statuses = sorted({status for status, _body in outcomes})
    assert 500 not in statuses, [body[:300] for status, body in outcomes if status == 500][:2]
    assert statuses == [200, 302]  # some won, some lost: the rooms really were contested
    for status, body in outcomes:
        assert (status == 302 and body.startswith(booked_prefix)) or (status == 200 and TAKEN_MESSAGE in body), \
            (status, body[:300])
    live = Appointment.objects.filter(status__in=ACTIVE_STATUSES)
    assert live.count() == sum(status == 302 for status, _body in outcomes) > 0
    assert _overlaps(list(live.values_list("room_id", "starts_at", "blocked_until"))) == []
    assert _overlaps(list(live.values_list("practitioner_id", "starts_at", "blocked_until"))) == []
    assert _overlaps(list(live.values_list("client_id", "starts_at", "ends_at"))) == []
