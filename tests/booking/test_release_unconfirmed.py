from datetime import timedelta

import time_machine
from django.utils import timezone

from booking.models import AppointmentStatus
from booking.services import appointments_release_unconfirmed
from booking.tasks import release_unconfirmed_bookings
from tests.factories import AppointmentFactory, ClientFactory


def test_it_frees_times_held_longer_than_the_confirmation_link_lasts():
    client = ClientFactory(email_verified_at=None)
    with time_machine.travel(timezone.now() - timedelta(days=4)):
        old = AppointmentFactory(client=client, status=AppointmentStatus.PENDING,
                                 starts_at=timezone.now() + timedelta(days=10))
    fresh = AppointmentFactory(client=client, status=AppointmentStatus.PENDING)
    booked = AppointmentFactory(status=AppointmentStatus.BOOKED)
    with time_machine.travel(timezone.now() - timedelta(days=5)):
        booked_long_ago = AppointmentFactory(status=AppointmentStatus.BOOKED,
                                             starts_at=timezone.now() + timedelta(days=9))

    assert release_unconfirmed_bookings() == 1
    for appointment in (old, fresh, booked, booked_long_ago):
        appointment.refresh_from_db()
    assert old.status == AppointmentStatus.CANCELLED
    assert old.cancel_reason == "Email address not confirmed in time"
    assert fresh.status == AppointmentStatus.PENDING
    assert booked.status == booked_long_ago.status == AppointmentStatus.BOOKED


def test_it_never_holds_a_pending_time_past_its_start():
    with time_machine.travel("2026-06-01 09:00Z"):
        pending = AppointmentFactory(status=AppointmentStatus.PENDING,
                                     starts_at=timezone.now() + timedelta(hours=20))
    with time_machine.travel("2026-06-02 06:00Z"):
        assert appointments_release_unconfirmed() == 1
    pending.refresh_from_db()
    assert pending.status == AppointmentStatus.CANCELLED
