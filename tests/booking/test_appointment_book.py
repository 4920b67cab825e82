"""appointment_book: the write path for one session."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail

from booking import services
from booking.models import Appointment, AppointmentEvent, AppointmentStatus, BookedVia
from tests.factories import AppointmentFactory, ClientFactory, PractitionerFactory, RoomFactory, ServiceFactory, local

pytestmark = pytest.mark.usefixtures("now")


def book(client, practitioner, service, location, hh=10, mm=0, day=8, **kwargs):
    return services.appointment_book(client=client, service=service, practitioner=practitioner,
                                     starts_at=local(location, 2026, 6, day, hh, mm), location=location, **kwargs)


def test_it_books_a_free_slot(client_user, practitioner, service, location, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        appointment = book(client_user, practitioner, service, location)
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.room == location.rooms.first()
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=60)
    assert appointment.blocked_until - appointment.ends_at == timedelta(minutes=15)
    assert appointment.is_first_visit
    assert AppointmentEvent.objects.filter(appointment=appointment, action="booked").exists()
    # Sent only once the booking commits: the confirmation, and (a first visit) the questionnaire request.
    assert len(callbacks) == 2
    assert [(m.to, m.subject.split(":")[0]) for m in mail.outbox] == [
        ([client_user.email], "Booking confirmed"), ([client_user.email], "Your questionnaire before your visit")]


def test_an_unverified_client_gets_a_held_pending_booking(practitioner, service, location,
                                                         django_capture_on_commit_callbacks):
    unverified = ClientFactory(email_verified_at=None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        appointment = book(unverified, practitioner, service, location)
    assert appointment.status == AppointmentStatus.PENDING
    assert callbacks == []  # no confirmation until the email address is confirmed


def test_a_second_booking_is_not_a_first_visit(client_user, practitioner, service, location):
    book(client_user, practitioner, service, location, hh=10)
    assert not book(client_user, practitioner, service, location, hh=14).is_first_visit


def test_it_rejects_past_times(client_user, practitioner, service, location):
    with pytest.raises(services.BookingError, match="in the past"):
        services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                  starts_at=local(location, 2026, 5, 29, 10), location=location)
    assert not Appointment.objects.exists()


def test_it_rejects_times_inside_the_minimum_notice(client_user, practitioner, service, location):
    with pytest.raises(services.BookingError, match="12 hours' notice"):
        book(client_user, practitioner, service, location, day=1, hh=15)


def test_the_front_desk_may_book_inside_the_notice(client_user, front_desk_user, practitioner, service, location):
    appointment = book(client_user, practitioner, service, location, day=1, hh=15, via=BookedVia.PHONE,
                       actor=front_desk_user)
    assert appointment.status == AppointmentStatus.BOOKED and appointment.created_by == front_desk_user


def test_it_rejects_times_outside_working_hours(client_user, practitioner, service, location):
    with pytest.raises(services.BookingError, match="not available"):
        book(client_user, practitioner, service, location, hh=16, mm=30)  # would run past 17:00
    with pytest.raises(services.BookingError, match="not available"):
        book(client_user, practitioner, service, location, day=13, hh=10)  # Saturday


def test_it_rejects_times_off_the_slot_grid(client_user, practitioner, service, location):
    with pytest.raises(services.BookingError, match="not available"):
        book(client_user, practitioner, service, location, hh=10, mm=7)


def test_it_rejects_a_service_the_practitioner_does_not_offer(client_user, practitioner, location):
    other = ServiceFactory(name="Cupping")
    with pytest.raises(services.BookingError, match="does not offer Cupping"):
        book(client_user, practitioner, other, location)


def test_it_rejects_a_service_not_bookable_online(client_user, practitioner, service, location):
    service.bookable_online = False
    service.save()
    with pytest.raises(services.BookingError, match="cannot be booked online"):
        book(client_user, practitioner, service, location)


def test_a_new_client_must_start_with_the_initial_consultation(client_user, practitioner, location):
    follow_up = ServiceFactory(is_initial_consultation=False)
    practitioner.services.add(follow_up)
    with pytest.raises(services.BookingError, match="initial consultation"):
        book(client_user, practitioner, follow_up, location)


def test_a_returning_only_service_is_refused_to_new_clients(client_user, practitioner, location):
    returning = ServiceFactory(new_clients_allowed=False, name="Maintenance")
    practitioner.services.add(returning)
    with pytest.raises(services.BookingError, match="returning clients"):
        book(client_user, practitioner, returning, location)


def test_a_clash_raises_slot_taken_with_nearest_alternatives(client_user, other_client, practitioner, service,
                                                            location):
    AppointmentFactory(client=other_client, practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10))
    with pytest.raises(services.SlotTaken) as caught:
        book(client_user, practitioner, service, location, hh=10, mm=30)
    assert "just taken" in caught.value.message
    starts = [s.start.astimezone(location.tz).strftime("%H:%M") for s in caught.value.alternatives]
    assert starts == ["11:15", "11:30", "11:45"]
    assert Appointment.objects.count() == 1


def test_a_buffer_clash_is_a_clash(client_user, other_client, practitioner, service, location):
    AppointmentFactory(client=other_client, practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10))
    with pytest.raises(services.SlotTaken):
        book(client_user, practitioner, service, location, hh=11, mm=0)  # inside the 11:00-11:15 clean-up
    assert book(client_user, practitioner, service, location, hh=11, mm=15)


def test_it_picks_the_free_room(client_user, other_client, service, location, practitioner):
    second = RoomFactory(location=location, name="Z room")
    colleague = PractitionerFactory(location=location, services=[service])
    first = book(other_client, colleague, service, location)
    mine = book(client_user, practitioner, service, location)
    assert {first.room, mine.room} == {location.rooms.exclude(pk=second.pk).get(), second}


def test_no_free_room_is_slot_taken(client_user, other_client, service, location, practitioner):
    colleague = PractitionerFactory(location=location, services=[service])
    book(other_client, colleague, service, location)
    with pytest.raises(services.SlotTaken, match="no treatment room"):
        book(client_user, practitioner, service, location)


def test_slot_taken_is_hashable_and_carries_alternatives():
    exc = services.SlotTaken(alternatives=[1])
    assert hash(exc) and exc.alternatives == [1] and isinstance(exc, services.BookingError)


def test_it_uses_the_practitioners_location_by_default(client_user, practitioner, service, location):
    appointment = services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                            starts_at=local(location, 2026, 6, 8, 10))
    assert appointment.location == location


def test_it_keeps_wall_clock_time_on_a_dst_day(client_user, time_machine):
    from datetime import UTC, datetime

    from tests.factories import LocationFactory

    time_machine.move_to(datetime(2026, 3, 20, tzinfo=UTC), tick=False)
    london = LocationFactory(time_zone="Europe/London")
    service = ServiceFactory()
    practitioner = PractitionerFactory(location=london, services=[service], hours={6: [(time(9), time(17))]})
    appointment = services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                            starts_at=local(london, 2026, 3, 29, 9), location=london)
    assert appointment.starts_at == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    assert appointment.local_starts_at.hour == 9
