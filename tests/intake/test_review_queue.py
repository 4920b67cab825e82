"""The review queue: upcoming clients with their intake status, flagged first, in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import AppointmentStatus
from intake import services
from tests.factories import AppointmentFactory, ClientFactory, PractitionerFactory
from tests.intake.helpers import fill_draft, submit_intake, valid_answers


@pytest.fixture
def practitioner(db):
    return PractitionerFactory()


def _book(practitioner, client, days=2, **kwargs):
    return AppointmentFactory(client=client, practitioner=practitioner,
                              starts_at=timezone.now() + timedelta(days=days), **kwargs)


def _rows(response):
    return [(r["appointment"].client.first_name, r["intake"].status) for r in response.context["rows"]]


def test_flagged_intakes_come_first_then_what_needs_reading(login, practitioner):
    names = ["Reviewed", "Missing", "Flagged", "Sent", "Draft"]
    clients = {n: ClientFactory(first_name=n) for n in names}
    for days, name in enumerate(names, start=1):
        _book(practitioner, clients[name], days=days)
    services.intake_mark_reviewed(submission=submit_intake(clients["Reviewed"]), practitioner=practitioner.user)
    submit_intake(clients["Flagged"], valid_answers(pacemaker="yes"))
    submit_intake(clients["Sent"])
    fill_draft(clients["Draft"], steps=2)

    response = login(practitioner.user).get(reverse("intake:review_queue"))

    assert _rows(response) == [("Flagged", "submitted"), ("Sent", "submitted"), ("Draft", "draft"),
                               ("Missing", "missing"), ("Reviewed", "reviewed")]
    html = response.content.decode()
    assert "Flags to review" in html
    assert "2 intakes waiting for your review" in html


def test_a_client_with_a_course_appears_once_with_the_next_session(login, practitioner):
    chloe = ClientFactory(first_name="Chloe")
    first = _book(practitioner, chloe, days=1)
    _book(practitioner, chloe, days=8)
    response = login(practitioner.user).get(reverse("intake:review_queue"))
    assert [r["appointment"] for r in response.context["rows"]] == [first]


def test_it_shows_only_my_clients_and_all_keeps_to_the_clients_in_my_care(login, practitioner):
    mine, shared, theirs = (ClientFactory(first_name=n) for n in ("Mine", "Shared", "Theirs"))
    _book(practitioner, mine)
    _book(PractitionerFactory(), theirs)
    _book(PractitionerFactory(), shared)
    _book(practitioner, shared, days=-20, status=AppointmentStatus.COMPLETED)  # she treated her before
    c = login(practitioner.user)
    assert [n for n, _ in _rows(c.get(reverse("intake:review_queue")))] == ["Mine"]
    assert {n for n, _ in _rows(c.get(reverse("intake:review_queue") + "?all=1"))} == {"Mine", "Shared"}


def test_with_the_whole_clinic_policy_all_shows_every_client(login, practitioner):
    from clinic.core.models import ClinicSettings

    ClinicSettings.objects.filter(pk=1).update(clinical_access="whole_clinic")
    _book(practitioner, ClientFactory(first_name="Mine"))
    _book(PractitionerFactory(), ClientFactory(first_name="Theirs"))
    response = login(practitioner.user).get(reverse("intake:review_queue") + "?all=1")
    assert {n for n, _ in _rows(response)} == {"Mine", "Theirs"}


def test_past_cancelled_and_far_sessions_are_left_out(login, practitioner):
    _book(practitioner, ClientFactory(first_name="Past"), days=-1)
    _book(practitioner, ClientFactory(first_name="Cancelled"), status=AppointmentStatus.CANCELLED)
    _book(practitioner, ClientFactory(first_name="Far"), days=30)
    response = login(practitioner.user).get(reverse("intake:review_queue"))
    assert _rows(response) == []
    assert "No upcoming sessions" in response.content.decode()


def test_a_wait_that_blocks_the_booked_date_needs_review(login, practitioner):
    chloe = ClientFactory(first_name="Chloe")
    _book(practitioner, chloe, days=3)
    botox = (timezone.localdate() - timedelta(days=2)).isoformat()
    services.intake_mark_reviewed(submission=submit_intake(chloe, valid_answers(botox_date=botox)),
                                  practitioner=practitioner.user)
    row = login(practitioner.user).get(reverse("intake:review_queue")).context["rows"][0]
    assert row["intake"].needs_review
    assert row["intake"].blocked_until == timezone.localdate() + timedelta(days=12)


@pytest.mark.parametrize("count", [3, 30])
def test_the_number_of_queries_does_not_grow_with_the_clients(login, practitioner, django_assert_num_queries, count):
    for index in range(count):
        client = ClientFactory()
        AppointmentFactory(client=client, practitioner=practitioner,  # 80 minutes apart: no overlap
                           starts_at=timezone.now() + timedelta(days=1, minutes=80 * index))
        if index % 2:
            submit_intake(client, valid_answers(diabetes="yes"))
    c = login(practitioner.user)
    # session, user, clinic settings, practitioner, appointments (+ joins), submissions, flags, reminders;
    # the screening gate judging each date live (current intakes, their flags, intake settings, approvals)
    with django_assert_num_queries(12):
        response = c.get(reverse("intake:review_queue"))
    assert len(response.context["rows"]) == count
