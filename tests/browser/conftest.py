"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Playwright cannot download its own browser here, so we point it at /usr/bin/chromium
(or $CHROMIUM_PATH). Without Chromium these tests are skipped with a clear reason, except under CI (the CI
environment variable, which .ci/run sets), where they fail: CI must not pass without running them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser.chromium import missing_chromium

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _serve_one_request_at_a_time_on_sqlite() -> None:
    """On SQLite the test database lives in memory and the live server's threads share its one connection, which
    is not thread-safe: two images requested at once collide ("cannot open savepoint - SQL statements in
    progress"). Served one at a time, as Django closes each connection, the browser never waits on another.
    (With a file or PostgreSQL every thread has its own connection; this is only the test server.)"""
    from django.conf import settings
    from django.core.servers.basehttp import WSGIServer
    from django.test import testcases

    class OneAtATime(WSGIServer):
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)  # the server thread already uses the shared connection

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        testcases.LiveServerThread.server_class = OneAtATime


_serve_one_request_at_a_time_on_sqlite()

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
MISSING_CHROMIUM = missing_chromium(environ=os.environ, path=CHROMIUM)
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "")) if os.environ.get("SCREENSHOT_DIR") else None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if MISSING_CHROMIUM is not None:
                verdict, reason = MISSING_CHROMIUM
                if verdict == "skip":
                    item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item):
    # Under CI each browser test errors with the reason, rather than the whole run stopping at collection.
    if MISSING_CHROMIUM is not None and MISSING_CHROMIUM[0] == "fail" and item.get_closest_marker("browser"):
        pytest.fail(MISSING_CHROMIUM[1], pytrace=False)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                  "--no-first-run", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


def _page(browser, live_server, **context_args):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London",
                                  **context_args)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def page(browser, live_server, transactional_db):
    context, page = _page(browser, live_server, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server, transactional_db):
    """A phone-sized screen (390x844, touch), for the client's journeys."""
    context, page = _page(browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True,
                          has_touch=True, device_scale_factor=2)
    yield page
    context.close()


@pytest.fixture
def log_in():
    """``log_in(page, email, password)`` through the real login form."""

    def _log_in(page, email: str, password: str) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()

    return _log_in


@pytest.fixture
def screenshot():
    """``screenshot(page, "name")`` saves docs/screenshots/name.png when SCREENSHOT_DIR is set."""

    def _shot(page, name: str) -> None:
        if SCREENSHOTS is not None:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return _shot
