"""Reads for the front desk: client directory, day sheet, appointment history, waitlist matching.

Front desk never sees intake answers: only ``intake.selectors.intake_statuses`` (status and
whether flags exist) is used here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone

from booking import screening as booking_screening
from booking import selectors as booking_selectors
from booking.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Location,
    Practitioner,
    Room,
    WorkingHours,
)
from clinic.accounts.models import Role, User
from intake.selectors import intake_statuses

from .grid import wall_to_utc
from .models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer, WaitlistOpening

SEARCH_LIMIT = 25


def default_location(location_id: str | int | None = None) -> Location | None:
    """The location asked for (if active), else the first active one."""
    qs = Location.objects.filter(is_active=True).order_by("name", "pk")
    if location_id:
        try:
            chosen = qs.filter(pk=int(location_id)).first()
        except (TypeError, ValueError):
            chosen = None
        if chosen is not None:
            return chosen
    return qs.first()


def active_locations() -> list[Location]:
    """Every active location, as ``default_location`` orders them (for a page listing them anyway)."""
    return list(Location.objects.filter(is_active=True).order_by("name", "pk"))


def pick_location(locations: list[Location], location_id: str | int | None = None) -> Location | None:
    """``default_location`` among ``active_locations()`` already read: a page that lists them saves a query."""
    try:
        wanted = int(location_id) if location_id else None
    except (TypeError, ValueError):
        wanted = None
    return next((loc for loc in locations if loc.pk == wanted), locations[0] if locations else None)


# --- Client directory ---------------------------------------------------------------------------

def client_search(*, query: str, limit: int = SEARCH_LIMIT):
    """Clients whose name, email or phone match every word typed (case-insensitive).

    Phone numbers match ignoring spaces, so "07700900101" finds "07700 900101".
    """
    qs = User.objects.filter(role=Role.CLIENT, is_active=True)
    words = query.split()
    if not words:
        return qs.none()
    for word in words[:5]:
        condition = (Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
                     | Q(phone__icontains=word))
        digits = re.sub(r"\D", "", word)
        if len(digits) >= 4:
            # Spaces in stored numbers vary; compare on digits by matching any spacing of them.
            condition |= Q(phone__iregex=r"\s*".join(re.escape(d) for d in digits))
        qs = qs.filter(condition)
    return qs.order_by("last_name", "first_name", "pk")[:limit]


@dataclass
class ClientSummary:
    client: User
    upcoming: list[Appointment]
    past: list[Appointment]
    no_shows: int
    late_cancellations: int
    intake: object | None
    waitlist: list[WaitlistEntry] = field(default_factory=list)

    @property
    def next_appointment(self) -> Appointment | None:
        return self.upcoming[0] if self.upcoming else None


def client_summary(*, client: User, now: datetime | None = None) -> ClientSummary:
    now = now or timezone.now()
    appointments = list(booking_selectors.client_appointments(client=client))
    upcoming = [a for a in appointments if a.ends_at >= now and a.is_active
                and a.status not in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)]
    past = [a for a in reversed(appointments) if a not in upcoming]
    on_date = upcoming[0].local_starts_at.date() if upcoming else None
    return ClientSummary(
        client=client, upcoming=upcoming, past=past,
        no_shows=sum(a.status == AppointmentStatus.NO_SHOW for a in appointments),
        late_cancellations=sum(a.late_cancellation for a in appointments),
        intake=intake_statuses(client_ids=[client.pk], on_date=on_date).get(client.pk),
        waitlist=list(WaitlistEntry.objects.filter(client=client, status=EntryStatus.WAITING)
                      .select_related("service", "practitioner__user", "location")),
    )


# --- Day sheet ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SheetRow:
    """One line of the printed sheet, as plain values (a day holds dozens; model instances cost more than
    the page)."""

    local_start: datetime
    local_end: datetime
    intake: object | None
    client_name: str
    phone: str
    is_first_visit: bool
    service_name: str
    room_name: str
    status: str  # in words
    desk_note: str


@dataclass
class SheetSection:
    practitioner: Practitioner
    rows: list[SheetRow]
    working: bool


SHEET_FIELDS = ("practitioner_id", "client_id", "starts_at", "ends_at", "status", "is_first_visit", "desk_note",
                "client__first_name", "client__last_name", "client__phone", "service__name", "room__name")


def day_sheet(*, location: Location, day: date) -> list[SheetSection]:
    """Each practitioner's sessions on a local date, with intake status: one section each."""
    tz = location.tz
    lo, hi = wall_to_utc(day, 0, tz), wall_to_utc(day, 24 * 60, tz)
    appointments = list(
        Appointment.objects.filter(location=location, status__in=ACTIVE_STATUSES, starts_at__gte=lo, starts_at__lt=hi)
        .exclude(status=AppointmentStatus.PENDING).order_by("starts_at").values_list(*SHEET_FIELDS))
    practitioners = list(Practitioner.objects.filter(is_active=True, locations=location).select_related("user"))
    working = set(WorkingHours.objects.filter(location=location, weekday=day.weekday())
                  .values_list("practitioner_id", flat=True))
    statuses = intake_statuses(client_ids=sorted({values[1] for values in appointments}), on_date=day)
    words = dict(AppointmentStatus.choices)
    rows = defaultdict(list)
    for (practitioner_id, client_id, starts_at, ends_at, status, first_visit, note, first, last, phone, service,
         room) in appointments:
        rows[practitioner_id].append(SheetRow(
            local_start=starts_at.astimezone(tz), local_end=ends_at.astimezone(tz),
            intake=statuses.get(client_id), client_name=f"{first} {last}".strip(), phone=phone,
            is_first_visit=first_visit, service_name=service, room_name=room, status=str(words[status]),
            desk_note=note))
    known = {p.pk for p in practitioners}
    # Someone no longer linked to this location may still have sessions here that day (read only then).
    extra = set(rows) - known
    if extra:
        practitioners += Practitioner.objects.filter(pk__in=extra).select_related("user")
    return [SheetSection(p, rows[p.pk], p.pk in working) for p in practitioners if rows[p.pk] or p.pk in working]


