"""Cancelling with a reason, after a confirmation step; late cancellations are marked."""

from __future__ import annotations

import time_machine
from django.urls import reverse

from booking.models import AppointmentEvent, AppointmentStatus

from .conftest import at

MONDAY = at(2026, 3, 2, 8, 0)


def _url(appointment):
    return reverse("frontdesk:appointment_cancel", args=[appointment.pk])


@time_machine.travel(MONDAY, tick=False)
def test_it_asks_for_confirmation_first(desk, clinic, appointment):
    session = appointment(at(2026, 3, 9, 10))
    html = desk.get(_url(session)).content.decode()
    assert "Cancel this appointment?" in html and "Yes, cancel the appointment" in html
    assert "late cancellation" not in html
    session.refresh_from_db()
    assert session.status == AppointmentStatus.BOOKED


@time_machine.travel(MONDAY, tick=False)
def test_it_cancels_with_a_reason_and_records_it(desk, clinic, appointment, front_desk_user, mailoutbox,
                                                  django_capture_on_commit_callbacks):
    session = appointment(at(2026, 3, 9, 10))
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(_url(session), {"reason": "Client unwell"})
    session.refresh_from_db()
    assert response.status_code == 302
    assert (session.status, session.cancel_reason, session.late_cancellation) == ("cancelled", "Client unwell", False)
    event = AppointmentEvent.objects.get(appointment=session)
    assert (event.action, event.actor) == ("cancelled", front_desk_user)
    assert [(m.to, "cancelled" in m.subject.lower()) for m in mailoutbox] == [([session.client.email], True)]
    history = desk.get(reverse("frontdesk:appointment", args=[session.pk])).context["history"]
    assert history[-1].text == "Cancelled: Client unwell"


@time_machine.travel(MONDAY, tick=False)
def test_inside_the_window_it_warns_and_marks_a_late_cancellation(desk, clinic, appointment):
    session = appointment(at(2026, 3, 2, 15))  # 7 hours away; the window is 24 hours
    assert "late cancellation" in desk.get(_url(session)).content.decode()
    response = desk.post(_url(session), {"reason": "Client called"}, follow=True)
    session.refresh_from_db()
    assert session.late_cancellation is True
    assert "Recorded as a late cancellation." in response.content.decode()
    history = desk.get(reverse("frontdesk:appointment", args=[session.pk])).context["history"]
    assert history[-1].text == "Cancelled (late cancellation): Client called"


@time_machine.travel(MONDAY, tick=False)
def test_it_needs_a_reason(desk, clinic, appointment):
    session = appointment(at(2026, 3, 9, 10))
    response = desk.post(_url(session), {"reason": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    session.refresh_from_db()
    assert session.status == AppointmentStatus.BOOKED


@time_machine.travel(MONDAY, tick=False)
def test_a_completed_session_cannot_be_cancelled(desk, clinic, appointment):
    session = appointment(at(2026, 3, 1, 10), status=AppointmentStatus.COMPLETED)
    response = desk.post(_url(session), {"reason": "Oops"}, follow=True)
    assert "cannot be cancelled" in response.content.decode()
    session.refresh_from_db()
    assert session.status == AppointmentStatus.COMPLETED


@time_machine.travel(MONDAY, tick=False)
def test_it_returns_to_the_calendar_it_came_from_but_never_off_site(desk, clinic, appointment):
    first, second = appointment(at(2026, 3, 9, 10)), appointment(at(2026, 3, 9, 12))
    back = f"{reverse('frontdesk:calendar')}?date=2026-03-09&view=week"
    assert desk.post(_url(first), {"reason": "x", "next": back})["Location"] == back
    evil = desk.post(_url(second), {"reason": "x", "next": "https://evil.example/"})
    assert evil["Location"].startswith(reverse("frontdesk:calendar"))
