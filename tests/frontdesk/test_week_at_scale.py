"""A busy week: 8 practitioners and 448 sessions. The week shows one practitioner at a time in seven readable
day columns (chosen from a list of everyone, remembered), filters stick, a phone opens on today."""

from __future__ import annotations

from datetime import time
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from clinic.accounts.models import Role
from tests.factories import PractitionerFactory, RoomFactory, UserFactory

from .conftest import at
from .factories import QuickClientFactory

URL = reverse("frontdesk:calendar")
MONDAY = at(2026, 3, 2, 10, 0)  # Monday 2 March 2026, 10:00 London
HOURS = {d: [(time(8), time(19))] for d in range(7)}
STARTS = [(8, 0), (9, 15), (10, 30), (11, 45), (14, 0), (15, 15), (16, 30), (17, 45)]  # 60 min + 15 clean-up
QUERIES = 12  # the ceiling is 14
MAX_PAGE = 150 * 1024  # bytes: the week the desk opens, with everyone's names in the picker


@pytest.fixture
def busy_week(clinic, appointment):
    """Ana, Li and six more with long names, each in their own room, 8 sessions a day every day: 448."""
    team = [(clinic.ana, clinic.jade), (clinic.li, clinic.lotus)]
    for i in range(6):
        practitioner = PractitionerFactory(user__first_name=f"Maximiliana{i}", user__last_name="Montgomery-Fairweather",
                                           location=clinic.location, services=[clinic.follow_up], hours=HOURS)
        team.append((practitioner, RoomFactory(location=clinic.location, name=f"Room {i}")))
    for d in range(7):
        for p, (practitioner, room) in enumerate(team):
            for i, (hh, mm) in enumerate(STARTS):
                client = QuickClientFactory(first_name="Bartholomew", last_name=f"Featherstonehaugh {d}{p}{i}")
                appointment(at(2026, 3, 2 + d, hh, mm), practitioner=practitioner, room=room, client=client)
    return team


def _blocks_html(html: str) -> list[str]:
    return [part.split("</a>")[0] for part in html.split('<a class="fd-appt')[1:]]


@time_machine.travel(MONDAY, tick=False)
def test_the_week_shows_one_practitioner_with_whole_names_and_badges(desk, clinic, busy_week,
                                                                     django_assert_max_num_queries):
    li = clinic.li
    query = {"date": "2026-03-04", "view": "week", "wp": li.pk}
    desk.get(URL, query)  # the first visit also writes the desk's new choice to the session
    # Nothing per session or practitioner: session, user, clinic settings, locations, practitioners, rooms,
    # weekly hours (working, opening, breaks), time off, the practitioner's sessions, intake x3.
    with django_assert_max_num_queries(QUERIES):
        response = desk.get(URL, query)
    grid = response.context["grid"]
    assert grid.single == li
    assert [c.day.strftime("%a") for c in grid.columns] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert {c.title for c in grid.columns} == {"Li Wei"}
    assert grid.appointment_count == 56  # Li's week, out of the clinic's 448
    html = unescape(response.content.decode())
    # Everyone is one click away, by full name; the one shown is marked.
    for practitioner, _room in busy_week:
        assert str(practitioner) in html
    assert html.count('data-testid="week-practitioner"') == 8
    assert 'aria-current="true" data-testid="week-practitioner"><span class="fd-dot" style="background: ' in html
    blocks = _blocks_html(html)
    assert len(blocks) == 56
    # Whole names and whole badges, not "C..." or "Flags to r": nothing is shortened on the server.
    sunday = [b for b in blocks if "Featherstonehaugh 61" in b]
    assert len(sunday) == 8
    assert all("Bartholomew Featherstonehaugh 61" in b and ">Intake missing</span>" in b for b in sunday)
    assert len(response.content) <= MAX_PAGE


@time_machine.travel(MONDAY, tick=False)
def test_the_week_by_room_draws_every_session_in_the_same_queries(desk, clinic, busy_week,
                                                                  django_assert_max_num_queries):
    query = {"date": "2026-03-04", "view": "week", "mode": "rooms"}
    desk.get(URL, query)
    with django_assert_max_num_queries(QUERIES):
        response = desk.get(URL, query)
    grid = response.context["grid"]
    assert grid.appointment_count == 448
    assert sum(len(c.blocks) for c in grid.columns) == 448
    html = unescape(response.content.decode())
    assert len(_blocks_html(html)) == 448
    # Each room's column names the practitioner who works in it, on every session.
    maxi, room = busy_week[2]
    blocks = [b for c in grid.columns if c.room_id == room.pk for b in c.blocks]
    assert {b.appointment.practitioner_name for b in blocks} == {str(maxi)}
    assert not any('draggable="true"' in b for b in _blocks_html(html))  # moving is by practitioner only


