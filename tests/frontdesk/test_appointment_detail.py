"""The appointment's page and calendar side panel: details, actions by role, history, no clinical content."""

from __future__ import annotations

import time_machine
from django.urls import reverse

from booking import services as booking_services
from booking.models import BookedVia
from tests.factories import ClientFactory

from .conftest import at
from .intake_states import SECRET, submitted

MONDAY = at(2026, 3, 2, 8, 0)


@time_machine.travel(MONDAY, tick=False)
def test_the_history_says_who_did_what_and_when(desk, clinic, front_desk_user):
    chloe = ClientFactory(first_name="Chloe", last_name="Martin")
    booked = booking_services.appointment_book(client=chloe, service=clinic.initial, practitioner=clinic.ana,
                                               starts_at=at(2026, 3, 2, 10), location=clinic.location,
                                               actor=front_desk_user, via=BookedVia.PHONE)
    with time_machine.travel(at(2026, 3, 2, 9, 55), tick=False):
        booking_services.appointment_set_status(appointment=booked, status="arrived", actor=front_desk_user)
    response = desk.get(reverse("frontdesk:appointment", args=[booked.pk]))
    lines = [(line.at.astimezone(clinic.location.tz).strftime("%H:%M"), line.actor, line.text)
             for line in response.context["history"]]
    assert lines == [("08:00", front_desk_user.full_name, "Booked by the front desk for Mon 02 Mar 2026 10:00"),
                     ("09:55", front_desk_user.full_name, "Marked arrived")]


@time_machine.travel(MONDAY, tick=False)
def test_a_client_booking_online_is_named_as_the_client(desk, clinic):
    chloe = ClientFactory(first_name="Chloe", last_name="Martin")
    booked = booking_services.appointment_book(client=chloe, service=clinic.initial, practitioner=clinic.ana,
                                               starts_at=at(2026, 3, 4, 10), location=clinic.location)
    (line,) = desk.get(reverse("frontdesk:appointment", args=[booked.pk])).context["history"]
    assert (line.actor, line.text) == ("Chloe Martin (client)", "Booked online for Wed 04 Mar 2026 10:00")


@time_machine.travel(at(2026, 3, 2, 10, 15), tick=False)  # started: a no-show is only offered after the start
def test_the_panel_offers_the_next_steps_to_the_desk(desk, clinic, appointment):
    session = appointment(at(2026, 3, 2, 10))
    html = desk.get(reverse("frontdesk:appointment", args=[session.pk]), {"panel": "1"},
                    HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html
    for label in ("Arrived", "No-show", "Move", "Cancel…", "Chase intake"):
        assert label in html


@time_machine.travel(MONDAY, tick=False)
def test_a_practitioner_sees_the_appointment_but_no_buttons(login, clinic, appointment):
    session = appointment(at(2026, 3, 2, 10))
    html = login(clinic.li.user).get(reverse("frontdesk:appointment", args=[session.pk])).content.decode()
    assert "Facial acupuncture follow-up" in html
    assert "Arrived" not in html and "Cancel…" not in html


@time_machine.travel(MONDAY, tick=False)
def test_it_never_shows_intake_answers(desk, clinic, appointment):
    chloe = ClientFactory()
    submitted(chloe, review_flag=True)
    session = appointment(at(2026, 3, 2, 10), client=chloe)
    for params in ({}, {"panel": "1"}):
        html = desk.get(reverse("frontdesk:appointment", args=[session.pk]), params,
                        HTTP_HX_REQUEST="true").content.decode()
        assert "Flags to review" in html and SECRET not in html


def test_an_unknown_appointment_is_a_404(desk, clinic):
    assert desk.get(reverse("frontdesk:appointment", args=[999])).status_code == 404
