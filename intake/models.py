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

from clinic.core.models import SettingsRow


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


class IntakeSettings(SettingsRow):
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
    isotretinoin_wait_days = _wait(_("after the last isotretinoin tablet (days)"), 180,
                                   _("Commonly 6 months; some clinics wait a year."))
    thread_lift_wait_days = _wait(_("after a thread lift (days)"), 90, _("Commonly about 3 months."))
    reassess_at_sessions = models.CharField(
        _("re-assess at sessions"), max_length=60, default="5, 10", validators=[validate_session_list],
        help_text=_("Session numbers at which clients are asked for a short re-assessment, e.g. 5, 10."))
    request_link_valid_days = models.PositiveIntegerField(
        _("intake link valid for (days)"), default=14, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("How long the link in an intake request email keeps working."))
    intake_valid_months = models.PositiveSmallIntegerField(
        _("intake valid for (months)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("A questionnaire older than this must be updated before the client's next session."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("intake settings")
        verbose_name_plural = _("intake settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="intake_settings_singleton")]

    def __str__(self) -> str:
        return str(_("Intake settings"))

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


class ScreeningOverride(models.Model):
    """A practitioner's approval of a session on one (local) date that the screening gate would refuse.

    The front desk cannot set the gate aside; it books on a blocked date only when one of these exists.
    Created by ``intake.services.screening_override_grant`` (audit-logged); never edited."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="screening_overrides")
    day = models.DateField(_("session date"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("approved by"))
    reason = models.TextField(_("reason"))
    # The flags that blocked the date when it was approved, for the record.
    flag_codes = models.JSONField(_("flags set aside"), default=list, blank=True)
    created_at = models.DateTimeField(_("approved"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "day"])]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="intake_override_has_reason")]

    def __str__(self) -> str:
        return f"Screening override {self.pk} for client {self.client_id} on {self.day}"


class ConsentRecord(models.Model):
    """Who consented, when, from which address, to which consent text, for which submission."""

    submission = models.OneToOneField(IntakeSubmission, on_delete=models.PROTECT, related_name="consent")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="intake_consents")
    consent_version = models.ForeignKey(ConsentVersion, on_delete=models.PROTECT, related_name="records")
    typed_name = models.CharField(_("typed full name"), max_length=200)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)
    # Withdrawing stops every further use of the answers (``intake.services.intake_consent_withdraw``); the
    # record itself is kept, as the law requires, until the retention period of an erased client ends.
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("reason for withdrawing"), max_length=500, blank=True)

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"Consent v{self.consent_version_id} by client {self.client_id} at {self.signed_at:%Y-%m-%d %H:%M}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class Frequency(models.TextChoices):
    TWICE_WEEKLY = "twice_weekly", _("Twice a week")
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")


class TongueColour(models.TextChoices):
    PALE = "pale", _("Pale")
    PINK = "pink", _("Pink (normal)")
    RED = "red", _("Red")
    RED_TIP = "red_tip", _("Red tip")
    DARK_RED = "dark_red", _("Dark red (crimson)")
    PURPLE = "purple", _("Purple or dusky")


class TongueCoat(models.TextChoices):
    THIN_WHITE = "thin_white", _("Thin white")
    THICK_WHITE = "thick_white", _("Thick white")
    YELLOW = "yellow", _("Yellow")
    GREASY = "greasy", _("Greasy")
    PEELED = "peeled", _("Peeled in patches")
    NONE = "none", _("None")


class TongueShape(models.TextChoices):
    SWOLLEN = "swollen", _("Swollen")
    THIN = "thin", _("Thin")
    TOOTH_MARKED = "tooth_marked", _("Tooth marks on the sides")
    CRACKED = "cracked", _("Cracked")
    TREMBLING = "trembling", _("Trembling")
    DEVIATED = "deviated", _("Leans to one side")


class PulseQuality(models.TextChoices):
    FLOATING = "floating", _("Floating")
    DEEP = "deep", _("Deep")
    SLIPPERY = "slippery", _("Slippery")
    WIRY = "wiry", _("Wiry")
    THREADY = "thready", _("Thready")
    WEAK = "weak", _("Weak")
    RAPID = "rapid", _("Rapid")
    SLOW = "slow", _("Slow")
    CHOPPY = "choppy", _("Choppy")
    TIGHT = "tight", _("Tight")


PULSE_MIN, PULSE_MAX = 30, 200
PULSE_RANGE_MESSAGE = f"Enter a pulse between {PULSE_MIN} and {PULSE_MAX} beats a minute."
# The ticked readings, and what each one is called in a message.
_READING_LISTS = {"tongue_coat": (TongueCoat, "tongue coat"), "tongue_shape": (TongueShape, "tongue shape"),
                  "pulse_qualities": (PulseQuality, "pulse quality")}
# Readings that cannot both be true of one tongue or one pulse: ticking both is a slip of the finger.
_OPPOSITES = {"tongue_coat": [(TongueCoat.THIN_WHITE, TongueCoat.THICK_WHITE)],
              "tongue_shape": [(TongueShape.SWOLLEN, TongueShape.THIN)],
              "pulse_qualities": [(PulseQuality.FLOATING, PulseQuality.DEEP), (PulseQuality.RAPID, PulseQuality.SLOW)]}


def tongue_pulse_problems(data: dict) -> dict[str, str]:
    """What is wrong with a tongue and pulse reading, by field name (empty when nothing is); only the fields in
    ``data`` are checked. The forms show these beside the fields and the services refuse a save that has any,
    so no path stores a reading that is not on the lists."""
    problems = {}
    if "tongue_colour" in data and data["tongue_colour"] not in ("", *TongueColour.values):
        problems["tongue_colour"] = "Choose the tongue colour from the list."
    for name, (choices, noun) in _READING_LISTS.items():
        if name in data and (problem := _reading_list_problem(data[name], choices, noun, _OPPOSITES[name])):
            problems[name] = problem
    rate = data.get("pulse_rate")
    if rate is not None and (type(rate) is not int or not PULSE_MIN <= rate <= PULSE_MAX):
        problems["pulse_rate"] = PULSE_RANGE_MESSAGE
    return problems


def _reading_list_problem(values, choices: type[models.TextChoices], noun: str, opposites) -> str | None:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return f"Tick the {noun} from the list."
    unknown = [v for v in values if v not in choices.values]
    if unknown:
        return f"“{unknown[0]}” is not a {noun} on the list."
    labels = dict(choices.choices)
    for a, b in opposites:
        if a in values and b in values:
            return f"Choose either “{labels[a]}” or “{labels[b]}”, not both."
    if TongueCoat.NONE in values and choices is TongueCoat and len(values) > 1:
        return f"Choose either “{TongueCoat.NONE.label}” or the coats seen, not both."
    return None


class TonguePulse(models.Model):
    """The tongue and pulse as the practitioner read them, kept on the assessment and on every version of every
    treatment note so the progress page can show how they change over a course. Every part is optional."""

    TONGUE_PULSE_FIELDS = ("tongue_colour", "tongue_coat", "tongue_shape", "pulse_rate", "pulse_qualities")

    tongue_colour = models.CharField(_("tongue colour"), max_length=20, choices=TongueColour.choices, blank=True)
    # Lists of choice values: one tongue can show several at once (a greasy yellow coat, swollen and tooth-marked).
    tongue_coat = models.JSONField(_("tongue coat"), default=list, blank=True)
    tongue_shape = models.JSONField(_("tongue shape and features"), default=list, blank=True)
    pulse_rate = models.PositiveSmallIntegerField(
        _("pulse (beats a minute)"), null=True, blank=True,
        validators=[MinValueValidator(PULSE_MIN, PULSE_RANGE_MESSAGE),
                    MaxValueValidator(PULSE_MAX, PULSE_RANGE_MESSAGE)])
    pulse_qualities = models.JSONField(_("pulse qualities"), default=list, blank=True)

    class Meta:
        abstract = True

    def get_tongue_coat_display(self) -> list[str]:
        return _labels(TongueCoat, self.tongue_coat)

    def get_tongue_shape_display(self) -> list[str]:
        return _labels(TongueShape, self.tongue_shape)

    def get_pulse_qualities_display(self) -> list[str]:
        return _labels(PulseQuality, self.pulse_qualities)

    @property
    def has_tongue_pulse(self) -> bool:
        return any(getattr(self, name) for name in self.TONGUE_PULSE_FIELDS)

    @property
    def tongue_text(self) -> str:
        """The tongue on one line, e.g. "Red tip; coat: yellow, greasy; swollen" ("" when not recorded)."""
        parts = [str(self.get_tongue_colour_display())] if self.tongue_colour else []
        if self.tongue_coat:
            parts.append("coat: " + ", ".join(self.get_tongue_coat_display()).lower())
        if self.tongue_shape:
            parts.append(", ".join(self.get_tongue_shape_display()).lower())
        return "; ".join(parts)

    @property
    def pulse_text(self) -> str:
        """The pulse on one line, e.g. "84 bpm; wiry, rapid" ("" when not recorded)."""
        parts = [f"{self.pulse_rate} bpm"] if self.pulse_rate else []
        if self.pulse_qualities:
            parts.append(", ".join(self.get_pulse_qualities_display()).lower())
        return "; ".join(parts)


def _labels(choices: type[models.TextChoices], values: list[str]) -> list[str]:
    labels = dict(choices.choices)
    return [str(labels.get(v, v)) for v in values]


class Assessment(TonguePulse):
    """The practitioner's reading of a submission and the treatment plan that follows."""

    submission = models.OneToOneField(IntakeSubmission, on_delete=models.PROTECT, related_name="assessment")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessment = models.TextField(_("assessment"), help_text=_(
        "Your reading: patterns, skin, and anything about the tongue and pulse the choices do not say."))
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


class TreatmentNoteContent(TonguePulse):
    """What was done in one session: the part of a treatment note that an amendment changes and history keeps."""

    CONTENT_FIELDS = ("face_points", "body_points", "needle_count", "retention_minutes", "reactions", "notes",
                      "aftercare_addition", *TonguePulse.TONGUE_PULSE_FIELDS)

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

    class Meta:
        abstract = True

    def get_reactions_display(self) -> list[str]:
        labels = dict(Reaction.choices)
        return [str(labels.get(r, r)) for r in self.reactions]

    def content(self) -> dict:
        return {name: getattr(self, name) for name in self.CONTENT_FIELDS}


class TreatmentNote(TreatmentNoteContent):
    """The current version of what was done in one session, written by the session's practitioner after it.

    Clinical records are corrected, not overwritten: an amendment first copies the version it replaces into
    ``TreatmentNoteVersion`` (``intake.services.treatment_note_save``). ``practitioner`` and ``created_at``
    are the first version's author and time; ``amended_by``/``amended_at`` those of the current one.
    """

    appointment = models.OneToOneField("booking.Appointment", on_delete=models.PROTECT,
                                       related_name="treatment_note")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("amended by"))
    amended_at = models.DateTimeField(_("amended"), null=True, blank=True)
    amendment_reason = models.TextField(_("reason for the amendment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Treatment note for appointment {self.appointment_id}"

    @property
    def is_amended(self) -> bool:
        return self.version > 1

    @property
    def written_by_id(self) -> int:
        """Who wrote the version shown now."""
        return self.amended_by_id or self.practitioner_id

    @property
    def written_at(self):
        return self.amended_at or self.created_at


class TreatmentNoteVersion(TreatmentNoteContent):
    """An earlier version of a treatment note, kept as it was when an amendment replaced it. Never changed."""

    note = models.ForeignKey(TreatmentNote, on_delete=models.PROTECT, related_name="earlier_versions")
    number = models.PositiveSmallIntegerField(_("version"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("written by"))
    written_at = models.DateTimeField(_("written"))
    reason = models.TextField(_("reason for the amendment"), blank=True)  # blank for the first version
    replaced_at = models.DateTimeField(_("replaced"), default=timezone.now)

    class Meta:
        ordering = ["note", "-number"]
        constraints = [models.UniqueConstraint(fields=["note", "number"], name="treatment_note_version_once")]

    def __str__(self) -> str:
        return f"Version {self.number} of treatment note {self.note_id}"


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


class HealthCheck(models.Model):
    """The short health check before one session (``intake.healthcheck``): acute items that change between
    visits. ``flags`` is what the answers raised when they were given (``FlagSpec`` dicts); the screening
    gate asks ``health_check_flags``, which works them out again for the session as it now is. A
    practitioner who has seen them marks the check reviewed, which clears them for this session."""

    class Via(models.TextChoices):
        ONLINE = "online", _("Online")
        DESK = "desk", _("On the tablet at the desk")
        REASSESSMENT = "reassessment", _("At a re-assessment")

    appointment = models.OneToOneField("booking.Appointment", on_delete=models.CASCADE,
                                       related_name="health_check")
    version = models.PositiveSmallIntegerField(_("version"))
    answers = models.JSONField(_("answers"), default=dict)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("answered"), default=timezone.now)
    # The client, or the desk user who handed over the tablet, or the practitioner at a re-assessment.
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("answered by"))
    via = models.CharField(_("answered where"), max_length=20, choices=Via.choices, default=Via.ONLINE)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))

    class Meta:
        verbose_name = _("health check")

    def __str__(self) -> str:
        return f"Health check for appointment {self.appointment_id}"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None
