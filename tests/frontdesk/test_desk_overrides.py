"""Rules the desk may set aside, but knowingly: a client already in a session then, a follow-up before a new
client's initial consultation. The page warns, books nothing, and offers "Book anyway" / "Move anyway";
only that confirmation, for that very time, books, and the appointment's history records it."""

from __future__ import annotations

import json

import time_machine
from django.urls import reverse

from booking.models import Appointment, AppointmentEvent, AppointmentStatus
from frontdesk.forms import slot_value
from tests.factories import ClientFactory

from .conftest import at

MONDAY = at(2026, 3, 2, 8, 0)
BOOK = reverse("frontdesk:book")


def _returning(appointment, clinic, **names):
    """A client with a past initial consultation, so only the overlap rule is in play."""
    client = ClientFactory(**names)
    appointment(at(2026, 2, 2, 10), client=client, service=clinic.initial, practitioner=clinic.li, room=clinic.lotus,
                status=AppointmentStatus.COMPLETED)
    return client


def _book(desk, client, clinic, practitioner, start, service=None, **extra):
    return desk.post(BOOK, {"client": client.pk, "location": clinic.location.pk,
                            "service": (service or clinic.follow_up).pk, "date": start.date().isoformat(),
                            "practitioner": "", "slot": slot_value(practitioner.pk, start), "confirm": "1", **extra})


def _move(desk, session, practitioner, start, headers=None, **extra):
    return desk.post(reverse("frontdesk:appointment_move", args=[session.pk]), {
        "date": start.date().isoformat(), "practitioner": "", "slot": slot_value(practitioner.pk, start),
        "confirm": "1", **extra}, **(headers or {}))


@time_machine.travel(MONDAY, tick=False)
def test_booking_a_client_who_is_in_another_session_then_warns_and_books_nothing(desk, clinic, appointment):
    chloe = _returning(appointment, clinic, first_name="Chloe", last_name="Martin")
    with_li = appointment(at(2026, 3, 3, 10), client=chloe, practitioner=clinic.li, room=clinic.lotus)
    slot = slot_value(clinic.ana.pk, at(2026, 3, 3, 10, 30))
    response = _book(desk, chloe, clinic, clinic.ana, at(2026, 3, 3, 10, 30), desk_note="Parking at the back")
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["error"] == (
        "Chloe Martin already has Facial acupuncture follow-up with Li Wei on Tuesday 3 March at 10:00, which "
        "overlaps this time. Go ahead only if the client really wants both sessions.")
    assert response.context["warning"] == {"label": "Book anyway", "override": "client_overlap", "warned": slot}
    assert 'data-testid="override"' in html and "Book anyway" in html
    assert f'value="{slot}" autocomplete="off" checked' in html  # the chosen time stays chosen
    assert 'value="Parking at the back"' in html
    assert list(Appointment.objects.filter(client=chloe, starts_at__gte=MONDAY)) == [with_li]


@time_machine.travel(MONDAY, tick=False)
def test_book_anyway_books_and_the_history_records_the_override(desk, clinic, appointment, front_desk_user):
    chloe = _returning(appointment, clinic)
    with_li = appointment(at(2026, 3, 3, 10), client=chloe, practitioner=clinic.li, room=clinic.lotus)
    start = at(2026, 3, 3, 10, 30)
    response = _book(desk, chloe, clinic, clinic.ana, start, override="client_overlap",
                     warned=slot_value(clinic.ana.pk, start))
    assert response.status_code == 302
    booked = Appointment.objects.get(client=chloe, practitioner=clinic.ana)
    event = AppointmentEvent.objects.get(appointment=booked, action="booked")
    assert event.actor == front_desk_user and event.details["overrides"] == {"client_overlap": with_li.pk}


@time_machine.travel(MONDAY, tick=False)
def test_a_confirmation_given_for_another_time_does_not_count(desk, clinic, appointment):
    chloe = _returning(appointment, clinic)
    appointment(at(2026, 3, 3, 10), client=chloe, practitioner=clinic.li, room=clinic.lotus)
    response = _book(desk, chloe, clinic, clinic.ana, at(2026, 3, 3, 10, 30), override="client_overlap",
                     warned=slot_value(clinic.ana.pk, at(2026, 3, 3, 10, 15)))  # warned about 10:15, then changed
    assert response.status_code == 200 and response.context["warning"]["label"] == "Book anyway"
    assert not Appointment.objects.filter(client=chloe, practitioner=clinic.ana).exists()


