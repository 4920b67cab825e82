"""The manager's schedule pages (instead of the Django admin): services with their screening codes, rooms, a
practitioner's weekly hours and breaks, time off and closures, and profiles with a photo and bio that the booking
pages show. The same rules as the admin, enforced by booking.schedule; typed values are kept on a refusal, and
booked sessions are never deleted by a change of hours."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from booking import schedule
from booking.models import Appointment, Break, Room, Service, TimeOff, WorkingHours
from tests.factories import (
    AppointmentFactory,
    LocationFactory,
    PractitionerFactory,
    RoomFactory,
    ServiceFactory,
)
from tests.factories import local as local_at

NOW = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)  # Tuesday 1 December, 10:30 in London

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def clinic(db):
    location = LocationFactory(name="Islington clinic")
    service = ServiceFactory(name="Facial acupuncture", slug="facial")
    ana = PractitionerFactory(location=location, services=[service], user__first_name="Ana",
                              hours={d: [(time(9), time(17))] for d in range(5)})
    return location, service, ana


@pytest.fixture
def manager(login, manager_user):
    return login(manager_user)


def _url(name, *args):
    return reverse(f"manage_schedule:{name}", args=args)


def test_the_manage_page_links_the_editors(manager):
    html = manager.get(reverse("core:manage")).content.decode()
    for name in ("services", "rooms", "practitioners", "time_off"):
        assert _url(name) in html


@pytest.mark.parametrize("name,args", [("services", ()), ("rooms", ()), ("practitioners", ()), ("time_off", ()),
                                       ("service_new", ()), ("time_off_new", ())])
def test_only_the_manager_may_open_them(client, login, front_desk_user, clinic, name, args):
    assert client.get(_url(name, *args)).status_code == 302  # to the login page
    assert login(front_desk_user).get(_url(name, *args)).status_code == 403


def _service_post(**overrides) -> dict:
    data = {"name": "Body acupuncture", "slug": "body", "description": "", "duration_minutes": "45",
            "buffer_after_minutes": "10", "price": "70.00", "is_active": "on", "bookable_online": "on",
            "new_clients_allowed": "on", "requires_intake": "on", "screening_codes": "blood_pressure, acute_illness",
            "aftercare_note": "Drink water."}
    return data | overrides


def test_a_service_is_created_with_its_screening_codes(manager, clinic):
    response = manager.post(_url("service_new"), _service_post())
    assert response.status_code == 302
    service = Service.objects.get(slug="body")
    assert service.screening_codes == ["blood_pressure", "acute_illness"] and service.duration_minutes == 45
    assert "blood_pressure, acute_illness" in manager.get(_url("services")).content.decode()


@pytest.mark.parametrize("typed,message", [
    ({"slug": "facial", "screening_codes": "Blood Pressure!"}, "is not a flag code"),
    # A session and its clean-up hold the diary for at most 12 hours (booking.models.MAX_HOLD).
    ({"duration_minutes": "700", "buffer_after_minutes": "30"}, "A session and its clean-up last at most 12 hours."),
])
def test_a_bad_service_is_refused_with_the_typed_values_kept(manager, clinic, typed, message):
    response = manager.post(_url("service_new"), _service_post(name="Typed name", **typed))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html and 'value="Typed name"' in html
    assert not Service.objects.filter(name="Typed name").exists()


def test_a_taken_slug_is_a_message_from_the_service_not_an_error_page(clinic):
    with pytest.raises(schedule.ScheduleError) as refused:
        schedule.service_save(service=Service(name="Again", slug="facial", duration_minutes=30, price=10))
    assert refused.value.field == "slug"


def test_a_service_is_edited(manager, clinic):
    service = clinic[1]
    manager.post(_url("service_edit", service.pk), _service_post(name="Facial acupuncture", slug="facial",
                                                                  duration_minutes="75"))
    service.refresh_from_db()
    assert service.duration_minutes == 75


def test_rooms_are_added_and_a_duplicate_name_is_refused(manager, clinic):
    location = clinic[0]
    RoomFactory(location=location, name="Jade room")
    response = manager.post(_url("rooms"), {"location": location.pk, "name": "Lotus room", "is_active": "on"})
    assert response.status_code == 302 and Room.objects.filter(location=location, name="Lotus room").exists()

    response = manager.post(_url("rooms"), {"location": location.pk, "name": "Jade room", "is_active": "on"})
    assert response.status_code == 200
    assert Room.objects.filter(location=location, name="Jade room").count() == 1


def _hours_post(location, weekday, start, end, **extra) -> dict:
    return {"action": "hours", "hours-location": location.pk, "hours-weekday": weekday, "hours-start": start,
            "hours-end": end} | extra


def test_a_shift_is_added_to_the_week(manager, clinic):
    location, _, ana = clinic
    response = manager.post(_url("practitioner", ana.pk), _hours_post(location, 5, "10:00", "14:00"))
    assert response.status_code == 302
    assert WorkingHours.objects.filter(practitioner=ana, weekday=5, start=time(10), end=time(14)).exists()


def test_an_overlapping_shift_or_one_ending_before_it_starts_is_refused(manager, clinic):
    location, _, ana = clinic
    overlap = manager.post(_url("practitioner", ana.pk), _hours_post(location, 0, "16:00", "19:00"))
    assert overlap.status_code == 200
    assert "This overlaps the shift 09:00–17:00 on Monday" in overlap.content.decode()
    backwards = manager.post(_url("practitioner", ana.pk), _hours_post(location, 5, "14:00", "10:00"))
    assert "The end of the shift must be after its start." in backwards.content.decode()
    assert 'value="14:00"' in backwards.content.decode()  # what was typed is kept
    assert WorkingHours.objects.filter(practitioner=ana).count() == 5


def test_shortening_hours_keeps_booked_sessions_and_names_them(manager, clinic):
    location, service, ana = clinic
    # Thursday 3 December at 15:00, booked; the manager shortens Thursday to 09:00-13:00.
    session = AppointmentFactory(practitioner=ana, service=service, location=location,
                                 starts_at=local_at(location, 2026, 12, 3, 15))
    thursday = WorkingHours.objects.get(practitioner=ana, weekday=3)

    response = manager.post(_url("practitioner", ana.pk), _hours_post(location, 3, "09:00", "13:00",
                                                                      hours_id=thursday.pk), follow=True)

    thursday.refresh_from_db()
    assert thursday.end == time(13)
    assert Appointment.objects.get(pk=session.pk).status == session.status  # nothing cancelled or deleted
    html = response.content.decode()
    assert "1 booked session of" in html and "now fall outside these hours" in html
    assert 'data-testid="outside-hours"' in html and "Thu 3 Dec 2026, 15:00" in html


def test_removing_a_shift_warns_about_its_booked_sessions(manager, clinic):
    location, service, ana = clinic
    AppointmentFactory(practitioner=ana, service=service, location=location,
                       starts_at=local_at(location, 2026, 12, 3, 10))
    thursday = WorkingHours.objects.get(practitioner=ana, weekday=3)
    response = manager.post(_url("practitioner_remove", ana.pk, thursday.pk), {"kind": "hours"}, follow=True)
    assert not WorkingHours.objects.filter(pk=thursday.pk).exists()
    assert "now fall outside these hours" in response.content.decode()
    assert Appointment.objects.filter(practitioner=ana).count() == 1


def test_breaks_are_added_and_may_not_overlap(manager, clinic):
    _, _, ana = clinic
    data = {"action": "break", "break-weekday": 1, "break-start": "13:00", "break-end": "14:00"}
    assert manager.post(_url("practitioner", ana.pk), data).status_code == 302
    again = manager.post(_url("practitioner", ana.pk), data | {"break-start": "13:30", "break-end": "14:30"})
    assert "This overlaps the break 13:00–14:00 on Tuesday" in again.content.decode()
    assert Break.objects.filter(practitioner=ana).count() == 1


def _time_off_post(**overrides) -> dict:
    return {"practitioner": "", "location": "", "starts_at": "2026-12-24T00:00", "ends_at": "2026-12-27T00:00",
            "reason": "Christmas"} | overrides


def test_a_clinic_closure_is_saved_in_the_clinic_zone(manager, clinic):
    response = manager.post(_url("time_off_new"), _time_off_post())
    assert response.status_code == 302
    closure = TimeOff.objects.get()
    assert closure.practitioner is None and closure.location is None
    assert closure.starts_at == datetime(2026, 12, 24, 0, 0, tzinfo=UTC)  # London is on UTC in winter
    assert "Whole clinic closed" in manager.get(_url("time_off")).content.decode()


def test_time_off_over_booked_sessions_keeps_them_and_says_so(manager, clinic):
    location, service, ana = clinic
    AppointmentFactory(practitioner=ana, service=service, location=location,
                       starts_at=local_at(location, 2026, 12, 3, 10))
    response = manager.post(_url("time_off_new"), _time_off_post(
        practitioner=ana.pk, starts_at="2026-12-03T00:00", ends_at="2026-12-04T00:00"), follow=True)
    assert "1 booked session fall inside this time off" in response.content.decode()
    assert Appointment.objects.filter(practitioner=ana).count() == 1


def test_time_off_in_the_past_is_saved_with_a_warning(manager, clinic):
    response = manager.post(_url("time_off_new"), _time_off_post(
        practitioner=clinic[2].pk, starts_at="2026-11-02T09:00", ends_at="2026-11-03T09:00"), follow=True)
    assert "entirely in the past" in response.content.decode()


def test_time_off_ending_before_it_starts_is_refused_and_the_dates_kept(manager, clinic):
    response = manager.post(_url("time_off_new"), _time_off_post(starts_at="2026-12-27T00:00",
                                                                 ends_at="2026-12-24T00:00"))
    html = response.content.decode()
    assert response.status_code == 200 and "The time off must end after it starts." in html
    assert 'value="2026-12-27T00:00"' in html and not TimeOff.objects.exists()
    with pytest.raises(schedule.ScheduleError):  # the service refuses it too, whatever the caller
        schedule.time_off_save(time_off=TimeOff(starts_at=NOW, ends_at=NOW))


def _jpeg(size=(800, 600)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 90)).save(out, "JPEG")
    return SimpleUploadedFile("ana at home.jpg", out.getvalue(), content_type="image/jpeg")


def test_a_profile_photo_and_bio_are_shown_on_the_booking_page(manager, client, clinic):
    location, service, ana = clinic
    response = manager.post(_url("practitioner", ana.pk), {
        "action": "profile", "profile-title": "Senior acupuncturist",
        "profile-bio": "Ana works gently with fine lines.", "profile-photo": _jpeg()})
    assert response.status_code == 302
    ana.refresh_from_db()
    assert ana.bio == "Ana works gently with fine lines." and ana.title == "Senior acupuncturist"
    assert ana.photo.name.startswith("practitioners/") and "ana" not in ana.photo.name  # a random name
    with Image.open(ana.photo.open()) as stored:
        assert max(stored.size) <= schedule.PHOTO_SIZE

    client.logout()
    page = client.get(reverse("booking:practitioners", args=[service.slug]), {"location": location.pk})
    html = page.content.decode()
    assert "Ana works gently with fine lines." in html
    photo_url = reverse("booking:practitioner_photo", args=[ana.pk])
    assert photo_url in html
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_a_file_that_is_not_an_image_is_refused(manager, clinic):
    ana = clinic[2]
    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    response = manager.post(_url("practitioner", ana.pk), {
        "action": "profile", "profile-title": "Acupuncturist", "profile-bio": "Kept bio", "profile-photo": fake})
    html = response.content.decode()
    assert response.status_code == 200 and "Upload a valid image" in html and "Kept bio" in html
    ana.refresh_from_db()
    assert not ana.photo


def test_the_demo_practitioners_have_distinct_bios():
    from booking.demo import BIOS

    assert len(set(BIOS.values())) == len(BIOS) == 3
