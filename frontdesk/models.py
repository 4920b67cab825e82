"""The waitlist: clients waiting for an earlier time, the times that free up, and the offers we send.

A cancelled appointment becomes a ``WaitlistOpening``; matching waitlist entries get a
``WaitlistOffer`` each (a small batch, in waitlist order). The first accept claims the opening
with a conditional update; the partial unique constraint on accepted offers backs that up.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models import Appointment, Location, Practitioner, Service, Weekday


class TimeOfDay(models.TextChoices):
    ANY = "any", _("Any time")
    MORNING = "morning", _("Morning (before 12:00)")
    AFTERNOON = "afternoon", _("Afternoon (12:00 to 17:00)")
    EVENING = "evening", _("Evening (from 17:00)")


# Wall-clock start hours (location zone) each choice accepts: [from, until).
TIME_OF_DAY_HOURS = {
    TimeOfDay.ANY: (0, 24),
    TimeOfDay.MORNING: (0, 12),
    TimeOfDay.AFTERNOON: (12, 17),
    TimeOfDay.EVENING: (17, 24),
}


class EntryStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    BOOKED = "booked", _("Booked")
    REMOVED = "removed", _("Removed")


class EntrySource(models.TextChoices):
    ONLINE = "online", _("Online")
    DESK = "desk", _("Front desk")


class WaitlistEntry(models.Model):
    """A client waiting for the earliest time for a service, with optional preferences."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="waitlist_entries")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", help_text=_("Blank: any practitioner."))
    weekdays = models.JSONField(_("days"), default=list, blank=True,
                                help_text=_("Weekday numbers (0 = Monday). Empty: any day."))
    time_of_day = models.CharField(_("time of day"), max_length=10, choices=TimeOfDay.choices,
                                   default=TimeOfDay.ANY)
    note = models.CharField(_("front-desk note"), max_length=200, blank=True,
                            help_text=_("Practical notes only. No clinical details."))
    status = models.CharField(_("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.WAITING)
    source = models.CharField(_("added"), max_length=10, choices=EntrySource.choices, default=EntrySource.ONLINE)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    appointment = models.ForeignKey(Appointment, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", help_text=_("The booking this entry led to."))
    # default rather than auto_now_add: the waitlist order is this field, and tests set it.
    created_at = models.DateTimeField(_("joined"), default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        indexes = [models.Index(fields=["status", "location", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["client", "service", "location"], condition=Q(status="waiting"),
                                    name="frontdesk_waitlist_one_waiting_entry_per_service"),
        ]

    def __str__(self) -> str:
        return f"Waitlist {self.pk}: client {self.client_id} for service {self.service_id}"

    @property
    def weekday_labels(self) -> list[str]:
        return [str(Weekday(d).label) for d in sorted(self.weekdays)]

    def wants(self, local_start) -> bool:
        """Does a session starting at this local (location zone) time suit the client's preferences?"""
        if self.weekdays and local_start.weekday() not in self.weekdays:
            return False
        lo, hi = TIME_OF_DAY_HOURS[TimeOfDay(self.time_of_day)]
        return lo <= local_start.hour < hi


class OpeningStatus(models.TextChoices):
    OPEN = "open", _("Being offered")
    TAKEN = "taken", _("Taken from the waitlist")
    CLOSED = "closed", _("Closed")


class WaitlistOpening(models.Model):
    """A time that became free when an appointment was cancelled."""

    source_appointment = models.OneToOneField(Appointment, on_delete=models.SET_NULL, null=True, blank=True,
                                              related_name="+", help_text=_("The cancelled appointment."))
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField(_("starts"))
    # The end of the time the cancelled appointment held (its buffer included).
    free_until = models.DateTimeField(_("free until"))
    status = models.CharField(max_length=10, choices=OpeningStatus.choices, default=OpeningStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return f"Opening {self.pk} at {self.starts_at:%Y-%m-%d %H:%M} UTC"


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    GONE = "gone", _("Taken by someone else")
    WITHDRAWN = "withdrawn", _("No longer needed")


class WaitlistOffer(models.Model):
    """One waitlist entry offered one opening, by email with a signed link."""

    opening = models.ForeignKey(WaitlistOpening, on_delete=models.CASCADE, related_name="offers")
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "expires_at"])]
        constraints = [
            models.UniqueConstraint(fields=["opening", "entry"], name="frontdesk_offer_once_per_entry"),
            # Whatever the code does, one opening is given to one client.
            models.UniqueConstraint(fields=["opening"], condition=Q(status="accepted"),
                                    name="frontdesk_offer_one_accept_per_opening"),
        ]

    def __str__(self) -> str:
        return f"Offer {self.pk} of opening {self.opening_id} to entry {self.entry_id}"

    @property
    def is_pending(self) -> bool:
        return self.status == OfferStatus.PENDING
