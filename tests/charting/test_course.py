"""The course at a glance: every session so far on one page, for a re-assessment conversation."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from booking.models import AppointmentStatus
from charting import services
from clinic.audit.models import AuditEvent
from intake import definitions
from intake.models import Reassessment, TreatmentNote
from tests.conftest import POSTGRES
from tests.factories import AppointmentFactory, ClientFactory, PractitionerFactory, UserFactory
from tests.intake.helpers import submit_intake, valid_answers

NOW = datetime(2026, 12, 2, 11, 30, tzinfo=UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def practitioner(db):
    return PractitionerFactory()


@pytest.fixture
def chloe(db):
    return ClientFactory(first_name="Chloe", last_name="Martin")


def _course(practitioner, client, weeks: int, *, hours_earlier: int = 0):
    """``weeks`` weekly sessions, the last started an hour ago (or ``hours_earlier`` more, so two clients' sessions
    with one practitioner do not overlap), each with a map and a note, and one booked next week."""
    sessions = []
    for week in range(weeks, 0, -1):
        session = AppointmentFactory(practitioner=practitioner, client=client, status=AppointmentStatus.COMPLETED,
                                     starts_at=timezone.now() - timedelta(weeks=week - 1, hours=1 + hours_earlier))
        services.point_map_save(appointment=session, practitioner=practitioner.user,
                                points=[{"code": "ST3", "side": "L"}, {"code": "ST3", "side": "R"},
                                        {"code": "Yintang", "side": ""}],
                                local_needles=[{"region": "forehead", "count": week}], retention_minutes=25)
        TreatmentNote.objects.create(appointment=session, practitioner=practitioner.user, needle_count=3 + week,
                                     tongue_colour="red_tip", pulse_rate=80 - week, pulse_qualities=["wiry"])
        sessions.append(session)
    AppointmentFactory(practitioner=practitioner, client=client,
                       starts_at=timezone.now() + timedelta(days=7, hours=-hours_earlier))
    return sessions


def _check_in(client, session, number: int, fine_lines: int):
    answers = {**valid_answers(concerns={"fine_lines": (fine_lines, "1_5y"), "acne": (1, "3_12m")})}
    Reassessment.objects.create(client=client, version=definitions.questionnaire_current(), recorded_by=client,
                                appointment=session, session_number=number, answers=answers, scores={})


# The page's reads, named in the test below, and its audit row: one insert on PostgreSQL; on SQLite a savepoint,
# the hash chain's last link, the insert and the release.
QUERIES = 12 + (1 if POSTGRES else 4)


def _url(client):
    return reverse("charting:course", args=[client.pk])


def test_every_session_so_far_in_order_with_needles_points_ratings_tongue_and_pulse(login, practitioner, chloe):
    submit_intake(chloe, valid_answers(concerns={"fine_lines": (3, "1_5y")}))
    sessions = _course(practitioner, chloe, weeks=3)
    _check_in(chloe, sessions[2], 3, fine_lines=2)
    response = login(practitioner.user).get(_url(chloe))
    assert response.status_code == 200
    rows = response.context["course"].rows
    assert [r.number for r in rows] == [1, 2, 3]  # the session booked next week is not on it yet
    assert [r.needle_count for r in rows] == [6, 5, 4]  # 3 points, and fewer along the forehead each week
    assert rows[0].key_points == ["Yintang", "ST3"]
    assert rows[2].concerns == [("Fine lines and wrinkles", "Moderate"), ("Acne or breakouts", "Mild")]
    assert rows[0].concerns == []
    html = response.content.decode()
    assert html.count('data-testid="course-row"') == 3
    assert "Before the course" in html and "Fine lines and wrinkles <span class=\"text-muted\">severe</span>" in html
    assert "Pulse: 77 bpm; wiry" in html and "Tongue: Red tip" in html
    assert reverse("charting:point_map", args=[sessions[0].pk]) in html


def test_the_page_needs_the_same_queries_for_five_sessions_or_twelve(login, practitioner, chloe,
                                                                  django_assert_num_queries):
    c = login(practitioner.user)
    short = ClientFactory()
    # Both past the first re-assessment session (5): the course numbering then also reads the check-ins.
    _course(practitioner, short, weeks=5, hours_earlier=2)
    _course(practitioner, chloe, weeks=12)
    _check_in(chloe, None, 5, fine_lines=1)
    c.get(_url(short))  # settings rows created on first use, the session's first save
    for client, sessions in ((short, 5), (chloe, 12)):
        # clinic settings, session, user; the client; care relationship; sessions with notes and maps; intake
        # settings, course order, check-in times (course numbers); check-ins with their questionnaire; first intake;
        # photos; then the audit row
        with django_assert_num_queries(QUERIES):
            response = c.get(_url(client))
        assert len(response.context["course"].rows) == sessions


def test_the_front_desk_is_refused(login, practitioner, chloe):
    _course(practitioner, chloe, weeks=1)
    assert login(UserFactory(role="front_desk")).get(_url(chloe)).status_code == 403


def test_clients_get_404(login, practitioner, chloe):
    _course(practitioner, chloe, weeks=1)
    assert login(ClientFactory()).get(_url(chloe)).status_code == 404
    assert login(chloe).get(_url(chloe)).status_code == 404


def test_a_practitioner_outside_the_clients_care_gets_404(login, practitioner, chloe):
    _course(practitioner, chloe, weeks=1)
    response = login(PractitionerFactory().user).get(_url(chloe))
    assert response.status_code == 404 and "ST3" not in response.content.decode()


def test_each_reading_is_audited(login, practitioner, chloe):
    _course(practitioner, chloe, weeks=1)
    login(practitioner.user).get(_url(chloe))
    assert AuditEvent.objects.filter(action="course.view", subject=chloe, actor=practitioner.user).count() == 1


def test_the_client_record_and_the_progress_page_link_to_it(login, practitioner, chloe):
    _course(practitioner, chloe, weeks=1)
    c = login(practitioner.user)
    for name in ("intake:client_record", "intake:client_progress"):
        assert _url(chloe) in c.get(reverse(name, args=[chloe.pk])).content.decode(), name
