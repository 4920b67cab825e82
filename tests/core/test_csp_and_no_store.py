"""Every page carries a Content-Security-Policy that forbids inline scripts, and no page with personal data may be
cached; the templates hold no inline script or on...= handler that the policy would block."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from tests import factories

ROOT = Path(__file__).resolve().parents[2]
# A Wednesday at 10:00 London: the calendar and the practitioner's day have sessions to draw.
WEDNESDAY = datetime(2026, 3, 25, 10, 0, tzinfo=UTC)

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\s(on[a-z]+|hx-on[:\-\w]*)\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)

PAGES = {
    None: ["core:home", "accounts:login", "accounts:signup", "accounts:password_reset", "booking:start"],
    "client_user": ["booking:my_appointments", "accounts:profile", "intake:my_intake", "intake:my_progress",
                    "frontdesk:waitlist_join"],
    "practitioner_user": ["intake:practitioner_day", "intake:review_queue"],
    "front_desk_user": ["frontdesk:calendar", "frontdesk:day_sheet", "frontdesk:clients", "frontdesk:book",
                        "frontdesk:waitlist", "notifications:list", "core:outbox"],
    "manager_user": ["core:manage", "core:settings", "accounts:staff_list", "accounts:staff_create",
                     "intake:settings"],
}
WALK = [(role, name) for role, names in PAGES.items() for name in names]


def _not_cached(response) -> bool:
    # "no-store, private" from the middleware, or never_cache's longer header, which says the same.
    header = response.get("Cache-Control", "")
    return "no-store" in header and "private" in header


def _assert_no_inline_code(html: str, where: str) -> None:
    assert not INLINE_SCRIPT.findall(html), f"{where}: inline <script> (move it to a static file)"
    assert not INLINE_HANDLER.findall(html), f"{where}: inline event handler {INLINE_HANDLER.findall(html)}"
    assert not JS_URL.findall(html), f"{where}: javascript: URL"


@pytest.fixture
def clinic_day(practitioner_user, client_user):
    """A location with a session today, so the calendar and the practitioner's day render their grids."""
    practitioner = practitioner_user.practitioner
    factories.AppointmentFactory(client=client_user, practitioner=practitioner,
                                 starts_at=datetime(2026, 3, 25, 11, 0, tzinfo=UTC))


@time_machine.travel(WEDNESDAY, tick=False)
@pytest.mark.parametrize(("role", "name"), WALK, ids=[f"{r or 'anonymous'}-{n}" for r, n in WALK])
def test_each_roles_main_pages_send_the_policy_and_no_inline_code(request, client, clinic_day, role, name):
    if role:
        client.force_login(request.getfixturevalue(role), backend="clinic.accounts.backends.EmailBackend")

    response = client.get(reverse(name))

    assert response.status_code == 200, f"{name} answered {response.status_code}"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-eval" not in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    _assert_no_inline_code(response.content.decode(), name)
    assert _not_cached(response)


def test_no_template_holds_an_inline_script_or_handler():
    """Also the pages the walk above does not open (partials, error pages, emails shown in the browser)."""
    # The project's templates/ and every app's own templates/ (a new app is walked without being listed here).
    folders = [ROOT / "templates", *(path for path in ROOT.glob("*/templates") if path.parent.name != "templates"),
               *ROOT.glob("clinic/*/templates")]
    templates = [path for folder in folders if folder.is_dir() for path in folder.rglob("*.html")]
    assert len(templates) > 50
    for path in templates:
        _assert_no_inline_code(path.read_text(), str(path.relative_to(ROOT)))


def test_htmx_runs_without_eval(client):
    html = client.get(reverse("core:home")).content.decode()
    assert '"allowEval": false' in html  # hx-on and trigger filters would need eval, which the policy forbids


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/no-such-page/", "/intake/no-such-thing/"])
def test_anonymous_pages_redirects_and_404s_are_not_cached_either(client, path):
    # A sign-up form sent back with an error shows the name, phone and date of birth typed into it.
    assert _not_cached(client.get(path))


def test_a_signed_in_clients_pages_are_not_cached(login, client_user):
    response = login(client_user).get(reverse("booking:my_appointments"))
    assert response["Cache-Control"] == "no-store, private"


def test_the_health_check_keeps_its_own_never_cache_header(client, settings):
    settings.REDIS_URL = ""
    assert "no-cache" in client.get("/healthz")["Cache-Control"]


def test_static_files_keep_their_caching(client, settings):
    settings.WHITENOISE_USE_FINDERS = True  # read when the test client builds its middleware, on first request
    response = client.get(static("js/clinic.js"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "Content-Security-Policy" in response  # harmless on a script, and it is the same header everywhere


def test_the_policy_allows_only_this_sites_scripts_forms_and_frames():
    policy = dict(part.strip().split(" ", 1) for part in settings.CONTENT_SECURITY_POLICY.split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["form-action"] == "'self'" and policy["base-uri"] == "'self'"
    assert policy["style-src"] == "'self' 'unsafe-inline'"  # style="" attributes only: see settings.py
