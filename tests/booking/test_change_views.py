"""Reschedule and cancel from My appointments: own appointments only, policy window, clashes, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from booking.models import Appointment, AppointmentStatus
from tests.factories import AppointmentFactory, local

pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def mine(client_user, practitioner, location):
    return AppointmentFactory(client=client_user, practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10))


@pytest.fixture
def theirs(other_client, practitioner, location):
    return AppointmentFactory(client=other_client, practitioner=practitioner,
                              starts_at=local(location, 2026, 6, 9, 10))


OWN_URLS = ["booking:booked", "booking:appointment_ics", "booking:reschedule", "booking:reschedule_confirm",
            "booking:cancel"]


@pytest.mark.parametrize("name", OWN_URLS)
def test_someone_elses_appointment_is_404(login, client_user, theirs, name):
    client = login(client_user)
    assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.post(reverse(name, args=[theirs.pk]), {"start": "2026-06-10T09:00Z"}).status_code in (404, 405)
    theirs.refresh_from_db()
    assert theirs.status == AppointmentStatus.BOOKED and theirs.local_starts_at.hour == 10


@pytest.mark.parametrize("name", OWN_URLS)
def test_staff_get_403_and_anonymous_go_to_login(client, login, front_desk_user, mine, name):
    assert client.get(reverse(name, args=[mine.pk]))["Location"].startswith(reverse("accounts:login"))
    assert login(front_desk_user).get(reverse(name, args=[mine.pk])).status_code == 403


def test_reschedule_shows_free_times_including_its_own(login, client_user, mine):
    response = login(client_user).get(reverse("booking:reschedule", args=[mine.pk]), {"week": "2026-06-08"})
    monday = [s.start.strftime("%H:%M") for s in response.context["days"][0].slots]
    assert "10:30" in monday  # overlaps the current time, which is released when moving
    assert "start=" in response.context["days"][0].slots[0].url


def test_reschedule_opens_on_the_week_of_the_session_it_moves(login, client_user, practitioner, location):
    later = AppointmentFactory(client=client_user, practitioner=practitioner,
                               starts_at=local(location, 2026, 6, 24, 10))

    response = login(client_user).get(reverse("booking:reschedule", args=[later.pk]))

    assert response.context["week_start"].isoformat() == "2026-06-22"  # its Monday, not this week's
    wednesday = [s.start.strftime("%H:%M") for s in response.context["days"][2].slots]
    assert "10:00" in wednesday  # its own time is free to keep, beside its neighbours
    assert response.context["prev_week_url"]  # the weeks before it are a click away


def test_reschedule_confirm_moves_it(login, client_user, mine):
    client = login(client_user)
    url = reverse("booking:reschedule_confirm", args=[mine.pk])
    page = client.get(url, {"start": "2026-06-09T13:00Z"})
    assert "Tuesday 9 June 2026, 14:00" in page.content.decode()
    response = client.post(url, {"start": "2026-06-09T13:00Z"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.local_starts_at.strftime("%a %H:%M") == "Tue 14:00"


def test_reschedule_to_a_taken_time_shows_alternatives(login, client_user, mine, theirs):
    response = login(client_user).post(reverse("booking:reschedule_confirm", args=[mine.pk]),
                                       {"start": "2026-06-09T09:30Z"})  # 10:30 on Tuesday: theirs is at 10:00
    assert response.status_code == 200
    assert "just taken" in response.content.decode()
    assert response.context["alternatives"]
    mine.refresh_from_db()
    assert mine.local_starts_at.strftime("%a %H:%M") == "Mon 10:00"


@pytest.mark.parametrize("start", ["rubbish", "2026-06-09T13:00", "", "3000-01-01T00:00Z"])
def test_reschedule_with_tampered_start_is_refused(login, client_user, mine, start):
    response = login(client_user).post(reverse("booking:reschedule_confirm", args=[mine.pk]), {"start": start})
    assert response.status_code == 400 and "not valid" in response.content.decode()
    mine.refresh_from_db()
    assert mine.local_starts_at.hour == 10


def test_reschedule_into_the_past_is_explained(login, client_user, mine):
    response = login(client_user).post(reverse("booking:reschedule_confirm", args=[mine.pk]),
                                       {"start": "2026-05-20T09:00Z"})
    assert "in the past" in response.content.decode()


def test_inside_the_window_both_pages_say_call_the_clinic(login, client_user, mine, time_machine):
    time_machine.move_to(mine.starts_at - timedelta(hours=3), tick=False)
    client = login(client_user)
    for name in ("booking:reschedule", "booking:cancel"):
        html = client.get(reverse(name, args=[mine.pk])).content.decode()
        assert "Please call the clinic on" in html and "020 7946 0123" in html
    assert "call the clinic" in client.post(reverse("booking:cancel", args=[mine.pk])).content.decode()
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.BOOKED


def test_cancel_asks_first_then_cancels(login, client_user, mine):
    client = login(client_user)
    page = client.get(reverse("booking:cancel", args=[mine.pk]))
    assert "Cancel this session?" in page.content.decode()
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.BOOKED  # a GET never cancels
    response = client.post(reverse("booking:cancel", args=[mine.pk]), {"reason": "work meeting"})
    assert response["Location"] == reverse("booking:my_appointments")
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.CANCELLED and mine.cancel_reason == "work meeting"


def test_cancel_keeps_an_overlong_reason_typed(login, client_user, mine):
    response = login(client_user).post(reverse("booking:cancel", args=[mine.pk]), {"reason": "x" * 250})
    assert "under 200 characters" in response.content.decode()
    assert 'value="' + "x" * 250 in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.BOOKED


def test_a_cancelled_appointment_cannot_be_changed_again(login, client_user, mine):
    Appointment.objects.filter(pk=mine.pk).update(status=AppointmentStatus.CANCELLED)
    response = login(client_user).get(reverse("booking:cancel", args=[mine.pk]))
    assert response["Location"] == reverse("booking:my_appointments")


def test_the_ics_download_is_the_appointment(login, client_user, mine):
    response = login(client_user).get(reverse("booking:appointment_ics", args=[mine.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"] and ".ics" in response["Content-Disposition"]
    body = response.content.decode()
    assert "DTSTART:20260608T090000Z" in body and "DTEND:20260608T100000Z" in body
    assert f"appointment-{mine.pk}@" in body


def test_reschedule_preview_of_a_taken_time_offers_alternatives(login, client_user, mine, theirs):
    response = login(client_user).get(reverse("booking:reschedule_confirm", args=[mine.pk]),
                                      {"start": "2026-06-09T09:30Z"})
    assert "just taken" in response.content.decode() and response.context["alternatives"]
    assert "Move my session" not in response.content.decode()
