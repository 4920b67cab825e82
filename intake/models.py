"""The intake: a versioned TCM skin questionnaire, its submissions, screening flags, consent,
the practitioner's assessment, treatment notes and re-assessments over a course.

Answers live in JSON on the submission, keyed by the question keys of the exact
``QuestionnaireVersion`` they answered, so an old submission always reads as it was asked.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class QuestionnaireVersion(models.Model):
    """One frozen wording of the questionnaire. Never edited: a change is a new number
    (see ``intake.definitions``)."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    definition = models.JSONField(_("definition"))
    checksum = models.CharField(_("checksum"), max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("questionnaire version")

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class ConsentVersion(models.Model):
    """The clinic's consent text as the client read it. A change is a new number."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    checksum = models.CharField(_("checksum"), max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("consent version")

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


def validate_session_list(value: str) -> None:
    if value.strip() and not re.fullmatch(r"\s*\d+(\s*,\s*\d+)*\s*", value):
        raise ValidationError(_("Enter session numbers separated by commas, e.g. 5, 10."))


def _wait(label: str, default: int, help_text: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, default=default, validators=[MaxValueValidator(730)],
                                       help_text=help_text)


class IntakeSettings(models.Model):
    """The clinic's screening waits and re-assessment plan, edited by the manager (``/intake/settings/``).

    Clinics disagree on how long to wait after cosmetic procedures, so these are settings, not constants.
    """

    botox_wait_days = _wait(_("after Botox (days)"), 14, _("Clinics use 2 weeks to 6 months."))
    filler_wait_days = _wait(_("after dermal fillers (days)"), 90, _("Commonly about 90 days."))
    laser_wait_days = _wait(_("after laser treatment (days)"), 28, _("Commonly 3-4 weeks."))
    peel_wait_days = _wait(_("after a chemical peel (days)"), 14, _("Commonly 1-2 weeks."))
    microdermabrasion_wait_days = _wait(_("after microdermabrasion (days)"), 14, _("Commonly 1-4 weeks."))
    facelift_wait_days = _wait(_("after a face-lift (days)"), 183, _("Commonly 6 months."))
    major_event_wait_days = _wait(_("after a stroke, heart attack or major surgery (days)"), 183,
                                  _("Commonly 6 months."))
    reassess_at_sessions = models.CharField(
        _("re-assess at sessions"), max_length=60, default="5, 10", validators=[validate_session_list],
        help_text=_("Session numbers at which clients are asked for a short re-assessment, e.g. 5, 10."))
    request_link_valid_days = models.PositiveIntegerField(
        _("intake link valid for (days)"), default=14, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("How long the link in an intake request email keeps working."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("intake settings")
        verbose_name_plural = _("intake settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="intake_settings_singleton")]

    def __str__(self) -> str:
        return str(_("Intake settings"))

    @classmethod
    def load(cls) -> IntakeSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    @property
    def reassess_sessions(self) -> list[int]:
        return sorted({int(n) for n in re.findall(r"\d+", self.reassess_at_sessions) if int(n) > 0})


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class IntakeSubmission(models.Model):
    """One filling-in of the questionnaire by one client: a draft until consent, then frozen.

    Updating an intake starts a new draft pre-filled from the current submission; submitting it
    makes it the client's current one and keeps the old one as history.
    """

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="intake_submissions")
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="submissions")
    status = models.CharField(_("status"), max_length=12, choices=SubmissionStatus.choices,
                              default=SubmissionStatus.DRAFT)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # The next step to show when the client resumes (1-based index into the sections).
    current_step = models.PositiveSmallIntegerField(_("resume at step"), default=1)
    completed_steps = models.JSONField(_("completed steps"), default=list, blank=True)
    # Exactly one submitted row per client is current (the one the practitioner works from).
    is_current = models.BooleanField(_("current"), default=False)
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("updates"))
    scores = models.JSONField(_("pattern scores"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("intake submission")
        indexes = [models.Index(fields=["client", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["client"], condition=Q(status="draft"), name="intake_one_draft_per_client"),
            models.UniqueConstraint(fields=["client"], condition=Q(is_current=True),
                                    name="intake_one_current_per_client"),
            models.CheckConstraint(condition=Q(is_current=False) | Q(status="submitted"),
                                   name="intake_current_is_submitted"),
            models.CheckConstraint(condition=Q(status="draft") | Q(submitted_at__isnull=False),
                                   name="intake_submitted_has_time"),
        ]

    def __str__(self) -> str:
        return f"Intake {self.pk} ({self.status}) of client {self.client_id}"

    @property
    def is_draft(self) -> bool:
        return self.status == SubmissionStatus.DRAFT

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None


class FlagLevel(models.TextChoices):
    DO_NOT_TREAT = "do_not_treat", _("Do not treat")
    REVIEW = "review", _("Practitioner must review")
    NOTE = "note", _("Note")


FLAG_SEVERITY = {FlagLevel.DO_NOT_TREAT: 0, FlagLevel.REVIEW: 1, FlagLevel.NOTE: 2}


class IntakeFlag(models.Model):
    """A screening result from a contraindication answer. ``until`` is the first date treatment may go
    ahead (waits after procedures); a "do not treat" flag without it blocks until a practitioner clears it."""

    submission = models.ForeignKey(IntakeSubmission, on_delete=models.CASCADE, related_name="flags")
    code = models.CharField(_("code"), max_length=60)
    level = models.CharField(_("level"), max_length=20, choices=FlagLevel.choices)
    reason = models.CharField(_("reason"), max_length=300)
    until = models.DateField(_("no treatment before"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["submission", "id"]
        constraints = [models.UniqueConstraint(fields=["submission", "code"], name="intake_flag_once_per_code")]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.code}"

    def blocks_on(self, day) -> bool:
        """Whether this flag stops a session on that (local) date."""
        if self.cleared_at is not None or self.level != FlagLevel.DO_NOT_TREAT:
            return False
        return self.until is None or day < self.until


class ConsentRecord(models.Model):
    """Who consented, when, from which address, to which consent text, for which submission."""

    submission = models.OneToOneField(IntakeSubmission, on_delete=models.PROTECT, related_name="consent")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="intake_consents")
    consent_version = models.ForeignKey(ConsentVersion, on_delete=models.PROTECT, related_name="records")
    typed_name = models.CharField(_("typed full name"), max_length=200)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"Consent v{self.consent_version_id} by client {self.client_id} at {self.signed_at:%Y-%m-%d %H:%M}"


class Frequency(models.TextChoices):
    TWICE_WEEKLY = "twice_weekly", _("Twice a week")
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")


class Assessment(models.Model):
    """The practitioner's reading of a submission and the treatment plan that follows."""

    submission = models.OneToOneField(IntakeSubmission, on_delete=models.PROTECT, related_name="assessment")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessment = models.TextField(_("assessment"), help_text=_("Your reading: patterns, tongue, pulse, skin."))
    plan_sessions = models.PositiveSmallIntegerField(_("number of sessions"), default=10,
                                                     validators=[MinValueValidator(1), MaxValueValidator(52)])
    plan_frequency = models.CharField(_("frequency"), max_length=20, choices=Frequency.choices,
                                      default=Frequency.WEEKLY)
    face_points = models.TextField(_("face points"), blank=True)
    body_points = models.TextField(_("body points"), blank=True)
    needle_count = models.PositiveSmallIntegerField(_("planned needles"), null=True, blank=True,
                                                    validators=[MaxValueValidator(120)])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Assessment of intake {self.submission_id}"


class Reaction(models.TextChoices):
    NONE = "none", _("No reaction")
    BRUISING = "bruising", _("Bruising")
    BLEEDING = "bleeding", _("Slight bleeding")
    REDNESS = "redness", _("Redness")
    SORENESS = "soreness", _("Soreness")
    DIZZINESS = "dizziness", _("Dizziness or faintness")
    TIREDNESS = "tiredness", _("Tiredness")


class TreatmentNote(models.Model):
    """What was done in one session, written by the practitioner after it."""

    appointment = models.OneToOneField("booking.Appointment", on_delete=models.PROTECT,
                                       related_name="treatment_note")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    face_points = models.TextField(_("face points used"), blank=True)
    body_points = models.TextField(_("body points used"), blank=True)
    needle_count = models.PositiveSmallIntegerField(_("needles"), validators=[MaxValueValidator(120)])
    retention_minutes = models.PositiveSmallIntegerField(_("needles retained (minutes)"), null=True, blank=True,
                                                         validators=[MaxValueValidator(90)])
    reactions = models.JSONField(_("reactions"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    aftercare_addition = models.TextField(
        _("added to the aftercare email"), blank=True,
        help_text=_("Sent to the client with the service's aftercare note, if written before it goes. "
                    "Practical advice only: email is not private, so no diagnosis or clinical details."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Treatment note for appointment {self.appointment_id}"

    def get_reactions_display(self) -> list[str]:
        labels = dict(Reaction.choices)
        return [str(labels.get(r, r)) for r in self.reactions]


class Reassessment(models.Model):
    """A short re-check of concerns and TCM signals during a course, by the client or with the practitioner."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reassessments")
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey("booking.Appointment", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    # How many sessions the client had completed when this was recorded.
    session_number = models.PositiveSmallIntegerField(_("after session"), default=0)
    answers = models.JSONField(_("answers"), default=dict)
    scores = models.JSONField(_("pattern scores"), default=dict)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["client", "created_at"])]

    def __str__(self) -> str:
        return f"Re-assessment {self.pk} of client {self.client_id}"


class IntakeRequest(models.Model):
    """An email asking a client to fill in (or check) their intake. Holds no answers."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intake_requests")
    appointment = models.ForeignKey("booking.Appointment", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "created_at"])]

    def __str__(self) -> str:
        return f"Intake request {self.pk} to client {self.client_id}"
