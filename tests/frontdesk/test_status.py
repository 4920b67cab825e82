"""Check-in: arrived, in treatment, completed, no-show, each recorded in the history."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from booking.models import AppointmentEvent, AppointmentStatus
from clinic.notifications.services import messages_dispatch

from .conftest import at

MONDAY_NOON = at(2026, 3, 2, 12, 0)


def _set(client, appointment, status, **extra):
    return client.post(reverse("frontdesk:appointment_status", args=[appointment.pk]), {"status": status, **extra})


def test_a_session_goes_from_arrival_to_completed(desk, clinic, appointment, front_desk_user, mailoutbox,
                                                  django_capture_on_commit_callbacks):
    with time_machine.travel(MONDAY_NOON, tick=False):
        session = appointment(at(2026, 3, 2, 11))
        with django_capture_on_commit_callbacks(execute=True):
            for status in ("arrived", "in_treatment", "completed"):
                assert _set(desk, session, status).status_code == 302
                session.refresh_from_db()
                assert session.status == status
        events = list(AppointmentEvent.objects.filter(appointment=session).values_list("action", "actor"))
        assert events == [(s, front_desk_user.pk) for s in ("arrived", "in_treatment", "completed")]
        page = desk.get(reverse("frontdesk:appointment", args=[session.pk]))
        assert [line.text for line in page.context["history"]] == [
            "Marked arrived", "Marked in treatment", "Marked completed"]
        assert mailoutbox == []  # aftercare waits an hour, so the practitioner can add to it
    with time_machine.travel(MONDAY_NOON + timedelta(hours=1), tick=False):
        messages_dispatch()
    assert [(m.to, "aftercare" in m.subject.lower()) for m in mailoutbox] == [([session.client.email], True)]


@time_machine.travel(MONDAY_NOON, tick=False)
def test_a_no_show_is_recorded_and_can_be_undone(desk, clinic, appointment):
    session = appointment(at(2026, 3, 2, 10))
    _set(desk, session, "no_show")
    session.refresh_from_db()
    assert session.status == AppointmentStatus.NO_SHOW
    _set(desk, session, "booked")
    session.refresh_from_db()
    assert session.status == AppointmentStatus.BOOKED
    history = [line.text for line in desk.get(reverse("frontdesk:appointment", args=[session.pk])).context["history"]]
    assert history == ["Marked no-show", "Back to booked (was no-show)"]


@time_machine.travel(MONDAY_NOON, tick=False)
def test_a_change_that_makes_no_sense_is_refused_with_a_message(desk, clinic, appointment):
    session = appointment(at(2026, 3, 2, 10))
    response = _set(desk, session, "completed")
    assert response.status_code == 302
    page = desk.get(response["Location"]).content.decode()
    assert "cannot be marked completed" in page
    session.refresh_from_db()
    assert session.status == AppointmentStatus.BOOKED
    assert not AppointmentEvent.objects.filter(appointment=session).exists()


@time_machine.travel(MONDAY_NOON, tick=False)
def test_no_one_arrives_for_a_session_next_week(desk, clinic, appointment):
    session = appointment(at(2026, 3, 9, 10))
    desk.post(reverse("frontdesk:appointment_status", args=[session.pk]), {"status": "arrived"})
    session.refresh_from_db()
    assert session.status == AppointmentStatus.BOOKED


@pytest.mark.parametrize("status", ["cancelled", "pending", "nonsense", ""])
@time_machine.travel(MONDAY_NOON, tick=False)
def test_cancel_and_unknown_statuses_are_not_accepted_here(desk, clinic, appointment, status):
    session = appointment(at(2026, 3, 2, 10))
    _set(desk, session, status)
    session.refresh_from_db()
    assert session.status == AppointmentStatus.BOOKED


@time_machine.travel(MONDAY_NOON, tick=False)
def test_it_only_accepts_post(desk, clinic, appointment):
    session = appointment(at(2026, 3, 2, 10))
    assert desk.get(reverse("frontdesk:appointment_status", args=[session.pk])).status_code == 405
