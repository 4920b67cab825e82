"""Shared pieces of the photo tests (import the ``*_fixture`` functions to use the fixtures ``frozen``,
``photo_dir`` and ``clinic``): a private storage per test, a frozen clock, images made by Pillow (never
fixture files), and a clinic where Ana treats Chloe, who consented to photographs."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from booking.models import AppointmentStatus
from charting import photos
from tests.factories import AppointmentFactory, ClientFactory, PractitionerFactory

NOW = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)  # a Monday: nothing here may depend on the day or hour


@pytest.fixture(name="frozen")
def frozen_fixture():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(name="photo_dir")
def photo_dir_fixture(settings, tmp_path):
    """Photos of this test go to its own folder (never var/), through the storage the app names."""
    location = tmp_path / "private-media"
    settings.STORAGES = {**settings.STORAGES, "photos": {
        "BACKEND": "charting.photos.PrivatePhotoStorage", "OPTIONS": {"location": str(location)}}}
    return location


def stored_files(location) -> list[str]:
    return sorted(str(p.relative_to(location)) for p in location.rglob("*") if p.is_file())


def image_bytes(fmt: str = "JPEG", size=(600, 800), colour=(200, 150, 120), **save_args) -> bytes:
    image = Image.new("RGB", size, colour)
    image.paste((40, 60, 200), (0, 0, size[0] // 2, size[1] // 4))  # a marker: the top-left corner is blue
    out = io.BytesIO()
    image.save(out, fmt, **save_args)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG whose header claims a huge image over a few bytes of data: opening it would ask for gigabytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


@pytest.fixture(name="clinic")
def clinic_fixture(frozen, photo_dir):
    """Ana gives Chloe's session, which started ten minutes ago; Chloe consented to photographs."""
    ana = PractitionerFactory(user__first_name="Ana", user__email="ana@example.com")
    chloe = ClientFactory(first_name="Chloe", last_name="Martin", email="chloe@example.com")
    session = AppointmentFactory(client=chloe, practitioner=ana, starts_at=NOW - timedelta(minutes=10),
                                 status=AppointmentStatus.IN_TREATMENT)
    earlier = AppointmentFactory(client=chloe, practitioner=ana, starts_at=NOW - timedelta(days=28),
                                 status=AppointmentStatus.COMPLETED)
    consent = photos.photo_consent_give(client=chloe, typed_name="Chloe Martin", ip_address="203.0.113.9")
    return {"ana": ana.user, "chloe": chloe, "session": session, "earlier": earlier, "consent": consent,
            "dir": photo_dir}


def take(appointment, actor, pose: str = "front", label: str = "", data: bytes | None = None):
    return photos.photo_upload(appointment=appointment, actor=actor, pose=pose, label=label,
                               upload=upload(data or image_bytes()))
