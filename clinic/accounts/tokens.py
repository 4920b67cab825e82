"""Signed, expiring email-verification links (no table needed)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

_SALT = "accounts.email-verification"


def make_verification_token(user) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=_SALT)


def read_verification_token(token: str) -> dict | None:
    try:
        return signing.loads(token, salt=_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.BadSignature:
        return None
