"""A practitioner marks the session's point map by tapping the face, by keyboard and from the searchable list, and
sees the total change as she goes; the map starts from the last session's and is saved as marked."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from booking.models import AppointmentStatus
from charting import services
from charting.models import PointMap
from tests.factories import PASSWORD, AppointmentFactory, ClientFactory, PractitionerFactory


def test_the_practitioner_marks_points_by_tap_and_by_keyboard(page, live_server, log_in, screenshot):
    practitioner = PractitionerFactory(user__first_name="Ana", user__email="ana@example.com")
    chloe = ClientFactory(first_name="Chloe", last_name="Martin")
    last_week = AppointmentFactory(client=chloe, practitioner=practitioner, status=AppointmentStatus.COMPLETED,
                                   starts_at=timezone.now() - timedelta(days=7))
    services.point_map_save(appointment=last_week, practitioner=practitioner.user,
                            points=[{"code": "ST3", "side": side} for side in ("L", "R")]
                            + [{"code": "LI20", "side": side} for side in ("L", "R")],
                            local_needles=[{"region": "forehead", "count": 3}], retention_minutes=25)
    today = AppointmentFactory(client=chloe, practitioner=practitioner, status=AppointmentStatus.IN_TREATMENT,
                               starts_at=timezone.now() - timedelta(minutes=20))

    log_in(page, "ana@example.com", PASSWORD)
    page.goto(f"/chart/appointments/{today.pk}/map/")
    expect(page.get_by_test_id("map-start")).to_contain_text("Started from session 1: adjust.")
    total = page.get_by_test_id("map-total")
    expect(total).to_have_text("7")

    # A tap on a point marks it, in every view it shows in, and ticks it in the list.
    front = page.locator("svg[data-view=front]")
    front.locator('.map-spot[data-point="ST6:L"]').click()
    expect(total).to_have_text("8")
    expect(front.locator('.map-spot[data-point="ST6:L"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator('svg[data-view=left] .map-spot[data-point="ST6:L"]')).to_have_class("map-spot on")
    expect(page.locator('input[name=point][value="ST6:L"]')).to_be_checked()

    # By keyboard: a marker is a toggle button (Space), and the searchable list is the same data.
    gb14 = front.locator('.map-spot[data-point="GB14:R"]')
    gb14.focus()
    page.keyboard.press("Space")
    expect(gb14).to_have_attribute("aria-pressed", "true")
    expect(total).to_have_text("9")
    page.get_by_label("Find a point (code or name)").fill("yintang")
    expect(page.locator(".map-row:not([hidden])")).to_have_count(1)
    page.keyboard.press("Enter")  # to the first point found, not a submit
    page.keyboard.press("Space")
    expect(front.locator('.map-spot[data-point="Yintang"]')).to_have_attribute("aria-pressed", "true")
    expect(total).to_have_text("10")

    # A tap on the forehead (away from the points) places a local needle; lines take a count from the keyboard.
    box = front.bounding_box()
    front.click(position={"x": box["width"] * 100 / 200, "y": box["height"] * 73 / 260})
    expect(front.locator(".map-needle")).to_have_count(1)
    expect(total).to_have_text("11")
    page.get_by_label("Line or wrinkle").select_option(label="Marionette line, left")
    page.get_by_label("Needles", exact=True).fill("2")
    page.get_by_role("button", name="Add needles").click()
    expect(total).to_have_text("13")
    page.get_by_label("Retained (minutes)").fill("30")
    screenshot(page, "point-map")

    page.get_by_role("button", name="Save map").first.click()
    expect(page.get_by_text("Point map saved: 13 needles.")).to_be_visible()
    saved = PointMap.objects.get(appointment=today)
    assert {"code": "ST6", "side": "L"} in saved.points and {"code": "Yintang", "side": ""} in saved.points
    assert {"region": "marionette_l", "count": 2} in saved.local_needles
    assert (saved.needle_count, saved.retention_minutes) == (13, 30)
