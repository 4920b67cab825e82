"""appointment_reschedule: the new time is taken and the old released in one transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking import services
from booking.models import AppointmentEvent, AppointmentStatus
from tests.factories import AppointmentFactory, local

pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def appointment(client_user, practitioner, location):
    return AppointmentFactory(client=client_user, practitioner=practitioner,
                              starts_at=local(location, 2026, 6, 8, 10))


def test_it_moves_the_appointment(appointment, client_user, location, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moved = services.appointment_reschedule(appointment=appointment, actor=client_user,
                                                starts_at=local(location, 2026, 6, 9, 14))
    assert moved.local_starts_at.strftime("%a %H:%M") == "Tue 14:00"
    assert moved.blocked_until - moved.starts_at == timedelta(minutes=75)
    assert AppointmentEvent.objects.filter(appointment=appointment, action="rescheduled").exists()
    assert len(callbacks) == 1


def test_it_can_move_into_its_own_old_time(appointment, client_user, location):
    moved = services.appointment_reschedule(appointment=appointment, actor=client_user,
                                            starts_at=local(location, 2026, 6, 8, 10, 30))
    assert moved.local_starts_at.strftime("%H:%M") == "10:30"


def test_the_old_time_is_free_for_others_afterwards(appointment, client_user, other_client, practitioner, service,
                                                   location):
    services.appointment_reschedule(appointment=appointment, actor=client_user,
                                    starts_at=local(location, 2026, 6, 9, 14))
    other = services.appointment_book(client=other_client, service=service, practitioner=practitioner,
                                      starts_at=local(location, 2026, 6, 8, 10), location=location)
    assert other.pk != appointment.pk


def test_a_clash_leaves_the_appointment_where_it_was(appointment, client_user, other_client, practitioner,
                                                    location):
    AppointmentFactory(client=other_client, practitioner=practitioner, starts_at=local(location, 2026, 6, 9, 14))
    with pytest.raises(services.SlotTaken) as caught:
        services.appointment_reschedule(appointment=appointment, actor=client_user,
                                        starts_at=local(location, 2026, 6, 9, 14, 30))
    assert caught.value.alternatives
    appointment.refresh_from_db()
    assert appointment.local_starts_at.strftime("%a %H:%M") == "Mon 10:00"


def test_it_refuses_inside_the_policy_window(appointment, client_user, location, time_machine):
    time_machine.move_to(appointment.starts_at - timedelta(hours=23), tick=False)
    with pytest.raises(services.OutsidePolicyWindow, match="call the clinic on 020 7946 0123"):
        services.appointment_reschedule(appointment=appointment, actor=client_user,
                                        starts_at=local(location, 2026, 6, 10, 14))


def test_staff_may_move_inside_the_window(appointment, front_desk_user, location, time_machine):
    time_machine.move_to(appointment.starts_at - timedelta(hours=23), tick=False)
    moved = services.appointment_reschedule(appointment=appointment, actor=front_desk_user, by_staff=True,
                                            starts_at=local(location, 2026, 6, 8, 15))
    assert moved.local_starts_at.hour == 15


def test_it_refuses_past_and_off_hours_times(appointment, client_user, location):
    for bad in (local(location, 2026, 5, 30, 10), local(location, 2026, 6, 8, 20)):
        with pytest.raises(services.BookingError):
            services.appointment_reschedule(appointment=appointment, actor=client_user, starts_at=bad)
    appointment.refresh_from_db()
    assert appointment.local_starts_at.hour == 10


def test_a_cancelled_appointment_cannot_be_moved(appointment, client_user, location):
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save()
    with pytest.raises(services.BookingError, match="Only upcoming"):
        services.appointment_reschedule(appointment=appointment, actor=client_user,
                                        starts_at=local(location, 2026, 6, 9, 14))
