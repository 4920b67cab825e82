"""The calendar page: columns, blocks, badges, shading, the now line, DST days, filters, query count."""

from __future__ import annotations

from datetime import time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.models import AppointmentStatus, Break, OpeningHours, TimeOff
from tests.factories import ClientFactory, LocationFactory, PractitionerFactory, RoomFactory

from .conftest import at
from .intake_states import SECRET, draft, submitted

URL = reverse("frontdesk:calendar")
MONDAY = at(2026, 3, 2, 8, 0)  # Monday 2 March 2026, 08:00 London (GMT)


def _columns(response):
    return {(c.day.isoformat(), c.title): c for c in response.context["grid"].columns}


@time_machine.travel(MONDAY, tick=False)
def test_it_shows_each_practitioners_sessions_in_their_column(desk, clinic, appointment):
    chloe = ClientFactory(first_name="Chloe", last_name="Martin")
    appointment(at(2026, 3, 2, 10, 30), practitioner=clinic.li, client=chloe)
    response = desk.get(URL, {"date": "2026-03-02"})
    assert response.status_code == 200
    columns = _columns(response)
    assert [c.title for c in response.context["grid"].columns] == ["Ana Torres", "Li Wei"]
    assert columns[("2026-03-02", "Ana Torres")].blocks == []
    (block,) = columns[("2026-03-02", "Li Wei")].blocks
    assert (block.appointment.client_id, block.appointment.client_name) == (chloe.pk, "Chloe Martin")
    html = response.content.decode()
    assert "Chloe Martin" in html and "Facial acupuncture follow-up" in html and "10:30–11:30" in html


@time_machine.travel(MONDAY, tick=False)
def test_it_places_blocks_in_minutes_from_the_first_hour_shown(desk, clinic, appointment):
    appointment(at(2026, 3, 2, 10, 30))
    grid = desk.get(URL, {"date": "2026-03-02"}).context["grid"]
    assert grid.hour_marks[0] == (0, "09:00")  # nobody works before 09:00
    assert grid.minutes == 8 * 60  # 09:00-17:00
    (block,) = _columns_by_title(grid)["Ana Torres"].blocks
    assert (block.top, block.height, block.buffer) == (90, 60, 15)


def _columns_by_title(grid):
    return {c.title: c for c in grid.columns}


@time_machine.travel(MONDAY, tick=False)
def test_it_widens_the_day_to_show_a_session_outside_working_hours(desk, clinic, appointment):
    appointment(at(2026, 3, 2, 7, 15))
    grid = desk.get(URL, {"date": "2026-03-02"}).context["grid"]
    assert grid.hour_marks[0] == (0, "07:00")
    assert _columns_by_title(grid)["Ana Torres"].blocks[0].top == 15


@time_machine.travel(MONDAY, tick=False)
def test_it_shows_status_first_visit_and_intake_badges(desk, clinic, appointment):
    new_client, flagged, drafting, fine = (ClientFactory(first_name=n, last_name="X") for n in
                                           ("Nina", "Fred", "Dora", "Olga"))
    submitted(flagged, review_flag=True)
    draft(drafting)
    submitted(fine, reviewed=True)
    appointment(at(2026, 3, 2, 9), client=new_client, is_first_visit=True)
    appointment(at(2026, 3, 2, 9), client=flagged, practitioner=clinic.li, room=clinic.lotus,
                status=AppointmentStatus.ARRIVED)
    appointment(at(2026, 3, 2, 11), client=drafting, status=AppointmentStatus.NO_SHOW)
    appointment(at(2026, 3, 2, 13), client=fine, status=AppointmentStatus.IN_TREATMENT)
    html = desk.get(URL, {"date": "2026-03-02"}).content.decode()
    blocks = _blocks_html(html)
    assert "1st visit" in blocks["Nina X"] and "Intake missing" in blocks["Nina X"]
    assert "Arrived" in blocks["Fred X"] and "Flags to review" in blocks["Fred X"]
    assert "No-show" in blocks["Dora X"] and "Intake unfinished" in blocks["Dora X"]
    assert "In treatment" in blocks["Olga X"]
    assert "Intake" not in blocks["Olga X"] and "Flags" not in blocks["Olga X"] and "1st" not in blocks["Olga X"]
    assert SECRET not in html


