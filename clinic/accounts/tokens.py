"""Signed, expiring email-verification links (no table needed).

The token carries the user id and a keyed hash of the address it was sent to (never the address
itself: URLs end up in access logs). Changing the email address invalidates older links.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "accounts.email-verification"


def _email_hash(email: str) -> str:
    return salted_hmac(_SALT, email.lower()).hexdigest()[:20]


def make_verification_token(user) -> str:
    return signing.dumps({"u": user.pk, "h": _email_hash(user.email)}, salt=_SALT)


def read_verification_token(token: str) -> dict | None:
    """``{"u": user id, "h": email hash}`` for a good, unexpired token, else None."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) and {"u", "h"} <= data.keys() else None


def token_matches_email(data: dict, email: str) -> bool:
    return constant_time_compare(data["h"], _email_hash(email))
