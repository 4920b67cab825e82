"""Issue 2's promise, in a real browser: the home page, sign-up, and each demo login's landing page."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from clinic.core.demo import DEMO_PASSWORD

LANDINGS = [
    ("client@demo.clinic", "/book/my/", "My appointments"),
    ("ana@demo.clinic", "/intake/day/", "Today"),
    ("desk@demo.clinic", "/desk/", re.compile(r"\w+day \d{1,2} \w+ \d{4}")),  # the calendar's day
    ("manager@demo.clinic", "/manage/", "Manage the clinic"),
]


@pytest.fixture
def demo_clinic(transactional_db):
    call_command("seed_demo", stdout=io.StringIO())


def test_a_visitor_reads_about_facial_acupuncture_and_finds_booking(page, demo_clinic, screenshot):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Facial acupuncture")
    expect(page.get_by_text("Fewer fine lines and wrinkles")).to_be_visible()
    screenshot(page, "home")
    page.get_by_test_id("book-cta").click()
    expect(page).to_have_url(re.compile(r"/book/"))
    expect(page.get_by_text("Initial facial acupuncture consultation").first).to_be_visible()


@pytest.mark.parametrize(("email", "path", "heading"), LANDINGS, ids=[e.split("@")[0] for e, _, _ in LANDINGS])
def test_each_demo_login_lands_on_its_roles_page(page, demo_clinic, log_in, screenshot, email, path, heading):
    log_in(page, email, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(path) + r"(\?.*)?$"))
    expect(page.get_by_role("heading", level=1).first).to_contain_text(heading)
    screenshot(page, f"landing-{email.split('@')[0]}")


def test_a_visitor_signs_up_from_the_home_page(page, demo_clinic, settings):
    settings.EMAIL_BACKEND = "clinic.core.mail.OutboxEmailBackend"  # as in make run (pytest-django swaps in locmem)
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("First name").fill("Nadia")
    page.get_by_label("Last name").fill("Khan")
    page.get_by_label("Email").fill("nadia@example.com")
    page.get_by_label("Phone").fill("07700 900777")
    page.get_by_label("Date of birth").fill("1988-02-14")
    page.locator("#id_password1").fill("plum-blossom-2026")
    page.locator("#id_password2").fill("plum-blossom-2026")
    page.get_by_role("button", name="Create my account").click()
    # The same answer as for an address that has an account: nobody is signed in until she logs in.
    expect(page.get_by_role("heading", level=1).first).to_contain_text("Check your email")
    expect(page.get_by_text("open My emails")).to_be_visible()
    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("Email").fill("nadia@example.com")
    page.get_by_label("Password").fill("plum-blossom-2026")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1).first).to_contain_text("My appointments")
    # No mail server in the embedded default: she reads her own email in the app and confirms her address.
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("my-emails").click()
    page.get_by_role("link", name="Please confirm your email address").click()
    # The link names SITE_URL; the test server listens elsewhere, so follow its path.
    path = re.search(r"https?://[^/\s]+(/accounts/verify/\S+)", page.locator("pre").first.inner_text()).group(1)
    page.goto(path)
    expect(page.get_by_text("your email address is confirmed")).to_be_visible()
