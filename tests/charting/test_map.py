"""The session's point map: marked by its practitioner (with or without JavaScript), checked, kept with its history."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from booking.models import AppointmentStatus
from charting import services
from charting.models import PointMap, PointMapVersion
from clinic.audit.models import AuditEvent
from clinic.core.models import ClinicalAccess, ClinicSettings
from intake import services as intake_services
from tests.factories import AppointmentFactory, ClientFactory, PractitionerFactory, UserFactory
from tests.intake.helpers import submit_intake

# A Wednesday late morning: the sessions below started an hour ago, whatever day the suite runs.
NOW = datetime(2026, 12, 2, 11, 30, tzinfo=UTC)

# What the form without JavaScript sends: a checkbox per point and side, numbers per line, a tapped needle.
POSTED = {"point": ["ST3:L", "ST3:R", "Yintang", "LU7:L"], "region_forehead": "4",
          "needle": ["front:120.5:80"], "retention_minutes": "25", "based_on": "0"}


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
                              starts_at=timezone.now() - timedelta(minutes=60), status=AppointmentStatus.COMPLETED)


def _url(appointment):
    return reverse("charting:point_map", args=[appointment.pk])


def _save(session, **content):
    fields = {"points": [], "local_needles": [], "retention_minutes": None} | content
    return services.point_map_save(appointment=session, practitioner=session.practitioner.user, **fields)


def test_the_posted_form_is_saved_and_reads_back_the_same(login, practitioner, session):
    c = login(practitioner.user)
    response = c.post(_url(session), POSTED)
    assert response.status_code == 302
    saved = PointMap.objects.get(appointment=session)
    assert saved.points == [{"code": "Yintang", "side": ""}, {"code": "ST3", "side": "L"},
                            {"code": "ST3", "side": "R"}, {"code": "LU7", "side": "L"}]
    assert saved.local_needles == [{"region": "forehead", "count": 4}, {"view": "front", "x": 120.5, "y": 80.0}]
    # Four points (ST3 on both sides counts twice), four along the forehead, one tapped.
    assert (saved.needle_count, saved.retention_minutes, saved.saved_by) == (9, 25, practitioner.user)
    page = c.get(_url(session))
    html = page.content.decode()
    assert 'value="ST3:L" data-point="ST3:L" checked' in html and 'value="LU7:R" data-point="LU7:R" checked' not in html
    assert 'name="region_forehead" data-region="forehead" value="4"' in html
    assert 'name="needle" value="front:120.5:80.0"' in html
    assert page.context["total"] == 9


def test_saving_the_same_map_again_changes_nothing(login, practitioner, session):
    c = login(practitioner.user)
    c.post(_url(session), POSTED)
    c.post(_url(session), {**POSTED, "based_on": "1"})
    assert PointMap.objects.get().version == 1 and not PointMapVersion.objects.exists()


def test_codes_written_other_ways_are_stored_as_the_catalogue_writes_them(session):
    saved = _save(session, points=[{"code": "gv24", "side": ""}, {"code": "Bitong", "side": "L"},
                                   {"code": "cv 24", "side": ""}])
    assert [p["code"] for p in saved.points] == ["DU24", "Bitong", "REN24"]


def test_an_unknown_code_is_refused_and_the_marks_are_kept(login, practitioner, session):
    response = login(practitioner.user).post(_url(session), {**POSTED, "point": ["ST3:L", "XX99:L"]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "“XX99” is not a point on the map" in html
    assert 'value="ST3:L" data-point="ST3:L" checked' in html and 'value="4"' in html
    assert not PointMap.objects.exists()


@pytest.mark.parametrize(("point", "message"), [
    ({"code": "ST3", "side": ""}, "Say which side ST3 was needled on"),
    ({"code": "Yintang", "side": "L"}, "Yintang is on the midline"),
    ({"code": "ST3", "side": "X"}, "Say which side ST3"),
])
def test_a_point_needs_the_right_side(session, point, message):
    with pytest.raises(services.MapError, match=message):
        _save(session, points=[point])


@pytest.mark.parametrize("needle", [{"view": "front", "x": 500, "y": 80}, {"view": "front", "x": 20, "y": -1},
                                    {"view": "back", "x": 20, "y": 20}, {"view": "front", "x": True, "y": 20},
                                    {"region": "eyelids", "count": 2}, {"region": "forehead", "count": 41}])
def test_needles_outside_the_drawing_or_off_the_list_are_refused(session, needle):
    with pytest.raises(services.MapError):
        _save(session, points=[{"code": "ST3", "side": "L"}], local_needles=[needle])
    assert not PointMap.objects.exists()


def test_more_than_120_needles_are_refused_with_the_count(login, practitioner, session):
    posted = {**POSTED, "region_forehead": "40", "region_jawline_l": "40", "region_jawline_r": "40"}
    response = login(practitioner.user).post(_url(session), posted)
    assert response.status_code == 400
    assert "That makes 125 needles: a session has at most 120" in response.content.decode()
    assert response.context["total"] == 125  # the live total shows what was typed, not the stored map
    assert not PointMap.objects.exists()


def test_a_mistyped_number_is_a_message_not_an_error(login, practitioner, session):
    response = login(practitioner.user).post(_url(session), {**POSTED, "region_forehead": "four",
                                                             "retention_minutes": "1e9"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Forehead lines: give a whole number of needles." in html and 'value="four"' in html
    assert not PointMap.objects.exists()


@pytest.mark.parametrize("needle", ["front:nan:1", "front:1e400:2", "front", "front:12", "<b>:1:2"])
def test_a_tampered_needle_is_a_message_not_an_error(login, practitioner, session, needle):
    response = login(practitioner.user).post(_url(session), {**POSTED, "needle": [needle]})
    assert response.status_code == 400
    assert "A local needle could not be read" in response.content.decode() and "<b>" not in response.content.decode()
    assert not PointMap.objects.exists()


def test_a_correction_keeps_the_map_as_it_was(login, practitioner, session):
    c = login(practitioner.user)
    c.post(_url(session), POSTED)
    c.post(_url(session), {**POSTED, "point": ["ST3:L", "ST3:R"], "based_on": "1"})
    current = PointMap.objects.get()
    assert (current.version, current.needle_count) == (2, 7)
    earlier = PointMapVersion.objects.get()
    assert (earlier.number, earlier.needle_count, len(earlier.points)) == (1, 9, 4)
    html = c.get(_url(session)).content.decode()
    assert 'data-testid="map-version"' in html and "Version 1" in html


def test_a_second_tab_cannot_silently_undo_a_correction(login, practitioner, session):
    c = login(practitioner.user)
    c.post(_url(session), POSTED)
    response = c.post(_url(session), {**POSTED, "point": ["ST6:L"], "based_on": "0"})  # opened before the save
    assert response.status_code == 400
    assert "This map was changed after you opened the page" in response.content.decode()
    assert 'value="ST6:L" data-point="ST6:L" checked' in response.content.decode()
    assert PointMap.objects.get().version == 1


def test_the_next_map_starts_from_the_last_session(login, practitioner, session):
    last_week = AppointmentFactory(practitioner=practitioner, client=session.client,
                                   status=AppointmentStatus.COMPLETED, starts_at=session.starts_at - timedelta(days=7))
    _save(last_week, points=[{"code": "ST6", "side": "L"}, {"code": "LI20", "side": "R"}],
          local_needles=[{"region": "forehead", "count": 5}], retention_minutes=30)
    response = login(practitioner.user).get(_url(session))
    html = response.content.decode()
    assert "Started from session 1: adjust." in html
    assert 'value="ST6:L" data-point="ST6:L" checked' in html and 'value="5"' in html
    assert response.context["total"] == 7
    assert not PointMap.objects.filter(appointment=session).exists()  # nothing saved until she saves


def test_the_first_map_starts_from_the_treatment_plan(login, practitioner, session):
    submission = submit_intake(session.client)
    intake_services.intake_assessment_save(
        submission=submission, practitioner=practitioner.user, mark_reviewed=True,
        data={"assessment": "x", "plan_sessions": 10, "plan_frequency": "weekly",
              "face_points": "LI20, ST3, Yintang", "body_points": "LU7 both sides", "needle_count": 40})
    response = login(practitioner.user).get(_url(session))
    assert "Started from the treatment plan: adjust." in response.content.decode()
    assert response.context["total"] == 7  # LI20, ST3, LU7 on both sides, Yintang once


def test_only_the_sessions_practitioner_marks_it(login, practitioner, session):
    ClinicSettings.objects.update(clinical_access=ClinicalAccess.WHOLE_CLINIC)
    colleague = PractitionerFactory().user
    _save(session, points=[{"code": "ST3", "side": "L"}])
    c = login(colleague)
    page = c.get(_url(session))
    assert page.status_code == 200 and 'id="map-form"' not in page.content.decode()
    assert 'data-testid="map-codes">ST3 left' in page.content.decode()
    c.post(_url(session), {**POSTED, "based_on": "1"})
    assert PointMap.objects.get().needle_count == 1
    with pytest.raises(services.MapError, match="who gave this session"):
        services.point_map_save(appointment=session, practitioner=colleague, points=[], local_needles=[],
                                retention_minutes=None)


def test_a_session_not_yet_started_or_cancelled_has_no_map(practitioner):
    ahead = AppointmentFactory(practitioner=practitioner, starts_at=timezone.now() + timedelta(hours=2))
    with pytest.raises(services.MapError, match="once the session has started"):
        _save(ahead, points=[{"code": "ST3", "side": "L"}])
    cancelled = AppointmentFactory(practitioner=practitioner, starts_at=timezone.now() - timedelta(hours=2),
                                   status=AppointmentStatus.CANCELLED)
    with pytest.raises(services.MapError, match="cancelled"):
        _save(cancelled, points=[{"code": "ST3", "side": "L"}])


def test_the_front_desk_is_refused(login, session):
    c = login(UserFactory(role="front_desk"))
    assert c.get(_url(session)).status_code == 403
    assert c.post(_url(session), POSTED).status_code == 403
    assert not PointMap.objects.exists()


def test_clients_get_404_for_any_map(login, session):
    _save(session, points=[{"code": "ST3", "side": "L"}])
    for someone in (ClientFactory(), session.client):  # another client's, and her own: maps are not shown to clients
        assert login(someone).get(_url(session)).status_code == 404


def test_a_practitioner_outside_the_clients_care_gets_404(login, session):
    _save(session, points=[{"code": "ST3", "side": "L"}])
    response = login(PractitionerFactory().user).get(_url(session))
    assert response.status_code == 404 and "ST3" not in response.content.decode()


def test_every_read_and_write_is_audited_without_the_content(login, practitioner, session):
    c = login(practitioner.user)
    c.post(_url(session), POSTED)
    c.post(_url(session), {**POSTED, "point": ["ST3:L"], "based_on": "1"})
    c.get(_url(session))
    saved = PointMap.objects.get()
    rows = list(AuditEvent.objects.filter(object_type="charting.pointmap").values_list("action", "object_id",
                                                                                        "subject_id"))
    assert rows == [("point_map.save", str(saved.pk), session.client_id),
                    ("point_map.amend", str(saved.pk), session.client_id),
                    ("point_map.view", str(saved.pk), session.client_id)]


def test_the_page_is_not_cached(login, practitioner, session):
    assert "no-store" in login(practitioner.user).get(_url(session))["Cache-Control"]


def test_the_treatment_note_shows_the_map_and_links_to_it(login, practitioner, session):
    _save(session, points=[{"code": "ST6", "side": "L"}], local_needles=[{"region": "forehead", "count": 3}])
    html = login(practitioner.user).get(reverse("intake:treatment_note", args=[session.pk])).content.decode()
    assert 'data-testid="point-map-card"' in html and _url(session) in html
    assert "4 needles" in html and "ST6 left" in html and "Forehead lines × 3" in html


def test_the_client_record_shows_the_maps(login, practitioner, session):
    _save(session, points=[{"code": "LI20", "side": "R"}, {"code": "LU7", "side": "L"}])
    html = login(practitioner.user).get(reverse("intake:client_record", args=[session.client_id])).content.decode()
    assert 'data-testid="client-point-maps"' in html
    assert "LI20 right, LU7 left" in html
    assert 'class="map-spot on" data-point="LI20:R"' in html  # drawn on the small face, not only listed
    assert reverse("charting:course", args=[session.client_id]) in html


def test_my_day_links_each_session_to_its_map(login, practitioner, session):
    html = login(practitioner.user).get(reverse("intake:practitioner_day")).content.decode()
    assert _url(session) in html


def test_the_export_holds_every_map_and_its_history_and_erasure_removes_them(session):
    _save(session, points=[{"code": "ST3", "side": "L"}], retention_minutes=20)
    _save(session, points=[{"code": "ST3", "side": "L"}, {"code": "Yintang", "side": ""}], retention_minutes=20)
    exported = services.charting_export(session.client)["point_maps"]
    assert len(exported) == 1
    assert exported[0]["points"] == [{"code": "Yintang", "name": "Yintang (between the eyebrows)", "side": ""},
                                     {"code": "ST3", "name": "Juliao (below the cheekbone, level with the nostril)",
                                      "side": "left"}]
    assert exported[0]["needle_count"] == 2 and exported[0]["earlier_versions"][0]["needle_count"] == 1
    assert services.charting_export(ClientFactory())["point_maps"] == []
    services.point_maps_erase(session.client)
    assert not PointMap.objects.exists() and not PointMapVersion.objects.exists()


def test_the_maps_are_purged_with_the_notes_when_an_erased_clients_retention_ends(session):
    from clinic.accounts.models import ErasureRequest, ErasureStatus
    from clinic.accounts.rights import clients_purge_due

    _save(session, points=[{"code": "ST3", "side": "L"}])
    _save(session, points=[{"code": "ST3", "side": "R"}])
    other = AppointmentFactory(status=AppointmentStatus.COMPLETED, starts_at=timezone.now() - timedelta(days=2))
    _save(other, points=[{"code": "ST6", "side": "L"}])
    ErasureRequest.objects.create(client=session.client, status=ErasureStatus.COMPLETED,
                                  erased_at=timezone.now() - timedelta(days=3000),
                                  retain_until=timezone.now() - timedelta(days=1))
    assert clients_purge_due() == 1
    assert list(PointMap.objects.values_list("appointment_id", flat=True)) == [other.pk]  # only hers went
    assert not PointMapVersion.objects.exists()
