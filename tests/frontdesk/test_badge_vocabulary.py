"""One intake badge vocabulary: the same intake state shows the same words in the same colour on every page
(calendar day and week, day sheet, appointment panel, client directory and profile, My day, client record).

Colours: green = nothing to do, amber = something to do before the session, red = the session cannot go ahead,
grey = for information. The calendar shows only amber and red (hundreds of sessions a week).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from intake.models import FlagLevel, IntakeFlag
from tests.factories import ClientFactory

from .conftest import at
from .intake_states import SECRET, draft, submitted

MONDAY = at(2026, 3, 2, 8, 0)  # Monday 2 March 2026, 08:00 London; the session is at 10:00


def _waiting(client) -> None:
    submission = submitted(client, reviewed=True)
    IntakeFlag.objects.create(submission=submission, code="botox_date", level=FlagLevel.DO_NOT_TREAT,
                              until=date(2026, 3, 4), reason=f"Botox: no facial acupuncture before 4 Mar {SECRET}")


def _flags_noted(client) -> None:
    submission = submitted(client, reviewed=True)
    IntakeFlag.objects.create(submission=submission, code="diabetes", level=FlagLevel.NOTE,
                              reason=f"Diabetes {SECRET}")


# state -> (how to make it, expected colour, expected words)
STATES = {
    "missing": (lambda client: None, "warning", "Intake missing"),
    "draft": (draft, "warning", "Intake unfinished"),
    "flags to review": (lambda client: submitted(client, review_flag=True), "warning", "Flags to review"),
    "waiting": (_waiting, "danger", "Waiting: no treatment before 4 Mar"),
    "awaiting review": (submitted, "secondary", "Intake awaiting review"),
    "reviewed": (lambda client: submitted(client, reviewed=True), "success", "Intake reviewed"),
    "reviewed, flags noted": (_flags_noted, "success", "Intake reviewed · flags noted"),
}

BADGE = re.compile(r'<span class="badge text-bg-(\w+)"[^>]*>([^<]*)</span>')


def _badges(html: str) -> set[tuple[str, str]]:
    return {(css, text.strip()) for css, text in BADGE.findall(html)}


@pytest.mark.parametrize("state", list(STATES))
@time_machine.travel(MONDAY, tick=False)
def test_every_page_shows_the_same_intake_badge(state, desk, login, clinic, appointment):
    make, css, words = STATES[state]
    chloe = ClientFactory(first_name="Chloe", last_name="Martin")
    make(chloe)
    session = appointment(at(2026, 3, 2, 10), client=chloe, practitioner=clinic.ana)
    calendar, sheet = reverse("frontdesk:calendar"), reverse("frontdesk:day_sheet")
    loc = clinic.location.pk
    desk_pages = {
        "calendar day": desk.get(calendar, {"date": "2026-03-02", "view": "day"}),
        "calendar week": desk.get(calendar, {"date": "2026-03-02", "view": "week", "wp": clinic.ana.pk}),
        "day sheet": desk.get(sheet, {"location": loc, "date": "2026-03-02"}),
        "appointment panel": desk.get(reverse("frontdesk:appointment", args=[session.pk]), {"panel": "1"},
                                      HTTP_HX_REQUEST="true"),
        "client directory": desk.get(reverse("frontdesk:clients")),
        "client profile": desk.get(reverse("frontdesk:client", args=[chloe.pk])),
    }
    ana = login(clinic.ana.user)
    practitioner_pages = {
        "my day": ana.get(reverse("intake:practitioner_day")),
        "client record": ana.get(reverse("intake:client_record", args=[chloe.pk])),
    }
    quiet = css in ("success", "secondary")
    for page, response in {**desk_pages, **practitioner_pages}.items():
        assert response.status_code == 200, page
        html = response.content.decode()
        badges = _badges(html)
        if quiet and page.startswith("calendar"):
            # Nothing for the desk to do: the calendar block stays quiet, and never says otherwise.
            assert not any(text.startswith(("Intake", "Flags", "Waiting", "Consent")) for _c, text in badges), page
            continue
        assert (css, words) in badges, (page, sorted(badges))
        # ... and no second, contradicting intake badge on the page ("reviewed · needs review").
        others = {b for b in badges if b != (css, words) and b[1].startswith(("Intake", "Flags to", "Waiting"))}
        assert not others, (page, others)
        assert "needs review" not in html, page
        if page in desk_pages:
            assert SECRET not in html, page
