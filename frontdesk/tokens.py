"""Signed links in waitlist offer emails. The link names the offer; the database says if it still stands."""

from __future__ import annotations

from django.core import signing

_SALT = "frontdesk.waitlist-offer"
# A backstop only: the offer's own ``expires_at`` (ClinicSettings.waitlist_offer_hours) decides.
MAX_AGE = 60 * 60 * 24 * 7


def make_offer_token(offer) -> str:
    return signing.dumps({"o": offer.pk, "e": offer.entry_id}, salt=_SALT)


def read_offer_token(token: str) -> tuple[int, int] | None:
    """(offer id, entry id), or None for a tampered or very old link."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int) or not isinstance(data.get("e"), int):
        return None
    return data["o"], data["e"]
