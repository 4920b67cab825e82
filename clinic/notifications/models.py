"""The message outbox: every email or text message to a client is a row here before it is sent.

A row is written in the same transaction as the change that causes it (a booking, a move, a
completed session, a waitlist offer), so a message exists exactly when its cause does. ``key`` is
unique: the same message cannot be queued twice, however often its cause is replayed. The beat's
dispatcher (``clinic.notifications.services.messages_dispatch``) sends the rows that fall due.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Booking confirmation")
    COURSE_CONFIRMATION = "course_confirmation", _("Course confirmation")
    RESCHEDULED = "rescheduled", _("Reschedule notice")
    CANCELLED = "cancelled", _("Cancellation")
    REMINDER = "reminder", _("Reminder")
    INTAKE_REQUEST = "intake_request", _("Intake request")
    INTAKE_NUDGE = "intake_nudge", _("Intake nudge")
    AFTERCARE = "aftercare", _("Aftercare note")
    COURSE_CHECKIN = "course_checkin", _("Course check-in")
    WAITLIST_OFFER = "waitlist_offer", _("Waitlist offer")
    WAITLIST_GONE = "waitlist_gone", _("Waitlist time taken")
    SCREENING_CONFLICT = "screening_conflict", _("Please rearrange (screening)")
    # Sign-in emails (clinic.accounts.emails): the link is made when the email is sent, so no token is ever
    # stored, and staff see that it went, never what it said.
    VERIFY_EMAIL = "verify_email", _("Email address confirmation")
    STAFF_INVITE = "staff_invite", _("Staff account invitation")
    PASSWORD_RESET = "password_reset", _("Password reset")
    ACCOUNT_EXISTS = "account_exists", _("Sign-up with an existing address")


# Their content lets the reader sign in as the recipient (or says who has an account): never shown to staff.
SIGN_IN_KINDS = frozenset({MessageKind.VERIFY_EMAIL, MessageKind.STAFF_INVITE, MessageKind.PASSWORD_RESET,
                           MessageKind.ACCOUNT_EXISTS})


# Messages a client may switch off on their profile. The rest tell them about their own bookings,
# or ask for what the clinic needs before a visit, and always go.
NON_ESSENTIAL = frozenset({MessageKind.AFTERCARE, MessageKind.COURSE_CHECKIN})


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")


class MessageState(models.TextChoices):
    PENDING = "pending", _("Waiting")  # not yet due, or due and waiting for the dispatcher
    QUEUED = "queued", _("Queued")  # claimed by a dispatcher and handed to a worker
    SENDING = "sending", _("Sending")  # a worker is sending it
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")  # gave up after retries; staff can resend
    CANCELLED = "cancelled", _("Not needed")  # the appointment moved or was cancelled, or the client opted out


# What staff may send again: whatever is not waiting to go already.
RESENDABLE = (MessageState.FAILED, MessageState.SENT, MessageState.CANCELLED)


class Message(models.Model):
    key = models.CharField(_("key"), max_length=200, unique=True,
                           help_text=_("What makes this message unique, e.g. reminder:42:2026-03-25T10:00Z:48h:email"))
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    appointment = models.ForeignKey("booking.Appointment", on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="messages")
    # The appointment's start this message speaks about: a moved appointment gets fresh messages.
    for_starts_at = models.DateTimeField(_("for the session at"), null=True, blank=True)
    # Ids and numbers the content needs (offset_hours, old_starts_at, offer_id, request_id). Never health data.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(_("state"), max_length=10, choices=MessageState.choices, default=MessageState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # The dispatcher's query: due rows still waiting (a partial index stays small).
            models.Index(fields=["due_at"], condition=Q(state="pending"), name="notifications_message_due"),
            models.Index(fields=["state", "claimed_at"], name="notifications_message_claims"),
            models.Index(fields=["appointment", "kind"], name="notifications_message_appt"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=MessageState.values), name="notifications_message_state"),
            models.CheckConstraint(condition=~Q(state="sent") | Q(sent_at__isnull=False),
                                   name="notifications_message_sent_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.channel} to user {self.recipient_id} ({self.state})"

    @property
    def kept_in_outbox(self) -> bool:
        """A text "sent" while no SMS provider is configured went to the in-app outbox, not to a phone."""
        return (self.channel == Channel.SMS and self.state == MessageState.SENT
                and settings.SMS_BACKEND == settings.SMS_OUTBOX_BACKEND)

