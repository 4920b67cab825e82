"""Who sees a photo: the practitioners who treat the client, and the client herself only if the clinic allows it.
Every view is in the audit log; the file is never cached; another client's photo answers 404 and the front desk
403."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from booking.models import AppointmentStatus
from charting.models import Photo
from clinic.audit.models import AuditEvent
from clinic.core.models import ClinicSettings
from tests.charting.photos_support import NOW, clinic_fixture, frozen_fixture, photo_dir_fixture, take  # noqa: F401 (fixtures)
from tests.factories import AppointmentFactory, ClientFactory, PractitionerFactory, UserFactory


@pytest.fixture
def photo(clinic):
    return take(clinic["session"], clinic["ana"])


def _views(photo) -> int:
    return AuditEvent.objects.filter(action="photo.view", object_type="charting.photo", object_id=str(photo.pk)).count()


def _clients_see_photos(on: bool = True) -> None:
    ClinicSettings.objects.filter(pk=1).update(clients_see_photos=on)


@pytest.mark.parametrize("name", ["charting:photo_file", "charting:photo_thumb"])
def test_the_practitioner_sees_the_photo_privately_and_every_view_is_audited(clinic, photo, login, name):
    client = login(clinic["ana"])
    url = reverse(name, args=[photo.pk])

    first, second = client.get(url), client.get(url)

    for response in (first, second):
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert "no-store" in response["Cache-Control"]
        assert response["Content-Disposition"].startswith("inline")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"  # a JPEG
    assert _views(photo) == 2  # each view, not each photo
    event = AuditEvent.objects.filter(action="photo.view").first()
    assert event.actor == clinic["ana"] and event.subject == clinic["chloe"]


def test_a_practitioner_who_does_not_treat_her_gets_404(clinic, photo, login):
    ben = PractitionerFactory().user
    client = login(ben)
    for name, args in (("charting:photo_file", [photo.pk]), ("charting:photo_thumb", [photo.pk]),
                       ("charting:compare", [clinic["chloe"].pk]),
                       ("charting:session_photos", [clinic["session"].pk])):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    assert _views(photo) == 0


def test_a_practitioner_whose_only_session_with_her_was_cancelled_gets_404(clinic, photo, login):
    ben = PractitionerFactory()
    AppointmentFactory(client=clinic["chloe"], practitioner=ben, starts_at=NOW + timedelta(days=2),
                       status=AppointmentStatus.CANCELLED)
    assert login(ben.user).get(reverse("charting:photo_file", args=[photo.pk])).status_code == 404


@pytest.mark.parametrize("role", ["front_desk", "manager"])
def test_the_front_desk_and_the_manager_are_refused(clinic, photo, login, role):
    client = login(UserFactory(role=role))
    for name, args in (("charting:photo_file", [photo.pk]), ("charting:photo_thumb", [photo.pk]),
                       ("charting:compare", [clinic["chloe"].pk]),
                       ("charting:session_photos", [clinic["session"].pk])):
        assert client.get(reverse(name, args=args)).status_code == 403, name
    assert client.post(reverse("charting:session_photos", args=[clinic["session"].pk])).status_code == 403
    assert _views(photo) == 0


def test_clients_use_their_own_address_not_the_practitioners(clinic, photo, login):
    _clients_see_photos()
    assert login(clinic["chloe"]).get(reverse("charting:photo_file", args=[photo.pk])).status_code == 403


def test_a_client_sees_her_own_photo_only_when_the_clinic_allows_it(clinic, photo, login):
    client = login(clinic["chloe"])
    url = reverse("charting:my_photo_file", args=[photo.pk])
    assert client.get(url).status_code == 404
    assert _views(photo) == 0

    _clients_see_photos()
    response = client.get(url)

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.get(action="photo.view").actor == clinic["chloe"]


def test_another_client_gets_404_for_her_photo(clinic, photo, login):
    _clients_see_photos()
    oscar = ClientFactory(first_name="Oscar")
    client = login(oscar)
    for name in ("charting:my_photo_file", "charting:my_photo_thumb"):
        assert client.get(reverse(name, args=[photo.pk])).status_code == 404
    assert _views(photo) == 0


def test_a_hidden_photo_is_shown_to_nobody(clinic, photo, login):
    _clients_see_photos()
    Photo.objects.filter(pk=photo.pk).update(hidden_at=NOW)
    assert login(clinic["ana"]).get(reverse("charting:photo_file", args=[photo.pk])).status_code == 404
    assert login(clinic["chloe"]).get(reverse("charting:my_photo_file", args=[photo.pk])).status_code == 404
    assert _views(photo) == 0


def test_anonymous_visitors_are_sent_to_log_in(clinic, photo, client):
    response = client.get(reverse("charting:photo_file", args=[photo.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_practitioner_who_treats_her_sees_the_photos_but_takes_none(clinic, photo, login):
    ben = PractitionerFactory()
    AppointmentFactory(client=clinic["chloe"], practitioner=ben, starts_at=NOW + timedelta(days=7))
    client = login(ben.user)
    page = client.get(reverse("charting:session_photos", args=[clinic["session"].pk]))
    assert page.status_code == 200 and 'type="file"' not in page.content.decode()
    assert client.get(reverse("charting:photo_file", args=[photo.pk])).status_code == 200
