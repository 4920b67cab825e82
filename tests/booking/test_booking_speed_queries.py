"""What a client's booking costs the database, pinned: the times page, the review page and its confirm.

A signed-in, verified returning client (a past visit, a submitted questionnaire, a session booked after the new
one) books through the pages, as the load test does. The counts do not grow with the clinic's bookings.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from booking.models import Appointment, AppointmentStatus
from clinic.notifications.models import Message, MessageKind
from intake.models import IntakeSettings
from tests.factories import AppointmentFactory, ClientFactory, local
from tests.helpers import submit_blank_intake

from .conftest import MONDAY, review_url

pytestmark = pytest.mark.usefixtures("now")

POSTGRESQL = connection.vendor == "postgresql"
# The booking POST: the middleware's settings, session and user; the service, practitioner and location of the
# form; then in one transaction the engine's check, the client's live sessions, the screening gate (the
# questionnaire, its flags, the intake settings), the rooms, the insert, its event, the later session's
# check-ins, and the confirmation with the planned messages in one insert (the course rule counts the sessions
# already read, with the settings already read); the transaction's start and end (in a test, its savepoint).
# PostgreSQL also takes its locks in one statement.
BOOKING_POST_QUERIES = 19 if POSTGRESQL else 18

# Both pages: settings, session, user, the service and what the page names (practitioner and location), the
# screening gate's three reads, then the engine (the review page: its one check; the times page: its week, and
# the client's own sessions over the slots' span, whose times it does not offer).
REVIEW_GET_QUERIES = 14
TIMES_QUERIES = 15


@pytest.fixture
def regular(practitioner, service, location):
    """A returning client: a past visit, a sent questionnaire, one session booked ahead (late in June)."""
    IntakeSettings.load()  # the row a running clinic has (its first read would write it)
    client = ClientFactory()
    submit_blank_intake(client)
    AppointmentFactory(client=client, practitioner=practitioner, status=AppointmentStatus.COMPLETED,
                       starts_at=local(location, 2026, 5, 4, 10), is_first_visit=True)
    AppointmentFactory(client=client, practitioner=practitioner, starts_at=local(location, 2026, 6, 26, 10))
    return client


@pytest.fixture
def busy_week(practitioner, service, location):
    """Other clients' sessions all over the month: the counts must not depend on them."""
    others = ClientFactory()
    for offset in range(20):
        day = MONDAY + timedelta(days=offset)
        if day.weekday() < 5:
            AppointmentFactory(client=others, practitioner=practitioner,
                               starts_at=local(location, day.year, day.month, day.day, 15))


def _form(practitioner, location, start) -> dict:
    from booking.forms import format_start

    return {"practitioner": practitioner.pk, "location": location.pk, "start": format_start(start)}


def test_the_booking_post(login, regular, practitioner, service, location, busy_week,
                          django_assert_max_num_queries, django_capture_on_commit_callbacks):
    client = login(regular)
    start = local(location, 2026, 6, 9, 10)

    with django_capture_on_commit_callbacks(), django_assert_max_num_queries(BOOKING_POST_QUERIES):
        response = client.post(review_url(service, practitioner, location, start),
                               _form(practitioner, location, start))

    assert response.status_code == 302
    booked = Appointment.objects.get(client=regular, starts_at=start)
    assert booked.status == AppointmentStatus.BOOKED and not booked.is_first_visit
    assert set(Message.objects.filter(appointment=booked).values_list("kind", flat=True)) == {
        MessageKind.CONFIRMATION, MessageKind.REMINDER, MessageKind.AFTERCARE}


def test_the_review_page(login, regular, practitioner, service, location, busy_week,
                         django_assert_max_num_queries):
    client = login(regular)
    start = local(location, 2026, 6, 9, 10)

    with django_assert_max_num_queries(REVIEW_GET_QUERIES):
        response = client.get(review_url(service, practitioner, location, start))

    assert response.status_code == 200
    assert "error" not in response.context


def test_the_review_page_of_a_taken_time(login, regular, practitioner, service, location,
                                         django_assert_max_num_queries):
    AppointmentFactory(practitioner=practitioner, starts_at=local(location, 2026, 6, 9, 10))
    client = login(regular)

    response = client.get(review_url(service, practitioner, location, local(location, 2026, 6, 9, 10)))

    assert response.context["taken"] and response.context["alternatives"]


@pytest.mark.parametrize("who", ["one", "any"])
def test_the_times_page(login, regular, practitioner, service, location, busy_week, who,
                        django_assert_max_num_queries):
    client = login(regular)
    query = {"practitioner": practitioner.pk if who == "one" else "any", "week": MONDAY.isoformat()}

    with django_assert_max_num_queries(TIMES_QUERIES):
        response = client.get(reverse("booking:times", args=[service.slug]), query)

    assert response.status_code == 200
    assert response.context["week_has_slots"]


def test_settings_are_read_once_per_request(login, regular, practitioner, service, location,
                                            django_capture_on_commit_callbacks):
    from django.test.utils import CaptureQueriesContext

    client = login(regular)
    start = local(location, 2026, 6, 9, 10)
    with django_capture_on_commit_callbacks(), CaptureQueriesContext(connection) as queries:
        client.post(review_url(service, practitioner, location, start), _form(practitioner, location, start))

    # The clinic's settings (the middleware) and the intake settings (the screening gate, then the course rule).
    assert sum('FROM "core_clinicsettings"' in q["sql"] for q in queries.captured_queries) == 1
    assert sum('FROM "intake_intakesettings"' in q["sql"] for q in queries.captured_queries) == 1


def test_a_setting_saved_in_a_request_is_what_the_rest_of_it_reads():
    from clinic.core.models import ClinicSettings

    with ClinicSettings.loaded_once():
        read = IntakeSettings.load()
        IntakeSettings.objects.filter(pk=1).update(reassess_at_sessions="7")  # no save(): the copy read stays
        assert IntakeSettings.load() is read
        saved = IntakeSettings(pk=1, reassess_at_sessions="9")
        saved.save()
        assert IntakeSettings.load().reassess_sessions == [9]
    assert IntakeSettings.load().reassess_sessions == [9]  # the next request reads the row again
