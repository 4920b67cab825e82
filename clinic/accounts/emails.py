"""Sign-in emails (address confirmation, staff invitation, password reset, "you already have an account") as
messages of the outbox (``clinic.notifications``): the same dispatcher, retries, failure state and "send again"
as every other message, so an SMTP outage delays them instead of losing them.

A row holds the kind and the recipient only. The link is made here, when the email is rendered for sending,
so no token is ever stored in the database, and a message sent again carries a fresh link. Staff see on the
Messages page that the email went, never its content; the in-app outbox hides it from everyone but the
recipient (``SENSITIVE_HEADER``).
"""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clinic.core.mail import SENSITIVE_HEADER
from clinic.notifications.models import Message, MessageKind
from clinic.notifications.registry import NotNeeded, Outgoing, register

from .models import User
from .tokens import make_verification_token


def sign_in_message_queue(*, user: User, kind: str) -> Message | None:
    """Queue one sign-in email for ``user``; it goes at once (after the surrounding transaction commits)."""
    from clinic.notifications.services import message_queue

    # Each request is its own message: asking twice sends twice (the views throttle how often).
    return message_queue(key=f"{kind}:{user.pk}:{uuid4().hex}", kind=kind, recipient=user)


def _reset_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return settings.SITE_URL + reverse("accounts:password_reset_confirm",
                                       args=[uid, default_token_generator.make_token(user)])


def _sensitive(subject: str, template: str, context: dict) -> Outgoing:
    return Outgoing(subject=subject, text=render_to_string(template, context), headers={SENSITIVE_HEADER: "1"})


@register(MessageKind.VERIFY_EMAIL)
def build_verify_email(message: Message) -> Outgoing:
    user = message.recipient
    if user.email_verified:
        raise NotNeeded("The address is confirmed already.")
    link = settings.SITE_URL + reverse("accounts:verify_email", args=[make_verification_token(user)])
    return _sensitive("Please confirm your email address", "accounts/email/verify_email.txt",
                      {"user": user, "link": link})


@register(MessageKind.STAFF_INVITE)
def build_staff_invite(message: Message) -> Outgoing:
    # Sent again after the colleague chose a password, it is a reset link to her own address: harmless.
    user = message.recipient
    return _sensitive("Your clinic staff account", "accounts/email/staff_welcome.txt",
                      {"user": user, "link": _reset_link(user)})


@register(MessageKind.PASSWORD_RESET)
def build_password_reset(message: Message) -> Outgoing:
    user = message.recipient
    site = settings.SITE_URL.split("://", 1)
    context = {"user": user, "email": user.email, "protocol": site[0], "domain": site[1],
               "uid": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}
    subject = "".join(render_to_string("accounts/email/password_reset_subject.txt", context).splitlines())
    return _sensitive(subject, "accounts/email/password_reset.txt", context)


@register(MessageKind.ACCOUNT_EXISTS)
def build_account_exists(message: Message) -> Outgoing:
    return _sensitive("Someone tried to sign up with your email address", "accounts/email/account_exists.txt", {
        "user": message.recipient, "login_url": settings.SITE_URL + reverse("accounts:login"),
        "reset_url": settings.SITE_URL + reverse("accounts:password_reset")})
