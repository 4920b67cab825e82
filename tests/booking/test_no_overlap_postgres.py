"""The database itself refuses overlapping active appointments (migration 0002's exclusion constraints)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from booking.models import AppointmentStatus
from tests.factories import AppointmentFactory, PractitionerFactory, RoomFactory, local

pytestmark = [pytest.mark.postgres_only, pytest.mark.usefixtures("now")]


def at(location, hh, mm=0):
    return local(location, 2026, 6, 8, hh, mm)


def insert(**kwargs):
    with transaction.atomic():
        return AppointmentFactory(**kwargs)


def test_an_overlapping_insert_for_the_practitioner_is_refused(practitioner, location):
    RoomFactory(location=location)
    insert(practitioner=practitioner, starts_at=at(location, 10))
    with pytest.raises(IntegrityError, match="no_practitioner_overlap"):
        insert(practitioner=practitioner, starts_at=at(location, 11), room=location.rooms.last())  # in the buffer


def test_an_overlapping_insert_for_the_room_is_refused(practitioner, service, location):
    colleague = PractitionerFactory(location=location, services=[service])
    insert(practitioner=practitioner, starts_at=at(location, 10))
    with pytest.raises(IntegrityError, match="no_room_overlap"):
        insert(practitioner=colleague, starts_at=at(location, 10, 30), room=location.rooms.first())


def test_back_to_back_is_allowed(practitioner, location):
    first = insert(practitioner=practitioner, starts_at=at(location, 10))
    second = insert(practitioner=practitioner, starts_at=first.blocked_until)
    assert second.starts_at == first.blocked_until


def test_cancelled_appointments_do_not_count(practitioner, location):
    insert(practitioner=practitioner, starts_at=at(location, 10), status=AppointmentStatus.CANCELLED)
    assert insert(practitioner=practitioner, starts_at=at(location, 10))


def test_cancelling_frees_and_reactivating_a_clash_is_refused(practitioner, location):
    cancelled = insert(practitioner=practitioner, starts_at=at(location, 10), status=AppointmentStatus.CANCELLED)
    insert(practitioner=practitioner, starts_at=at(location, 10))
    cancelled.status = AppointmentStatus.BOOKED
    with pytest.raises(IntegrityError), transaction.atomic():
        cancelled.save()
