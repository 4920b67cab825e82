"""The week of free times offers a client only times they could book: never one that overlaps a session of
their own (with any practitioner, at any location), which the booking would refuse as a double booking.

The practitioner works Monday to Friday 09:00-17:00; the service is 60 minutes plus a 15-minute clean-up. The
client's own session is Tuesday 9 June 11:00-12:00: a start from 10:15 to 11:45 would overlap it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from booking.forms import format_start
from booking.models import AppointmentStatus
from tests.factories import AppointmentFactory, ClientFactory, LocationFactory, PractitionerFactory, local

from .conftest import MONDAY, review_url

pytestmark = pytest.mark.usefixtures("now")

TUESDAY = MONDAY + timedelta(days=1)
CLASHING = ["10:15", "10:30", "10:45", "11:00", "11:15", "11:30", "11:45"]


@pytest.fixture
def client_user():
    return ClientFactory()


@pytest.fixture
def own_session(client_user, service, location):
    """The client's session on Tuesday 11:00 with another practitioner at another clinic."""
    elsewhere = LocationFactory(name="Hackney clinic", time_zone="Europe/London")
    other = PractitionerFactory(location=elsewhere, services=[service])
    return AppointmentFactory(client=client_user, practitioner=other, service=service, location=elsewhere,
                              starts_at=local(location, 2026, 6, 9, 11))


def _week(client, service, location, who) -> dict:
    response = client.get(reverse("booking:times", args=[service.slug]),
                          {"location": location.pk, "practitioner": who, "week": MONDAY.isoformat()})
    assert response.status_code == 200
    return response.context


def _labels(context, day) -> list[str]:
    return next([s.label for s in d.slots] for d in context["days"] if d.day == day)


def _free(context, day) -> int:
    return next(c.free for row in context["month"] for c in row if c.day == day)


@pytest.mark.parametrize("who", ["one", "any"])
def test_times_that_overlap_the_clients_own_session_are_not_offered(login, client_user, own_session, service,
                                                                    location, practitioner, who):
    browser = login(client_user)
    context = _week(browser, service, location, practitioner.pk if who == "one" else "any")

    tuesday = _labels(context, TUESDAY)
    assert not set(CLASHING) & set(tuesday)
    assert "10:00" in tuesday and "12:00" in tuesday  # ends as it starts, starts as it ends: both bookable
    assert len(_labels(context, MONDAY)) == len(tuesday) + len(CLASHING)  # other days keep every time
    assert _free(context, TUESDAY) == len(tuesday)  # the month overview counts what the week offers


def test_everyone_else_still_sees_those_times(client, login, own_session, service, location, practitioner):
    for browser in (client, login(ClientFactory())):  # a visitor, and another client
        tuesday = _labels(_week(browser, service, location, practitioner.pk), TUESDAY)
        assert set(CLASHING) <= set(tuesday)


def test_a_cancelled_session_hides_nothing(login, client_user, own_session, service, location, practitioner):
    own_session.status = AppointmentStatus.CANCELLED
    own_session.save()

    tuesday = _labels(_week(login(client_user), service, location, practitioner.pk), TUESDAY)

    assert set(CLASHING) <= set(tuesday)


def test_moving_a_session_offers_its_own_time_but_not_the_clients_other_sessions(
        login, client_user, own_session, service, location, practitioner):
    moving = AppointmentFactory(client=client_user, practitioner=practitioner, service=service, location=location,
                                starts_at=local(location, 2026, 6, 10, 14))  # Wednesday 14:00

    response = login(client_user).get(reverse("booking:reschedule", args=[moving.pk]),
                                      {"week": MONDAY.isoformat()})

    assert response.status_code == 200
    assert "14:00" in _labels(response.context, MONDAY + timedelta(days=2))  # its own time counts as free
    assert not set(CLASHING) & set(_labels(response.context, TUESDAY))


def test_the_review_page_still_refuses_an_overlapping_time_asked_for_directly(
        login, client_user, own_session, service, location, practitioner):
    start = local(location, 2026, 6, 9, 11)
    browser = login(client_user)
    url = review_url(service, practitioner, location, start)
    response = browser.post(url, {"practitioner": practitioner.pk, "location": location.pk,
                                  "start": format_start(start)})

    assert response.status_code == 200
    assert "overlaps this time" in response.content.decode()
    assert not practitioner.appointments.filter(starts_at=start).exists()