# --- Appointment history ------------------------------------------------------------------------

@dataclass
class HistoryLine:
    at: datetime
    actor: str
    text: str


STATUS_WORDS = {
    AppointmentStatus.ARRIVED: "Marked arrived",
    AppointmentStatus.IN_TREATMENT: "Marked in treatment",
    AppointmentStatus.COMPLETED: "Marked completed",
    AppointmentStatus.NO_SHOW: "Marked no-show",
}


def _when(iso: str | None, tz) -> str:
    if not iso:
        return "?"
    return datetime.fromisoformat(iso).astimezone(tz).strftime("%a %d %b %Y %H:%M")


def appointment_history(*, appointment: Appointment) -> list[HistoryLine]:
    """The appointment's events in words: who, when, what (never clinical content)."""
    tz = appointment.location.tz
    events = list(AppointmentEvent.objects.filter(appointment=appointment).select_related("actor"))
    practitioner_ids, room_ids = set(), set()
    for e in events:
        for side in ("old", "new"):
            practitioner_ids.add(e.details.get(side, {}).get("practitioner"))
            room_ids.add(e.details.get(side, {}).get("room"))
    names = {p.pk: str(p) for p in Practitioner.objects.filter(pk__in=practitioner_ids - {None})
             .select_related("user")} if practitioner_ids - {None} else {}
    rooms = dict(Room.objects.filter(pk__in=room_ids - {None}).values_list("pk", "name")) if room_ids - {None} else {}
    lines = []
    for e in events:
        actor = e.actor.full_name or e.actor.email if e.actor else "System"
        if e.actor and e.actor.pk == appointment.client_id:
            actor = f"{actor} (client)"
        lines.append(HistoryLine(e.at, actor, _describe(e, tz, names, rooms)))
    return lines


def _describe(event: AppointmentEvent, tz, names: dict, rooms: dict) -> str:
    d = event.details or {}
    if event.action == "booked" and "via" in d:
        how = {"phone": "by the front desk", "waitlist": "from a waitlist offer"}.get(d.get("via"), "online")
        return f"Booked {how} for {_when(d.get('starts_at'), tz)}"
    if event.action == "rescheduled":
        old, new = d.get("old", {}), d.get("new", {})
        text = f"Moved from {_when(old.get('starts_at'), tz)} to {_when(new.get('starts_at'), tz)}"
        if old.get("practitioner") != new.get("practitioner"):
            text += f", {names.get(old.get('practitioner'), '?')} to {names.get(new.get('practitioner'), '?')}"
        if old.get("room") != new.get("room") and new.get("room"):
            text += f" ({rooms.get(new.get('room'), '?')})"
        return text
    if event.action == "cancelled":
        text = "Cancelled"
        if d.get("late"):
            text += " (late cancellation)"
        return f"{text}: {d['reason']}" if d.get("reason") else text
    if event.action in STATUS_WORDS:
        return STATUS_WORDS[event.action]
    if event.action == AppointmentStatus.BOOKED and d.get("previous"):
        previous = AppointmentStatus(d["previous"]).label.lower()
        return f"Back to booked (was {previous})"
    return event.action.replace("_", " ").capitalize()


