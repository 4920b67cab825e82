"""A new visitor, on a phone, books a session, finds it in My appointments, moves it and cancels it."""

from __future__ import annotations

from datetime import time

import pytest
from playwright.sync_api import expect

from booking.models import Appointment, AppointmentStatus
from tests.factories import LocationFactory, PractitionerFactory, ServiceFactory

EVERY_DAY = {d: [(time(9), time(17))] for d in range(7)}  # so the current week always has free times


@pytest.fixture
def schedule():
    location = LocationFactory(name="Islington clinic", time_zone="Europe/London")
    service = ServiceFactory(name="Initial facial acupuncture consultation", slug="initial",
                             duration_minutes=90, buffer_after_minutes=15)
    practitioner = PractitionerFactory(location=location, services=[service], hours=EVERY_DAY,
                                       user__first_name="Ana", user__last_name="Torres")
    return location, service, practitioner


def _week_ahead(page, weeks: int) -> None:
    """Move ``weeks`` weeks on, so the chosen time is well outside the 24 h change window whatever today is."""
    for _ in range(weeks):
        title = page.get_by_test_id("week-title").inner_text()
        page.get_by_test_id("next-week").click()
        expect(page.get_by_test_id("week-title")).not_to_have_text(title)
    expect(page.get_by_test_id("slot").first).to_be_visible()


def test_a_new_visitor_books_moves_and_cancels(phone_page, live_server, schedule, screenshot):
    page = phone_page
    page.goto("/book/")
    screenshot(page, "client-booking-services")
    page.get_by_role("link", name="Choose this").first.click()
    expect(page.get_by_role("heading", name="Who would you like to see?")).to_be_visible()
    screenshot(page, "client-booking-practitioners")
    page.get_by_test_id("practitioner").filter(has_text="Ana Torres").click()

    expect(page.get_by_test_id("week")).to_be_visible()
    _week_ahead(page, 1)
    screenshot(page, "client-booking-week")
    page.get_by_test_id("slot").last.click()

    expect(page.get_by_role("heading", name="Review your booking")).to_be_visible()
    when = page.get_by_test_id("when").inner_text().split("\n")[0]
    screenshot(page, "client-booking-review-anonymous")
    page.get_by_test_id("signup-to-book").click()

    page.locator("input[name=first_name]").fill("Nina")
    page.locator("input[name=last_name]").fill("Newcomer")
    page.locator("input[name=email]").fill("nina@example.com")
    page.locator("input[name=phone]").fill("07700 900321")
    page.locator("input[name=date_of_birth]").fill("1990-04-02")
    page.locator("input[name=password1]").fill("lotus-blossom-2026!")
    page.locator("input[name=password2]").fill("lotus-blossom-2026!")
    page.get_by_role("button", name="Create my account").click()

    # Nobody is signed in by the sign-up itself (a taken address gets the same answer); logging in from the
    # "check your email" page comes back to the slot, still held for her.
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("Email").fill("nina@example.com")
    page.get_by_label("Password").fill("lotus-blossom-2026!")
    page.get_by_role("button", name="Log in").click()

    # Back on the same slot, now signed in.
    expect(page.get_by_role("heading", name="Review your booking")).to_be_visible()
    expect(page.get_by_test_id("when")).to_contain_text(when)
    screenshot(page, "client-booking-review")
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("heading", name="Your time is held")).to_be_visible()  # email not confirmed yet
    expect(page.get_by_test_id("intake-prompt")).to_be_visible()
    expect(page.get_by_test_id("ics-link")).to_be_visible()
    screenshot(page, "client-booking-confirmation")
    appointment = Appointment.objects.get(client__email="nina@example.com")
    assert appointment.status == AppointmentStatus.PENDING

    page.goto("/book/my/")
    expect(page.get_by_test_id("upcoming").get_by_test_id("appointment")).to_have_count(1)
    expect(page.get_by_test_id("status")).to_have_text("Awaiting confirmation")
    expect(page.get_by_test_id("resend-link")).to_be_visible()
    screenshot(page, "client-booking-my-appointments")

    page.get_by_test_id("reschedule").click()
    expect(page.get_by_role("heading", name="Choose a new time")).to_be_visible()
    _week_ahead(page, 2)
    screenshot(page, "client-booking-reschedule")
    page.get_by_test_id("slot").first.click()
    new_time = page.get_by_test_id("new-time").inner_text()
    page.get_by_role("button", name="Move my session").click()
    expect(page.get_by_test_id("when")).to_contain_text(new_time.split("–")[0])
    moved = Appointment.objects.get(pk=appointment.pk)
    assert moved.starts_at != appointment.starts_at and moved.status == AppointmentStatus.PENDING

    page.goto("/book/my/")
    page.get_by_test_id("cancel").click()
    expect(page.get_by_role("heading", name="Cancel this session?")).to_be_visible()
    screenshot(page, "client-booking-cancel")
    page.get_by_label("Reason (optional)").fill("Work trip")
    page.get_by_test_id("confirm-cancel").click()
    expect(page.get_by_text("is cancelled")).to_be_visible()
    expect(page.get_by_test_id("upcoming")).to_contain_text("No upcoming sessions")
    expect(page.get_by_test_id("past")).to_contain_text("Cancelled")
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CANCELLED
