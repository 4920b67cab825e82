from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known IANA time zone, e.g. Europe/London."),
                              params={"value": value})


class ClinicSettings(models.Model):
    """The one row of clinic-wide settings a manager edits in the app (``/manage/settings/``)."""

    name = models.CharField(_("clinic name"), max_length=120, default="Lotus Facial Acupuncture")
    address = models.TextField(_("address"), default="12 Willow Walk, London N1 7AB")
    phone = models.CharField(_("phone"), max_length=40, default="020 7946 0123")
    email = models.EmailField(_("email"), default="hello@clinic.example")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/London",
                                 validators=[validate_time_zone],
                                 help_text=_("IANA name, e.g. Europe/London. Times are shown in this zone."))
    minimum_notice_hours = models.PositiveIntegerField(
        _("minimum notice (hours)"), default=12, validators=[MaxValueValidator(24 * 14)],
        help_text=_("Clients cannot book online closer to the start than this."))
    booking_horizon_days = models.PositiveIntegerField(
        _("booking horizon (days)"), default=90, validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("How far ahead clients may book online."))
    slot_step_minutes = models.PositiveIntegerField(
        _("slot step (minutes)"), default=15, validators=[MinValueValidator(5), MaxValueValidator(120)])
    cancellation_window_hours = models.PositiveIntegerField(
        _("cancellation window (hours)"), default=24, validators=[MaxValueValidator(24 * 14)],
        help_text=_("Clients cannot cancel or reschedule online within this many hours of the start."))
    first_visit_must_be_initial = models.BooleanField(
        _("first visit must be the initial consultation"), default=True)
    reminder_hours_before = models.PositiveIntegerField(
        _("reminder (hours before)"), default=24, validators=[MinValueValidator(1), MaxValueValidator(24 * 7)])
    waitlist_offer_hours = models.PositiveIntegerField(
        _("waitlist offer lasts (hours)"), default=4, validators=[MinValueValidator(1), MaxValueValidator(72)])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("clinic settings")
        verbose_name_plural = _("clinic settings")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="core_clinicsettings_singleton")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def load(cls) -> ClinicSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class OutboxEmail(models.Model):
    """Every email sent by the embedded default lands here, readable by staff at ``/outbox/``."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    from_email = models.CharField(max_length=254)
    to = models.TextField(help_text=_("comma-separated"))
    subject = models.CharField(max_length=255)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True,
                                   help_text=_("[{filename, mimetype, content}] for text attachments"))
    # Carries a sign-in link (verification, password reset, staff invite): only managers may read it,
    # or front desk could take over a practitioner's account from the outbox.
    sensitive = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox email")

    def __str__(self) -> str:
        return f"{self.subject} -> {self.to}"