@time_machine.travel(MONDAY, tick=False)
def test_moving_onto_the_clients_other_session_warns_then_moves_anyway(desk, clinic, appointment):
    chloe = _returning(appointment, clinic)
    with_li = appointment(at(2026, 3, 3, 10), client=chloe, practitioner=clinic.li, room=clinic.lotus)
    session = appointment(at(2026, 3, 4, 10), client=chloe)
    start = at(2026, 3, 3, 10, 30)
    warned = _move(desk, session, clinic.ana, start)
    assert warned.status_code == 200
    assert warned.context["error"].startswith(f"{chloe.full_name} already has Facial acupuncture follow-up")
    assert warned.context["warning"]["label"] == "Move anyway"
    session.refresh_from_db()
    assert session.starts_at == at(2026, 3, 4, 10)

    moved = _move(desk, session, clinic.ana, start, override="client_overlap", warned=slot_value(clinic.ana.pk, start))
    assert moved.status_code == 302
    session.refresh_from_db()
    assert session.starts_at == start
    event = AppointmentEvent.objects.get(appointment=session, action="rescheduled")
    assert event.details["overrides"] == {"client_overlap": with_li.pk}


@time_machine.travel(MONDAY, tick=False)
def test_a_dropped_session_onto_the_clients_other_session_asks_before_moving(desk, clinic, appointment):
    chloe = _returning(appointment, clinic)
    appointment(at(2026, 3, 3, 10), client=chloe, practitioner=clinic.li, room=clinic.lotus)
    session = appointment(at(2026, 3, 4, 10), client=chloe)
    start = at(2026, 3, 3, 10, 30)
    json_headers = {"HTTP_ACCEPT": "application/json"}
    asked = _move(desk, session, clinic.ana, start, headers=json_headers)
    data = json.loads(asked.content)
    assert asked.status_code == 409
    assert (data["ok"], data["confirm"], data["override"]) == (False, "Move anyway", "client_overlap")
    assert data["warned"] == slot_value(clinic.ana.pk, start)
    session.refresh_from_db()
    assert session.starts_at == at(2026, 3, 4, 10)

    confirmed = _move(desk, session, clinic.ana, start, headers=json_headers, override=data["override"],
                      warned=data["warned"])
    assert json.loads(confirmed.content)["ok"] is True
    session.refresh_from_db()
    assert session.starts_at == start


@time_machine.travel(MONDAY, tick=False)
def test_a_follow_up_before_a_new_clients_first_consultation_needs_a_confirmation(desk, clinic):
    nina = ClientFactory(first_name="Nina", last_name="New")
    start = at(2026, 3, 3, 10)
    warned = _book(desk, nina, clinic, clinic.ana, start)
    assert warned.status_code == 200
    assert warned.context["error"] == (
        "This would be Nina New's first visit, and the clinic books an initial consultation first (longer, with the "
        "intake review). Book Facial acupuncture follow-up only if the practitioner has agreed.")
    assert warned.context["warning"]["override"] == "first_visit"
    assert not Appointment.objects.filter(client=nina).exists()

    booked = _book(desk, nina, clinic, clinic.ana, start, override="first_visit",
                   warned=slot_value(clinic.ana.pk, start))
    assert booked.status_code == 302
    appointment = Appointment.objects.get(client=nina)
    assert appointment.service == clinic.follow_up and appointment.is_first_visit
    event = AppointmentEvent.objects.get(appointment=appointment, action="booked")
    assert event.details["overrides"] == {"first_visit": True}


@time_machine.travel(MONDAY, tick=False)
def test_the_initial_consultation_itself_needs_no_confirmation(desk, clinic):
    nina = ClientFactory()
    response = _book(desk, nina, clinic, clinic.ana, at(2026, 3, 3, 10), service=clinic.initial)
    assert response.status_code == 302


@time_machine.travel(MONDAY, tick=False)
def test_two_warnings_are_confirmed_one_after_the_other(desk, clinic, appointment):
    nina = ClientFactory(first_name="Nina", last_name="New")
    consultation = appointment(at(2026, 3, 3, 10), client=nina, practitioner=clinic.li, room=clinic.lotus,
                               service=clinic.initial)
    start = at(2026, 3, 3, 9, 30)
    slot = slot_value(clinic.ana.pk, start)
    first = _book(desk, nina, clinic, clinic.ana, start)
    assert "would come before Nina New's initial consultation" in first.context["error"]
    second = _book(desk, nina, clinic, clinic.ana, start, override=first.context["warning"]["override"], warned=slot)
    assert second.context["error"].startswith("Nina New already has Initial consultation with Li Wei")
    assert second.context["warning"]["override"] == "first_visit client_overlap"
    assert not Appointment.objects.filter(client=nina, practitioner=clinic.ana).exists()
    done = _book(desk, nina, clinic, clinic.ana, start, override=second.context["warning"]["override"], warned=slot)
    assert done.status_code == 302
    event = AppointmentEvent.objects.get(appointment__client=nina, appointment__practitioner=clinic.ana)
    assert event.details["overrides"] == {"first_visit": True, "client_overlap": consultation.pk}
