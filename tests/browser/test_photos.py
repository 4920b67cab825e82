"""A practitioner takes a front photo at two sessions (a fixed test image each, made by Pillow) and compares them:
side by side, then with the slider, moved by keyboard."""

from __future__ import annotations

import io
from datetime import timedelta

from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from booking.models import AppointmentStatus
from charting import photos
from charting.models import Photo
from clinic.audit.models import AuditEvent
from tests.factories import PASSWORD, AppointmentFactory, ClientFactory, PractitionerFactory


def _face(redness: int) -> bytes:
    """A drawn face, the same framing each time; ``redness`` tints the cheeks (the "before" has more)."""
    image = Image.new("RGB", (600, 800), (236, 232, 226))
    draw = ImageDraw.Draw(image)
    draw.ellipse((130, 120, 470, 640), fill=(231, 196, 170))
    for x in (215, 385):
        draw.ellipse((x - 30, 330, x + 30, 360), fill=(255, 255, 255))
        draw.ellipse((x - 10, 335, x + 10, 355), fill=(70, 50, 40))
    for x in (210, 390):
        draw.ellipse((x - 55, 420, x + 55, 500), fill=(231, 196 - redness, 170 - redness))
    draw.arc((240, 500, 360, 570), 20, 160, fill=(150, 80, 80), width=6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _take(page, appointment_id: int, name: str, data: bytes) -> None:
    page.goto(f"/chart/appointments/{appointment_id}/photos/")
    card = page.get_by_test_id("pose-front")
    card.get_by_label("Take or choose a photo").set_input_files(
        files=[{"name": name, "mimeType": "image/jpeg", "buffer": data}])
    card.get_by_role("button", name="Save front photo").click()
    expect(page.get_by_role("alert").filter(has_text="Front photo saved.")).to_be_visible()
    expect(page.get_by_test_id("pose-front").get_by_test_id("session-photo")).to_be_visible()


def test_the_practitioner_takes_photos_at_two_sessions_and_compares_them(page, live_server, log_in, screenshot):
    practitioner = PractitionerFactory(user__first_name="Ana", user__email="ana@example.com")
    emma = ClientFactory(first_name="Emma", last_name="Wilson")
    now = timezone.now()
    first = AppointmentFactory(client=emma, practitioner=practitioner, starts_at=now - timedelta(days=56),
                               status=AppointmentStatus.COMPLETED)
    today = AppointmentFactory(client=emma, practitioner=practitioner, starts_at=now - timedelta(minutes=10),
                               status=AppointmentStatus.IN_TREATMENT)
    photos.photo_consent_give(client=emma, typed_name="Emma Wilson", ip_address=None)

    log_in(page, "ana@example.com", PASSWORD)
    _take(page, first.pk, "before.jpg", _face(redness=60))
    _take(page, today.pk, "after.jpg", _face(redness=10))
    assert Photo.objects.filter(client=emma).count() == 2

    page.get_by_test_id("compare-link").click()
    expect(page.get_by_role("heading", name="Compare photos: Emma Wilson")).to_be_visible()
    a, b = page.get_by_test_id("photo-a"), page.get_by_test_id("photo-b")
    expect(a).to_be_visible()
    expect(b).to_be_visible()
    # Both files really load, through the permission-checked view.
    page.wait_for_function("() => [...document.querySelectorAll('.compare-stage img')]"
                           ".every(img => img.complete && img.naturalWidth === 600)")

    page.get_by_test_id("mode-slider").click()
    slider = page.get_by_test_id("compare-slider")
    expect(slider).to_be_visible()
    slider.focus()
    page.keyboard.press("Home")
    expect(slider).to_have_value("0")
    for _ in range(40):
        page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("40")
    top = page.locator(".compare-stage figure + figure")
    assert "40%" in top.evaluate("el => el.style.clipPath")
    screenshot(page, "photo-comparison")

    # Two uploads' pages showed the new photo (thumbnails) and the comparison loaded both files: all audited.
    assert AuditEvent.objects.filter(action="photo.view", subject=emma).count() >= 4