def _blocks_html(html: str) -> dict[str, str]:
    """The HTML of each appointment block, keyed by client name."""
    out = {}
    for chunk in html.split('<a class="fd-appt')[1:]:
        chunk = chunk.split("</a>")[0]
        name = chunk.split('<div class="fd-client">')[1].split("</div>")[0]
        out[name] = chunk
    return out


@time_machine.travel(MONDAY, tick=False)
def test_it_shades_working_hours_breaks_time_off_and_closures(desk, clinic):
    Break.objects.create(practitioner=clinic.ana, weekday=0, start=time(13), end=time(14))
    TimeOff.objects.create(practitioner=clinic.li, starts_at=at(2026, 3, 2, 14), ends_at=at(2026, 3, 2, 16),
                           reason="Training")
    TimeOff.objects.create(location=clinic.location, starts_at=at(2026, 3, 2, 16), ends_at=at(2026, 3, 3, 0),
                           reason="Staff meeting")
    columns = _columns_by_title(desk.get(URL, {"date": "2026-03-02"}).context["grid"])
    ana = {(s.kind, s.top, s.height, s.label) for s in columns["Ana Torres"].shades}
    li = {(s.kind, s.top, s.height, s.label) for s in columns["Li Wei"].shades}
    assert ("work", 0, 480, "") in ana
    assert ("break", 240, 60, "Break") in ana
    assert ("off", 300, 120, "Training") in li
    assert ("closed", 420, 60, "Staff meeting") in li and ("closed", 420, 60, "Staff meeting") in ana


def test_it_draws_the_now_line_on_today_only(desk, clinic):
    with time_machine.travel(at(2026, 3, 2, 11, 20), tick=False):
        today = desk.get(URL, {"date": "2026-03-02"})
        tomorrow = desk.get(URL, {"date": "2026-03-03"})
    assert today.context["grid"].days[0].now_top == 140  # 11:20 is 140 minutes after 09:00
    assert 'data-testid="now-line"' in today.content.decode()
    assert tomorrow.context["grid"].days[0].now_top is None
    assert 'data-testid="now-line"' not in tomorrow.content.decode()


@time_machine.travel(MONDAY, tick=False)
def test_it_opens_on_today_in_the_locations_zone(desk, clinic):
    with time_machine.travel(at(2026, 3, 2, 23, 30), tick=False):  # still Monday in London (UTC too)
        assert desk.get(URL).context["params"].day.isoformat() == "2026-03-02"
    tokyo = LocationFactory(name="Tokyo", time_zone="Asia/Tokyo")
    with time_machine.travel(at(2026, 3, 2, 23, 30), tick=False):  # already Tuesday in Tokyo
        assert desk.get(URL, {"location": tokyo.pk}).context["params"].day.isoformat() == "2026-03-03"


@time_machine.travel(MONDAY, tick=False)
def test_a_bad_date_falls_back_to_today(desk, clinic):
    response = desk.get(URL, {"date": "2026-02-30"})
    assert response.status_code == 200
    assert response.context["params"].day.isoformat() == "2026-03-02"


@time_machine.travel(at(2026, 3, 20, 9), tick=False)
def test_a_spring_forward_day_has_23_hours(desk, clinic, appointment):
    appointment(at(2026, 3, 29, 10))  # Sunday 29 March 2026: clocks go 01:00 -> 02:00
    grid = desk.get(URL, {"date": "2026-03-29", "full": "1"}).context["grid"]
    labels = [label for _top, label in grid.hour_marks]
    assert grid.minutes == 23 * 60
    assert len(labels) == 23 and "01:00" not in labels and labels[:3] == ["00:00", "02:00", "03:00"]
    block = _columns_by_title(grid)["Ana Torres"].blocks[0]
    assert block.top == 9 * 60  # 10:00 BST is nine real hours after midnight GMT
    assert block.local_start.strftime("%H:%M") == "10:00"
    assert dict(grid.hour_marks)[block.top] == "10:00"  # it sits on the 10:00 line


