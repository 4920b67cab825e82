from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLIENT = "client", _("Client")
    PRACTITIONER = "practitioner", _("Practitioner")
    FRONT_DESK = "front_desk", _("Front desk")
    MANAGER = "manager", _("Clinic manager")


def normalise_email(email: str) -> str:
    """The one spelling of a login identity: stored, looked up, counted by the lock-out and the throttles."""
    return BaseUserManager.normalize_email((email or "").strip()).lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=normalise_email(username))

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=normalise_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.MANAGER)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Everybody who logs in: clients and staff. Logs in by email (case-insensitive)."""

    email = models.EmailField(_("email address"), max_length=254)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CLIENT)
    can_view_clinical = models.BooleanField(
        _("may read clinical answers"),
        default=False,
        help_text=_("Lets a front-desk or manager account read intake answers. Practitioners always can."),
    )
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    email_reminders = models.BooleanField(_("email reminders"), default=True)
    sms_reminders = models.BooleanField(_("text message reminders"), default=False)
    care_messages = models.BooleanField(_("aftercare notes and course check-ins"), default=True)
    marketing_ok = models.BooleanField(_("news and offers"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("admin site access"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]
        indexes = [models.Index(fields=["role", "last_name"])]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @property
    def is_practitioner(self) -> bool:
        return self.role == Role.PRACTITIONER

    @property
    def is_front_desk(self) -> bool:
        return self.role == Role.FRONT_DESK

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def is_clinic_staff(self) -> bool:
        return self.role != Role.CLIENT


class ErasureStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")  # decided; the erasure runs in the same transaction
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")


class ErasureRequest(models.Model):
    """A client's request to have her personal details erased, and what the clinic decided.

    On completion the account is anonymised at once; the clinical records the clinic must keep stay until
    ``retain_until`` (``ClinicSettings.clinical_retention_years``), when the beat purges them
    (``clinic.accounts.rights``). The row itself stays: it is the record that the erasure happened.
    """

    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="erasure_requests")
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ErasureStatus.choices,
                              default=ErasureStatus.REQUESTED)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=500, blank=True)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    retain_until = models.DateTimeField(_("clinical records kept until"), null=True, blank=True)
    purged_at = models.DateTimeField(_("clinical records deleted"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("erasure request")
        indexes = [models.Index(fields=["status", "retain_until"])]
        constraints = [
            # A second click, or a second tab, cannot open a second request while one waits for a decision.
            models.UniqueConstraint(fields=["client"], condition=models.Q(status="requested"),
                                    name="accounts_one_open_erasure_request"),
        ]

    def __str__(self) -> str:
        return f"Erasure request {self.pk} of client {self.client_id} ({self.status})"


class TwoFactorDevice(models.Model):
    """A staff member's authenticator app (TOTP). Exists only once confirmed with a first code."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor",
                                verbose_name=_("user"))
    # The shared secret must be readable to check codes (TOTP is symmetric); it never leaves this row.
    secret = models.CharField(_("secret"), max_length=64)
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)
    # The last 30-second step a code was accepted for: the same code cannot be used twice (replay).
    last_used_step = models.BigIntegerField(_("last used step"), default=0)

    class Meta:
        verbose_name = _("two-factor device")
        verbose_name_plural = _("two-factor devices")

    def __str__(self) -> str:
        return f"Two-factor device of user {self.user_id}"


class RecoveryCode(models.Model):
    """A one-time code for when the phone is lost. Only a keyed hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes",
                             verbose_name=_("user"))
    code_hash = models.CharField(_("code hash"), max_length=64)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [models.UniqueConstraint(fields=["user", "code_hash"], name="accounts_recovery_code_unique")]

    def __str__(self) -> str:
        return f"Recovery code {self.pk} of user {self.user_id}"
