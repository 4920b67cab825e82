"""Moving a session from the calendar: the desk chooses whether the client is emailed, and can undo the move
for a few minutes (through the same service and rules). Keyboard users reach the same move from the block."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.urls import reverse

from booking.models import AppointmentEvent, AppointmentStatus
from booking.notifications import client_messages_plan
from clinic.notifications.models import Message, MessageKind, MessageState
from frontdesk.forms import slot_value

from .conftest import at

MONDAY = at(2026, 3, 2, 8, 0)
JSON = {"HTTP_ACCEPT": "application/json"}


def _move(desk, session, practitioner, start, **extra):
    return desk.post(reverse("frontdesk:appointment_move", args=[session.pk]),
                     {"date": start.date().isoformat(), "practitioner": practitioner.pk,
                      "slot": slot_value(practitioner.pk, start), "confirm": "1", **extra}, **JSON)


def _undo(desk, session, token, **extra):
    return desk.post(reverse("frontdesk:appointment_move", args=[session.pk]), {"undo": token, **extra}, **JSON)


def _notices(session):
    return Message.objects.filter(appointment=session, kind=MessageKind.RESCHEDULED)


def _planned(session):
    """The session's pending reminders, by the session time they are for."""
    return set(Message.objects.filter(appointment=session, kind=MessageKind.REMINDER, state=MessageState.PENDING)
               .values_list("for_starts_at", flat=True))


@time_machine.travel(MONDAY, tick=False)
def test_unticking_email_moves_the_reminders_but_sends_no_notice(desk, clinic, appointment):
    session = appointment(at(2026, 3, 5, 10))
    client_messages_plan(client=session.client)
    assert _planned(session) == {at(2026, 3, 5, 10)}

    response = _move(desk, session, clinic.ana, at(2026, 3, 5, 14), notify="0")

    assert response.status_code == 200 and response.json()["ok"]
    assert "The client was not emailed." in response.json()["message"]
    session.refresh_from_db()
    assert session.starts_at == at(2026, 3, 5, 14)
    assert not _notices(session).exists()
    assert _planned(session) == {at(2026, 3, 5, 14)}  # the reminders follow the session all the same
    event = AppointmentEvent.objects.get(appointment=session, action="rescheduled")
    assert event.details["notified"] is False


@time_machine.travel(MONDAY, tick=False)
def test_ticked_email_queues_the_notice_as_before(desk, clinic, appointment):
    session = appointment(at(2026, 3, 5, 10))
    # The page posts a hidden 0 and, when ticked, the checkbox's 1 after it: the last one wins.
    response = desk.post(reverse("frontdesk:appointment_move", args=[session.pk]),
                         {"date": "2026-03-05", "practitioner": clinic.ana.pk, "confirm": "1",
                          "slot": slot_value(clinic.ana.pk, at(2026, 3, 5, 14)), "notify": ["0", "1"]})
    assert response.status_code == 302
    assert _notices(session).count() == 1
    assert "notified" not in AppointmentEvent.objects.get(appointment=session, action="rescheduled").details


@time_machine.travel(MONDAY, tick=False)
def test_the_move_page_offers_the_email_choice_ticked(desk, clinic, appointment):
    session = appointment(at(2026, 3, 5, 10))
    html = desk.get(reverse("frontdesk:appointment_move", args=[session.pk])).content.decode()
    assert "Email the client about the change" in html
    assert 'name="notify" value="1" id="fd-notify" checked' in html


@time_machine.travel(MONDAY, tick=False)
def test_undo_puts_the_session_back_through_the_service(desk, clinic, appointment):
    session = appointment(at(2026, 3, 5, 10))
    moved = _move(desk, session, clinic.li, at(2026, 3, 5, 14), notify="0").json()
    assert moved["undo_minutes"] == 5

    response = _undo(desk, session, moved["undo"], notify="0")

    assert response.status_code == 200 and response.json()["ok"], response.json()
    session.refresh_from_db()
    assert (session.starts_at, session.practitioner) == (at(2026, 3, 5, 10), clinic.ana)
    assert AppointmentEvent.objects.filter(appointment=session, action="rescheduled").count() == 2
    assert not _notices(session).exists()  # the client never heard of the move nor of its undo


@time_machine.travel(MONDAY, tick=False)
def test_undo_says_so_when_the_old_time_was_taken_meanwhile(desk, clinic, appointment):
    session = appointment(at(2026, 3, 5, 10))
    moved = _move(desk, session, clinic.ana, at(2026, 3, 5, 14)).json()
    appointment(at(2026, 3, 5, 10), practitioner=clinic.ana)  # booked into the freed time

    response = _undo(desk, session, moved["undo"])

    assert response.status_code == 409
    assert not response.json()["ok"] and response.json()["message"]
    session.refresh_from_db()
    assert session.starts_at == at(2026, 3, 5, 14)  # nothing changed


