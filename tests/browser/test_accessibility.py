"""WCAG 2.1 AA, checked by axe-core on every page each demo role reaches by following links, as a user would,
on a desktop and on a phone. A new serious or critical violation fails the test and names the page."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from clinic.core.demo import DEMO_PASSWORD

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# A Wednesday mid-morning in London: the demo is built around "now", so the calendars have sessions today.
NOW = datetime(2026, 12, 2, 10, 30, tzinfo=ZoneInfo("Europe/London"))
MAX_PAGES = 80

ROLES = {"anonymous": None, "client": "client@demo.clinic", "practitioner": "ana@demo.clinic",
         "front-desk": "desk@demo.clinic", "manager": "manager@demo.clinic"}
VIEWPORTS = {"desktop": {"viewport": {"width": 1280, "height": 900}},
             "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}}

# Links a careful walker does not follow: leaving, the admin, downloads, and GET links that act (a token
# consumed, a glass broken) or serve files rather than pages.
SKIP = re.compile(r"^/(admin/|accounts/logout|accounts/verify/|healthz)|\.(json|ics|png|jpe?g|pdf)$|/export/"
                  r"|/intake/link/|/offer/|/emergency/|/photos/\d+/|/thumb/|/decide/|/resend/|/withdraw/|/leave/"
                  r"|/remove/|/cancel/$|/reviewed/|/clear/")
# One page per kind of record: /desk/appointments/12/ and /desk/appointments/13/ are the same template.
KIND = [(re.compile(r"/\d+/"), "/<id>/"), (re.compile(r"/service/[^/]+/"), "/service/<slug>/")]
LAYOUT, LAYOUT_VALUES = ("view", "mode", "wp", "state", "date"), ("view", "mode")

COLLECT_LINKS = """() => Array.from(document.querySelectorAll('nav a[href], main a[href]'))
    .filter(a => !a.closest('[hidden]') && !a.hasAttribute('download') && a.target !== '_blank')
    .map(a => a.href)"""
RUN_AXE = """async () => {
    const results = await axe.run(document, {resultTypes: ['violations']});
    return results.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
        count: v.nodes.length}));
}"""


def _kind(path_and_query: str) -> str:
    """The page's kind: ids and slugs in the path collapse, and so does the query (dates, filters, ?next=),
    except the parameters that switch to another layout (week view, rooms, one practitioner, a Messages tab,
    another day than today)."""
    url = urlsplit(path_and_query)
    path = url.path
    for pattern, placeholder in KIND:
        path = pattern.sub(placeholder, path)
    query = dict(parse_qsl(url.query))
    layout = sorted(f"{k}={query[k] if k in LAYOUT_VALUES else ''}" for k in LAYOUT if k in query)
    return path + "?" + "&".join(layout)


def _same_site_paths(page, origin: str) -> list[str]:
    paths = []
    for href in page.evaluate(COLLECT_LINKS):
        url = urlsplit(href)
        if f"{url.scheme}://{url.netloc}" != origin or not url.path or SKIP.search(url.path):
            continue
        paths.append(url.path + (f"?{url.query}" if url.query else ""))
    return paths


def _walk(page, origin: str, start: list[str]) -> dict[str, list[dict]]:
    """Breadth first from the landing pages; each kind of page once. Returns {path: violations}."""
    queue, seen, found = list(start), set(), {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if _kind(path) in seen:
            continue
        seen.add(_kind(path))
        response = page.goto(path)
        if response is None or not response.ok or "text/html" not in response.headers.get("content-type", ""):
            continue
        found[path] = page.evaluate(RUN_AXE)
        queue.extend(_same_site_paths(page, origin))
    return found


@pytest.fixture
def demo_clinic(transactional_db):
    call_command("seed_demo", stdout=io.StringIO())


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("role", ROLES)
@time_machine.travel(NOW, tick=True)
def test_every_page_a_role_reaches_has_no_serious_accessibility_violation(browser, live_server, demo_clinic,
                                                                          role, viewport):
    # The CSP (tested in test_csp.py) forbids the inline script Playwright injects axe with; bypass it here only.
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London",
                                  bypass_csp=True, **VIEWPORTS[viewport])
    context.add_init_script(path=str(AXE))  # in every page before its own scripts, as if it were ours
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        if ROLES[role]:
            page.goto("/accounts/login/")
            page.get_by_label("Email").fill(ROLES[role])
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state()
        landing = urlsplit(page.url).path
        found = _walk(page, live_server.url, ["/", landing])
    finally:
        context.close()

    assert len(found) >= 3, f"the walk reached only {list(found)}"
    problems = [f"{v['id']} ({v['impact']}) on {path}: {v['help']}; {v['count']} element(s), e.g. "
                + " | ".join(v["targets"])
                for path, violations in found.items() for v in violations]
    assert not problems, f"{len(problems)} serious/critical axe violation(s) for {role} on {viewport}:\n" + "\n".join(
        problems)


@time_machine.travel(NOW, tick=True)
def test_the_front_desk_scrolls_the_calendar_by_keyboard(page, demo_clinic, log_in):
    log_in(page, "desk@demo.clinic", DEMO_PASSWORD)
    calendar = page.get_by_role("region", name=re.compile(r"^Calendar"))
    calendar.focus()  # a tab stop of its own: an empty day has no session link to reach it through
    assert calendar.evaluate("el => el === document.activeElement")
    before = calendar.evaluate("el => el.scrollTop")  # it may open scrolled to "now"
    page.keyboard.press("PageDown")
    page.wait_for_function("([el, y]) => el.scrollTop !== y", arg=[calendar.element_handle(), before])
