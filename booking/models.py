"""Scheduling model: locations, rooms, services, practitioners, hours, time off, appointments.

Every instant is an aware UTC datetime; weekly hours are wall-clock times in the location's zone.
The no-overlap guarantee lives in the database: see migration 0002 (PostgreSQL exclusion
constraints) and ``booking.services`` (serialised writes on SQLite).
"""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clinic.core.models import validate_time_zone

# The longest a booking may hold its practitioner and room (session + clean-up), held by check constraints on
# Service and Appointment: a booking touching a time started less than this before it, so reads of the
# schedule bound ``starts_at`` on both sides and use its indexes instead of scanning all the history.
MAX_HOLD = timedelta(hours=12)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Location(models.Model):
    name = models.CharField(_("name"), max_length=120)
    address = models.TextField(_("address"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/London",
                                 validators=[validate_time_zone])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class OpeningHours(models.Model):
    """When a location's doors are open, per weekday (wall-clock, location zone)."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["location", "weekday", "opens"]
        verbose_name_plural = _("opening hours")
        constraints = [models.CheckConstraint(condition=Q(closes__gt=models.F("opens")),
                                              name="booking_openinghours_closes_after_opens")]

    def __str__(self) -> str:
        return f"{self.location} {self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Room(models.Model):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(_("name"), max_length=60)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["location", "name"]
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="booking_room_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.location})"


# What the aftercare note says unless the manager writes the service's own (DOMAIN.md: aftercare).
DEFAULT_AFTERCARE = """\
A few simple steps help your skin make the most of the treatment:

- No make-up for about 12 hours, and no heavy creams today.
- For 24 hours, avoid strenuous exercise, saunas, hot baths and swimming pools.
- Go easy on alcohol and caffeine, and drink plenty of water.
- No exfoliants, scrubs or acid products for 48 hours.
- Use sunscreen when you go out.
- Small bruises can happen; they are harmless and fade within a few days.

When to call us: if a bruise is large or painful, or if swelling or redness gets worse after a day."""


class Service(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    buffer_after_minutes = models.PositiveIntegerField(_("buffer after (minutes)"), default=0,
                                                       help_text=_("Clean-up time kept free after the session."))
    price = models.DecimalField(_("price"), max_digits=8, decimal_places=2)
    is_initial_consultation = models.BooleanField(
        _("initial consultation"), default=False,
        help_text=_("The first-visit service, when the clinic requires first visits to be one."))
    new_clients_allowed = models.BooleanField(_("new clients may book"), default=True)
    requires_intake = models.BooleanField(_("needs a completed intake"), default=True)
    bookable_online = models.BooleanField(_("bookable online"), default=True)
    # Codes of the intake's screening flags (e.g. "botox_date") that stop this service; empty: every flag does.
    screening_codes = models.JSONField(
        _("screening flags that apply"), default=list, blank=True,
        help_text=_("Leave empty for facial acupuncture (every screening flag applies). For a service without "
                    "facial needling, list the flag codes that still apply, e.g. [\"blood_pressure\"]."))
    aftercare_note = models.TextField(
        _("aftercare note"), default=DEFAULT_AFTERCARE, blank=True,
        help_text=_("Emailed to the client after each session of this service. Plain text; lines starting "
                    "with '- ' become a list. No clinical details: it goes by email."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="booking_service_positive_duration"),
            # Appointment's MAX_HOLD: a service no booking of could be stored is refused when it is set up.
            models.CheckConstraint(
                condition=Q(duration_minutes__lte=MAX_HOLD // timedelta(minutes=1) - models.F("buffer_after_minutes")),
                name="booking_service_holds_at_most_max_hold",
                violation_error_message=_("A session and its clean-up last at most 12 hours.")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)


class Practitioner(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practitioner")
    title = models.CharField(_("title"), max_length=120, default="Acupuncturist")
    bio = models.TextField(_("bio"), blank=True)
    # A staff profile photo shown on the booking pages: public on purpose, under a random name (booking.schedule).
    photo = models.ImageField(_("photo"), upload_to="practitioners/", blank=True)
    services = models.ManyToManyField(Service, related_name="practitioners", blank=True)
    locations = models.ManyToManyField(Location, related_name="practitioners", blank=True)
    colour = models.CharField(_("calendar colour"), max_length=7, default="#5b8a72")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["user__first_name", "user__last_name"]

    def __str__(self) -> str:
        return self.user.full_name


class WorkingHours(models.Model):
    """A weekly interval a practitioner works at a location. Several per day are allowed."""

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="working_hours")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        ordering = ["practitioner", "weekday", "start"]
        verbose_name_plural = _("working hours")
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")),
                                              name="booking_workinghours_end_after_start")]

    def __str__(self) -> str:
        return f"{self.practitioner} {self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class Break(models.Model):
    """A recurring weekly break inside working hours (e.g. lunch 13:00-14:00)."""

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="breaks")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        ordering = ["practitioner", "weekday", "start"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")),
                                              name="booking_break_end_after_start")]

    def __str__(self) -> str:
        return f"{self.practitioner} break {self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class TimeOff(models.Model):
    """Holiday, training or a clinic closure. No practitioner = the whole location (or clinic) is closed."""

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="time_off")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="closures", help_text=_("Blank with no practitioner: every location."))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = _("time off")
        indexes = [models.Index(fields=["starts_at", "ends_at"])]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="booking_timeoff_ends_after_starts")]

    def __str__(self) -> str:
        who = self.practitioner or self.location or "Clinic"
        return f"{who} off {self.starts_at:%Y-%m-%d %H:%M} - {self.ends_at:%Y-%m-%d %H:%M}"


class Course(models.Model):
    """A course of sessions booked in one go (e.g. 10 weekly)."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="courses")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="courses")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="courses")
    sessions = models.PositiveSmallIntegerField(_("sessions"))
    description = models.CharField(_("pattern"), max_length=120, help_text=_("e.g. weekly on Tuesday at 10:00"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.sessions} x {self.service} ({self.description})"


class AppointmentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting email confirmation")
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    IN_TREATMENT = "in_treatment", _("In treatment")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


# Statuses that hold the practitioner and room. Cancelled is the only one that frees the time.
ACTIVE_STATUSES = [s for s in AppointmentStatus.values if s != AppointmentStatus.CANCELLED]


class BookedVia(models.TextChoices):
    ONLINE = "online", _("Online")
    PHONE = "phone", _("Front desk")
    WAITLIST = "waitlist", _("Waitlist offer")  # the client accepted a time the clinic offered


# Where the clinic, not the client, chose the time: staff bounds apply (no online minimum notice or horizon).
STAFF_CHANNELS = frozenset({BookedVia.PHONE, BookedVia.WAITLIST})


class Appointment(models.Model):
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    course = models.ForeignKey(Course, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="appointments")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # ends_at + the service's buffer: the end of the time this appointment holds.
    blocked_until = models.DateTimeField(_("blocked until"))
    status = models.CharField(_("status"), max_length=20, choices=AppointmentStatus.choices,
                              default=AppointmentStatus.BOOKED)
    booked_via = models.CharField(max_length=10, choices=BookedVia.choices, default=BookedVia.ONLINE)
    is_first_visit = models.BooleanField(_("first visit"), default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=200, blank=True)
    late_cancellation = models.BooleanField(_("late cancellation"), default=False)
    desk_note = models.CharField(_("front-desk note"), max_length=300, blank=True,
                                 help_text=_("Practical notes only (parking, access). No clinical details."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["practitioner", "starts_at"]),
            models.Index(fields=["room", "starts_at"]),
            models.Index(fields=["client", "starts_at"]),
            models.Index(fields=["starts_at", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="booking_appointment_ends_after_starts"),
            models.CheckConstraint(condition=Q(blocked_until__gte=models.F("ends_at")),
                                   name="booking_appointment_buffer_not_negative"),
            models.CheckConstraint(condition=Q(blocked_until__lte=models.F("starts_at") + MAX_HOLD),
                                   name="booking_appointment_holds_at_most_max_hold",
                                   violation_error_message=_("A session and its clean-up last at most 12 hours.")),
            # The exclusion constraints (no overlap per practitioner / room) are PostgreSQL-only:
            # migration 0002 adds them. SQLite is serialised in booking.services.
        ]

    def __str__(self) -> str:
        return f"{self.service} for {self.client} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def is_active(self) -> bool:
        return self.status != AppointmentStatus.CANCELLED

    @property
    def local_starts_at(self):
        return self.starts_at.astimezone(self.location.tz)

    @property
    def local_ends_at(self):
        return self.ends_at.astimezone(self.location.tz)


class AppointmentEvent(models.Model):
    """History of an appointment: who did what, when. Never clinical content."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    action = models.CharField(max_length=30)  # booked, rescheduled, cancelled, arrived, no_show, ...
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.action} at {self.at:%Y-%m-%d %H:%M}"
