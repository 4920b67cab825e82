"""A time taken from a waitlist offer is recorded as such, not as a phone booking, and keeps the staff bounds
(the clinic made the offer, so the online minimum notice does not apply)."""

from __future__ import annotations

import time_machine
from django.urls import reverse

from booking import services as booking_services
from booking.models import AppointmentEvent, BookedVia
from frontdesk import services
from frontdesk.models import WaitlistOffer

from .conftest import at
from .factories import QuickClientFactory, WaitlistEntryFactory

MONDAY = at(2026, 3, 2, 8, 0)


def _accepted(clinic, appointment, front_desk_user, django_capture_on_commit_callbacks, start):
    """Amy waits for a follow-up; a session at ``start`` is cancelled, offered to her, and she takes it."""
    amy = WaitlistEntryFactory(client=QuickClientFactory(first_name="Amy", last_name="Waiting"),
                               service=clinic.follow_up, location=clinic.location)
    session = appointment(start)
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.appointment_cancel(appointment=session, actor=front_desk_user, reason="Unwell",
                                            by_staff=True)
    return services.waitlist_offer_accept(offer=WaitlistOffer.objects.get(entry=amy))


@time_machine.travel(MONDAY, tick=False)
def test_an_accepted_offer_is_recorded_as_booked_from_the_waitlist(desk, clinic, appointment, front_desk_user,
                                                                   django_capture_on_commit_callbacks):
    booked = _accepted(clinic, appointment, front_desk_user, django_capture_on_commit_callbacks, at(2026, 3, 3, 10))
    assert booked.booked_via == BookedVia.WAITLIST
    event = AppointmentEvent.objects.get(appointment=booked, action="booked")
    assert event.details["via"] == "waitlist" and event.actor == booked.client
    page = desk.get(reverse("frontdesk:appointment", args=[booked.pk]))
    assert page.context["history"][0].text == "Booked from a waitlist offer for Tue 03 Mar 2026 10:00"
    assert "Waitlist offer," in desk.get(reverse("frontdesk:appointment", args=[booked.pk]), {"panel": "1"},
                                         HTTP_HX_REQUEST="true").content.decode()


@time_machine.travel(MONDAY, tick=False)
def test_an_offer_inside_the_online_minimum_notice_can_still_be_taken(clinic, appointment, front_desk_user,
                                                                      django_capture_on_commit_callbacks):
    # 11:00 today is three hours away: inside the 12 hours' notice a client booking online needs.
    booked = _accepted(clinic, appointment, front_desk_user, django_capture_on_commit_callbacks, at(2026, 3, 2, 11))
    assert (booked.starts_at, booked.booked_via, booked.status) == (at(2026, 3, 2, 11), BookedVia.WAITLIST, "booked")
