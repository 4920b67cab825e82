"""What the client's pages read beside the services and the engine they call, pinned.

The confirmation page, the cancel POST and the week of "first available": each reads what it shows once, and
nothing it does not show.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.models import AppointmentStatus, TimeOff
from tests.factories import AppointmentFactory, PractitionerFactory, ServiceFactory, local

from .conftest import MONDAY

pytestmark = pytest.mark.usefixtures("now")

# The middleware's three (the clinic's settings, the session, the user) and the view's own read.
PAGE_READS = 4


def test_the_confirmation_page_reads_the_appointment_and_the_questionnaire_together(
        login, client_user, practitioner, service, location, django_assert_num_queries):
    appointment = AppointmentFactory(client=client_user, practitioner=practitioner, service=service,
                                     starts_at=local(location, 2026, 6, 9, 10), is_first_visit=True)
    client = login(client_user)

    # The appointment, its service, practitioner and location, and whether the questionnaire is sent: one query.
    with django_assert_num_queries(PAGE_READS):
        response = client.get(reverse("booking:booked", args=[appointment.pk]))

    assert response.status_code == 200
    assert 'data-testid="intake-prompt"' in response.content.decode()


def test_the_cancel_post_reads_the_location_only_with_the_appointment(login, client_user, practitioner, location):
    follow_up = ServiceFactory(is_initial_consultation=False)  # no first-visit order to keep
    practitioner.services.add(follow_up)
    appointment = AppointmentFactory(client=client_user, practitioner=practitioner, service=follow_up,
                                     starts_at=local(location, 2026, 6, 10, 10))
    client = login(client_user)

    # The cancel reloads the row (and forgets its location): the message is worded before, from the first read.
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("booking:cancel", args=[appointment.pk]), {"reason": ""})

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert not [q["sql"] for q in queries if 'FROM "booking_location"' in q["sql"]]
    listing = client.get(response["Location"]).content.decode()
    assert "Your session on Wednesday 10 June at 10:00 is cancelled." in listing


def test_a_cancel_re_plans_only_the_later_sessions_check_ins(login, client_user, practitioner, location,
                                                               django_assert_max_num_queries):
    follow_up = ServiceFactory(is_initial_consultation=False)
    practitioner.services.add(follow_up)
    sessions = [AppointmentFactory(client=client_user, practitioner=practitioner, service=follow_up,
                                   starts_at=local(location, 2026, 6, day, 10)) for day in (10, 11, 12, 15)]
    client = login(client_user)

    # 21 with three sessions after it (the intake settings' first read writes its row: 3 of them); a full
    # re-plan of the client's messages took 24.
    with django_assert_max_num_queries(21):
        response = client.post(reverse("booking:cancel", args=[sessions[0].pk]), {"reason": ""})
    assert response.status_code == 302


def _times(client, service, location, week) -> CaptureQueriesContext:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("booking:times", args=[service.slug]),
                              {"location": location.pk, "practitioner": "any", "week": week.isoformat()})
    assert response.status_code == 200
    return queries, response


def test_first_available_reads_the_names_only_for_a_week_with_times(client, service, location, practitioner):
    PractitionerFactory(location=location, services=[service])
    TimeOff.objects.create(location=location, starts_at=local(location, 2026, 6, 15, 0),
                           ends_at=local(location, 2026, 6, 22, 0))  # the clinic is closed the week of 15 June
    full, with_times = _times(client, service, location, MONDAY)
    empty, without = _times(client, service, location, MONDAY + timedelta(days=7))

    assert with_times.context["week_has_slots"] and "title=\"with " in with_times.content.decode()
    assert not without.context["week_has_slots"]
    assert len(empty) == len(full) - 1  # no practitioner names to read for a week without times


def _reads(queries, table: str) -> int:
    """Reads of ``table``'s rows (PostgreSQL's booking lock names the client's row too, but reads nothing)."""
    return sum(q["sql"].startswith(f'SELECT "{table}".') for q in queries.captured_queries)


def test_a_move_and_a_cancel_read_the_client_service_and_location_once(login, client_user, practitioner, location,
                                                                      django_capture_on_commit_callbacks):
    follow_up = ServiceFactory(is_initial_consultation=False)  # no first-visit order to keep
    practitioner.services.add(follow_up)
    moving, cancelling = (AppointmentFactory(client=client_user, practitioner=practitioner, service=follow_up,
                                             starts_at=local(location, 2026, 6, day, 10)) for day in (9, 10))
    client = login(client_user)

    # The client is the signed-in user (the middleware's read); the service and location come joined to the
    # appointment's first read, and the row locked for the move keeps them (no query of their own).
    with django_capture_on_commit_callbacks(), CaptureQueriesContext(connection) as moved:
        response = client.post(reverse("booking:reschedule_confirm", args=[moving.pk]),
                               {"start": "2026-06-11T09:00Z"})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(), CaptureQueriesContext(connection) as cancelled:
        response = client.post(reverse("booking:cancel", args=[cancelling.pk]), {"reason": ""})
    assert response.status_code == 302

    assert [_reads(moved, t) for t in ("accounts_user", "booking_service", "booking_location")] == [1, 0, 0]
    assert _reads(cancelled, "accounts_user") == 1
    moving.refresh_from_db()
    assert moving.local_starts_at.day == 11