# --- Waitlist -----------------------------------------------------------------------------------

def waiting_entries(*, location: Location | None = None):
    qs = (WaitlistEntry.objects.filter(status=EntryStatus.WAITING)
          .select_related("client", "service", "practitioner__user", "location").order_by("created_at", "pk"))
    return qs.filter(location=location) if location is not None else qs


def recent_openings(*, since: datetime):
    return (WaitlistOpening.objects.filter(created_at__gte=since)
            .select_related("practitioner__user", "location").order_by("-created_at", "-pk"))


def offers_by_opening(openings: list[WaitlistOpening]) -> dict[int, list[WaitlistOffer]]:
    result: dict[int, list[WaitlistOffer]] = defaultdict(list)
    for offer in (WaitlistOffer.objects.filter(opening__in=openings)
                  .select_related("entry__client", "entry__service").order_by("created_at", "pk")):
        result[offer.opening_id].append(offer)
    return result


def pending_offers_by_entry(entries: list[WaitlistEntry]) -> dict[int, list[WaitlistOffer]]:
    result: dict[int, list[WaitlistOffer]] = defaultdict(list)
    for offer in (WaitlistOffer.objects.filter(entry__in=entries, status=OfferStatus.PENDING)
                  .select_related("opening").order_by("created_at")):
        result[offer.entry_id].append(offer)
    return result


def opening_matches(*, opening: WaitlistOpening, now: datetime | None = None, limit: int | None = None,
                    exclude_client_id: int | None = None) -> list[WaitlistEntry]:
    """Waiting entries this opening suits, in waitlist order (who joined first).

    An entry suits it when the practitioner and location match its wishes, the local day and time
    match its preferences, its service fits at that very time (the engine with staff rules: the
    clinic makes the offer, so online notice does not apply), its client is free then, and the screening
    gate lets the client have that service on that date (or a practitioner approved the date): an offer the
    booking service would refuse on accepting is not made.
    """
    now = now or timezone.now()
    if opening.starts_at <= now:
        return []
    tz = opening.location.tz
    local = opening.starts_at.astimezone(tz)
    candidates = [
        e for e in (WaitlistEntry.objects.filter(status=EntryStatus.WAITING, location=opening.location)
                    .filter(Q(practitioner=None) | Q(practitioner=opening.practitioner))
                    .exclude(offers__opening=opening)
                    .select_related("client", "service").order_by("created_at", "pk"))
        if e.wants(local) and e.client_id != exclude_client_id
    ]
    if not candidates:
        return []
    fits: dict[int, bool] = {}
    for service in {e.service_id: e.service for e in candidates}.values():
        slots = booking_selectors.available_slots(
            service=service, location=opening.location, practitioner=opening.practitioner, staff=True, now=now,
            start_date=local.date(), end_date=local.date())
        fits[service.pk] = any(s.start == opening.starts_at for s in slots)
    busy_clients = set(Appointment.objects.filter(
        client_id__in={e.client_id for e in candidates}, status__in=ACTIVE_STATUSES,
        starts_at__lt=opening.free_until, ends_at__gt=opening.starts_at,
    ).values_list("client_id", flat=True))
    matches = []
    for entry in (e for e in candidates if fits[e.service_id] and e.client_id not in busy_clients):
        if limit is not None and len(matches) >= limit:
            break
        if not _screening_stops(entry, local.date()):  # asked only until the batch is full
            matches.append(entry)
    return matches


def _screening_stops(entry: WaitlistEntry, day: date) -> bool:
    verdict = booking_screening.verdict(client=entry.client, service=entry.service, day=day)
    return verdict is not None and verdict.stops
