"""My day: the practitioner marks her session in treatment and completed (the screening gate may refuse, and
says why), and "Write note" is offered only once the session has started."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from booking.models import AppointmentStatus
from tests.factories import AppointmentFactory, ClientFactory, LocationFactory, PractitionerFactory, ServiceFactory
from tests.factories import local as local_at
from tests.intake.helpers import submit_intake, valid_answers

NOW = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)  # Tuesday 1 December, 10:30 in London

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def clinic(db):
    location = LocationFactory(name="Islington clinic")
    service = ServiceFactory(name="Facial acupuncture", slug="facial")
    ana = PractitionerFactory(location=location, services=[service], user__first_name="Ana")
    return location, service, ana


def _session(clinic, *, hour=10, status=AppointmentStatus.ARRIVED, client=None, practitioner=None):
    location, service, ana = clinic
    if client is None:
        client = ClientFactory(first_name="Chloe", last_name="Martin")
        submit_intake(client, valid_answers())
    return AppointmentFactory(client=client, practitioner=practitioner or ana, service=service, location=location,
                              starts_at=local_at(location, 2026, 12, 1, hour), status=status)


def _mark(browser, session, status):
    return browser.post(reverse("intake:practitioner_set_status", args=[session.pk]), {"status": status},
                        follow=True)


def _day(browser) -> str:
    return browser.get(reverse("intake:practitioner_day")).content.decode()


def test_the_practitioner_starts_and_completes_her_session_from_my_day(login, clinic):
    session = _session(clinic)
    browser = login(clinic[2].user)
    page = _day(browser)
    assert f'data-testid="status-in_treatment-{session.pk}"' in page
    assert f'data-testid="status-completed-{session.pk}"' in page

    response = _mark(browser, session, AppointmentStatus.IN_TREATMENT)
    session.refresh_from_db()
    assert session.status == AppointmentStatus.IN_TREATMENT
    assert "Chloe&#x27;s session is now in treatment." in response.content.decode()
    assert f'data-testid="status-in_treatment-{session.pk}"' not in response.content.decode()

    _mark(browser, session, AppointmentStatus.COMPLETED)
    session.refresh_from_db()
    assert session.status == AppointmentStatus.COMPLETED
    assert session.events.filter(action=AppointmentStatus.COMPLETED, actor=clinic[2].user).exists()


def test_the_screening_gate_refuses_with_its_reason_and_the_status_stays(login, clinic):
    chloe = ClientFactory(first_name="Chloe", last_name="Martin")
    submit_intake(chloe, valid_answers(migraines="recent"))  # a flag a practitioner must review first
    session = _session(clinic, client=chloe)

    response = _mark(login(clinic[2].user), session, AppointmentStatus.IN_TREATMENT)

    assert response.status_code == 200
    assert escape("A practitioner must review Chloe's questionnaire") in response.content.decode()
    session.refresh_from_db()
    assert session.status == AppointmentStatus.ARRIVED


def test_a_move_the_service_does_not_allow_is_a_message_not_an_error(login, clinic):
    session = _session(clinic, status=AppointmentStatus.BOOKED)

    response = _mark(login(clinic[2].user), session, AppointmentStatus.COMPLETED)

    assert response.status_code == 200
    assert "A session that is booked cannot be marked completed." in response.content.decode()
    session.refresh_from_db()
    assert session.status == AppointmentStatus.BOOKED


def test_a_practitioner_cannot_mark_another_practitioners_session(login, clinic):
    other = PractitionerFactory(location=clinic[0], services=[clinic[1]])
    session = _session(clinic, practitioner=other)

    response = _mark(login(clinic[2].user), session, AppointmentStatus.IN_TREATMENT)

    assert response.status_code == 404
    session.refresh_from_db()
    assert session.status == AppointmentStatus.ARRIVED


def test_get_is_refused(login, clinic):
    session = _session(clinic)
    url = reverse("intake:practitioner_set_status", args=[session.pk])
    assert login(clinic[2].user).get(url).status_code == 405


def test_write_note_is_offered_only_once_the_session_has_started(login, clinic):
    later = _session(clinic, hour=16, status=AppointmentStatus.BOOKED)  # 16:00, it is 10:30
    checked_in_early = _session(clinic, hour=13, status=AppointmentStatus.ARRIVED,
                                client=ClientFactory(first_name="Dee"))
    begun = _session(clinic, hour=10, status=AppointmentStatus.BOOKED, client=ClientFactory(first_name="Eve"))

    page = _day(login(clinic[2].user))

    note = "intake:treatment_note"
    assert reverse(note, args=[later.pk]) not in page
    assert reverse(note, args=[checked_in_early.pk]) in page
    assert reverse(note, args=[begun.pk]) in page


def test_the_note_page_explains_why_there_is_no_form_before_the_start(login, clinic):
    later = _session(clinic, hour=15, status=AppointmentStatus.BOOKED)

    page = login(clinic[2].user).get(reverse("intake:treatment_note", args=[later.pk])).content.decode()

    assert "You can write the note once the session has started." in page
