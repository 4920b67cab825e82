"""The course's planned points: marked on the diagrams beside the assessment, where the first map starts."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from booking.models import AppointmentStatus
from charting import services
from charting.models import PlanMap
from clinic.audit.models import AuditEvent
from intake import services as intake_services
from tests.factories import AppointmentFactory, ClientFactory, PractitionerFactory, UserFactory
from tests.intake.helpers import submit_intake

NOW = datetime(2026, 12, 2, 11, 30, tzinfo=UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def practitioner(db):
    return PractitionerFactory()


@pytest.fixture
def session(practitioner):
    return AppointmentFactory(practitioner=practitioner, client=ClientFactory(first_name="Chloe"),
                              starts_at=timezone.now() - timedelta(minutes=30), status=AppointmentStatus.IN_TREATMENT)


@pytest.fixture
def assessment(practitioner, session):
    submission = submit_intake(session.client)
    return intake_services.intake_assessment_save(
        submission=submission, practitioner=practitioner.user, mark_reviewed=True,
        data={"assessment": "x", "plan_sessions": 10, "plan_frequency": "weekly", "face_points": "LI20, ST3",
              "body_points": "", "needle_count": 40})


def _url(assessment):
    return reverse("charting:plan_map", args=[assessment.pk])


def test_the_plan_page_starts_from_the_codes_the_written_plan_names(login, practitioner, assessment):
    response = login(practitioner.user).get(_url(assessment))
    assert "Started from the points the written plan names: adjust." in response.content.decode()
    assert response.context["total"] == 4  # LI20 and ST3, both sides


def test_planned_points_are_saved_from_the_form_and_the_first_map_starts_from_them(
        login, practitioner, assessment, session):
    c = login(practitioner.user)
    response = c.post(_url(assessment), {"point": ["ST6:L", "ST6:R", "Yintang"], "region_forehead": "3"})
    assert response.status_code == 302
    plan = PlanMap.objects.get(assessment=assessment)
    assert (plan.needle_count, plan.saved_by) == (6, practitioner.user)
    html = c.get(reverse("charting:point_map", args=[session.pk])).content.decode()
    assert "Started from the planned points: adjust." in html
    assert 'value="ST6:R" data-point="ST6:R" checked' in html
    assert 'value="LI20:R" data-point="LI20:R" checked' not in html  # the marked plan, not the plan's text
    assert list(AuditEvent.objects.filter(object_type="charting.planmap").values_list("action", flat=True)) == [
        "plan_map.save"]
    planned = services.charting_export(session.client)["planned_points"]
    assert [p["code"] for p in planned[0]["points"]] == ["Yintang", "ST6", "ST6"]


def test_an_unknown_code_in_the_plan_is_refused(login, practitioner, assessment):
    response = login(practitioner.user).post(_url(assessment), {"point": ["ST3:L", "ZZ1"]})
    assert response.status_code == 400 and "“ZZ1” is not a point on the map" in response.content.decode()
    assert not PlanMap.objects.exists()


def test_no_planned_points_once_the_client_withdrew_her_consent(practitioner, assessment):
    intake_services.intake_consent_withdraw(client=assessment.submission.client)
    assessment.submission.refresh_from_db()
    with pytest.raises(services.MapError):
        services.plan_map_save(assessment=assessment, practitioner=practitioner.user,
                               points=[{"code": "ST3", "side": "L"}], local_needles=[], retention_minutes=None)


def test_who_may_open_the_plan(login, assessment):
    assert login(UserFactory(role="front_desk")).get(_url(assessment)).status_code == 403
    assert login(ClientFactory()).get(_url(assessment)).status_code == 404
    assert login(assessment.submission.client).get(_url(assessment)).status_code == 404
    assert login(PractitionerFactory().user).get(_url(assessment)).status_code == 404  # not in her care


def test_the_review_page_links_to_the_plan(login, practitioner, assessment):
    html = login(practitioner.user).get(reverse("intake:review", args=[assessment.submission_id])).content.decode()
    assert _url(assessment) in html