@time_machine.travel(at(2026, 10, 20, 9), tick=False)
def test_a_fall_back_day_has_25_hours(desk, clinic, appointment):
    appointment(at(2026, 10, 25, 10))  # Sunday 25 October 2026: clocks go 02:00 -> 01:00
    grid = desk.get(URL, {"date": "2026-10-25", "full": "1"}).context["grid"]
    labels = [label for _top, label in grid.hour_marks]
    assert grid.minutes == 25 * 60
    assert len(labels) == 25 and labels.count("01:00") == 2
    block = _columns_by_title(grid)["Ana Torres"].blocks[0]
    assert block.top == 11 * 60
    assert dict(grid.hour_marks)[block.top] == "10:00"
    html = desk.get(URL, {"date": "2026-10-25"}).content.decode()
    assert "10:00–11:00" in html


@time_machine.travel(at(2026, 3, 20, 9), tick=False)
def test_the_week_view_keeps_wall_clock_rows_across_the_change(desk, clinic, appointment):
    monday, sunday = appointment(at(2026, 3, 23, 10)), appointment(at(2026, 3, 29, 10))
    grid = desk.get(URL, {"date": "2026-03-25", "view": "week"}).context["grid"]
    assert [a.day.isoformat() for a in grid.days][0::6] == ["2026-03-23", "2026-03-29"]
    tops = {b.appointment.pk: b.top for c in grid.columns for b in c.blocks}
    assert tops[monday.pk] == tops[sunday.pk] == 60  # both on the 10:00 row (the grid starts at 09:00)


@time_machine.travel(MONDAY, tick=False)
def test_the_week_view_has_a_column_per_day_for_the_chosen_practitioner(desk, clinic, appointment):
    thursday = appointment(at(2026, 3, 5, 9), practitioner=clinic.li)
    response = desk.get(URL, {"date": "2026-03-04", "view": "week", "wp": clinic.li.pk})
    grid = response.context["grid"]
    assert len(grid.columns) == 7 and grid.single == clinic.li
    column = _columns(response)[("2026-03-05", "Li Wei")]
    assert [b.appointment.pk for b in column.blocks] == [thursday.pk]
    assert "2 Mar – 8 Mar 2026" in response.content.decode()


@time_machine.travel(MONDAY, tick=False)
def test_the_room_view_has_a_column_per_room(desk, clinic, appointment):
    in_lotus = appointment(at(2026, 3, 2, 9), practitioner=clinic.li, room=clinic.lotus)
    columns = _columns_by_title(desk.get(URL, {"date": "2026-03-02", "mode": "rooms"}).context["grid"])
    assert list(columns) == ["Jade room", "Lotus room"]
    assert [b.appointment.pk for b in columns["Lotus room"].blocks] == [in_lotus.pk]
    assert columns["Jade room"].blocks == []


@time_machine.travel(MONDAY, tick=False)
def test_the_room_view_shades_the_locations_opening_hours(desk, clinic):
    for weekday in range(6):  # Monday to Saturday, 08:30-19:30; closed on Sunday
        OpeningHours.objects.create(location=clinic.location, weekday=weekday, opens=time(8, 30),
                                    closes=time(19, 30))
    monday = _columns_by_title(desk.get(URL, {"date": "2026-03-02", "mode": "rooms"}).context["grid"])
    assert [(s.kind, s.top) for s in monday["Jade room"].shades] == [("work", 30)]  # the grid starts at 08:00
    week = desk.get(URL, {"date": "2026-03-02", "mode": "rooms", "view": "week"})
    assert week.status_code == 200
    sunday = [c for c in week.context["grid"].columns if c.day.isoformat() == "2026-03-08"]
    assert [c.shades for c in sunday] == [[], []]  # closed all day


@time_machine.travel(MONDAY, tick=False)
def test_it_filters_by_practitioner_and_by_room(desk, clinic, appointment):
    ana_jade = appointment(at(2026, 3, 2, 9))
    appointment(at(2026, 3, 2, 9), practitioner=clinic.li, room=clinic.lotus)
    ana_lotus = appointment(at(2026, 3, 2, 12), room=clinic.lotus)
    by_practitioner = desk.get(URL, {"date": "2026-03-02", "p": clinic.ana.pk}).context["grid"]
    assert [c.title for c in by_practitioner.columns] == ["Ana Torres"]
    by_room = desk.get(URL, {"date": "2026-03-02", "r": clinic.lotus.pk}).context["grid"]
    shown = {b.appointment.pk for c in by_room.columns for b in c.blocks}
    assert ana_lotus.pk in shown and ana_jade.pk not in shown and len(shown) == 2


