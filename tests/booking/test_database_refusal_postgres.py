"""The exclusion constraints are the last word: when a writer that bypassed the services (the admin, a script)
holds the time the checks saw free, the booking or the move is "just taken", nothing is written, and the
caller's transaction stays usable. Needs PostgreSQL (SQLite has no exclusion constraints).

The checks read the database before the insert; a writer outside the services takes no booking lock, so it can
commit in between. The tests stand in for that moment by letting the room check see every room free."""

from __future__ import annotations

import pytest
from django.db import transaction

from booking import services
from booking.models import Appointment, AppointmentEvent
from clinic.notifications.models import Message
from tests.booking.conftest import MONDAY
from tests.factories import AppointmentFactory, PractitionerFactory, RoomFactory, local

pytestmark = [pytest.mark.postgres_only, pytest.mark.usefixtures("now")]


@pytest.fixture
def rooms_look_free(monkeypatch):
    """The room check runs before the other writer's row exists: every room and the practitioner look free."""
    real = services._rooms_at

    def stale(appointment, *, room, ignore_pk=None):
        rooms = real(appointment, room=room, ignore_pk=ignore_pk)
        for candidate in rooms:
            candidate.busy = candidate.practitioner_busy = False
        return rooms

    monkeypatch.setattr(services, "_rooms_at", stale)


def at(location, hh, mm=0):
    return local(location, MONDAY.year, MONDAY.month, MONDAY.day, hh, mm)


def test_a_room_taken_behind_the_checks_back_is_just_taken(rooms_look_free, client_user, practitioner, service,
                                                          location):
    colleague = PractitionerFactory(location=location, services=[service])
    room = location.rooms.get()  # the only room
    AppointmentFactory(practitioner=colleague, service=service, location=location, room=room,
                       starts_at=at(location, 10))

    with pytest.raises(services.SlotTaken) as refused:
        services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                  starts_at=at(location, 10, 30), location=location)

    assert "just taken" in str(refused.value)
    assert not Appointment.objects.filter(client=client_user).exists()
    assert not AppointmentEvent.objects.filter(appointment__client=client_user).exists()
    assert not Message.objects.filter(recipient=client_user).exists()


def test_the_practitioner_taken_behind_the_checks_back_is_just_taken(rooms_look_free, client_user, practitioner,
                                                                     service, location):
    other_room = RoomFactory(location=location)  # the room the practitioner's session is in; the first is free
    AppointmentFactory(practitioner=practitioner, service=service, location=location, room=other_room,
                       starts_at=at(location, 10))

    with pytest.raises(services.SlotTaken):
        services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                  starts_at=at(location, 10, 30), location=location)

    assert not Appointment.objects.filter(client=client_user).exists()


def test_inside_the_callers_transaction_only_the_booking_rolls_back(rooms_look_free, client_user, practitioner,
                                                                    service, location):
    room = location.rooms.get()
    AppointmentFactory(practitioner=PractitionerFactory(location=location, services=[service]), service=service,
                       location=location, room=room, starts_at=at(location, 10))

    with transaction.atomic():
        with pytest.raises(services.SlotTaken):
            services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                      starts_at=at(location, 10, 30), location=location)
        # The caller's transaction is still usable: the next booking in it goes through.
        booked = services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                           starts_at=at(location, 14), location=location)

    assert list(Appointment.objects.filter(client=client_user)) == [booked]


def test_a_move_onto_a_time_taken_behind_the_checks_back_is_just_taken(rooms_look_free, client_user,
                                                                       practitioner, service, location):
    room = location.rooms.get()
    mine = services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                     starts_at=at(location, 14), location=location)
    AppointmentFactory(practitioner=PractitionerFactory(location=location, services=[service]), service=service,
                       location=location, room=room, starts_at=at(location, 10))

    with pytest.raises(services.SlotTaken):
        services.appointment_reschedule(appointment=mine, starts_at=at(location, 10, 30), actor=client_user)

    mine.refresh_from_db()
    assert (mine.starts_at, mine.room) == (at(location, 14), room)

