"""Demo waitlist: two clients waiting for an earlier time, so a cancellation on the calendar
shows the offer going out. Idempotent: an entry is added only if the client is not waiting already."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from booking.models import Location, Practitioner, Service

from .models import EntrySource, EntryStatus, TimeOfDay, WaitlistEntry

# client email -> (service slug, practitioner email or None, weekdays, time of day, joined days ago)
WAITING = {
    "oliver@demo.clinic": ("follow-up", None, [], TimeOfDay.ANY, 5),
    "hannah@demo.clinic": ("face-and-body", "ana@demo.clinic", [1, 3], TimeOfDay.MORNING, 2),
}


def seed(users) -> None:
    location = Location.objects.filter(is_active=True).order_by("pk").first()
    if location is None:
        return
    now = timezone.now()
    for email, (slug, practitioner_email, weekdays, time_of_day, days_ago) in WAITING.items():
        client, service = users.get(email), Service.objects.filter(slug=slug).first()
        if client is None or service is None:
            continue
        if WaitlistEntry.objects.filter(client=client, service=service, status=EntryStatus.WAITING).exists():
            continue
        practitioner = (Practitioner.objects.filter(user=users[practitioner_email]).first()
                        if practitioner_email in users else None)
        WaitlistEntry.objects.create(
            client=client, service=service, location=location, practitioner=practitioner, weekdays=weekdays,
            time_of_day=time_of_day, source=EntrySource.ONLINE, added_by=client,
            created_at=now - timedelta(days=days_ago))
