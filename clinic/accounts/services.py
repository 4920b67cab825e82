"""Writes on accounts: sign-up, email verification, staff creation."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.notifications.models import MessageKind

from .emails import sign_in_message_queue
from .models import Role, User, normalise_email
from .roles import grant_manager_rights
from .signals import email_verified, staff_account_created
from .tokens import read_verification_token, token_matches_email


class EmailTaken(Exception):
    pass


def _normalise(email: str) -> str:
    return normalise_email(email)


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


def client_sign_up(*, email: str, password: str, first_name: str, last_name: str, phone: str = "",
                   date_of_birth: date | None = None) -> User | None:
    """Create a client account and email the confirmation link. Returns None when the email already has an
    account: then its owner is told by email instead, and the caller answers exactly as for a new account, so
    the sign-up page cannot be used to learn who is a client of the clinic.

    Both paths hash the password (``create_user`` does before the insert fails) and send by ``on_commit``,
    so they also take about the same time.
    """
    try:
        user = user_create(role=Role.CLIENT, email=email, password=password, first_name=first_name,
                           last_name=last_name, phone=phone, date_of_birth=date_of_birth)
    except EmailTaken:
        owner = User.objects.filter(email__iexact=_normalise(email)).first()
        if owner is not None:
            transaction.on_commit(lambda: account_exists_email_send(user=owner), robust=True)
        return None
    transaction.on_commit(lambda: verification_email_send(user=user), robust=True)
    return user


def account_exists_email_send(*, user: User) -> None:
    """Someone tried to sign up with this address: tell its owner how to get in (no link that signs in)."""
    sign_in_message_queue(user=user, kind=MessageKind.ACCOUNT_EXISTS)


def verification_email_send(*, user: User) -> None:
    """Queue the confirmation link (made when the email goes out: see clinic.accounts.emails)."""
    sign_in_message_queue(user=user, kind=MessageKind.VERIFY_EMAIL)


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
    sign_in_message_queue(user=user, kind=MessageKind.STAFF_INVITE)


def password_reset_send(*, user: User) -> None:
    """The password reset form found this account: queue the reset link (made when the email goes out)."""
    sign_in_message_queue(user=user, kind=MessageKind.PASSWORD_RESET)
