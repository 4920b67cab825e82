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
    page.get_by_role("link", name="Open the editor").click()
    page.get_by_role("link", name=re.compile("^Services$")).first.click()
    page.get_by_role("link", name="Maintenance session").click()
    page.get_by_label("Price").fill("75.00")
    page.get_by_role("button", name="Save", exact=True).click()
    service.refresh_from_db()
    assert str(service.price) == "75.00"
