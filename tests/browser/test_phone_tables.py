"""Staff tables on a 390 px phone: the Messages page, a client's page and the day sheet fit the screen (rows
become cards) and their key columns (state, "Send again", status) are on screen; the message tabs wrap."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from clinic.notifications.models import Message, MessageKind, MessageState
from tests.factories import (
    PASSWORD,
    AppointmentFactory,
    ClientFactory,
    LocationFactory,
    PractitionerFactory,
    ServiceFactory,
    UserFactory,
)

PHONE_WIDTH = 390
# Mid-morning in London whenever the suite runs.
MID_MORNING = datetime.combine(date.today() + timedelta(days=1), time(10, 30), tzinfo=ZoneInfo("Europe/London"))


def _clinic():
    location = LocationFactory(name="Islington clinic", time_zone="Europe/London")
    service = ServiceFactory(name="Facial acupuncture follow-up with a long name", duration_minutes=60)
    ana = PractitionerFactory(user__first_name="Ana", user__last_name="Torres", location=location,
                              services=[service], hours={d: [(time(7), time(21))] for d in range(7)})
    chloe = ClientFactory(first_name="Chloe", last_name="Martin-Featherstonehaugh", phone="+44 7700 900123")
    today = timezone.localdate(timezone=location.tz)
    sessions = [AppointmentFactory(client=chloe, practitioner=ana, service=service, location=location,
                                   starts_at=datetime.combine(day, time(hour), tzinfo=location.tz))
                for day, hour in ((today, 9), (today, 15), (today + timedelta(days=7), 11))]
    Message.objects.create(key="phone-failed", kind=MessageKind.REMINDER, recipient=chloe, appointment=sessions[1],
                           due_at=timezone.now() - timedelta(hours=1), state=MessageState.FAILED, attempts=3,
                           last_error="The mail server refused the message: mailbox unavailable for this address")
    Message.objects.create(key="phone-sent", kind=MessageKind.CONFIRMATION, recipient=chloe, appointment=sessions[2],
                           due_at=timezone.now() - timedelta(hours=2), state=MessageState.SENT,
                           sent_at=timezone.now() - timedelta(hours=2), attempts=1)
    return location, chloe


def _fits_the_screen(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide on a {PHONE_WIDTH} px screen"


def _on_screen(locator) -> None:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None and box["width"] > 0
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, f"{box} is off-screen"


@time_machine.travel(MID_MORNING, tick=True)
def test_staff_tables_fit_a_phone_with_their_key_columns_visible(phone_page, live_server, log_in, screenshot):
    page = phone_page
    location, chloe = _clinic()
    desk = UserFactory(role="front_desk", email="desk@example.com")
    log_in(page, desk.email, PASSWORD)

    page.goto("/messages/?state=all")
    rows = page.get_by_test_id("message-row")
    assert rows.count() == 2
    _fits_the_screen(page)
    failed = page.locator('[data-testid="message-row"].table-danger')
    _on_screen(failed.get_by_test_id("message-state"))
    _on_screen(failed.get_by_role("button", name="Send again"))
    tabs = page.get_by_test_id("message-tabs").get_by_role("link")
    for index in range(tabs.count()):
        _on_screen(tabs.nth(index))  # the tabs wrap onto a second line rather than scroll away
    screenshot(page, "phone-messages")

    page.goto(f"/desk/clients/{chloe.pk}/")
    _fits_the_screen(page)
    statuses = page.get_by_test_id("visit-status")
    assert statuses.count() >= 1
    for index in range(statuses.count()):
        _on_screen(statuses.nth(index))

    page.goto(f"/desk/day-sheet/?location={location.pk}")
    _fits_the_screen(page)
    statuses = page.get_by_test_id("sheet-status")
    assert statuses.count() == 2
    for index in range(statuses.count()):
        _on_screen(statuses.nth(index))

    for path in ("/desk/clients/", "/desk/waitlist/", "/outbox/"):
        page.goto(path)
        _fits_the_screen(page)


@time_machine.travel(MID_MORNING, tick=True)
def test_the_progress_chart_on_a_phone_shows_every_label_and_explains_the_terms(phone_page, live_server, log_in,
                                                                               screenshot):
    from intake import services
    from tests.intake.helpers import submit_intake, valid_answers

    page = phone_page
    chloe = ClientFactory(first_name="Chloe")
    five = ("acne", "eczema", "rashes", "dullness", "sagging")  # five lines, mostly on the same values
    submit_intake(chloe, valid_answers(signals=3, concerns={k: (2, "1_5y") for k in five}))
    services.reassessment_record(client=chloe, recorded_by=chloe, answers=valid_answers(
        signals=2, **{k: {"severity": 1} for k in five}))
    log_in(page, chloe.email, PASSWORD)

    page.goto("/intake/progress/")
    _fits_the_screen(page)
    for chart in page.locator("svg.chart-plot").all():
        svg = chart.bounding_box()
        for label in chart.locator("text").all():  # "Not a concern", not "t a concern"; "present" not on the data
            box = label.bounding_box()
            assert box["x"] >= svg["x"] - 0.5 and box["x"] + box["width"] <= svg["x"] + svg["width"] + 0.5, \
                label.text_content()
    concerns = page.locator("figure", has_text="Skin concerns")
    assert concerns.locator("g[data-series]").count() == 5
    assert concerns.locator("g[data-series] path").count() == 10  # every point of every line has its marker
    glossary = page.get_by_test_id("tcm-glossary")
    assert glossary.is_visible() and "Lung qi weakness" in glossary.text_content()
    screenshot(page, "progress-chart")
