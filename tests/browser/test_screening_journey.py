"""The screening gate in a browser: Chloe, whose questionnaire says Botox two days ago, is offered only dates from
the first safe one and told why in plain words; the session she had booked before is a clinical conflict on the
front desk's list."""

from __future__ import annotations

from datetime import UTC, datetime, time

import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import (
    PASSWORD,
    AppointmentFactory,
    ClientFactory,
    LocationFactory,
    PractitionerFactory,
    ServiceFactory,
    UserFactory,
    local,
)
from tests.intake.helpers import submit_intake, valid_answers

EVERY_DAY = {d: [(time(9), time(17))] for d in range(7)}
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday 1 December 2026, 10:00 in London


@time_machine.travel(NOW, tick=True)
def test_a_client_after_botox_sees_only_safe_dates_and_the_desk_sees_the_conflict(phone_page, page, live_server,
                                                                                  log_in, screenshot):
    location = LocationFactory(name="Islington clinic", time_zone="Europe/London")
    service = ServiceFactory(name="Facial acupuncture", slug="facial")
    ana = PractitionerFactory(location=location, services=[service], hours=EVERY_DAY, user__first_name="Ana",
                              user__last_name="Torres")
    chloe = ClientFactory(first_name="Chloe", last_name="Martin", email="chloe@example.com")
    booked = AppointmentFactory(client=chloe, practitioner=ana, service=service, location=location,
                                starts_at=local(location, 2026, 12, 3, 10))
    submit_intake(chloe, valid_answers(botox_date="2026-11-29"))  # sent after booking: 14-day wait, to 13 Dec
    desk = UserFactory(role="front_desk", first_name="Sam", last_name="Okafor", email="desk@example.com")

    client_page = phone_page
    log_in(client_page, chloe.email, PASSWORD)
    client_page.goto(f"{reverse('booking:times', args=[service.slug])}?practitioner={ana.pk}")
    banner = client_page.get_by_test_id("screening-banner")
    expect(banner).to_contain_text("the earliest we can offer this treatment is Sunday 13 December 2026")
    assert "botox" not in banner.inner_text().lower()
    expect(client_page.get_by_test_id("week-title")).to_have_text("7 Dec – 13 Dec 2026")
    slots = client_page.get_by_test_id("slot")
    expect(slots.first).to_be_visible()
    starts = [slots.nth(i).get_attribute("data-start") for i in range(slots.count())]
    assert starts and all(start[:10] == "2026-12-13" for start in starts)  # nothing before the wait ends
    expect(client_page.get_by_test_id("prev-week")).to_have_count(0)  # no way back to earlier weeks
    screenshot(client_page, "client-screening-earliest-date")

    log_in(page, desk.email, PASSWORD)
    page.get_by_role("link", name="Clinical conflicts").click()
    row = page.get_by_test_id(f"conflict-{booked.pk}")
    expect(row).to_contain_text("Chloe Martin")
    expect(row).to_contain_text("Thu 3 Dec 2026")
    expect(row).to_contain_text("Screening: no treatment before 13 Dec 2026; a practitioner can approve an exception.")
    assert "Botox" not in page.content()
    screenshot(page, "front-desk-clinical-conflicts")
    row.get_by_role("link", name="Move").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('frontdesk:appointment_move', args=[booked.pk])}"
                             "?date=2026-12-13")
