"""Factories for the front-desk app's own models."""

from __future__ import annotations

import factory

from frontdesk.models import EntrySource, TimeOfDay, WaitlistEntry
from tests.factories import ClientFactory


class WaitlistEntryFactory(factory.django.DjangoModelFactory):
    """A waiting client; pass ``service=`` and ``location=`` (e.g. from the ``clinic`` fixture)."""

    class Meta:
        model = WaitlistEntry

    client = factory.SubFactory(ClientFactory)
    time_of_day = TimeOfDay.ANY
    source = EntrySource.ONLINE
    added_by = factory.SelfAttribute("client")


class QuickClientFactory(ClientFactory):
    """A client with an unusable password: no Argon2 hashing, for tests that make clients in bulk."""

    class Meta:
        skip_postgeneration_save = True

    password = factory.PostGenerationMethodCall("set_unusable_password")
