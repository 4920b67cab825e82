"""Tampered or nonsense form input gets a message (or a 404), never a 500 and never a changed booking."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from booking.models import Appointment
from frontdesk.models import WaitlistEntry

from .conftest import at

MONDAY = at(2026, 3, 2, 8, 0)


@pytest.mark.parametrize("data", [
    {"slot": "1@2026-03-03T10:00:00+00:00", "date": "not-a-date"},
    {"slot": "999999@2026-03-03T10:00:00+00:00", "date": "2026-03-03"},
    {"slot": "1@9999-12-31T10:00:00+00:00", "date": "2026-03-03"},
    {"slot": "@@@", "date": "2026-03-03", "practitioner": "abc"},
    {"slot": "1@2026-03-03T10:00:00+00:00", "date": "2026-03-03", "service": "999"},
])
@time_machine.travel(MONDAY, tick=False)
def test_a_tampered_booking_changes_nothing(desk, clinic, appointment, data):
    client = appointment(at(2026, 3, 2, 9)).client
    before = list(Appointment.objects.values_list("pk", "starts_at", "status"))
    response = desk.post(reverse("frontdesk:book"), {"client": client.pk, "location": clinic.location.pk,
                                                     "service": clinic.follow_up.pk, "confirm": "1", **data})
    assert response.status_code == 200
    assert list(Appointment.objects.values_list("pk", "starts_at", "status")) == before


@pytest.mark.parametrize("data", [
    {"slot": "x", "date": "2026-03-03"},
    {"slot": "1@2026-03-03T10:00:00", "date": "2026-03-03"},
    {"date": "2026-03-03", "practitioner": "999", "slot": "1@2026-03-03T10:00:00+00:00"},
])
@time_machine.travel(MONDAY, tick=False)
def test_a_tampered_move_changes_nothing(desk, clinic, appointment, data):
    session = appointment(at(2026, 3, 3, 10))
    for accept in ("text/html", "application/json"):
        response = desk.post(reverse("frontdesk:appointment_move", args=[session.pk]), {"confirm": "1", **data},
                             HTTP_ACCEPT=accept)
        assert response.status_code in (200, 400, 409)
    session.refresh_from_db()
    assert session.starts_at == at(2026, 3, 3, 10)


@time_machine.travel(MONDAY, tick=False)
def test_an_overlong_cancel_reason_is_refused_and_kept(desk, clinic, appointment):
    session = appointment(at(2026, 3, 9, 10))
    response = desk.post(reverse("frontdesk:appointment_cancel", args=[session.pk]), {"reason": "x" * 300})
    assert response.status_code == 200 and "at most 200 characters" in response.content.decode()
    session.refresh_from_db()
    assert session.status == "booked"


@pytest.mark.parametrize("data", [
    {"service": "999", "time_of_day": "any"},
    {"service": "{follow_up}", "time_of_day": "midnight"},
    {"service": "{follow_up}", "time_of_day": "any", "weekdays": ["9"]},
    {"service": "{follow_up}", "time_of_day": "any", "practitioner": "999"},
])
@time_machine.travel(MONDAY, tick=False)
def test_a_tampered_waitlist_form_is_refused_with_a_message(desk, clinic, appointment, data):
    client = appointment(at(2026, 2, 2, 9), status="completed").client
    data = {k: (v.format(follow_up=clinic.follow_up.pk) if isinstance(v, str) else v) for k, v in data.items()}
    response = desk.post(reverse("frontdesk:waitlist_add"), {"client": client.pk, "location": clinic.location.pk,
                                                             **data})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


@time_machine.travel(MONDAY, tick=False)
def test_someone_elses_client_id_in_the_booking_form_is_a_404(desk, clinic):
    response = desk.post(reverse("frontdesk:book"), {"client": clinic.ana.user.pk, "location": clinic.location.pk})
    assert response.status_code == 404
