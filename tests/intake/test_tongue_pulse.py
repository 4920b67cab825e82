"""Structured tongue and pulse: recorded on the assessment and on every treatment note, checked by the services,
kept in a note's history, listed visit by visit over the course for clinicians only."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from booking.models import AppointmentStatus
from clinic.core.models import ClinicSettings
from intake import selectors, services
from intake.models import Assessment, TreatmentNote, TreatmentNoteVersion
from tests.factories import AppointmentFactory, ClientFactory, LocationFactory, PractitionerFactory, UserFactory
from tests.helpers import AUDIT_CHAIN_QUERIES
from tests.intake.helpers import submit_intake

LONDON = ZoneInfo("Europe/London")
# A weekly course on Wednesdays at 10:00; every page is read on the afternoon of the fourth session.
FIRST = datetime(2026, 3, 4, 10, 0, tzinfo=LONDON)
NOW = datetime(2026, 3, 25, 15, 0, tzinfo=LONDON)
NOTE = {"face_points": "LI20, ST3", "body_points": "LU7", "needle_count": 40, "retention_minutes": 25,
        "reactions": ["none"], "notes": "Relaxed well.", "aftercare_addition": ""}
HOT = {"tongue_colour": "red_tip", "tongue_coat": ["yellow", "greasy"], "tongue_shape": ["tooth_marked"],
       "pulse_rate": 88, "pulse_qualities": ["wiry", "rapid"]}
CALMER = {"tongue_colour": "pink", "tongue_coat": ["thin_white"], "tongue_shape": [], "pulse_rate": 72,
          "pulse_qualities": []}
PLAN = {"assessment": "Lung heat with some qi stagnation.", "plan_sessions": "10", "plan_frequency": "weekly",
        "face_points": "LI20", "body_points": "LU7", "needle_count": "40"}
HOT_TEXT = ("Red tip; coat: yellow, greasy; tooth marks on the sides", "88 bpm; wiry, rapid")
CALMER_TEXT = ("Pink (normal); coat: thin white", "72 bpm")

pytestmark = pytest.mark.usefixtures("_at_now")


@pytest.fixture
def _at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def london(db):
    return LocationFactory(name="Islington clinic", time_zone="Europe/London")


@pytest.fixture
def ana(london):
    return PractitionerFactory(user__first_name="Ana", user__last_name="Torres", location=london)


@pytest.fixture
def chloe(db):
    return ClientFactory(first_name="Chloe", last_name="Martin")


def _course(ana, london, client, count: int = 4) -> list:
    return [AppointmentFactory(practitioner=ana, location=london, client=client, status=AppointmentStatus.COMPLETED,
                               starts_at=FIRST + timedelta(weeks=week)) for week in range(count)]


def _note(session, ana, **reading) -> TreatmentNote:
    return services.treatment_note_save(appointment=session, practitioner=ana.user, data={**NOTE, **reading})


def _whole_clinic() -> None:
    ClinicSettings.objects.filter(pk=1).update(clinical_access="whole_clinic")


def _note_url(session) -> str:
    return reverse("intake:treatment_note", args=[session.pk])


def _progress(c, client):
    return c.get(reverse("intake:client_progress", args=[client.pk]))


# --- recording -----------------------------------------------------------------------------------------------

def test_the_practitioner_records_tongue_and_pulse_on_the_note(login, ana, london, chloe):
    session = _course(ana, london, chloe, 1)[0]
    c = login(ana.user)
    response = c.post(_note_url(session), {**NOTE, **HOT})
    assert response.status_code == 302
    note = TreatmentNote.objects.get()
    assert (note.tongue_colour, note.tongue_coat, note.tongue_shape, note.pulse_rate, note.pulse_qualities) == (
        "red_tip", ["yellow", "greasy"], ["tooth_marked"], 88, ["wiry", "rapid"])
    html = c.get(_note_url(session)).content.decode()
    assert 'value="yellow" class="form-check-input" id="id_tongue_coat_2" checked' in html  # the form shows it back


def test_a_clinician_reading_the_note_sees_tongue_and_pulse_in_words(login, ana, london, chloe):
    session = _course(ana, london, chloe, 1)[0]
    _note(session, ana, **HOT)
    reader = UserFactory(role="front_desk", can_view_clinical=True)
    _whole_clinic()  # a reader with no sessions of her own: every record is open only under this policy
    html = login(reader).get(_note_url(session)).content.decode()
    assert all(text in html for text in HOT_TEXT)


def test_the_practitioner_records_tongue_and_pulse_on_the_assessment(login, ana, london, chloe):
    _course(ana, london, chloe, 1)  # Chloe is in Ana's care
    submission = submit_intake(chloe)
    c = login(ana.user)
    response = c.post(reverse("intake:assessment_save", args=[submission.pk]), {**PLAN, **HOT})
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.tongue_colour, assessment.tongue_coat, assessment.pulse_rate,
            assessment.pulse_qualities) == ("red_tip", ["yellow", "greasy"], 88, ["wiry", "rapid"])
    assert assessment.assessment == "Lung heat with some qi stagnation."  # the free text stays
    reader = UserFactory(role="front_desk", can_view_clinical=True)
    _whole_clinic()
    html = login(reader).get(reverse("intake:review", args=[submission.pk])).content.decode()
    assert all(text in html for text in HOT_TEXT)


# --- bad values are refused, what was typed is kept ----------------------------------------------------------

def test_a_pulse_of_500_is_refused_on_the_note_and_the_typed_text_kept(login, ana, london, chloe):
    session = _course(ana, london, chloe, 1)[0]
    response = login(ana.user).post(_note_url(session), {**NOTE, **HOT, "pulse_rate": "500",
                                                         "notes": "Skin calmer on the chin."})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a pulse between 30 and 200 beats a minute." in html
    assert 'value="500"' in html and "Skin calmer on the chin." in html
    assert 'value="greasy" class="form-check-input" id="id_tongue_coat_3" checked' in html
    assert not TreatmentNote.objects.exists()


def test_an_unknown_coat_is_refused_on_the_assessment_and_the_typed_text_kept(login, ana, london, chloe):
    _course(ana, london, chloe, 1)  # Chloe is in Ana's care
    submission = submit_intake(chloe)
    response = login(ana.user).post(reverse("intake:assessment_save", args=[submission.pk]),
                                    {**PLAN, **HOT, "tongue_coat": ["yellow", "purple_ish"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "“purple_ish” is not a tongue coat on the list." in html
    assert "Lung heat with some qi stagnation." in html and 'value="88"' in html
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(("reading", "message"), [
    ({"pulse_qualities": ["rapid", "slow"]}, "Choose either “Rapid” or “Slow”, not both."),
    ({"tongue_coat": ["none", "yellow"]}, "Choose either “None” or the coats seen, not both."),
    ({"tongue_colour": "blue"}, "Choose the tongue colour from the list."),
    ({"pulse_rate": "29"}, "Enter a pulse between 30 and 200 beats a minute."),
])
def test_readings_that_cannot_be_true_are_refused_with_a_message(login, ana, london, chloe, reading, message):
    session = _course(ana, london, chloe, 1)[0]
    response = login(ana.user).post(_note_url(session), {**NOTE, **HOT, **reading})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TreatmentNote.objects.exists()


def test_the_services_refuse_bad_readings_whatever_the_path(ana, london, chloe):
    session = _course(ana, london, chloe, 1)[0]
    with pytest.raises(services.IntakeError, match="Enter a pulse between 30 and 200 beats a minute"):
        _note(session, ana, pulse_rate=500)
    with pytest.raises(services.IntakeError, match="“purple_ish” is not a tongue coat on the list"):
        _note(session, ana, tongue_coat=["purple_ish"])
    submission = submit_intake(chloe)
    with pytest.raises(services.IntakeError, match="Choose the tongue colour from the list"):
        services.intake_assessment_save(submission=submission, practitioner=ana.user, mark_reviewed=True, data={
            "assessment": "x", "plan_sessions": 10, "plan_frequency": "weekly", "tongue_colour": "blue"})
    assert not TreatmentNote.objects.exists() and not Assessment.objects.exists()
    submission.refresh_from_db()
    assert not submission.is_reviewed


# --- history -------------------------------------------------------------------------------------------------

def test_an_amendment_keeps_the_earlier_tongue_and_pulse_in_the_notes_history(login, ana, london, chloe):
    session = _course(ana, london, chloe, 1)[0]
    c = login(ana.user)
    c.post(_note_url(session), {**NOTE, **HOT})
    response = c.post(_note_url(session), {**NOTE, **CALMER, "based_on": 1,
                                           "amendment_reason": "Read the tongue again in daylight"})
    assert response.status_code == 302
    note = TreatmentNote.objects.get()
    earlier = TreatmentNoteVersion.objects.get()
    assert (note.version, note.tongue_colour, note.pulse_rate) == (2, "pink", 72)
    assert (earlier.number, earlier.tongue_colour, earlier.tongue_coat, earlier.pulse_qualities) == (
        1, "red_tip", ["yellow", "greasy"], ["wiry", "rapid"])
    html = c.get(_note_url(session)).content.decode()
    earlier_card = html[html.index("Earlier versions"):]
    assert all(text in earlier_card for text in HOT_TEXT)


def test_changing_only_the_pulse_is_an_amendment(ana, london, chloe):
    session = _course(ana, london, chloe, 1)[0]
    _note(session, ana, **HOT)
    _note(session, ana, **{**HOT, "pulse_rate": 84})
    assert TreatmentNote.objects.get().version == 2
    assert TreatmentNoteVersion.objects.get().pulse_rate == 88


# --- over the course -----------------------------------------------------------------------------------------

def test_the_progress_page_lists_each_visit_oldest_first(login, ana, london, chloe):
    first, second, third, fourth = _course(ana, london, chloe, 4)
    with time_machine.travel(FIRST - timedelta(hours=1), tick=False):  # assessed just before the first session
        submission = submit_intake(chloe)
        services.intake_assessment_save(submission=submission, practitioner=ana.user, mark_reviewed=True, data={
            "assessment": "x", "plan_sessions": 10, "plan_frequency": "weekly", **HOT})
    # Written out of order, and one visit with nothing recorded: the table follows the sessions.
    _note(fourth, ana, **CALMER)
    _note(second, ana, **{**HOT, "tongue_coat": ["yellow"], "pulse_rate": 84})
    _note(first, ana, **HOT)
    _note(third, ana)
    response = _progress(login(ana.user), chloe)
    rows = response.context["tongue_pulse"]
    assert [(row.label, f"{row.local_at:%d %b}") for row in rows] == [
        ("Assessment", "04 Mar"), ("Session 1", "04 Mar"), ("Session 2", "11 Mar"), ("Session 4", "25 Mar")]
    html = response.content.decode()
    table = html[html.index("Tongue and pulse over the course"):]
    assert table.index("84 bpm") < table.index("72 bpm")
    assert "Session 3" not in table
    assert "coat: thin white" in table and "Pink (normal)" in table


def test_the_client_record_shows_each_sessions_tongue_and_pulse(login, ana, london, chloe):
    first, second = _course(ana, london, chloe, 2)
    _note(first, ana, **HOT)
    _note(second, ana, **CALMER)
    html = login(ana.user).get(reverse("intake:client_record", args=[chloe.pk])).content.decode()
    assert html.index("Tongue: Pink (normal); coat: thin white · Pulse: 72 bpm") < html.index(
        f"Tongue: {HOT_TEXT[0]} · Pulse: {HOT_TEXT[1]}")  # the record lists the newest session first


@pytest.mark.parametrize("sessions", [5, 12])  # both past the clinic's first re-assessment (session 5)
def test_the_progress_page_reads_in_a_fixed_number_of_queries(login, ana, london, chloe, sessions,
                                                               django_assert_num_queries):
    course = _course(ana, london, chloe, sessions)  # first: the assessment is for a client in Ana's care
    submission = submit_intake(chloe)
    services.intake_assessment_save(submission=submission, practitioner=ana.user, mark_reviewed=True, data={
        "assessment": "x", "plan_sessions": 10, "plan_frequency": "weekly", **HOT})
    for session in course:
        _note(session, ana, **CALMER)
    c = login(ana.user)
    # clinic settings, session, user, client, the care relationship, audit row; the charts: submissions,
    # re-assessments, questionnaire version; re-assessment due: intake settings (read once per request), sessions;
    # the table: assessments, notes with their sessions, then their numbers in the course: sessions, re-assessments
    with django_assert_num_queries(15 + AUDIT_CHAIN_QUERIES):
        response = _progress(c, chloe)
    assert len(response.context["tongue_pulse"]) == sessions + 1


@pytest.mark.parametrize("sessions", [2, 8])
def test_the_client_record_reads_in_a_fixed_number_of_queries(login, ana, london, chloe, sessions,
                                                              django_assert_num_queries):
    submit_intake(chloe)
    for session in _course(ana, london, chloe, sessions):
        _note(session, ana, **HOT)
    c = login(ana.user)
    # The notes come with their sessions (one joined query), so the readings add none: the page reads as before,
    # plus the care relationship, the client's point maps (one query, charting) and the three queries of the
    # screening gate's live verdict for the intake badge (approvals are read only for a blocked date); the clinic
    # settings and the intake settings once each for the whole request.
    with django_assert_num_queries(20 + AUDIT_CHAIN_QUERIES):
        html = c.get(reverse("intake:client_record", args=[chloe.pk])).content.decode()
    assert html.count("Pulse: 88 bpm; wiry, rapid") == sessions


# --- who sees it ---------------------------------------------------------------------------------------------

@pytest.fixture
def chloe_with_readings(ana, london, chloe):
    first, second = _course(ana, london, chloe, 2)
    submission = submit_intake(chloe)
    services.intake_assessment_save(submission=submission, practitioner=ana.user, mark_reviewed=True, data={
        "assessment": "x", "plan_sessions": 10, "plan_frequency": "weekly", **HOT})
    _note(first, ana, **HOT)
    _note(second, ana, **CALMER)
    return {"client": chloe, "submission": submission, "sessions": [first, second]}


def _shows_readings(html: str) -> bool:
    return any(text in html for text in (*HOT_TEXT, *CALMER_TEXT, "Tongue and pulse", "88 bpm", "72 bpm"))


def test_the_client_never_sees_tongue_or_pulse(login, chloe_with_readings):
    chloe, submission = chloe_with_readings["client"], chloe_with_readings["submission"]
    c = login(chloe)
    own = [reverse("intake:my_progress"), reverse("intake:submission", args=[submission.pk]),
           reverse("intake:my_intake")]
    for url in own:
        response = c.get(url)
        assert response.status_code == 200 and not _shows_readings(response.content.decode()), url
    staff = [reverse("intake:client_record", args=[chloe.pk]), reverse("intake:client_progress", args=[chloe.pk]),
             _note_url(chloe_with_readings["sessions"][0])]
    for url in staff:  # the clinical pages are staff pages: refused for every client, as the role matrix says
        response = c.get(url)
        assert response.status_code == 403 and not _shows_readings(response.content.decode()), url


def test_another_client_gets_404_for_chloes_record(login, chloe_with_readings):
    oscar = ClientFactory(first_name="Oscar", last_name="Other")
    response = login(oscar).get(reverse("intake:submission", args=[chloe_with_readings["submission"].pk]))
    assert response.status_code == 404
    assert not _shows_readings(response.content.decode())


def test_the_front_desk_never_sees_tongue_or_pulse(login, chloe_with_readings):
    chloe, session = chloe_with_readings["client"], chloe_with_readings["sessions"][1]
    c = login(UserFactory(role="front_desk"))
    for url in (reverse("frontdesk:client", args=[chloe.pk]), reverse("frontdesk:appointment", args=[session.pk])):
        response = c.get(url)
        assert response.status_code == 200 and not _shows_readings(response.content.decode()), url
    for url in (reverse("intake:client_record", args=[chloe.pk]), reverse("intake:client_progress", args=[chloe.pk]),
                _note_url(session), reverse("intake:review", args=[chloe_with_readings["submission"].pk])):
        assert c.get(url).status_code == 403, url


# --- the demo ------------------------------------------------------------------------------------------------

def test_chloes_demo_course_shows_the_heat_clearing(db, settings):
    from clinic.core import demo

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo.seed()
    notes = list(TreatmentNote.objects.filter(appointment__client__email="client@demo.clinic")
                 .order_by("appointment__starts_at"))
    assert len(notes) >= 4
    first, last = notes[0], notes[-1]
    assert (first.tongue_colour, first.tongue_coat) == ("red_tip", ["yellow", "greasy"])
    assert (last.tongue_colour, last.tongue_coat) == ("pink", ["thin_white"])
    assert last.pulse_rate < first.pulse_rate
    assessment = Assessment.objects.get(submission__client__email="client@demo.clinic")
    assert assessment.tongue_colour == "red_tip"
    rows = selectors.tongue_pulse_course(client=assessment.submission.client)
    assert [row.label for row in rows[:3]] == ["Assessment", "Session 1", "Session 2"]
