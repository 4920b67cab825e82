"""The manager's main journey in a real browser: policies, a new colleague, the schedule editor."""

import re

from django.core import mail
from playwright.sync_api import expect

from clinic.accounts.models import User
from clinic.core.models import ClinicSettings
from tests.factories import PASSWORD, ServiceFactory, UserFactory


def test_a_manager_sets_policies_adds_a_colleague_and_edits_a_service(page, log_in, screenshot):
    manager = UserFactory(role="manager", email="mei@example.com", first_name="Mei")
    from clinic.accounts.roles import grant_manager_rights

    grant_manager_rights(manager)
    service = ServiceFactory(name="Maintenance session", price="80.00")
    log_in(page, "mei@example.com", PASSWORD)
    expect(page.get_by_role("heading", name="Manage the clinic")).to_be_visible()
    screenshot(page, "manager-home")

    page.get_by_role("link", name="Edit settings and policies").click()
    page.get_by_label("Cancellation window (hours)").fill("48")
    page.get_by_label("Time zone").fill("Mars/Olympus")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("not a known IANA time zone")).to_be_visible()
    expect(page.get_by_label("Cancellation window (hours)")).to_have_value("48")  # what was typed is kept
    page.get_by_label("Time zone").fill("Europe/Dublin")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Clinic settings saved.")).to_be_visible()
    clinic = ClinicSettings.load()
    assert (clinic.cancellation_window_hours, clinic.time_zone) == (48, "Europe/Dublin")

    page.goto("/accounts/staff/")
    page.get_by_role("link", name="Add a staff member").click()
    page.get_by_label("First name").fill("Rosa")
    page.get_by_label("Last name").fill("Diaz")
    page.get_by_label("Email address").fill("rosa@example.com")
    page.get_by_label("Role").select_option("front_desk")
    page.get_by_role("button", name="Create staff account").click()
    expect(page.get_by_text("Rosa Diaz can now set a password")).to_be_visible()
    assert User.objects.get(email="rosa@example.com").role == "front_desk"
    assert any(m.to == ["rosa@example.com"] and "/accounts/password/reset/" in m.body for m in mail.outbox)

    page.goto("/manage/")
    page.get_by_role("link", name=re.compile("^Services$")).first.click()  # the clinic's own editor, not the admin
    page.get_by_role("link", name="Maintenance session").click()
    page.get_by_label("Price").fill("75.00")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("“Maintenance session” saved.")).to_be_visible()
    service.refresh_from_db()
    assert str(service.price) == "75.00"


def test_a_manager_edits_a_practitioners_week_and_profile_without_the_admin(page, log_in, screenshot):
    from datetime import time

    from booking.models import WorkingHours
    from tests.factories import LocationFactory, PractitionerFactory

    UserFactory(role="manager", email="mei@example.com", first_name="Mei")
    location = LocationFactory(name="Islington clinic")
    ana = PractitionerFactory(user__first_name="Ana", user__last_name="Torres", location=location,
                              hours={0: [(time(9), time(17))]})
    log_in(page, "mei@example.com", PASSWORD)

    page.goto("/manage/")
    page.get_by_role("link", name="Hours and profiles").click()
    page.get_by_role("link", name=re.compile("Ana Torres")).click()
    form = page.get_by_test_id("hours-form")
    form.get_by_label("Weekday").select_option(label="Monday")
    form.get_by_label("From").fill("16:00")
    form.get_by_label("Until").fill("19:00")
    form.get_by_role("button", name="Add shift").click()
    expect(page.get_by_text("This overlaps the shift 09:00–17:00 on Monday")).to_be_visible()
    expect(page.get_by_test_id("hours-form").get_by_label("Until")).to_have_value("19:00")  # typed values kept
    page.get_by_test_id("hours-form").get_by_label("From").fill("17:30")
    page.get_by_test_id("hours-form").get_by_role("button", name="Add shift").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    assert WorkingHours.objects.filter(practitioner=ana, weekday=0, start=time(17, 30), end=time(19)).exists()

    page.get_by_test_id("profile-form").get_by_label("Bio").fill("Ana works gently with fine lines.")
    page.get_by_test_id("profile-form").get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    ana.refresh_from_db()
    assert ana.bio == "Ana works gently with fine lines."
    screenshot(page, "manager-practitioner-week")
