"""The screening gate at the session itself: check-in, start, completion and the first treatment note wait for
a practitioner's review of "needs review" flags, a wait that has not run out (unless approved), and an intake
renewal; the desk reads why before pressing a button, the practitioner on My day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from booking import services
from booking.models import AppointmentStatus
from intake import services as intake_services
from intake.models import TreatmentNote
from tests.factories import AppointmentFactory, ClientFactory, LocationFactory, PractitionerFactory, ServiceFactory
from tests.factories import local as local_at
from tests.intake.helpers import submit_intake, valid_answers

NOW = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)  # Tuesday 1 December, 10:30 in London
REVIEW_FIRST = "A practitioner must review Chloe's questionnaire before Chloe can be checked in."

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


def _session(clinic, client, status=AppointmentStatus.BOOKED):
    location, service, ana = clinic
    return AppointmentFactory(client=client, practitioner=ana, service=service, location=location,
                              starts_at=local_at(location, 2026, 12, 1, 10), status=status)


def _chloe(**answers):
    chloe = ClientFactory(first_name="Chloe", last_name="Martin")
    submit_intake(chloe, valid_answers(**answers))
    return chloe


def _as(user) -> Client:
    browser = Client()
    browser.force_login(user, backend="clinic.accounts.backends.EmailBackend")
    return browser


def _set(session, status, actor):
    return services.appointment_set_status(appointment=session, status=status, actor=actor)


def test_check_in_waits_for_the_review_of_a_needs_review_flag(clinic, front_desk_user):
    session = _session(clinic, _chloe(migraines="recent"))

    with pytest.raises(services.ScreeningBlocked) as refused:
        _set(session, AppointmentStatus.ARRIVED, front_desk_user)

    assert refused.value.message == REVIEW_FIRST
    session.refresh_from_db()
    assert session.status == AppointmentStatus.BOOKED and not session.events.exists()
    intake_services.intake_mark_reviewed(submission=session.client.intake_submissions.get(),
                                         practitioner=clinic[2].user)
    for status in (AppointmentStatus.ARRIVED, AppointmentStatus.IN_TREATMENT, AppointmentStatus.COMPLETED):
        assert _set(session, status, front_desk_user).status == status


@pytest.mark.parametrize("status", [AppointmentStatus.IN_TREATMENT, AppointmentStatus.COMPLETED])
def test_start_and_completion_are_held_too(clinic, front_desk_user, status):
    # Checked in before the client updated her questionnaire with a flag to review.
    session = _session(clinic, _chloe(migraines="recent"), status=AppointmentStatus.ARRIVED)

    with pytest.raises(services.ScreeningBlocked) as refused:
        _set(session, status, front_desk_user)

    assert "must review Chloe's questionnaire" in refused.value.message
    session.refresh_from_db()
    assert session.status == AppointmentStatus.ARRIVED
    assert _set(session, AppointmentStatus.BOOKED, front_desk_user).status == AppointmentStatus.BOOKED  # undo is fine


def test_a_wait_that_has_not_run_out_stops_check_in_unless_a_practitioner_approved_the_date(clinic,
                                                                                          front_desk_user):
    session = _session(clinic, _chloe(botox_date="2026-11-29"))

    with pytest.raises(services.ScreeningBlocked) as refused:
        _set(session, AppointmentStatus.ARRIVED, front_desk_user)

    assert refused.value.message == ("Chloe cannot be checked in: Screening: no treatment before 13 Dec 2026; "
                                     "a practitioner can approve an exception.")
    intake_services.screening_override_grant(client=session.client, day=NOW.date(), practitioner=clinic[2].user,
                                             reason="Needling away from the injection sites")
    assert _set(session, AppointmentStatus.ARRIVED, front_desk_user).status == AppointmentStatus.ARRIVED


def test_an_out_of_date_intake_must_be_renewed_before_check_in(clinic, front_desk_user):
    chloe = ClientFactory(first_name="Chloe")
    with time_machine.travel(datetime(2025, 11, 3, 10, 0, tzinfo=UTC), tick=False):
        submit_intake(chloe, valid_answers())
    session = _session(clinic, chloe)

    with pytest.raises(services.ScreeningBlocked) as refused:
        _set(session, AppointmentStatus.ARRIVED, front_desk_user)

    assert refused.value.message == ("Chloe's questionnaire is more than 12 months old: it must be updated before "
                                     "Chloe can be checked in.")
    submit_intake(chloe, valid_answers())
    assert _set(session, AppointmentStatus.ARRIVED, front_desk_user).status == AppointmentStatus.ARRIVED


def test_the_first_note_waits_for_the_review_but_an_amendment_does_not(clinic):
    session = _session(clinic, _chloe(migraines="recent"))
    ana = clinic[2].user

    with pytest.raises(intake_services.IntakeError) as refused:
        intake_services.treatment_note_save(appointment=session, practitioner=ana, data={"needle_count": 30})

    assert "must review Chloe's questionnaire" in refused.value.message
    assert not TreatmentNote.objects.exists()
    intake_services.intake_mark_reviewed(submission=session.client.intake_submissions.get(), practitioner=ana)
    intake_services.treatment_note_save(appointment=session, practitioner=ana, data={"needle_count": 30})
    submit_intake(session.client, valid_answers(migraines="recent"))  # a new intake, not reviewed yet
    note = intake_services.treatment_note_save(appointment=session, practitioner=ana, data={"needle_count": 32},
                                               reason="Miscounted")
    assert note.version == 2  # the record can always be corrected


def test_the_desk_panel_says_why_before_the_button_is_pressed(clinic, front_desk_user):
    session = _session(clinic, _chloe(migraines="recent"))

    page = _as(front_desk_user).get(reverse("frontdesk:appointment", args=[session.pk])).content.decode()
    refused = _as(front_desk_user).post(reverse("frontdesk:appointment_status", args=[session.pk]),
                                        {"status": "arrived"}, follow=True).content.decode()

    assert 'data-testid="screening-problem"' in page and escape(REVIEW_FIRST) in page
    assert 'value="arrived"' not in page  # no check-in button while it cannot succeed
    assert "Migraine" not in page  # the desk never reads the reason
    assert escape(REVIEW_FIRST) in refused
    session.refresh_from_db()
    assert session.status == AppointmentStatus.BOOKED


def test_my_day_shows_the_practitioner_what_holds_a_session(clinic):
    session = _session(clinic, _chloe(migraines="recent"))

    page = _as(clinic[2].user).get(reverse("intake:practitioner_day")).content.decode()

    assert f'data-testid="gate-{session.pk}"' in page
    assert escape(REVIEW_FIRST[:-1]) in page and "Migraine in the last three months" in page
