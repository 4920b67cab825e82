"""The photo consent: separate from the intake consent and optional, given and withdrawn by the client in her
account, audited. Without it no photo is taken; withdrawing it hides her photos at once and deletes them."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse

from charting import photos
from charting.models import Photo, PhotoConsent
from clinic.accounts import rights
from clinic.audit.models import AuditEvent
from clinic.core.models import ClinicSettings
from tests.charting.photos_support import (  # noqa: F401 (fixtures)
    NOW,
    clinic_fixture,
    frozen_fixture,
    image_bytes,
    photo_dir_fixture,
    stored_files,
    take,
    upload,
)
from tests.factories import AppointmentFactory, ClientFactory, PractitionerFactory


def test_without_consent_no_photo_can_be_taken(frozen, photo_dir, login):
    ana = PractitionerFactory()
    session = AppointmentFactory(practitioner=ana, starts_at=NOW)
    with pytest.raises(photos.PhotoError, match="has not given consent to photographs"):
        take(session, ana.user)

    page = login(ana.user).get(reverse("charting:session_photos", args=[session.pk]))
    assert 'data-testid="no-photo-consent"' in page.content.decode() and 'type="file"' not in page.content.decode()
    response = login(ana.user).post(reverse("charting:session_photos", args=[session.pk]),
                                    {"pose": "front", "image": upload(image_bytes())})
    assert response.status_code == 400 and Photo.objects.count() == 0 and stored_files(photo_dir) == []


def test_the_client_gives_consent_signing_with_her_name(frozen, login):
    chloe = ClientFactory(first_name="Chloe", last_name="Martin")
    client = login(chloe)
    page = client.get(reverse("intake:my_intake"))
    assert reverse("charting:my_photo_consent") in page.content.decode()

    wrong = client.post(reverse("charting:my_photo_consent"), {"full_name": "Someone Else", "agree": "on"})
    assert wrong.status_code == 400 and "must match the name on your account" in wrong.content.decode()
    assert 'value="Someone Else"' in wrong.content.decode() and not PhotoConsent.objects.exists()

    response = client.post(reverse("charting:my_photo_consent"), {"full_name": "chloe  martin", "agree": "on"},
                           REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 302
    consent = PhotoConsent.objects.get(client=chloe)
    assert consent.typed_name == "chloe martin" and consent.ip_address == "203.0.113.7"
    assert consent.text_version == 1 and consent.withdrawn_at is None
    assert AuditEvent.objects.filter(action="photo_consent.give", subject=chloe).count() == 1
    assert 'data-testid="photo-consent-given"' in client.get(response["Location"]).content.decode()


def test_giving_it_twice_is_a_plain_message(clinic):
    with pytest.raises(photos.PhotoError, match="already given"):
        photos.photo_consent_give(client=clinic["chloe"], typed_name="Chloe Martin", ip_address=None)
    assert PhotoConsent.objects.filter(client=clinic["chloe"]).count() == 1


def test_only_a_client_gives_photo_consent(clinic):
    with pytest.raises(photos.PhotoError, match="Only a client"):
        photos.photo_consent_give(client=clinic["ana"], typed_name="Ana", ip_address=None)


def test_withdrawing_hides_her_photos_at_once_and_deletes_them(clinic, login, django_capture_on_commit_callbacks):
    front = take(clinic["session"], clinic["ana"], pose="front")
    take(clinic["earlier"], clinic["ana"], pose="front")
    ClinicSettings.objects.filter(pk=1).update(clients_see_photos=True)
    client = login(clinic["chloe"])
    explained = client.get(reverse("charting:my_photo_consent_withdraw"))
    assert "2 photos the clinic holds of you are hidden" in explained.content.decode()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("charting:my_photo_consent_withdraw"), {"confirm": "on"})
    # Before the deletion runs, nobody can see them any more.
    assert response.status_code == 302
    assert not Photo.objects.filter(hidden_at=None).exists()
    assert login(clinic["ana"]).get(reverse("charting:photo_file", args=[front.pk])).status_code == 404
    for callback in callbacks:
        callback()

    assert Photo.objects.count() == 0 and stored_files(clinic["dir"]) == []
    consent = PhotoConsent.objects.get(pk=clinic["consent"].pk)
    assert consent.withdrawn_at is not None  # the record that she gave and withdrew it stays
    assert AuditEvent.objects.filter(action="photo_consent.withdraw", subject=clinic["chloe"]).count() == 1
    with pytest.raises(photos.PhotoError, match="has not given consent"):
        take(clinic["session"], clinic["ana"])


def test_withdrawing_needs_the_tick_and_a_second_tab_gets_a_plain_message(clinic, login):
    client = login(clinic["chloe"])
    page = client.post(reverse("charting:my_photo_consent_withdraw"), {})
    assert page.status_code == 400 and "Please tick the box" in page.content.decode()
    photos.photo_consent_withdraw(client=clinic["chloe"])
    again = client.post(reverse("charting:my_photo_consent_withdraw"), {"confirm": "on"}, follow=True)
    assert "There is no consent to photographs to withdraw" in again.content.decode()


def test_a_withdrawal_while_a_photo_is_being_prepared_keeps_no_photo(clinic):
    real_prepare = photos.image_prepare

    def withdraw_meanwhile(upload):
        prepared = real_prepare(upload)
        photos.photo_consent_withdraw(client=clinic["chloe"])  # the client, in another request, at this moment
        return prepared

    with mock.patch.object(photos, "image_prepare", withdraw_meanwhile), \
            pytest.raises(photos.PhotoError, match="has just withdrawn consent"):
        take(clinic["session"], clinic["ana"])
    assert Photo.objects.count() == 0 and stored_files(clinic["dir"]) == []


def test_consent_can_be_given_again_after_a_withdrawal(clinic):
    photos.photo_consent_withdraw(client=clinic["chloe"])
    again = photos.photo_consent_give(client=clinic["chloe"], typed_name="Chloe Martin", ip_address=None)
    assert again.pk != clinic["consent"].pk
    assert take(clinic["session"], clinic["ana"]).consent == again


# -- erasure and export ---------------------------------------------------------------------------------------

def test_photos_erase_deletes_files_and_rows_after_the_commit(clinic, django_capture_on_commit_callbacks):
    take(clinic["session"], clinic["ana"])
    take(clinic["earlier"], clinic["ana"], pose="close_up", label="chin")
    with django_capture_on_commit_callbacks(execute=True):
        assert photos.photos_erase(clinic["chloe"]) == 2
    assert Photo.objects.count() == 0 and stored_files(clinic["dir"]) == []
    assert photos.photo_consent_current(client=clinic["chloe"]) is None


def test_the_sweep_deletes_photos_left_hidden_when_the_storage_failed(clinic, django_capture_on_commit_callbacks):
    take(clinic["session"], clinic["ana"])
    with mock.patch.object(photos.PrivatePhotoStorage, "delete", side_effect=OSError("disk gone")), \
            django_capture_on_commit_callbacks(execute=True):
        photos.photo_consent_withdraw(client=clinic["chloe"])
    assert Photo.objects.filter(hidden_at__isnull=False).count() == 1  # hidden, still to delete

    assert photos.photos_purge_hidden() == 1
    assert Photo.objects.count() == 0 and stored_files(clinic["dir"]) == []


def test_photos_export_lists_what_and_when_without_the_images(clinic):
    take(clinic["session"], clinic["ana"], pose="close_up", label="forehead lines")
    exported = photos.photos_export(clinic["chloe"])
    assert exported == [{"session": clinic["session"].starts_at.isoformat(), "pose": "Close-up: forehead lines",
                         "taken": NOW.isoformat(),
                         "width": 600, "height": 800}]


def test_the_clients_erasure_deletes_her_photos_at_once(clinic, manager_user, django_capture_on_commit_callbacks):
    take(clinic["session"], clinic["ana"])
    erasure = rights.erasure_request_create(client=clinic["chloe"])
    with django_capture_on_commit_callbacks(execute=True):
        rights.erasure_request_decide(erasure=erasure, actor=manager_user, confirm=True)

    assert Photo.objects.count() == 0 and stored_files(clinic["dir"]) == []
    assert PhotoConsent.objects.get(client=clinic["chloe"]).withdrawn_at is not None  # kept until the purge

    assert rights.clients_purge_due(now=NOW + timedelta(days=366 * 9)) == 1  # past the 8 years of retention
    assert not PhotoConsent.objects.filter(client=clinic["chloe"]).exists()


def test_her_copy_of_her_data_lists_her_photos_and_consents(clinic):
    take(clinic["session"], clinic["ana"], pose="left")
    data = rights.client_data_export(client=clinic["chloe"])
    assert [p["pose"] for p in data["photos"]] == ["Left three-quarter"]
    assert data["photo_consents"][0]["typed_name"] == "Chloe Martin"