@pytest.mark.parametrize("mode", ["practitioners", "rooms"])
@time_machine.travel(MONDAY, tick=False)
def test_a_busy_day_draws_all_eight_columns_in_the_same_queries(desk, clinic, busy_week, mode,
                                                                 django_assert_max_num_queries):
    query = {"date": "2026-03-04", "view": "day", "mode": mode}
    desk.get(URL, query)
    with django_assert_max_num_queries(QUERIES):
        response = desk.get(URL, query)
    grid = response.context["grid"]
    assert len(grid.columns) == 8
    assert grid.appointment_count == 64
    html = unescape(response.content.decode())
    assert html.count('<div class="fd-service">Facial acupuncture follow-up · ') == 64


@time_machine.travel(MONDAY, tick=False)
def test_the_first_working_practitioner_is_shown_by_default(desk, clinic, busy_week):
    clinic.ana.working_hours.all().delete()  # Ana does not work this week
    grid = desk.get(URL, {"date": "2026-03-02", "view": "week"}).context["grid"]
    assert grid.single == clinic.li


@time_machine.travel(MONDAY, tick=False)
def test_the_chosen_practitioner_and_filters_stick(desk, clinic, busy_week):
    maxi = busy_week[4][0]
    desk.get(URL, {"date": "2026-03-09", "view": "week", "mode": "practitioners", "wp": maxi.pk})

    # Back on the calendar from elsewhere (no choices in the link): the same week view of the same practitioner,
    # on today's week (the date is not remembered).
    again = desk.get(URL).context
    assert (again["params"].view, again["grid"].single, again["params"].day) == ("week", maxi, MONDAY.date())

    desk.get(URL, {"view": "day", "mode": "rooms", "cancelled": "1"})
    params = desk.get(URL, {"location": clinic.location.pk, "date": "2026-03-03"}).context["params"]
    assert (params.view, params.mode, params.cancelled, params.day.isoformat()) == ("day", "rooms", True,
                                                                                    "2026-03-03")


@time_machine.travel(MONDAY, tick=False)
def test_each_desk_user_keeps_their_own_choices(desk, clinic, login, busy_week):
    desk.get(URL, {"view": "week", "wp": clinic.li.pk})
    colleague = login(UserFactory(role=Role.FRONT_DESK))
    assert colleague.get(URL).context["params"].view == "day"


@time_machine.travel(MONDAY, tick=False)
def test_a_phone_opens_on_todays_day_view_unless_the_link_asks_for_the_week(desk, clinic, busy_week):
    desk.get(URL, {"view": "week"})  # the desk chose the week on a desktop

    html = unescape(desk.get(URL).content.decode())  # opened again, e.g. on a phone: the week is remembered
    assert 'data-view="week" data-phone-url="' in html
    phone_url = html.split('data-phone-url="')[1].split('"')[0]
    assert "view=day" in phone_url and "date=2026-03-02" in phone_url and "narrow=1" in phone_url

    # The phone's redirect shows today's day, and does not make the desktop forget the week.
    assert desk.get(phone_url).context["params"].view == "day"
    assert desk.get(URL).context["params"].view == "week"

    chosen = unescape(desk.get(URL, {"view": "week"}).content.decode())  # "Week" tapped on the phone: stays
    assert "data-phone-url" not in chosen


@time_machine.travel(MONDAY, tick=False)
def test_now_is_labelled_in_the_gutter_and_drawn_behind_the_sessions(desk, clinic, appointment):
    appointment(at(2026, 3, 2, 9, 30))  # under way at 10:00
    html = desk.get(URL, {"date": "2026-03-02", "view": "day"}).content.decode()
    axis = html.split('<div class="fd-axis"')[1].split('<div class="fd-col')[0]
    assert 'class="fd-now-label" style="--t: 60">Now</div>' in axis
    assert 'class="fd-now" style="--t: 60"' in html

