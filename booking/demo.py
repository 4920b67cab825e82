"""Demo scheduling data: one location, two rooms, four services, three practitioners, history."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from clinic.core.models import ClinicSettings

from .models import (
    Appointment,
    AppointmentStatus,
    BookedVia,
    Break,
    Location,
    OpeningHours,
    Practitioner,
    Room,
    Service,
    TimeOff,
    WorkingHours,
)

SERVICES = [
    ("initial-consultation", "Initial facial acupuncture consultation & treatment", 90, 15, "120.00", True, True,
     "Your first visit: we go through your questionnaire, read your tongue and pulse, and give a full facial "
     "acupuncture treatment."),
    ("follow-up", "Facial acupuncture follow-up", 60, 15, "85.00", False, False,
     "A follow-up session in your course: 30–50 fine needles, 20–30 minutes of rest."),
    ("face-and-body", "Facial + body acupuncture", 75, 15, "95.00", False, False,
     "Facial acupuncture with body points to support the lungs and balance yin and yang."),
    ("maintenance", "Maintenance session", 60, 15, "80.00", False, False,
     "Monthly maintenance once your course is complete."),
]

# practitioner email -> (title, colour, weekly hours {weekday: [(start, end)]})
PRACTITIONERS = {
    "ana@demo.clinic": ("Senior facial acupuncturist", "#3f6b57",
                        {d: [(time(9), time(13)), (time(14), time(18))] for d in (0, 1, 2, 3, 4)}),
    "li@demo.clinic": ("TCM practitioner", "#8a5b72",
                       {d: [(time(10), time(19))] for d in (1, 2, 3, 4, 5)}),
    "grace@demo.clinic": ("Acupuncturist", "#5b6f8a",
                          {d: [(time(8, 30), time(14, 30))] for d in (0, 2, 4, 5)}),
}


def _seed_structure(users) -> tuple[Location, list[Practitioner], dict[str, Service]]:
    ClinicSettings.load()
    location, _ = Location.objects.get_or_create(
        name="Islington clinic",
        defaults={"address": "12 Willow Walk, London N1 7AB", "phone": "020 7946 0123",
                  "time_zone": "Europe/London"})
    if not location.opening_hours.exists():
        OpeningHours.objects.bulk_create(
            OpeningHours(location=location, weekday=d, opens=time(8, 30), closes=time(19, 30)) for d in range(6))
    for name in ("Jade room", "Lotus room"):
        Room.objects.get_or_create(location=location, name=name)
    services = {}
    for slug, name, minutes, buffer, price, initial, only_new, description in SERVICES:
        services[slug], _ = Service.objects.get_or_create(slug=slug, defaults={
            "name": name, "duration_minutes": minutes, "buffer_after_minutes": buffer, "price": Decimal(price),
            "is_initial_consultation": initial, "new_clients_allowed": initial or not only_new,
            "requires_intake": True, "description": description})
    practitioners = []
    for email, (title, colour, hours) in PRACTITIONERS.items():
        practitioner, created = Practitioner.objects.get_or_create(
            user=users[email], defaults={"title": title, "colour": colour,
                                         "bio": f"{users[email].first_name} specialises in facial acupuncture."})
        practitioners.append(practitioner)
        if created:
            practitioner.services.set(services.values())
            practitioner.locations.set([location])
            WorkingHours.objects.bulk_create(
                WorkingHours(practitioner=practitioner, location=location, weekday=d, start=s, end=e)
                for d, intervals in hours.items() for s, e in intervals)
    li = practitioners[1]
    if not li.breaks.exists():
        Break.objects.bulk_create(Break(practitioner=li, weekday=d, start=time(13), end=time(13, 45))
                                  for d in (1, 2, 3, 4, 5))
    return location, practitioners, services


def _at(day, hour: int, minute: int, tz) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def seed(users) -> None:
    location, (ana, li, grace), services = _seed_structure(users)
    tz = location.tz
    today = timezone.localdate(timezone=tz)
    if not TimeOff.objects.filter(practitioner=grace).exists():
        start = _at(today + timedelta(days=14), 0, 0, tz)
        TimeOff.objects.create(practitioner=grace, starts_at=start, ends_at=start + timedelta(days=3),
                               reason="Training course")
    if Appointment.objects.exists():
        return
    rooms = list(location.rooms.order_by("name"))
    chloe, oliver, priya, emma = (users[e] for e in ("client@demo.clinic", "oliver@demo.clinic",
                                                     "priya@demo.clinic", "emma@demo.clinic"))

    def add(client, practitioner, service, day, hour, minute=0, room=0, status=AppointmentStatus.BOOKED,
            first=False):
        starts = _at(day, hour, minute, tz)
        service_obj = services[service]
        return Appointment.objects.create(
            client=client, practitioner=practitioner, service=service_obj, location=location, room=rooms[room],
            starts_at=starts, ends_at=starts + service_obj.duration,
            blocked_until=starts + service_obj.duration + service_obj.buffer, status=status,
            booked_via=BookedVia.ONLINE, is_first_visit=first, created_by=client)

    def weekday_on_or_after(day, weekday):
        return day + timedelta(days=(weekday - day.weekday()) % 7)

    # Chloe: five weeks into a weekly course with Ana (Tuesdays 10:00), next sessions ahead.
    first_tuesday = weekday_on_or_after(today - timedelta(days=35), 1)
    for week in range(8):
        day = first_tuesday + timedelta(weeks=week)
        past = day < today
        add(chloe, ana, "initial-consultation" if week == 0 else "follow-up", day, 10,
            status=AppointmentStatus.COMPLETED if past else AppointmentStatus.BOOKED, first=week == 0)
    # Oliver: one past visit, one no-show, one upcoming with Li.
    add(oliver, li, "initial-consultation", today - timedelta(days=20), 11, first=True,
        status=AppointmentStatus.COMPLETED)
    add(oliver, li, "follow-up", today - timedelta(days=6), 15, status=AppointmentStatus.NO_SHOW)
    add(oliver, li, "follow-up", weekday_on_or_after(today + timedelta(days=2), 3), 11, room=1)
    # Priya and Emma: new clients with a first visit soon (intake still to do).
    add(priya, grace, "initial-consultation", weekday_on_or_after(today + timedelta(days=1), 2), 9, room=1,
        first=True)
    add(emma, ana, "initial-consultation", weekday_on_or_after(today + timedelta(days=3), 4), 14, first=True)
    # Regular clients, seen today by whoever works today, so the calendar and "my day" show a real day.
    hannah, tom = users["hannah@demo.clinic"], users["tom@demo.clinic"]
    add(hannah, ana, "initial-consultation", today - timedelta(days=40), 9, first=True,
        status=AppointmentStatus.COMPLETED)
    add(tom, li, "initial-consultation", today - timedelta(days=30), 12, first=True,
        status=AppointmentStatus.COMPLETED)
    working_today = [p for p in (ana, li, grace) if p.working_hours.filter(weekday=today.weekday()).exists()]
    for index, practitioner in enumerate(working_today[:2]):
        first_hour = practitioner.working_hours.filter(weekday=today.weekday()).order_by("start").first().start.hour
        add(hannah if index == 0 else tom, practitioner, "follow-up", today, first_hour + 1, room=index)
        add(tom if index == 0 else hannah, practitioner, "face-and-body", today, 15, room=index)