@time_machine.travel(MONDAY, tick=False)
def test_cancelled_sessions_are_shown_only_when_asked(desk, clinic, appointment):
    cancelled = appointment(at(2026, 3, 2, 10), status=AppointmentStatus.CANCELLED)
    rebooked = appointment(at(2026, 3, 2, 10))
    hidden = desk.get(URL, {"date": "2026-03-02"}).context["grid"]
    assert {b.appointment.pk for c in hidden.columns for b in c.blocks} == {rebooked.pk}
    shown = desk.get(URL, {"date": "2026-03-02", "cancelled": "1"}).context["grid"]
    blocks = {b.appointment.pk: b for c in shown.columns for b in c.blocks}
    assert set(blocks) == {cancelled.pk, rebooked.pk}
    assert blocks[cancelled.pk].lanes == 2 and {b.lane for b in blocks.values()} == {0, 1}  # side by side


@time_machine.travel(MONDAY, tick=False)
def test_times_are_in_the_locations_zone(desk, db):
    new_york = LocationFactory(name="Manhattan", time_zone="America/New_York")
    RoomFactory(location=new_york)
    practitioner = PractitionerFactory(location=new_york)
    from tests.factories import AppointmentFactory

    AppointmentFactory(practitioner=practitioner, location=new_york, starts_at=at(2026, 3, 2, 10, tz=new_york.tz))
    html = desk.get(URL, {"date": "2026-03-02", "location": new_york.pk}).content.decode()
    assert "10:00–11:00" in html
    assert "America/New_York" in html


def test_it_explains_when_no_location_is_set_up(desk):
    response = desk.get(URL)
    assert response.status_code == 200
    assert "No clinic location is set up yet" in response.content.decode()


@time_machine.travel(MONDAY, tick=False)
def test_an_htmx_request_gets_only_the_calendar(desk, clinic):
    response = desk.get(URL, {"date": "2026-03-03"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="fd-calendar"' in html and "<html" not in html


def _filler(clinic, appointment):
    """Returns ``fill(count, days)``: sessions spread over days, practitioners and rooms, one client each."""
    practitioners, rooms = [clinic.ana, clinic.li], [clinic.jade, clinic.lotus]
    for extra in range(3):
        rooms.append(RoomFactory(location=clinic.location, name=f"Room {extra}"))
        practitioners.append(PractitionerFactory(location=clinic.location, services=[clinic.follow_up]))
    free = iter([(d, p, h) for d in range(7) for h in (9, 11, 13, 15) for p in range(len(practitioners))])

    def fill(count: int, days: int) -> None:
        for _ in range(count):
            d, p, h = next(free)
            while d >= days:
                d, p, h = next(free)
            appointment(at(2026, 3, 2 + d, h), practitioner=practitioners[p], room=rooms[p])

    return fill


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, params).status_code == 200
    return len(ctx.captured_queries)


# The week by practitioner shows one practitioner: Ana has a fifth of the 100 sessions.
@pytest.mark.parametrize(("view", "days", "shown"), [("day", 1, 20), ("week", 7, 20)])
@time_machine.travel(MONDAY, tick=False)
def test_its_query_count_does_not_grow_with_appointments(desk, clinic, appointment, django_assert_max_num_queries,
                                                         view, days, shown):
    params = {"date": "2026-03-02", "view": view, "wp": clinic.ana.pk}
    fill = _filler(clinic, appointment)
    fill(1, days)
    desk.get(URL, params)  # the first visit also remembers the desk's choices in the session (one write)
    few = _queries(desk, params)
    fill(99 if view == "week" else 19, days)
    # session + user, clinic settings, locations, practitioners, rooms, working hours, opening hours,
    # breaks, time off, appointments, intake (submissions, flags, requests)
    with django_assert_max_num_queries(14):
        response = desk.get(URL, params)
    assert response.context["grid"].appointment_count == shown
    assert _queries(desk, params) == few
