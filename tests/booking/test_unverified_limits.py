"""An account whose email is not confirmed holds at most UNVERIFIED_MAX_PENDING sessions, each for at most
UNVERIFIED_HOLD_HOURS: a made-up address cannot block a small clinic's diary for days."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from booking import services
from booking.models import Appointment, AppointmentStatus, BookedVia
from tests.factories import AppointmentFactory, ClientFactory, local

from .conftest import NOW

pytestmark = pytest.mark.usefixtures("now")

MESSAGE = "Please confirm your email address before booking more sessions"


@pytest.fixture
def newcomer():
    return ClientFactory(email_verified_at=None, email="new@example.com")


def _book(client, practitioner, location, day: int, hour: int = 10, **extra):
    return services.appointment_book(client=client, service=practitioner.services.get(), practitioner=practitioner,
                                     location=location, starts_at=local(location, 2026, 6, day, hour), **extra)


def test_an_unconfirmed_account_holds_one_session_and_is_told_why_not_a_second(newcomer, practitioner, location):
    first = _book(newcomer, practitioner, location, 8)
    assert first.status == AppointmentStatus.PENDING
    with pytest.raises(services.BookingError, match=MESSAGE):
        _book(newcomer, practitioner, location, 9)
    assert Appointment.objects.filter(client=newcomer).count() == 1


def test_the_limit_is_a_setting(settings, newcomer, practitioner, location):
    settings.UNVERIFIED_MAX_PENDING = 2
    _book(newcomer, practitioner, location, 8)
    _book(newcomer, practitioner, location, 9)
    with pytest.raises(services.BookingError, match=MESSAGE):
        _book(newcomer, practitioner, location, 10)


def test_a_cancelled_hold_frees_the_place(newcomer, practitioner, location):
    first = _book(newcomer, practitioner, location, 8)
    services.appointment_cancel(appointment=first, actor=newcomer)
    assert _book(newcomer, practitioner, location, 9).status == AppointmentStatus.PENDING


def test_a_course_is_refused_whole_before_any_date_is_held(newcomer, practitioner, location, service):
    starts = [local(location, 2026, 6, day, 10) for day in (8, 10, 15, 17, 22, 24)]
    with pytest.raises(services.BookingError, match=MESSAGE):
        services.course_book(client=newcomer, service=service, practitioner=practitioner, location=location,
                             starts=starts, description="6 sessions")
    assert not Appointment.objects.filter(client=newcomer).exists()


def test_confirmed_clients_and_the_desk_are_not_limited(client_user, newcomer, practitioner, location,
                                                        front_desk_user):
    for day in (8, 9, 10):
        assert _book(client_user, practitioner, location, day).status == AppointmentStatus.BOOKED
    _book(newcomer, practitioner, location, 11)
    # On the phone the clinic knows who it books: a real booking, not a hold.
    by_phone = _book(newcomer, practitioner, location, 12, via=BookedVia.PHONE, actor=front_desk_user)
    assert by_phone.status == AppointmentStatus.BOOKED


def test_the_booking_page_shows_the_reason_and_keeps_the_chosen_time(login, newcomer, practitioner, location,
                                                                     service):
    _book(newcomer, practitioner, location, 8)
    start = local(location, 2026, 6, 9, 10)
    response = login(newcomer).post(reverse("booking:review", args=[service.slug]), {
        "practitioner": practitioner.pk, "location": location.pk, "start": start.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    assert MESSAGE in html and "Tuesday 9 June 2026" in html
    assert Appointment.objects.filter(client=newcomer).count() == 1


def test_the_course_page_refuses_with_the_same_message(login, newcomer, practitioner, service):
    url = reverse("booking:course", args=[service.slug])
    pattern = {"practitioner": practitioner.pk, "first_day": "2026-06-08", "weekdays": ["1", "3"], "at": "10:00",
               "sessions": "4"}
    client = login(newcomer)
    rows = client.get(url, pattern).context["plan"]
    response = client.post(url, {**pattern, **{f"start_{r['index']}": r["wanted_value"] for r in rows}})
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not Appointment.objects.filter(client=newcomer).exists()


def test_a_hold_is_released_after_unverified_hold_hours(newcomer, practitioner, location):
    held = _book(newcomer, practitioner, location, 8)  # created at NOW, starts a week later
    with time_machine.travel(NOW + timedelta(hours=23), tick=False):
        assert services.appointments_release_unconfirmed() == 0
    with time_machine.travel(NOW + timedelta(hours=25), tick=False):
        assert services.appointments_release_unconfirmed() == 1
    held.refresh_from_db()
    assert held.status == AppointmentStatus.CANCELLED
    assert held.cancel_reason == "Email address not confirmed in time"


def test_a_hold_made_by_the_factory_counts_too(newcomer, practitioner, location):
    AppointmentFactory(client=newcomer, practitioner=practitioner, status=AppointmentStatus.PENDING)
    with pytest.raises(services.BookingError, match=MESSAGE):
        _book(newcomer, practitioner, location, 9)
