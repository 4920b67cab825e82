"""Waitlist emails. Each is sent once: ``sent_at`` / ``gone_sent_at`` is claimed with a conditional update.

The email names the time, service, practitioner and place the client must know; nothing else.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clinic.core.models import ClinicSettings

from .models import OfferStatus, WaitlistOffer
from .tokens import make_offer_token

logger = logging.getLogger(__name__)


def offer_url(offer: WaitlistOffer) -> str:
    return settings.SITE_URL + reverse("frontdesk:waitlist_offer", args=[make_offer_token(offer)])


def _load(offer_id: int) -> WaitlistOffer | None:
    return (WaitlistOffer.objects.select_related("entry__client", "entry__service", "opening__practitioner__user",
                                                 "opening__location").filter(pk=offer_id).first())


def _context(offer: WaitlistOffer) -> dict:
    # The template shows times in the location's zone (``{% timezone tzname %}``), whatever zone is active.
    return {"offer": offer, "client": offer.entry.client, "service": offer.entry.service,
            "opening": offer.opening, "clinic": ClinicSettings.load(), "tzname": offer.opening.location.time_zone,
            "local_start": offer.opening.starts_at, "local_expires": offer.expires_at, "link": offer_url(offer)}


def _claim(offer_id: int, field: str, **conditions) -> bool:
    return bool(WaitlistOffer.objects.filter(pk=offer_id, **{field: None}, **conditions)
                .update(**{field: timezone.now()}))


def _send(offer_id: int, field: str, subject: str, template: str, **conditions) -> bool:
    offer = _load(offer_id)
    if offer is None or not _claim(offer_id, field, **conditions):
        return False
    try:
        body = render_to_string(template, _context(offer))
        send_mail(subject, body, None, [offer.entry.client.email])
    except Exception:
        # Release the claim so a retry can send it.
        WaitlistOffer.objects.filter(pk=offer_id).update(**{field: None})
        raise
    logger.info("waitlist email %s sent for offer %s", template.rsplit("/", 1)[-1], offer_id)
    return True


def offer_email_send(*, offer_id: int) -> bool:
    return _send(offer_id, "sent_at", "A time has opened up for you", "frontdesk/email/waitlist_offer.txt",
                 status=OfferStatus.PENDING)


def gone_email_send(*, offer_id: int) -> bool:
    return _send(offer_id, "gone_sent_at", "That time has been taken", "frontdesk/email/waitlist_gone.txt",
                 status=OfferStatus.GONE)
