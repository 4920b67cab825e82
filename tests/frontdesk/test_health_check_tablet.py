"""The health check on the desk tablet: the desk opens it from the appointment, the client answers on a clean
page, the desk learns only whether a practitioner must see it first, and the practitioner reads the answers."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from booking.models import AppointmentStatus
from intake import healthcheck
from intake.models import HealthCheck
from tests.factories import ClientFactory
from tests.intake.helpers import health_check_post

from .conftest import at

# Tuesday 3 March 2026, 09:40 in London: Chloe's session is at 10:00 and she is at the desk.
NOW = at(2026, 3, 3, 9, 40)
ANSWER_WORDS = ("pregnant", "blood thinner", "isotretinoin", "cold sore", "warfarin")

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def chloe(db):
    return ClientFactory(first_name="Chloe", last_name="Martin")


@pytest.fixture
def session(appointment, chloe):
    return appointment(at(2026, 3, 3, 10, 0), client=chloe)


def _tablet(session) -> str:
    return reverse("frontdesk:appointment_health_check", args=[session.pk])


def _checked(html: str, name: str) -> list[str]:
    """The values of the ticked inputs called ``name`` on the page."""
    return [m.group(1) for tag in re.findall(r"<input[^>]*>", html) if f'name="{name}"' in tag and "checked" in tag
            for m in [re.search(r'value="([^"]*)"', tag)] if m]


def test_the_desk_opens_the_tablet_from_the_appointment(desk, session):
    html = desk.get(reverse("frontdesk:appointment", args=[session.pk])).content.decode()
    assert "Health check on the tablet" in html and _tablet(session) in html


def test_the_tablet_page_is_clean_and_the_answers_are_stored_as_the_desks_handover(desk, session, front_desk_user):
    page = desk.get(_tablet(session))
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "navbar" not in html and reverse("frontdesk:clients") not in html  # nowhere to wander off to
    assert "Welcome, Chloe" in html and "Martin" not in html  # no more of anyone's data than a greeting

    response = desk.post(_tablet(session), health_check_post())
    assert response["Location"] == _tablet(session)
    check = HealthCheck.objects.get(appointment=session)
    assert (check.via, check.submitted_by) == ("desk", front_desk_user)
    html = desk.get(_tablet(session)).content.decode()
    assert "Thank you. Please hand the tablet back" in html
    assert "Health check done: fine to go ahead" in html


def test_the_desk_sees_only_that_a_practitioner_must_look_never_the_answers(desk, session):
    desk.post(_tablet(session), health_check_post(pregnancy="yes", medicines=["anticoagulants"]))
    html = desk.get(_tablet(session)).content.decode()
    assert "Health check done: a practitioner needs to see it first" in html
    assert not [w for w in ANSWER_WORDS if w in html.lower()]
    # Answering again starts from an empty form: the desk cannot read the previous answers off the tablet.
    again = desk.get(_tablet(session) + "?again=1").content.decode()
    assert _checked(again, "pregnancy") == [] and _checked(again, "medicines") == []
    # Nor anywhere else the desk can go.
    assert desk.get(reverse("intake:health_check_answers", args=[session.pk])).status_code == 403
    panel = desk.get(reverse("frontdesk:appointment", args=[session.pk])).content.decode()
    assert not [w for w in ANSWER_WORDS if w in panel.lower()]


def test_a_do_not_treat_answer_tells_the_desk_to_fetch_a_practitioner(desk, session):
    desk.post(_tablet(session), health_check_post(skin_infection="yes"))
    assert "a practitioner needs to see it first" in desk.get(_tablet(session)).content.decode()
    assert [f.level for f in healthcheck.health_check_flags(appointment=session)] == ["do_not_treat"]


def test_answers_given_online_are_not_shown_on_the_tablet(desk, session, chloe, login):
    healthcheck.health_check_submit(appointment=session, answers=health_check_post(pregnancy="maybe"),
                                    submitted_by=chloe, via=HealthCheck.Via.ONLINE)
    html = desk.get(_tablet(session)).content.decode()
    assert "a practitioner needs to see it first" in html and "answered online" in html.lower()
    assert 'name="pregnancy"' not in html and "might be" not in html.lower()


def test_a_slip_on_the_tablet_keeps_what_the_client_tapped(desk, session):
    response = desk.post(_tablet(session), health_check_post(procedures="yes", acute_illness="yes"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please give the date of at least one treatment" in html
    assert _checked(html, "acute_illness") == ["yes"]
    assert not HealthCheck.objects.exists()


def test_a_cancelled_session_has_no_tablet_health_check(desk, session):
    session.status = AppointmentStatus.CANCELLED
    session.save()
    response = desk.post(_tablet(session), health_check_post())
    assert "was cancelled" in response.content.decode()
    assert not HealthCheck.objects.exists()


def test_clients_and_practitioners_cannot_open_the_tablet_page(login, session, chloe, clinic):
    assert login(chloe).get(_tablet(session)).status_code == 403
    assert login(clinic.ana.user).get(_tablet(session)).status_code == 403


def test_the_practitioner_reads_the_answers_from_my_day_and_marks_them_seen(desk, session, login, clinic,
                                                                          front_desk_user):
    desk.post(_tablet(session), health_check_post(pregnancy="yes", medicines=["anticoagulants"]))
    ana = login(clinic.ana.user)
    day = ana.get(reverse("intake:practitioner_day")).content.decode()
    url = reverse("intake:health_check_answers", args=[session.pk])
    assert url in day
    page = ana.get(url)
    html = page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert "Are you pregnant, or might you be?" in html and "Health check: pregnant" in html
    assert "Health check: new blood-thinning medicine" in html and "A blood thinner" in html

    check = HealthCheck.objects.get()
    response = ana.post(reverse("intake:health_check_review", args=[session.pk]),
                        {"seen": check.submitted_at.isoformat()})
    assert response["Location"] == url
    assert healthcheck.health_check_flags(appointment=session) == []
    desk = login(front_desk_user)  # one test browser: log the desk back in
    assert "fine to go ahead" in desk.get(_tablet(session)).content.decode()
