"""The appointment page tells the desk which messages the client got, and which are still to come."""

from __future__ import annotations

import time_machine
from django.urls import reverse

from booking import services
from tests.helpers import submit_blank_intake

from .conftest import at

MONDAY = at(2026, 3, 2, 8, 0)


@time_machine.travel(MONDAY, tick=False)
def test_the_desk_sees_what_went_and_what_is_planned(desk, clinic, front_desk_user, django_capture_on_commit_callbacks):
    from tests.factories import ClientFactory

    chloe = ClientFactory(first_name="Chloe")
    submit_blank_intake(chloe)
    with django_capture_on_commit_callbacks(execute=True):
        session = services.appointment_book(client=chloe, service=clinic.follow_up, practitioner=clinic.ana,
                                            starts_at=at(2026, 3, 5, 10), location=clinic.location,
                                            actor=front_desk_user, via="phone", overrides={"first_visit"})

    page = desk.get(reverse("frontdesk:appointment", args=[session.pk]))

    rows = [(m.get_kind_display(), m.state) for m in page.context["client_messages"]]
    assert rows == [("Booking confirmation", "sent"), ("Reminder", "pending"), ("Reminder", "pending"),
                    ("Aftercare note", "pending")]
    html = page.content.decode()
    assert "Reminder (48 h before)" in html and "Tue 3 Mar 10:00" in html  # due times in the location's zone
    assert "Dear Chloe" not in html  # never the content
