"""Writes on accounts: sign-up, email verification, staff creation."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth.models import BaseUserManager
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clinic.core.mail import SENSITIVE_HEADER

from .models import Role, User
from .roles import grant_manager_rights
from .signals import email_verified, staff_account_created
from .tokens import make_verification_token, read_verification_token, token_matches_email


class EmailTaken(Exception):
    pass


def _normalise(email: str) -> str:
    return BaseUserManager.normalize_email(email.strip()).lower()


def user_create(
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: str = Role.CLIENT,
    password: str | None = None,
    phone: str = "",
    date_of_birth: date | None = None,
    **extra,
) -> User:
    """Create any account; the case-insensitive unique index is the source of truth."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=_normalise(email),
                password=password,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                role=role,
                phone=phone.strip(),
                date_of_birth=date_of_birth,
                **extra,
            )
            if role == Role.MANAGER:
                grant_manager_rights(user)
            if role != Role.CLIENT:
                staff_account_created.send(sender=User, user=user)
            return user
    except IntegrityError as exc:
        raise EmailTaken(email) from exc


def client_sign_up(**fields) -> User:
    user = user_create(role=Role.CLIENT, **fields)
    transaction.on_commit(lambda: verification_email_send(user=user), robust=True)
    return user


def verification_email_send(*, user: User) -> None:
    link = settings.SITE_URL + reverse("accounts:verify_email", args=[make_verification_token(user)])
    body = render_to_string("accounts/email/verify_email.txt", {"user": user, "link": link})
    _send_sign_in_link("Please confirm your email address", body, user.email)


def email_verify(*, token: str) -> User | None:
    """Mark the address verified. Returns the user, or None for a bad or expired link."""
    data = read_verification_token(token)
    if data is None:
        return None
    user = User.objects.filter(pk=data["u"]).first()
    if user is None or not token_matches_email(data, user.email):
        return None
    # Conditional update: only the first click sends the signal.
    if User.objects.filter(pk=user.pk, email_verified_at=None).update(email_verified_at=timezone.now()):
        user.refresh_from_db()
        email_verified.send(sender=User, user=user)
    return user


def staff_invite_send(*, user: User) -> None:
    """A new colleague has no password yet: email them a link to choose one (the reset flow)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("accounts:password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
    body = render_to_string("accounts/email/staff_welcome.txt", {"user": user, "link": settings.SITE_URL + path})
    _send_sign_in_link("Your clinic staff account", body, user.email)


def _send_sign_in_link(subject: str, body: str, to: str) -> None:
    """Emails whose link signs someone in are marked, so the in-app outbox hides them from front desk."""
    EmailMessage(subject, body, None, [to], headers={SENSITIVE_HEADER: "1"}).send()
