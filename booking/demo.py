"""Demo scheduling data: one location, two rooms, four services, three practitioners, history."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from clinic.core.models import ClinicSettings

from .models import (
    ACTIVE_STATUSES,
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
from .selectors import available_slots, wall_clock_to_utc

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
BIOS = {
    "ana@demo.clinic": "Ana has practised facial acupuncture for twelve years. She works gently with fine lines, "
                       "dullness and tired skin, and explains each step as she goes.",
    "li@demo.clinic": "Li trained in Chengdu and London. She treats acne, redness and eczema by looking at "
                      "digestion, sleep and stress as well as the skin, with herbal and diet advice.",
    "grace@demo.clinic": "Grace works early mornings and Saturdays. Her calm sessions suit first-timers and "
                         "anyone nervous of needles; she also helps with jaw tension and puffiness.",
}

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
                                         "bio": BIOS[email]})
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


class _Diary:
    """Places the demo's sessions through the availability engine, so the demo obeys the same rules as a
    real booking (hours, breaks, time off, closures, no overlap for practitioner, room or client) on any
    day it is seeded. A wanted time that is taken moves to the nearest free one; history is placed as the
    front desk could have booked it at the time."""

    def __init__(self, location: Location, now: datetime):
        self.location, self.now, self.tz = location, now, location.tz
        self.rooms = list(location.rooms.filter(is_active=True).order_by("name"))

    def add(self, client, practitioner: Practitioner, service: Service, day: date, hour: int, minute: int = 0, *,
            room: int = 0, status: str = AppointmentStatus.BOOKED, first: bool = False,
            same_day: bool = False) -> Appointment | None:
        wanted = wall_clock_to_utc(day, time(hour, minute), self.tz)
        spread = timedelta(days=0 if same_day else 3)
        # Staff rules as they stood a few days before the window: history can be placed as it was booked.
        as_of = min(self.now, wanted - spread - timedelta(days=1))
        slots = available_slots(service=service, location=self.location, practitioner=practitioner, staff=True,
                                start_date=day - spread, end_date=day + spread, now=as_of)
        past = status in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)
        if past:
            slots = [s for s in slots if s.end <= self.now]
        elif not same_day:
            slots = [s for s in slots if s.start > self.now]
        busy = list(Appointment.objects.filter(client=client, status__in=ACTIVE_STATUSES)
                    .values_list("starts_at", "ends_at"))
        slots = [s for s in slots if not any(lo < s.end and s.start < hi for lo, hi in busy)]
        if not slots:
            return None
        slot = min(slots, key=lambda s: (abs(s.start - wanted), s.start))
        blocked_until = slot.end + service.buffer
        taken = set(Appointment.objects.filter(location=self.location, status__in=ACTIVE_STATUSES,
                                               starts_at__lt=blocked_until, blocked_until__gt=slot.start)
                    .values_list("room_id", flat=True))
        preferred = self.rooms[room:] + self.rooms[:room]
        chosen = next(r for r in preferred if r.pk not in taken)  # the engine only offers times with a free room
        return Appointment.objects.create(
            client=client, practitioner=practitioner, service=service, location=self.location, room=chosen,
            starts_at=slot.start, ends_at=slot.end, blocked_until=blocked_until, status=status,
            booked_via=BookedVia.ONLINE, is_first_visit=first, created_by=client)


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def seed(users) -> None:
    location, (ana, li, grace), services = _seed_structure(users)
    tz = location.tz
    now = timezone.now()
    today = now.astimezone(tz).date()
    if not TimeOff.objects.filter(practitioner=grace).exists():
        start = wall_clock_to_utc(today + timedelta(days=14), time(0), tz)
        TimeOff.objects.create(practitioner=grace, starts_at=start, ends_at=start + timedelta(days=3),
                               reason="Training course")
    if Appointment.objects.exists():
        return
    diary = _Diary(location, now)
    chloe, oliver, priya, emma, hannah, tom = (users[e] for e in (
        "client@demo.clinic", "oliver@demo.clinic", "priya@demo.clinic", "emma@demo.clinic", "hannah@demo.clinic",
        "tom@demo.clinic"))

    def add(client, practitioner, slug, day, hour, minute=0, **kwargs):
        return diary.add(client, practitioner, services[slug], day, hour, minute, **kwargs)

    # Chloe: five weeks into a weekly course with Ana (Tuesdays 10:00), next sessions ahead. Placed first, so
    # her course keeps its time and the day's other sessions fit around it.
    first_tuesday = _weekday_on_or_after(today - timedelta(days=35), 1)
    for week in range(8):
        day = first_tuesday + timedelta(weeks=week)
        past = day < today
        add(chloe, ana, "initial-consultation" if week == 0 else "follow-up", day, 10, same_day=True,
            status=AppointmentStatus.COMPLETED if past else AppointmentStatus.BOOKED, first=week == 0)
    # Oliver: one past visit, one no-show, one upcoming with Li.
    add(oliver, li, "initial-consultation", today - timedelta(days=20), 11, first=True,
        status=AppointmentStatus.COMPLETED)
    add(oliver, li, "follow-up", today - timedelta(days=6), 15, status=AppointmentStatus.NO_SHOW)
    add(oliver, li, "follow-up", _weekday_on_or_after(today + timedelta(days=2), 3), 11, room=1)
    # Priya and Emma: new clients with a first visit soon (intake still to do).
    add(priya, grace, "initial-consultation", _weekday_on_or_after(today + timedelta(days=1), 2), 9, room=1,
        first=True)
    add(emma, ana, "initial-consultation", _weekday_on_or_after(today + timedelta(days=3), 4), 14, first=True)
    # Regular clients, seen today by whoever works today, so the calendar and "my day" show a real day.
    add(hannah, ana, "initial-consultation", today - timedelta(days=40), 9, first=True,
        status=AppointmentStatus.COMPLETED)
    add(tom, li, "initial-consultation", today - timedelta(days=30), 12, first=True,
        status=AppointmentStatus.COMPLETED)
    working_today = [p for p in (ana, li, grace) if p.working_hours.filter(weekday=today.weekday()).exists()]
    for index, practitioner in enumerate(working_today[:2]):
        first_hour = practitioner.working_hours.filter(weekday=today.weekday()).order_by("start").first().start.hour
        add(hannah if index == 0 else tom, practitioner, "follow-up", today, first_hour + 1, room=index,
            same_day=True)
        add(tom if index == 0 else hannah, practitioner, "face-and-body", today, 15, room=index, same_day=True)
