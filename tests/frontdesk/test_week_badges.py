"""The week calendar judges each session's intake badge on that session's own date.

A screening wait ("no facial acupuncture before Wednesday") stops the sessions before its end and not
the ones after; the week used to judge every day by its Monday.
"""

from __future__ import annotations

from datetime import date

import time_machine
from django.urls import reverse

from intake.models import FlagLevel, IntakeFlag
from tests.factories import ClientFactory

from .conftest import at
from .intake_states import SECRET, submitted

URL = reverse("frontdesk:calendar")
MONDAY = at(2026, 3, 2, 8, 0)  # Monday 2 March 2026, 08:00 London
WAITING = ("danger", "Waiting: no treatment before 4 Mar")


def _wait_until_wednesday(client) -> None:
    """A reviewed intake whose only flag is a wait after a procedure: treatment may go ahead from Wednesday."""
    submission = submitted(client, reviewed=True)
    IntakeFlag.objects.create(submission=submission, code="botox_date", level=FlagLevel.DO_NOT_TREAT,
                              until=date(2026, 3, 4), reason=f"Botox on 18 Feb: no facial acupuncture before 4 Mar "
                                                             f"{SECRET}")


def _badges_by_day(response, client) -> dict[str, list[tuple[str, str]]]:
    return {block.local_start.strftime("%a"): block.badges
            for column in response.context["grid"].columns for block in column.blocks
            if block.appointment.client_id == client.pk}


@time_machine.travel(MONDAY, tick=False)
def test_a_wait_ending_on_wednesday_badges_monday_and_tuesday_only(desk, clinic, appointment):
    wendy = ClientFactory(first_name="Wendy", last_name="Wait")
    _wait_until_wednesday(wendy)
    for day in (2, 3, 4, 5):  # Monday to Thursday, 10:00
        appointment(at(2026, 3, day, 10), client=wendy)

    response = desk.get(URL, {"date": "2026-03-02", "view": "week"})

    badges = _badges_by_day(response, wendy)
    assert badges == {"Mon": [WAITING], "Tue": [WAITING], "Wed": [], "Thu": []}
    html = response.content.decode()
    assert html.count("Waiting: no treatment before 4 Mar") == 2
    assert SECRET not in html


@time_machine.travel(MONDAY, tick=False)
def test_the_day_view_says_the_same_as_the_week(desk, clinic, appointment):
    wendy, nina = ClientFactory(first_name="Wendy"), ClientFactory(first_name="Nina")
    _wait_until_wednesday(wendy)
    for day in (3, 5):  # Tuesday and Thursday
        appointment(at(2026, 3, day, 10), client=wendy)
        appointment(at(2026, 3, day, 12), client=nina)  # no intake at all

    week = desk.get(URL, {"date": "2026-03-02", "view": "week"})
    tuesday = desk.get(URL, {"date": "2026-03-03", "view": "day"})  # (a link without a view keeps the week)
    thursday = desk.get(URL, {"date": "2026-03-05", "view": "day"})

    for client in (wendy, nina):
        in_week = _badges_by_day(week, client)
        assert _badges_by_day(tuesday, client) == {"Tue": in_week["Tue"]}
        assert _badges_by_day(thursday, client) == {"Thu": in_week["Thu"]}
    assert _badges_by_day(week, wendy) == {"Tue": [WAITING], "Thu": []}
    missing = ("warning", "Intake missing")  # amber: something to do before the session
    assert _badges_by_day(week, nina) == {"Tue": [missing], "Thu": [missing]}
