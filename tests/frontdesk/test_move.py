"""Moving a session (form and drag-and-drop), with its history and clashes."""

from __future__ import annotations

import json

import time_machine
from django.urls import reverse

from booking.models import AppointmentEvent, AppointmentStatus
from frontdesk.forms import slot_value

from .conftest import at

MONDAY = at(2026, 3, 2, 8, 0)


def _url(appointment):
    return reverse("frontdesk:appointment_move", args=[appointment.pk])


def _move(desk, appointment, practitioner, start, **headers):
    return desk.post(_url(appointment), {"date": start.date().isoformat(), "practitioner": "",
                                         "slot": slot_value(practitioner.pk, start), "confirm": "1"}, **headers)


@time_machine.travel(MONDAY, tick=False)
def test_it_moves_a_session_to_another_practitioner_and_records_it(desk, clinic, appointment, front_desk_user,
                                                                   mailoutbox, django_capture_on_commit_callbacks):
    session = appointment(at(2026, 3, 3, 10))
    with django_capture_on_commit_callbacks(execute=True):
        response = _move(desk, session, clinic.li, at(2026, 3, 3, 14, 30))
    session.refresh_from_db()
    assert response.status_code == 302
    assert (session.starts_at, session.practitioner) == (at(2026, 3, 3, 14, 30), clinic.li)
    event = AppointmentEvent.objects.get(appointment=session, action="rescheduled")
    assert event.actor == front_desk_user
    assert [(m.to, "moved" in m.subject) for m in mailoutbox] == [([session.client.email], True)]
    history = desk.get(reverse("frontdesk:appointment", args=[session.pk])).context["history"]
    assert history[-1].text == "Moved from Tue 03 Mar 2026 10:00 to Tue 03 Mar 2026 14:30, Ana Torres to Li Wei"
    assert history[-1].actor == front_desk_user.full_name


@time_machine.travel(MONDAY, tick=False)
def test_the_form_offers_free_times_that_ignore_the_session_itself(desk, clinic, appointment):
    session = appointment(at(2026, 3, 2, 10))
    response = desk.get(_url(session))
    ((practitioner, slots),) = response.context["groups"]
    assert practitioner == clinic.ana
    assert slot_value(clinic.ana.pk, at(2026, 3, 2, 10, 15)) in [v for v, _label in slots]  # overlaps its own time


@time_machine.travel(MONDAY, tick=False)
def test_a_clash_shows_the_conflict_and_keeps_the_calendar_as_it_was(desk, clinic, appointment):
    session = appointment(at(2026, 3, 2, 10))
    appointment(at(2026, 3, 2, 14), practitioner=clinic.li, room=clinic.lotus)
    response = _move(desk, session, clinic.li, at(2026, 3, 2, 14, 30))
    session.refresh_from_db()
    assert response.status_code == 200
    assert "that time was just taken" in response.context["error"]
    assert response.context["alternatives"]
    assert (session.starts_at, session.practitioner) == (at(2026, 3, 2, 10), clinic.ana)
    assert not AppointmentEvent.objects.filter(appointment=session).exists()


@time_machine.travel(MONDAY, tick=False)
def test_a_dropped_session_that_clashes_gets_the_reason_and_alternatives_as_json(desk, clinic, appointment):
    session = appointment(at(2026, 3, 2, 10))
    appointment(at(2026, 3, 2, 14), practitioner=clinic.li, room=clinic.lotus)
    response = _move(desk, session, clinic.li, at(2026, 3, 2, 14), HTTP_ACCEPT="application/json")
    data = json.loads(response.content)
    assert response.status_code == 409
    assert data["ok"] is False and "just taken" in data["message"] and data["alternatives"]
    session.refresh_from_db()
    assert session.starts_at == at(2026, 3, 2, 10)


@time_machine.travel(MONDAY, tick=False)
def test_a_dropped_session_that_fits_is_moved(desk, clinic, appointment):
    session = appointment(at(2026, 3, 2, 10))
    response = _move(desk, session, clinic.ana, at(2026, 3, 2, 12), HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and json.loads(response.content)["ok"] is True
    session.refresh_from_db()
    assert session.starts_at == at(2026, 3, 2, 12)


@time_machine.travel(MONDAY, tick=False)
def test_a_drop_outside_working_hours_is_refused(desk, clinic, appointment):
    session = appointment(at(2026, 3, 2, 10))
    response = _move(desk, session, clinic.ana, at(2026, 3, 2, 18), HTTP_ACCEPT="application/json")
    assert response.status_code == 409
    assert "not available" in json.loads(response.content)["message"]


@time_machine.travel(MONDAY, tick=False)
def test_a_finished_session_cannot_be_moved(desk, clinic, appointment):
    session = appointment(at(2026, 3, 2, 9), status=AppointmentStatus.ARRIVED)
    response = desk.get(_url(session), follow=True)
    assert "cannot be moved" in response.content.decode()
