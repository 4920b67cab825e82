"""The practitioner's export of a client's whole clinical record (``intake:client_record_export``): everything the
record holds in one JSON file, only for clinicians in the client's care, audited, in a fixed number of queries.

Ana treats Chloe (the photo tests' clinic: a session in treatment now, one four weeks ago, photo consent given)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.models import AppointmentStatus
from charting import services as charting
from clinic.audit.models import AuditEvent
from intake import healthcheck, services
from intake.models import Assessment, HealthCheck, ScreeningOverride
from tests.charting.photos_support import NOW, clinic_fixture, frozen_fixture, photo_dir_fixture, take
from tests.factories import AppointmentFactory, PractitionerFactory, UserFactory
from tests.helpers import AUDIT_CHAIN_QUERIES
from tests.intake.helpers import submit_intake, valid_answers

__all__ = ["clinic_fixture", "frozen_fixture", "photo_dir_fixture"]  # the photo tests' fixtures, used below

NOTE = {"face_points": "ST3, LI20", "body_points": "LU7", "needle_count": 30, "retention_minutes": 25,
        "reactions": [], "notes": "First write-up.", "aftercare_addition": "", "tongue_colour": "red_tip",
        "tongue_coat": ["yellow"], "tongue_shape": [], "pulse_rate": 84, "pulse_qualities": ["wiry"]}
HEALTH_CHECK = {"acute_illness": "no", "skin_infection": "no", "procedures": "no", "medicines": ["anticoagulants"],
                "pregnancy": "no"}
# The export's queries, whatever the number of sessions: clinic settings, the login session, the user, the client,
# the care check; questionnaires, their flags; assessments; sessions (with notes and health checks), earlier note
# versions; re-assessments; screening approvals; point maps, their earlier versions; planned points; photos; photo
# consents; the audit row (and on SQLite the audit chain's AUDIT_CHAIN_QUERIES).
MAX_QUERIES = 18


def _url(client) -> str:
    return reverse("intake:client_record_export", args=[client.pk])


def _chart_session(appointment, practitioner) -> None:
    """A session with all it can hold: a note amended once, a point map corrected once, a health check."""
    services.treatment_note_save(appointment=appointment, practitioner=practitioner, data=NOTE)
    services.treatment_note_save(appointment=appointment, practitioner=practitioner,
                                 data={**NOTE, "notes": "Bruise noted on the left cheek.", "pulse_rate": 76},
                                 reason="Added the bruise I forgot")
    for side in ("L", "R"):  # the second save is a correction: the left-side map becomes an earlier version
        charting.point_map_save(appointment=appointment, practitioner=practitioner, points=[
            {"code": "ST3", "side": side}, {"code": "Yintang", "side": ""}], local_needles=[], retention_minutes=20)
    healthcheck.health_check_submit(appointment=appointment, answers=HEALTH_CHECK, submitted_by=appointment.client,
                                    via=HealthCheck.Via.REASSESSMENT)


@pytest.fixture
def record(clinic):
    chloe, ana = clinic["chloe"], clinic["ana"]
    submission = submit_intake(chloe, valid_answers(products="Rosehip oil", diabetes="yes"))
    Assessment.objects.create(submission=submission, practitioner=ana, assessment="Lung qi deficiency",
                              tongue_colour="pale", tongue_coat=["thin_white"], pulse_rate=64,
                              pulse_qualities=["thready"])
    _chart_session(clinic["earlier"], ana)
    take(clinic["session"], ana, pose="front")
    services.reassessment_record(client=chloe, recorded_by=ana, answers={"products": "Jojoba oil"},
                                 appointment=clinic["earlier"])
    ScreeningOverride.objects.create(client=chloe, day=NOW.date() + timedelta(days=7), granted_by=ana,
                                     reason="Her GP confirmed the diabetes is well controlled",
                                     flag_codes=["diabetes"])
    return clinic


def test_the_export_holds_the_whole_record(login, record):
    response = login(record["ana"]).get(_url(record["chloe"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)

    assert data["client"] == {"id": record["chloe"].pk, "name": "Chloe Martin", "date_of_birth": None,
                              "email": "chloe@example.com", "phone": record["chloe"].phone}
    intake = data["questionnaires"][0]
    assert intake["answers_withheld"] is False
    assert {"section": "About you and your skin", "question": "Which products do you use on your face most days?",
            "answer": "Rosehip oil"} in intake["answers"]
    assert intake["flags"][0]["reason"].startswith("Diabetes")
    assert intake["consent"]["typed_name"] == "Chloe Martin" and intake["consent"]["withdrawn_at"] is None
    assessment = data["assessments"][0]
    assert (assessment["assessment"], assessment["tongue"], assessment["pulse"]) == (
        "Lung qi deficiency", "Pale; coat: thin white", "64 bpm; thready")

    earlier, current = data["sessions"]  # oldest first
    assert earlier["starts_at_utc"] == (NOW - timedelta(days=28)).isoformat()
    assert earlier["time_zone"] == "Europe/London" and earlier["practitioner"]["name"] == record["ana"].full_name
    assert earlier["status"] == "Completed" and current["status"] == "In treatment"
    note = earlier["treatment_note"]
    assert (note["version"], note["notes"], note["pulse"], note["amendment_reason"]) == (
        2, "Bruise noted on the left cheek.", "76 bpm; wiry", "Added the bruise I forgot")
    assert note["tongue"] == "Red tip; coat: yellow"
    [first] = note["earlier_versions"]
    assert (first["version"], first["notes"], first["pulse_rate"]) == (1, "First write-up.", 84)
    assert first["written_by"]["name"] == record["ana"].full_name and first["written_at"]
    assert current["treatment_note"] is None
    check = earlier["health_check"]
    assert [f["reason"] for f in check["flags"]] == ["Health check: new blood-thinning medicine"]
    assert {"question": "Are you pregnant, or might you be?", "answer": "No"} in check["answers"]

    [reassessment] = data["reassessments"]
    assert {"question": "Which products do you use on your face most days?", "answer": "Jojoba oil"} in \
        reassessment["answers"]
    [approval] = data["screening_approvals"]
    assert approval["flags_set_aside"] == ["diabetes"] and approval["approved_by"]["name"] == record["ana"].full_name

    [point_map] = data["charting"]["point_maps"]
    assert {(p["code"], p["side"]) for p in point_map["points"]} == {("ST3", "right"), ("Yintang", "")}
    assert {(p["code"], p["side"]) for p in point_map["earlier_versions"][0]["points"]} == {
        ("ST3", "left"), ("Yintang", "")}
    [photo] = data["charting"]["photos"]
    assert (photo["pose"], photo["session"]) == ("Front", record["session"].starts_at.isoformat())
    assert data["charting"]["photo_consents"][0]["typed_name"] == "Chloe Martin"


def test_the_file_is_a_download_named_by_the_client_id_only_and_never_cached(login, record):
    response = login(record["ana"]).get(_url(record["chloe"]))
    assert response["Content-Disposition"] == f'attachment; filename="clinical-record-{record["chloe"].pk}.json"'
    assert "Chloe" not in response["Content-Disposition"] and "Martin" not in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]


def test_the_export_is_audited(login, record):
    login(record["ana"]).get(_url(record["chloe"]))
    event = AuditEvent.objects.get(action="intake.export_record")
    assert (event.actor, event.subject) == (record["ana"], record["chloe"])


def test_the_client_record_page_links_to_the_export(login, record):
    html = login(record["ana"]).get(reverse("intake:client_record", args=[record["chloe"].pk])).content.decode()
    assert f'href="{_url(record["chloe"])}"' in html
    assert "Export the record (JSON)" in html


def test_a_practitioner_outside_her_care_gets_404_and_nothing_of_it(login, record):
    ben = PractitionerFactory().user
    response = login(ben).get(_url(record["chloe"]))
    assert response.status_code == 404
    assert b"Rosehip" not in response.content and b"Chloe" not in response.content
    assert not AuditEvent.objects.filter(action="intake.export_record").exists()


@pytest.mark.parametrize("role", ["front_desk", "manager"])
def test_staff_without_clinical_access_get_403(login, record, role):
    assert login(UserFactory(role=role)).get(_url(record["chloe"])).status_code == 403


def test_the_client_herself_gets_403_as_on_the_record_page(login, record):
    # A client's own copy of her data is "My data" (accounts); this is the practitioner's clinical export.
    assert login(record["chloe"]).get(_url(record["chloe"])).status_code == 403
    assert login(record["chloe"]).get(reverse("intake:client_record", args=[record["chloe"].pk])).status_code == 403


def test_a_staff_account_is_not_a_client_record(login, record):
    assert login(record["ana"]).get(_url(record["ana"])).status_code == 404


def test_after_a_withdrawal_the_answers_are_withheld_and_the_clinical_notes_kept(login, record):
    services.intake_consent_withdraw(client=record["chloe"], reason="Changed my mind")
    response = login(record["ana"]).get(_url(record["chloe"]))
    assert response.status_code == 200
    [intake] = json.loads(response.content)["questionnaires"]
    assert intake["answers_withheld"] is True
    assert intake["consent"]["withdrawn_at"] == NOW.isoformat()
    assert intake["consent"]["withdrawal_reason"] == "Changed my mind"
    assert b"Rosehip oil" not in response.content and b"Diabetes" not in response.content
    data = json.loads(response.content)
    assert data["sessions"][0]["treatment_note"]["notes"] == "Bruise noted on the left cheek."
    assert data["assessments"][0]["assessment"] == "Lung qi deficiency"


def _sessions(clinic, count: int) -> None:
    for weeks in range(count - 2):  # the clinic already has two
        appointment = AppointmentFactory(client=clinic["chloe"], practitioner=clinic["ana"].practitioner,
                                         starts_at=NOW - timedelta(weeks=5 + weeks),
                                         status=AppointmentStatus.COMPLETED)
        _chart_session(appointment, clinic["ana"])


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_sessions(login, record, django_assert_max_num_queries):
    c = login(record["ana"])
    url = _url(record["chloe"])
    _count_queries(c, url)  # the first request warms the session and the clinic settings
    with_two = _count_queries(c, url)
    _sessions(record, 8)
    with django_assert_max_num_queries(MAX_QUERIES + AUDIT_CHAIN_QUERIES):
        response = c.get(url)
    assert len(json.loads(response.content)["sessions"]) == 8
    assert len(json.loads(response.content)["charting"]["point_maps"]) == 7
    assert _count_queries(c, url) == with_two
