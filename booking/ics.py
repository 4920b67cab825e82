"""iCalendar (.ics) files for appointments, attached to emails and offered for download.

One appointment is one calendar event for its whole life: the UID never changes, and SEQUENCE goes
up with every reschedule (and once more on cancellation), so calendar apps update or remove the
event they already hold instead of adding a second one. Times are written in UTC: unambiguous
across daylight-saving changes and valid without a VTIMEZONE block. No clinical content.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from clinic.core.models import ClinicSettings

from .models import Appointment, AppointmentStatus

PRODID = "-//Clinic//Appointments//EN"


def appointment_uid(appointment: Appointment) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "clinic.invalid"
    return f"appointment-{appointment.pk}@{host}"


def appointment_sequence(appointment: Appointment) -> int:
    """0 when booked, +1 per reschedule, +1 when cancelled (RFC 5545 3.8.7.4)."""
    if "events" in getattr(appointment, "_prefetched_objects_cache", {}):
        moves = sum(1 for event in appointment.events.all() if event.action == "rescheduled")
    else:
        moves = appointment.events.filter(action="rescheduled").count()
    return moves + (1 if appointment.status == AppointmentStatus.CANCELLED else 0)


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    return calendar


def _event(appointment: Appointment, *, method: str, clinic: ClinicSettings, now: datetime) -> Event:
    cancelled = appointment.status == AppointmentStatus.CANCELLED
    location = appointment.location
    manage_url = settings.SITE_URL + reverse("booking:my_appointments")
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment_sequence(appointment))
    event.add("dtstamp", now)
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    event.add("summary", f"{appointment.service.name} at {clinic.name}")
    event.add("location", ", ".join(part for part in [location.name, " ".join(location.address.split())] if part))
    event.add("description", (
        f"{appointment.service.name} with {appointment.practitioner.user.full_name}.\n"
        f"To change or cancel: {manage_url} or call {location.phone or clinic.phone}."))
    event.add("url", manage_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(clinic.email, clinic.name))
    if method != "PUBLISH":  # RFC 5546: a published event has no attendees; an invitation names them
        event.add("attendee", _address(appointment.client.email, appointment.client.full_name,
                                       role="REQ-PARTICIPANT", partstat="ACCEPTED", rsvp="FALSE"))
    return event


def appointment_ics(appointment: Appointment, *, method: str | None = None, clinic: ClinicSettings | None = None,
                    now: datetime | None = None) -> bytes:
    """The appointment as an .ics file.

    ``method``: emails pass REQUEST (an invitation that updates itself) or CANCEL. The default suits
    a download link: PUBLISH, or CANCEL once the appointment is cancelled.
    """
    if method is None:
        method = "CANCEL" if appointment.status == AppointmentStatus.CANCELLED else "PUBLISH"
    calendar = _calendar(method)
    calendar.add_component(_event(appointment, method=method, clinic=clinic or ClinicSettings.load(),
                                  now=now or timezone.now()))
    return calendar.to_ical()


def appointments_ics(appointments, *, clinic: ClinicSettings | None = None, now: datetime | None = None) -> bytes:
    """Several appointments (e.g. a course) in one downloadable file, one event each."""
    clinic, now = clinic or ClinicSettings.load(), now or timezone.now()
    appointments = list(appointments)
    prefetch_related_objects(appointments, "events")  # one query for every SEQUENCE
    calendar = _calendar("PUBLISH")
    for appointment in appointments:
        calendar.add_component(_event(appointment, method="PUBLISH", clinic=clinic, now=now))
    return calendar.to_ical()


def ics_filename(appointment: Appointment) -> str:
    return f"appointment-{appointment.local_starts_at:%Y-%m-%d}.ics"


def ics_events(content: str | bytes) -> list[dict]:
    """The events of an .ics file, for people to read (the staff outbox). Empty if it does not parse."""
    try:
        calendar = Calendar.from_ical(content)
    except ValueError:
        return []
    events = []
    for event in calendar.walk("VEVENT"):
        events.append({
            "method": str(calendar.get("METHOD", "")),
            "status": str(event.get("STATUS", "")),
            "summary": str(event.get("SUMMARY", "")),
            "location": str(event.get("LOCATION", "")),
            "starts": event.decoded("DTSTART") if "DTSTART" in event else None,
            "ends": event.decoded("DTEND") if "DTEND" in event else None,
            "sequence": event.get("SEQUENCE", 0),
            "uid": str(event.get("UID", "")),
        })
    return events
