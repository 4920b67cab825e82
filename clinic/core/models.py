from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Self

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known IANA time zone, e.g. Europe/London."),
                              params={"value": value})


def parse_hours(value: str) -> list[int]:
    """``"48, 2"`` -> ``[48, 2]``: the distinct whole hours in a list, largest first."""
    return sorted({int(n) for n in re.findall(r"\d+", value or "")}, reverse=True)


def validate_reminder_hours(value: str) -> None:
    if re.search(r"[^\d,\s]", value or ""):
        raise ValidationError(_("Use whole hours separated by commas, e.g. 48, 2."))
    hours = parse_hours(value)
    if len(hours) > 4:
        raise ValidationError(_("At most 4 reminders per session."))
    if any(h < 1 or h > 24 * 14 for h in hours):
        raise ValidationError(_("Each reminder must be between 1 and 336 hours (14 days) before the session."))


# The settings rows a request (or task) already read, by model: see ``ClinicSettings.loaded_once``.
_memo: ContextVar[dict[type, SettingsRow] | None] = ContextVar("settings_rows", default=None)


class SettingsRow(models.Model):
    """A settings table of one row (pk 1). Inside ``ClinicSettings.loaded_once`` (every request, every batch
    of messages) each row is read at most once: ``load()`` returns the copy already read, and ``save()`` keeps
    that copy current."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        memo = _memo.get()
        if memo is not None:
            memo[type(self)] = self  # later reads in this request see what was saved

    @classmethod
    def load(cls) -> Self:
        """The settings row, created with its defaults on first use; inside ``loaded_once`` the one already
        read (no query)."""
        memo = _memo.get()
        if memo is not None and cls in memo:
            return memo[cls]
        obj, _created = cls.objects.get_or_create(pk=1)
        if memo is not None:
            memo[cls] = obj
        return obj


class ClinicalAccess(models.TextChoices):
    CARE = "care", _("Care relationship: only clients she treats")
    WHOLE_CLINIC = "whole_clinic", _("Whole clinic: every client")


class ClinicSettings(SettingsRow):
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
    reminder_hours = models.CharField(
        _("reminders (hours before)"), max_length=40, default="48, 2", blank=True,
        validators=[validate_reminder_hours],
        help_text=_("When clients are reminded of a session, in hours before it, e.g. 48, 2. Empty: no reminders."))
    intake_nudge_hours_before = models.PositiveIntegerField(
        _("questionnaire nudge (hours before)"), default=72,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text=_("A new client whose questionnaire is still missing this long before their first visit is "
                    "reminded to fill it in."))
    aftercare_delay_minutes = models.PositiveIntegerField(
        _("aftercare note after (minutes)"), default=60, validators=[MaxValueValidator(24 * 60)],
        help_text=_("The aftercare note goes this long after a session is marked completed, or after its "
                    "end if nobody marks it. It leaves the practitioner time to add a personal note."))
    course_checkin_hours_before = models.PositiveIntegerField(
        _("course check-in (hours before)"), default=48, validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text=_("Before a re-assessment session (see the intake settings), clients are asked this long "
                    "ahead to fill in a short progress check-in."))
    waitlist_offer_hours = models.PositiveIntegerField(
        _("waitlist offer lasts (hours)"), default=4, validators=[MinValueValidator(1), MaxValueValidator(72)])
    clinical_access = models.CharField(
        _("who may read a client's clinical record"), max_length=20, choices=ClinicalAccess.choices,
        default=ClinicalAccess.CARE,
        help_text=_("Care relationship: a practitioner reads the intake, notes and progress only of clients she has "
                    "treated or is booked to treat; anyone else's record opens only in an emergency, with a stated "
                    "reason that is kept in the audit log. Whole clinic: every practitioner (and staff allowed to "
                    "read clinical answers) reads every client's record."))
    clinical_retention_years = models.PositiveSmallIntegerField(
        _("keep clinical records of erased clients (years)"), default=8,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("When a client's personal details are erased, her intake, consent and treatment notes are "
                    "kept this long (as the law requires), then deleted."))
    clients_see_photos = models.BooleanField(
        _("clients see their before-and-after photos"), default=False,
        help_text=_("If on, a client who consented to photographs can compare her own photos in her account."))
    # Set, in the transaction that changes when messages go, until upcoming sessions' messages are re-planned:
    # the beat's dispatcher re-plans while it is set, so a broker down at the moment of saving loses nothing.
    messages_replan_requested_at = models.DateTimeField(_("messages to re-plan since"), null=True, blank=True,
                                                        editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("clinic settings")
        verbose_name_plural = _("clinic settings")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="core_clinicsettings_singleton")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    @contextmanager
    def loaded_once(cls) -> Iterator[ClinicSettings]:
        """Read each settings row (``SettingsRow``) once for a whole request or task: every ``load()`` inside
        returns that instance. The clinic's row is read at once (every page needs it), the others when first
        asked for.

        A booking asks for the settings in the view, the engine, the rules and the planner; one read is enough
        as a request sees one version of them. Saving a row inside keeps the memo current; leaving the block
        forgets it, so the next request reads the rows again (a manager's change shows on the next page)."""
        token = _memo.set({})
        try:
            yield cls.load()
        finally:
            _memo.reset(token)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def reminder_offsets(self) -> list[int]:
        return parse_hours(self.reminder_hours)


class OutboxEmail(models.Model):
    """Every email sent by the embedded default lands here, readable by staff at ``/outbox/``."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The outbox holds text messages too (clinic.notifications.sms.OutboxSmsBackend): ``to`` is then a phone number.
    channel = models.CharField(max_length=10, default="email",
                               choices=[("email", _("Email")), ("sms", _("Text message"))])
    from_email = models.CharField(max_length=254)
    to = models.TextField(help_text=_("comma-separated"))
    subject = models.CharField(max_length=255)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True,
                                   help_text=_("[{filename, mimetype, content}] for text attachments"))
    # Carries a sign-in link (verification, password reset, staff invite): nobody reads it on /outbox/, managers
    # included, or staff could take over a practitioner's account; its recipient reads it under "My emails".
    sensitive = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox email")

    def __str__(self) -> str:
        return f"{self.subject} -> {self.to}"
