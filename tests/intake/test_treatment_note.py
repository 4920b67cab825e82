"""Treatment notes: what was done in a session, written by the practitioner after it starts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import AppointmentStatus
from intake import services
from intake.models import TreatmentNote
from tests.factories import AppointmentFactory, ClientFactory, PractitionerFactory
from tests.intake.helpers import in_care_of, submit_intake

NOTE = {"face_points": "LI20, ST3, Yintang", "body_points": "LU7, LI4", "needle_count": 42,
        "retention_minutes": 25, "reactions": ["bruising"], "notes": "Small bruise left cheek."}


@pytest.fixture
def practitioner(db):
    return PractitionerFactory()


@pytest.fixture
def session(practitioner):
    return AppointmentFactory(practitioner=practitioner, client=ClientFactory(),
                              starts_at=timezone.now() - timedelta(minutes=70), status=AppointmentStatus.COMPLETED)


def _url(appointment):
    return reverse("intake:treatment_note", args=[appointment.pk])


def test_a_practitioner_writes_the_note_after_the_session(login, practitioner, session):
    response = login(practitioner.user).post(_url(session), NOTE)
    assert response["Location"] == _url(session)
    note = TreatmentNote.objects.get(appointment=session)
    assert (note.needle_count, note.reactions, note.practitioner) == (42, ["bruising"], practitioner.user)
    assert note.get_reactions_display() == ["Bruising"]


def test_saving_again_updates_the_same_note(login, practitioner, session):
    c = login(practitioner.user)
    c.post(_url(session), NOTE)
    c.post(_url(session), {**NOTE, "needle_count": 38, "reactions": ["none"]})
    assert TreatmentNote.objects.get().needle_count == 38


def test_the_note_starts_from_the_treatment_plan(login, practitioner, session):
    submission = submit_intake(session.client)
    services.intake_assessment_save(submission=submission, practitioner=practitioner.user, mark_reviewed=True, data={
        "assessment": "x", "plan_sessions": 10, "plan_frequency": "weekly", "face_points": "ST6, GB14",
        "body_points": "SP6", "needle_count": 44})
    form = login(practitioner.user).get(_url(session)).context["form"]
    assert form.initial["face_points"] == "ST6, GB14" and form.initial["needle_count"] == 44


def test_a_note_cannot_be_written_before_the_session_starts(login, practitioner):
    later = AppointmentFactory(practitioner=practitioner, starts_at=timezone.now() + timedelta(days=1))
    c = login(practitioner.user)
    assert "once the session has started" in c.get(_url(later)).content.decode()
    c.post(_url(later), NOTE)
    assert not TreatmentNote.objects.exists()


def test_a_cancelled_session_has_no_note(login, practitioner, session):
    session.status = AppointmentStatus.CANCELLED
    session.save()
    in_care_of(session.client, practitioner)  # a cancelled session alone would not put the client in her care
    assert login(practitioner.user).post(_url(session), NOTE)["Location"] == _url(session)
    assert not TreatmentNote.objects.exists()
    with pytest.raises(services.IntakeError):
        services.treatment_note_save(appointment=session, practitioner=practitioner.user, data={"needle_count": 1})


def test_bad_input_is_explained_and_kept(login, practitioner, session):
    response = login(practitioner.user).post(_url(session), {**NOTE, "needle_count": "500",
                                                             "reactions": ["none", "bruising"]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 120." in html
    assert "not both" in html
    assert "Small bruise left cheek." in html
    assert not TreatmentNote.objects.exists()


def test_a_front_desk_cannot_read_a_note(login, front_desk_user, session):
    assert login(front_desk_user).get(_url(session)).status_code == 403


def test_an_unknown_appointment_is_404(login, practitioner):
    assert login(practitioner.user).get(reverse("intake:treatment_note", args=[999999])).status_code == 404
