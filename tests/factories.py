"""factory_boy factories for the whole project. Apps add theirs in tests/<app>/factories.py."""

from __future__ import annotations

import functools
from datetime import datetime, time, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from booking.models import (
    Appointment,
    AppointmentStatus,
    Location,
    Practitioner,
    Room,
    Service,
    WorkingHours,
)
from clinic.accounts.models import Role, User

PASSWORD = "correct-horse-battery-9"


@functools.cache
def password_hash() -> str:
    """One real Argon2 hash of PASSWORD, computed once: hashing per user would dominate the suite's time."""
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    phone = factory.Sequence(lambda n: f"07700 9{n:05d}")
    role = Role.CLIENT
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.LazyFunction(password_hash)


class ClientFactory(UserFactory):
    role = Role.CLIENT


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Clinic {n}")
    address = "1 Test Street"
    time_zone = "Europe/London"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    location = factory.SubFactory(LocationFactory)
    name = factory.Sequence(lambda n: f"Room {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Facial acupuncture {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    duration_minutes = 60
    buffer_after_minutes = 15
    price = Decimal("85.00")
    is_initial_consultation = True
    new_clients_allowed = True


class PractitionerFactory(factory.django.DjangoModelFactory):
    """A practitioner working Mon-Fri 09:00-17:00 at one location with one room, offering one service.

    Pass ``location=`` / ``services=[...]`` / ``hours={weekday: [(start, end)]}`` to change that.
    """

    class Meta:
        model = Practitioner
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.PRACTITIONER)

    @factory.post_generation
    def location(self, create, extracted, **kwargs):
        location = extracted or LocationFactory()
        if not location.rooms.exists():
            RoomFactory(location=location)
        self.locations.add(location)
        self._test_location = location

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        self.services.set(extracted if extracted is not None else [ServiceFactory()])

    @factory.post_generation
    def hours(self, create, extracted, **kwargs):
        spec = extracted if extracted is not None else {d: [(time(9), time(17))] for d in range(5)}
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=self, location=self._test_location, weekday=d, start=s, end=e)
            for d, intervals in spec.items() for s, e in intervals)


class AppointmentFactory(factory.django.DjangoModelFactory):
    """An appointment written directly (bypassing services): use for history and fixtures of state."""

    class Meta:
        model = Appointment

    client = factory.SubFactory(ClientFactory)
    practitioner = factory.SubFactory(PractitionerFactory)
    service = factory.LazyAttribute(lambda o: o.practitioner.services.first())
    location = factory.LazyAttribute(lambda o: o.practitioner.locations.first())
    room = factory.LazyAttribute(lambda o: o.location.rooms.first())
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + o.service.duration)
    blocked_until = factory.LazyAttribute(lambda o: o.ends_at + o.service.buffer)
    status = AppointmentStatus.BOOKED


def local(location: Location, y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """An aware datetime for a wall-clock time in the location's zone."""
    return datetime(y, m, d, hh, mm, tzinfo=location.tz)
