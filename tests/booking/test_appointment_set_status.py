"""appointment_set_status: check-in moves only forward, and only on the location's day of the session."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from booking import services
from booking.models import AppointmentStatus
from tests.factories import AppointmentFactory, LocationFactory, PractitionerFactory, local


def test_check_in_is_allowed_on_the_day(front_desk_user, location, practitioner, time_machine):
    appointment = AppointmentFactory(practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10))
    time_machine.move_to(local(location, 2026, 6, 8, 9, 50), tick=False)
    services.appointment_set_status(appointment=appointment, status=AppointmentStatus.ARRIVED, actor=front_desk_user)
    assert appointment.status == AppointmentStatus.ARRIVED


def test_the_day_is_the_locations_day(front_desk_user, time_machine):
    new_york = LocationFactory(time_zone="America/New_York")
    practitioner = PractitionerFactory(location=new_york)
    # 9 June 21:00 in New York is 10 June 01:00 UTC: the appointment is "today" in New York.
    appointment = AppointmentFactory(practitioner=practitioner, starts_at=local(new_york, 2026, 6, 9, 21))
    time_machine.move_to(datetime(2026, 6, 9, 14, tzinfo=UTC), tick=False)  # 10:00 in New York
    services.appointment_set_status(appointment=appointment, status=AppointmentStatus.NO_SHOW, actor=front_desk_user)
    tomorrow = AppointmentFactory(practitioner=practitioner, starts_at=local(new_york, 2026, 6, 10, 9))
    with pytest.raises(services.BookingError, match="on the day"):
        services.appointment_set_status(appointment=tomorrow, status=AppointmentStatus.ARRIVED, actor=front_desk_user)


def test_it_refuses_impossible_moves(front_desk_user, practitioner, location, time_machine):
    appointment = AppointmentFactory(practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10))
    time_machine.move_to(local(location, 2026, 6, 8, 9), tick=False)
    with pytest.raises(services.BookingError, match="cannot be marked"):
        services.appointment_set_status(appointment=appointment, status=AppointmentStatus.COMPLETED,
                                        actor=front_desk_user)


def test_verifying_the_email_confirms_pending_bookings(practitioner, location, time_machine, client_user):
    time_machine.move_to(local(location, 2026, 6, 1, 9), tick=False)
    appointment = AppointmentFactory(client=client_user, practitioner=practitioner, status=AppointmentStatus.PENDING,
                                     starts_at=local(location, 2026, 6, 8, 10))
    assert services.appointments_confirm_pending(client=client_user) == 1
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_a_hold_confirmed_after_its_start_is_released_quietly(practitioner, location, time_machine, client_user,
                                                              mailoutbox, django_capture_on_commit_callbacks):
    time_machine.move_to(local(location, 2026, 6, 8, 10, 10), tick=False)  # the link clicked 10 minutes late
    late = AppointmentFactory(client=client_user, practitioner=practitioner, status=AppointmentStatus.PENDING,
                              starts_at=local(location, 2026, 6, 8, 10))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.appointments_confirm_pending(client=client_user) == 0
    late.refresh_from_db()
    assert (late.status, late.cancel_reason) == (AppointmentStatus.CANCELLED, "Email address confirmed after the start")
    assert mailoutbox == []  # never announced to this address, so no cancellation email either