def test_undo_is_refused_after_a_few_minutes(desk, clinic, appointment):
    with time_machine.travel(MONDAY, tick=False):
        session = appointment(at(2026, 3, 5, 10))
        token = _move(desk, session, clinic.ana, at(2026, 3, 5, 14)).json()["undo"]
    with time_machine.travel(MONDAY + timedelta(minutes=6), tick=False):
        response = _undo(desk, session, token)
    assert response.status_code == 409
    assert "Undo is only possible for 5 minutes" in response.json()["message"]
    session.refresh_from_db()
    assert session.starts_at == at(2026, 3, 5, 14)


@time_machine.travel(MONDAY, tick=False)
def test_an_undo_token_only_undoes_its_own_session(desk, clinic, appointment):
    session, other = appointment(at(2026, 3, 5, 10)), appointment(at(2026, 3, 6, 10))
    token = _move(desk, session, clinic.ana, at(2026, 3, 5, 14)).json()["undo"]
    response = _undo(desk, other, token)
    assert response.status_code == 409
    other.refresh_from_db()
    assert other.starts_at == at(2026, 3, 6, 10)


@time_machine.travel(MONDAY, tick=False)
def test_undo_follows_the_same_rules_as_a_move(desk, clinic, appointment):
    session = appointment(at(2026, 3, 5, 10))
    token = _move(desk, session, clinic.ana, at(2026, 3, 5, 14)).json()["undo"]
    session.status = AppointmentStatus.ARRIVED
    session.save(update_fields=["status"])
    response = _undo(desk, session, token)
    assert response.status_code == 409 and "cannot be moved" in response.json()["message"]


@time_machine.travel(MONDAY, tick=False)
def test_an_undo_that_needs_the_desks_anyway_offers_it_and_honours_only_it(desk, clinic, appointment):
    session = appointment(at(2026, 3, 5, 10))
    appointment(at(2026, 2, 5, 10), client=session.client, status=AppointmentStatus.COMPLETED)  # a regular
    moved = _move(desk, session, clinic.ana, at(2026, 3, 5, 14)).json()
    # Meanwhile the client took the old time with Li: going back would overlap their own session.
    appointment(at(2026, 3, 5, 10), practitioner=clinic.li, client=session.client, room=clinic.lotus)

    warned = _undo(desk, session, moved["undo"])

    assert warned.status_code == 409
    offer = warned.json()
    assert "overlaps this time" in offer["message"]
    assert (offer["confirm"], offer["override"]) == ("Move anyway", "client_overlap")
    assert offer["warned"] == slot_value(clinic.ana.pk, at(2026, 3, 5, 10))  # the time the undo goes back to
    elsewhere = _undo(desk, session, moved["undo"], override=offer["override"],
                      warned=slot_value(clinic.ana.pk, at(2026, 3, 5, 15)))
    assert elsewhere.status_code == 409  # confirmed for another time: not this one
    session.refresh_from_db()
    assert session.starts_at == at(2026, 3, 5, 14)

    response = _undo(desk, session, moved["undo"], override=offer["override"], warned=offer["warned"])

    assert response.status_code == 200 and response.json()["ok"], response.json()
    session.refresh_from_db()
    assert session.starts_at == at(2026, 3, 5, 10)
    event = AppointmentEvent.objects.filter(appointment=session, action="rescheduled").latest("pk")
    assert "client_overlap" in event.details["overrides"]


@time_machine.travel(MONDAY, tick=False)
def test_a_session_is_moved_by_keyboard_from_its_calendar_block(desk, clinic, appointment):
    """The block is a link (Tab reaches it, Enter opens the panel); the panel's Move is a link to the move page."""
    session = appointment(at(2026, 3, 2, 10))
    calendar = desk.get(reverse("frontdesk:calendar"), {"date": "2026-03-02", "view": "day"}).content.decode()
    detail = reverse("frontdesk:appointment", args=[session.pk])
    assert f'<a class="fd-appt st-booked" href="{detail}?next=' in calendar
    panel = desk.get(detail, {"panel": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert f'href="{reverse("frontdesk:appointment_move", args=[session.pk])}?next=' in panel


@time_machine.travel(MONDAY, tick=False)
def test_the_service_queues_no_notice_when_told_not_to(clinic, appointment, front_desk_user):
    from booking.services import appointment_reschedule

    session = appointment(at(2026, 3, 5, 10))
    appointment_reschedule(appointment=session, starts_at=at(2026, 3, 5, 15), actor=front_desk_user, by_staff=True,
                           notify=False)
    assert not _notices(session).exists()
    appointment_reschedule(appointment=session, starts_at=at(2026, 3, 5, 11), actor=front_desk_user, by_staff=True)
    assert _notices(session).count() == 1  # the default still tells the client
