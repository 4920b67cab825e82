"""Waitlist messages: an offer of a freed time, and "that time has been taken".

Queued in the transaction that makes the offer or closes it (``clinic.notifications``); rendered
when sent. They name the time, service, practitioner and place the client must know; nothing else.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from clinic.core.models import ClinicSettings
from clinic.notifications.models import Channel, Message, MessageKind
from clinic.notifications.registry import NotNeeded, Outgoing, register
from clinic.notifications.services import message_queue

from .models import OfferStatus, WaitlistOffer
from .tokens import make_offer_token


def offer_url(offer: WaitlistOffer) -> str:
    return settings.SITE_URL + reverse("frontdesk:waitlist_offer", args=[make_offer_token(offer)])


def waitlist_offer_messages_queue(offer: WaitlistOffer) -> None:
    """Call in the transaction that creates the offer. A time-sensitive offer also goes by text
    message to clients who chose text reminders."""
    from booking.notifications import reminder_channels

    client = offer.entry.client
    message_queue(key=f"waitlist_offer:{offer.pk}", kind=MessageKind.WAITLIST_OFFER, recipient=client,
                  params={"offer_id": offer.pk})
    if Channel.SMS in reminder_channels(client):
        message_queue(key=f"waitlist_offer:{offer.pk}:sms", kind=MessageKind.WAITLIST_OFFER, recipient=client,
                      channel=Channel.SMS, params={"offer_id": offer.pk})


def waitlist_gone_messages_queue(offers) -> None:
    for offer in offers:
        message_queue(key=f"waitlist_gone:{offer.pk}", kind=MessageKind.WAITLIST_GONE,
                      recipient=offer.entry.client, params={"offer_id": offer.pk})


def _load(message: Message) -> WaitlistOffer:
    offer = (WaitlistOffer.objects.select_related("entry__client", "entry__service", "opening__practitioner__user",
                                                  "opening__location")
             .filter(pk=message.params.get("offer_id")).first())
    if offer is None:
        raise NotNeeded("The offer no longer exists.")
    return offer


def _context(offer: WaitlistOffer) -> dict:
    # The template shows times in the location's zone (``{% timezone tzname %}``), whatever zone is active.
    return {"offer": offer, "client": offer.entry.client, "service": offer.entry.service,
            "opening": offer.opening, "clinic": ClinicSettings.load(), "first_name": offer.entry.client.first_name,
            "tzname": offer.opening.location.time_zone,
            "local_start": offer.opening.starts_at, "local_expires": offer.expires_at, "link": offer_url(offer)}


@register(MessageKind.WAITLIST_OFFER)
def waitlist_offer_build(message: Message) -> Outgoing:
    from booking.notifications import format_short

    offer = _load(message)
    if offer.status != OfferStatus.PENDING:
        raise NotNeeded("The offer is no longer open.")
    context = _context(offer)
    clinic, tz = context["clinic"], offer.opening.location.tz
    sms = (f"{clinic.name}: a {offer.entry.service.name} time has opened up on "
           f"{format_short(offer.opening.starts_at, tz)}. First to accept gets it: {context['link']}")
    return Outgoing(subject="A time has opened up for you",
                    text=render_to_string("frontdesk/email/waitlist_offer.txt", context),
                    html=render_to_string("frontdesk/email/waitlist_offer.html", context), sms=sms)


@register(MessageKind.WAITLIST_GONE)
def waitlist_gone_build(message: Message) -> Outgoing:
    offer = _load(message)
    if offer.status != OfferStatus.GONE:
        raise NotNeeded("The offer was not taken by someone else.")
    context = _context(offer)
    return Outgoing(subject="That time has been taken",
                    text=render_to_string("frontdesk/email/waitlist_gone.txt", context),
                    html=render_to_string("frontdesk/email/waitlist_gone.html", context))
