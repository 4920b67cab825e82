"""The printable day sheet: each practitioner's day with intake status, flags and first visits."""

from __future__ import annotations

import time_machine
from django.conf import settings
from django.urls import reverse

from booking.models import AppointmentStatus
from tests.factories import ClientFactory

from .conftest import at
from .intake_states import SECRET, submitted

URL = reverse("frontdesk:day_sheet")
MONDAY = at(2026, 3, 2, 8, 0)


@time_machine.travel(MONDAY, tick=False)
def test_it_lists_the_day_per_practitioner_in_time_order(desk, clinic, appointment):
    nina = ClientFactory(first_name="Nina", last_name="New", phone="07700 900321")
    fred = ClientFactory(first_name="Fred", last_name="Flagged")
    submitted(fred, review_flag=True)
    appointment(at(2026, 3, 2, 14), client=fred)
    appointment(at(2026, 3, 2, 9, 30), client=nina, is_first_visit=True, desk_note="Needs the lift")
    appointment(at(2026, 3, 2, 11), practitioner=clinic.li, room=clinic.lotus)
    appointment(at(2026, 3, 2, 12), status=AppointmentStatus.CANCELLED)
    appointment(at(2026, 3, 3, 9))  # another day
    response = desk.get(URL, {"date": "2026-03-02"})
    sections = response.context["sections"]
    assert [(str(s.practitioner), len(s.rows)) for s in sections] == [("Ana Torres", 2), ("Li Wei", 1)]
    assert [r.local_start.strftime("%H:%M") for r in sections[0].rows] == ["09:30", "14:00"]
    html = response.content.decode()
    nina_row = html.split("Nina New")[1].split("</tr>")[0]
    assert "First visit" in html.split("Nina New")[1][:60]
    assert "07700 900321" in nina_row and "Intake missing" in nina_row and "Needs the lift" in nina_row
    fred_row = html.split("Fred Flagged")[1].split("</tr>")[0]
    assert "Flags to review" in fred_row
    assert SECRET not in html
    assert "Day sheet · Monday 2 March 2026" in html


@time_machine.travel(MONDAY, tick=False)
def test_it_is_made_for_printing(desk, clinic):
    html = desk.get(URL, {"date": "2026-03-02"}).content.decode()
    assert "frontdesk/frontdesk.css" in html and "data-print" in html  # static/js/clinic.js prints
    css = (settings.BASE_DIR / "frontdesk/static/frontdesk/frontdesk.css").read_text()
    assert "@media print" in css and "break-before: page" in css


@time_machine.travel(MONDAY, tick=False)
def test_a_practitioner_with_nothing_booked_who_works_that_day_is_listed_as_free(desk, clinic):
    html = desk.get(URL, {"date": "2026-03-02"}).content.decode()
    assert html.count("No sessions booked.") == 2


@time_machine.travel(MONDAY, tick=False)
def test_its_query_count_does_not_grow(desk, clinic, appointment, django_assert_max_num_queries):
    for hour, minute in ((9, 0), (10, 30), (12, 0), (13, 30), (15, 0)):  # 75-minute blocks, no overlap
        appointment(at(2026, 3, 2, hour, minute))
        appointment(at(2026, 3, 2, hour, minute), practitioner=clinic.li, room=clinic.lotus)
    with django_assert_max_num_queries(12):
        response = desk.get(URL, {"date": "2026-03-02"})
    assert sum(len(s.rows) for s in response.context["sections"]) == 10
