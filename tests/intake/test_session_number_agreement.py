"""One rule for "which session of the course is this, and is a re-assessment due".

The message planner (course check-in 48 h ahead), the intake selector and the practitioner's day must
number every session alike and mark the same sessions as re-assessments: the email says "session 3"
for the very session the practitioner's page badges "re-assess at session 3".
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from booking.models import Appointment, AppointmentStatus
from booking.notifications import client_messages_plan
from clinic.notifications.models import Message, MessageKind, MessageState
from clinic.notifications.services import messages_dispatch
from intake import selectors, services
from intake.models import IntakeSettings
from tests.factories import AppointmentFactory, LocationFactory, PractitionerFactory
from tests.intake.helpers import submit_intake

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # Monday 1 June 2026, 09:00 in London
C, X, N, B, P = (AppointmentStatus.COMPLETED, AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW,
                 AppointmentStatus.BOOKED, AppointmentStatus.PENDING)
# (day, status, the session number it is): cancelled, no-show and unconfirmed sessions do not count;
# sessions booked ahead do.
HISTORY = [
    ((5, 19), C, 1), ((5, 22), X, None), ((5, 26), N, None), ((5, 29), C, 2),
    ((6, 4), B, 3), ((6, 5), X, None), ((6, 9), B, 4), ((6, 12), P, None), ((6, 16), B, 5), ((6, 19), B, 6),
]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def practitioner(db):
    return PractitionerFactory(location=LocationFactory(time_zone="Europe/London"))


@pytest.fixture
def course(client_user, practitioner):
    """Chloe's sessions (one a day, 10:00 London) with the clinic re-assessing at sessions 3 and 5."""
    IntakeSettings.objects.filter(pk=IntakeSettings.load().pk).update(reassess_at_sessions="3, 5")
    submit_intake(client_user)
    sessions = [AppointmentFactory(client=client_user, practitioner=practitioner, status=status,
                                   starts_at=datetime(2026, month, day, 10, 0, tzinfo=LONDON))
                for (month, day), status, _number in HISTORY]
    client_messages_plan(client=client_user)
    return sessions


def _my_day_row(c, appointment) -> dict:
    response = c.get(reverse("intake:practitioner_day"), {"date": f"{appointment.local_starts_at.date():%Y-%m-%d}"})
    (row,) = [r for r in response.context["rows"] if r["appointment"].pk == appointment.pk]
    row["html"] = response.content.decode()
    return row


def _check_ins() -> set[tuple[int, int]]:
    return {(m.appointment_id, m.params["session"])
            for m in Message.objects.filter(kind=MessageKind.COURSE_CHECKIN, state=MessageState.PENDING)}


def test_planner_selector_and_my_day_number_every_session_alike(login, practitioner, course):
    c = login(practitioner.user)
    selected = selectors.course_sessions(appointments=course)
    marked = set()
    for appointment, (_day, _status, number) in zip(course, HISTORY, strict=True):
        reassess = number if number in (3, 5) else None
        assert selected[appointment.pk] == selectors.CourseSession(number=number, reassess_at=reassess)
        if appointment.status == X:
            continue  # My day does not list cancelled sessions
        row = _my_day_row(c, appointment)
        assert (row["session"], row["reassess_due"]) == (number, reassess)
        assert (f"re-assess at session {reassess}" in row["html"]) == (reassess is not None)
        if reassess:
            marked.add((appointment.pk, reassess))
    # The check-in is planned for exactly the sessions My day marks, naming the same session number.
    assert _check_ins() == marked == {(course[4].pk, 3), (course[8].pk, 5)}


@pytest.mark.parametrize(("index", "sent_at", "words"), [
    (4, datetime(2026, 6, 2, 9, 0, tzinfo=UTC), "session 3 is on Thursday 4 June 2026, 10:00 (BST)"),
    (8, datetime(2026, 6, 14, 9, 0, tzinfo=UTC), "session 5 is on Tuesday 16 June 2026, 10:00 (BST)"),
])
def test_each_check_in_email_names_the_session_my_day_marks(login, practitioner, course, mailoutbox, clock, index,
                                                            sent_at, words):
    clock.move_to(sent_at)  # 48 hours before the session
    messages_dispatch()
    (email,) = [m for m in mailoutbox if "check-in" in m.subject]
    assert words in email.body
    number = int(words.split()[1])
    assert _my_day_row(login(practitioner.user), course[index])["reassess_due"] == number


def test_during_the_session_the_client_record_agrees(course, clock):
    clock.move_to(datetime(2026, 6, 4, 9, 30, tzinfo=UTC))  # session 3 is under way
    assert selectors.reassessment_due(client=course[0].client) == 3
    clock.move_to(datetime(2026, 6, 16, 9, 30, tzinfo=UTC))  # session 5 is under way, 3 was never done
    assert selectors.reassessment_due(client=course[0].client) == 5


def test_a_check_in_done_after_the_email_clears_the_mark_and_the_next_stays(login, practitioner, course, clock,
                                                                           mailoutbox):
    client = course[0].client
    clock.move_to(datetime(2026, 6, 2, 9, 0, tzinfo=UTC))
    messages_dispatch()
    clock.move_to(datetime(2026, 6, 2, 18, 0, tzinfo=UTC))  # the client answers the email that evening
    services.reassessment_record(client=client, recorded_by=client, answers={})
    client_messages_plan(client=client)

    c = login(practitioner.user)
    assert _my_day_row(c, course[4])["reassess_due"] is None
    assert _my_day_row(c, course[8])["reassess_due"] == 5
    assert _check_ins() == {(course[8].pk, 5)}
    clock.move_to(datetime(2026, 6, 4, 9, 30, tzinfo=UTC))
    assert selectors.reassessment_due(client=client) is None


def test_a_check_in_for_a_session_renumbered_since_is_not_sent(course, clock, mailoutbox):
    # The client's second session is written off as a no-show after the check-in for session 3 was planned
    # (a status change that re-plans nothing): the session it was planned for is now their second.
    Appointment.objects.filter(pk=course[3].pk).update(status=N)
    clock.move_to(datetime(2026, 6, 2, 9, 0, tzinfo=UTC))
    messages_dispatch()

    assert not [m for m in mailoutbox if "check-in" in m.subject]
    (check_in,) = Message.objects.filter(appointment=course[4], kind=MessageKind.COURSE_CHECKIN)
    assert check_in.state == MessageState.CANCELLED and "no check-in is due" in check_in.last_error.lower()
