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
