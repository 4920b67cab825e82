"""appointment_cancel and the policy window (time_machine moves the clock around the 24 h line)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking import services
from booking.models import AppointmentStatus
from booking.signals import slot_freed
from tests.factories import AppointmentFactory, local

pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def appointment(client_user, practitioner, location):
    return AppointmentFactory(client=client_user, practitioner=practitioner,
                              starts_at=local(location, 2026, 6, 8, 10))


def test_a_client_can_cancel_outside_the_window(appointment, client_user, time_machine,
                                                django_capture_on_commit_callbacks):
    time_machine.move_to(appointment.starts_at - timedelta(hours=24), tick=False)
    freed = []
    slot_freed.connect(lambda **kw: freed.append(kw["appointment_id"]), weak=False, dispatch_uid="test-freed")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.appointment_cancel(appointment=appointment, actor=client_user, reason="work")
    finally:
        slot_freed.disconnect(dispatch_uid="test-freed")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert not appointment.late_cancellation and appointment.cancel_reason == "work"
    assert freed == [appointment.pk]


def test_a_client_cannot_cancel_inside_the_window(appointment, client_user, time_machine):
    time_machine.move_to(appointment.starts_at - timedelta(hours=23, minutes=59), tick=False)
    with pytest.raises(services.OutsidePolicyWindow, match="within 24 hours"):
        services.appointment_cancel(appointment=appointment, actor=client_user)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_staff_cancel_inside_the_window_is_marked_late(appointment, front_desk_user, time_machine):
    time_machine.move_to(appointment.starts_at - timedelta(hours=2), tick=False)
    services.appointment_cancel(appointment=appointment, actor=front_desk_user, by_staff=True)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED and appointment.late_cancellation


def test_the_window_follows_the_clinic_setting(appointment, client_user, clinic_settings, time_machine):
    clinic_settings.cancellation_window_hours = 48
    clinic_settings.save()
    time_machine.move_to(appointment.starts_at - timedelta(hours=30), tick=False)
    assert not services.policy_allows_client_change(appointment)
    time_machine.move_to(appointment.starts_at - timedelta(hours=49), tick=False)
    assert services.policy_allows_client_change(appointment)


def test_cancelling_twice_is_refused(appointment, client_user):
    services.appointment_cancel(appointment=appointment, actor=client_user)
    with pytest.raises(services.BookingError, match="Only upcoming"):
        services.appointment_cancel(appointment=appointment, actor=client_user)


def test_a_stale_copy_cannot_cancel_again(appointment, client_user):
    stale = type(appointment).objects.get(pk=appointment.pk)
    services.appointment_cancel(appointment=appointment, actor=client_user)
    with pytest.raises(services.BookingError, match="already cancelled"):
        services.appointment_cancel(appointment=stale, actor=client_user)
