"""Course re-assessments re-ask the contraindications, not only concerns and signals: the answers are kept with
the re-assessment, and what they raise holds the client's next session until a practitioner has seen it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from booking.models import AppointmentStatus
from clinic.audit.models import AuditEvent
from intake import healthcheck
from intake.models import HealthCheck, Reassessment
from tests.factories import AppointmentFactory, LocationFactory, PractitionerFactory, local
from tests.intake.helpers import health_check_post, questionnaire, submit_intake

# Tuesday 9 June 2026, 10:30 in London: session 5 of a weekly course is under way.
NOW = datetime(2026, 6, 9, 9, 30, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def course(db, client_user):
    london = LocationFactory(time_zone="Europe/London")
    practitioner = PractitionerFactory(location=london)
    submit_intake(client_user)
    today = AppointmentFactory(client=client_user, practitioner=practitioner, status=AppointmentStatus.ARRIVED,
                               starts_at=local(london, 2026, 6, 9, 10, 0))
    following = AppointmentFactory(client=client_user, practitioner=practitioner,
                                   starts_at=local(london, 2026, 6, 16, 10, 0))
    return {"practitioner": practitioner.user, "today": today, "next": following}


def _post(**health) -> dict:
    q = questionnaire()
    data = {c["key"]: "0" for c in q.concerns}
    data.update({item["key"]: "3" for pattern in q.patterns for item in pattern["items"]})
    return data | health_check_post(prefix="hc", **health)


def test_the_practitioners_form_asks_the_contraindications(login, course, client_user):
    html = login(course["practitioner"]).get(reverse("intake:client_reassess", args=[client_user.pk])).content
    html = html.decode()
    for question in ("Do you have a cold, flu or a fever now?", "Have you started a new medicine since your last",
                     "Are you pregnant, or might you be?", "Have you had a cosmetic treatment on your face"):
        assert question in html
    assert 'name="hc-acute_illness"' in html


def test_a_flag_at_the_reassessment_holds_the_next_session(login, course, client_user):
    url = reverse("intake:client_reassess", args=[client_user.pk])
    response = login(course["practitioner"]).post(url, _post(medicines=["isotretinoin"], procedures="yes",
                                                             filler_date="2026-06-01"))
    assert response["Location"] == reverse("intake:client_progress", args=[client_user.pk])
    kept = Reassessment.objects.get().answers["health_check"]
    assert kept["answers"]["medicines"] == ["isotretinoin"] and kept["version"] == 1
    assert {f["code"] for f in kept["flags"]} == {"isotretinoin", "filler_date"}

    check = HealthCheck.objects.get()
    assert (check.appointment, check.via, check.submitted_by) == (course["next"], "reassessment",
                                                                  course["practitioner"])
    flags = {f.code: f for f in healthcheck.health_check_flags(appointment=course["next"])}
    assert flags["isotretinoin"].level == "do_not_treat"
    # The filler wait is held against the next session's date (16 June), from the clinic's setting.
    assert flags["filler_date"].until == date(2026, 6, 1) + timedelta(days=90)
    assert AuditEvent.objects.filter(action="health_check.submit", subject=client_user,
                                     object_id=str(check.pk)).exists()
    assert AuditEvent.objects.filter(action="reassessment.save", subject=client_user).exists()


def test_an_all_clear_reassessment_keeps_the_answers_and_holds_nothing(login, course, client_user):
    login(course["practitioner"]).post(reverse("intake:client_reassess", args=[client_user.pk]), _post())
    kept = Reassessment.objects.get().answers["health_check"]
    assert kept["answers"]["acute_illness"] == "no" and kept["flags"] == []
    assert not HealthCheck.objects.exists()
    assert healthcheck.health_check_flags(appointment=course["next"]) == []


def test_missing_health_answers_are_refused_and_everything_typed_is_kept(login, course, client_user):
    data = _post()
    del data["hc-pregnancy"]
    data["acne"] = "2"
    response = login(course["practitioner"]).post(reverse("intake:client_reassess", args=[client_user.pk]), data)
    assert response.status_code == 200
    assert "Please choose an answer." in response.content.decode()
    assert response.context["form"].data["acne"] == "2"
    assert response.context["health_form"].data["hc-acute_illness"] == "no"
    assert not Reassessment.objects.exists()


def test_the_clients_own_check_in_asks_them_too_and_feeds_the_next_session(login, course, client_user):
    c = login(client_user)
    assert "Do you have a skin infection, a cold sore or shingles" in c.get(reverse("intake:my_reassess")).content \
        .decode()
    response = c.post(reverse("intake:my_reassess"), _post(skin_infection="yes"))
    assert response["Location"] == reverse("intake:my_progress")
    check = HealthCheck.objects.get()
    assert (check.appointment, check.via, check.submitted_by) == (course["next"], "reassessment", client_user)
    assert [f.code for f in healthcheck.health_check_flags(appointment=course["next"])] == ["skin_infection"]
