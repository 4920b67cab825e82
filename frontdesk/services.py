"""Writes of the front desk: quick-created clients and the waitlist.

Appointments themselves are only ever written through ``booking.services`` (no-overlap
guarantee, history, notifications); this module calls it, never the models directly.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from booking import selectors as booking_selectors
from booking.models import Appointment, AppointmentStatus, BookedVia, Location, Practitioner, Service
from booking.services import BookingError, SlotTaken, SlotUnavailable, appointment_book
from clinic.accounts.models import Role, User
from clinic.accounts.services import user_create
from clinic.core.models import ClinicSettings

from . import notifications, selectors
from .models import (
    EntrySource,
    EntryStatus,
    OfferStatus,
    OpeningStatus,
    TimeOfDay,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOpening,
)

logger = logging.getLogger(__name__)

# A cancellation whose opening was not made this long after it lost its task on the way to the broker.
MISSED_AFTER = timedelta(minutes=5)

# How many waitlist clients are offered a freed time at once. The first to accept gets it; when
# every offer of a batch has lapsed, the next clients in line are offered it.
OFFER_BATCH = 3
WAITLIST_NOTE = "Booked from the waitlist"


class WaitlistError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class OfferUnavailable(WaitlistError):
    """The offer cannot be accepted; ``offer.status`` (reloaded) tells the page why."""


def _now() -> datetime:
    return timezone.now()


# --- Clients ------------------------------------------------------------------------------------

def client_quick_create(*, first_name: str, last_name: str, email: str, phone: str, actor) -> User:
    """A client account made by the desk for a phone booking. No password yet (they can reset one)
    and no email verification needed: staff bookings are confirmed at once."""
    client = user_create(email=email, first_name=first_name, last_name=last_name, phone=phone, role=Role.CLIENT)
    logger.info("client %s created by staff %s", client.pk, getattr(actor, "pk", None))
    return client


# --- Waitlist entries ---------------------------------------------------------------------------

def waitlist_entry_add(
    *,
    client: User,
    service: Service,
    location: Location,
    actor: User,
    practitioner: Practitioner | None = None,
    weekdays: list[int] | None = None,
    time_of_day: str = TimeOfDay.ANY,
    note: str = "",
) -> WaitlistEntry:
    """Put a client on the waitlist for a service. Raises ``WaitlistError`` with a message for the user."""
    source = EntrySource.ONLINE if actor.pk == client.pk else EntrySource.DESK
    if client.role != Role.CLIENT:
        raise WaitlistError("Only clients can join the waitlist.")
    if not service.is_active or (source == EntrySource.ONLINE and not service.bookable_online):
        raise WaitlistError("This service cannot be booked online. Please call the clinic.")
    if practitioner is not None and not (
        practitioner.is_active and practitioner.services.filter(pk=service.pk).exists()
        and practitioner.locations.filter(pk=location.pk).exists()
    ):
        raise WaitlistError(f"{practitioner} does not offer {service.name} at {location.name}.")
    problem = booking_selectors.client_service_problem(client=client, service=service,
                                                       staff=source == EntrySource.DESK)
    if problem:
        raise WaitlistError(problem)
    days = sorted({int(d) for d in (weekdays or []) if 0 <= int(d) <= 6})
    try:
        with transaction.atomic():
            return WaitlistEntry.objects.create(
                client=client, service=service, location=location, practitioner=practitioner,
                weekdays=[] if len(days) == 7 else days, time_of_day=time_of_day, note=note[:200], source=source,
                added_by=actor)
    except IntegrityError as exc:  # the partial unique constraint: one waiting entry per service
        who = "You are" if source == EntrySource.ONLINE else f"{client.full_name} is"
        raise WaitlistError(f"{who} already on the waitlist for {service.name}.") from exc


def waitlist_entry_remove(*, entry: WaitlistEntry, actor: User) -> bool:
    """Take an entry off the waitlist; its open offers lapse and go to the next in line."""
    now = _now()
    with transaction.atomic():
        if not WaitlistEntry.objects.filter(pk=entry.pk, status=EntryStatus.WAITING).update(
                status=EntryStatus.REMOVED, closed_at=now):
            return False
        openings = _withdraw_offers(entry_id=entry.pk, status=OfferStatus.WITHDRAWN, now=now)
        transaction.on_commit(lambda: [_refill_later(pk) for pk in openings])
    logger.info("waitlist entry %s removed by user %s", entry.pk, actor.pk)
    return True


def _withdraw_offers(*, entry_id: int, status: str, now: datetime, keep: int | None = None) -> list[int]:
    pending = WaitlistOffer.objects.filter(entry_id=entry_id, status=OfferStatus.PENDING).exclude(pk=keep)
    openings = list(pending.values_list("opening_id", flat=True))
    pending.update(status=status, responded_at=now)
    return openings


# --- Openings and offers ------------------------------------------------------------------------

def waitlist_opening_create(*, appointment_id: int, now: datetime | None = None) -> WaitlistOpening | None:
    """A cancellation freed a time: record it and offer it to the first matching waitlist clients.

    Idempotent (one opening per cancelled appointment), so a redelivered task does nothing twice.
    """
    now = now or _now()
    appointment = Appointment.objects.select_related("location", "practitioner").filter(pk=appointment_id).first()
    if appointment is None or appointment.status != AppointmentStatus.CANCELLED or appointment.starts_at <= now:
        return None
    # Nobody waiting at this location: the opening is recorded closed straight away, as matching would close it.
    waiting = WaitlistEntry.objects.filter(status=EntryStatus.WAITING, location_id=appointment.location_id).exists()
    try:
        with transaction.atomic():
            opening = WaitlistOpening.objects.create(
                source_appointment=appointment, location=appointment.location, practitioner=appointment.practitioner,
                starts_at=appointment.starts_at, free_until=appointment.blocked_until, created_at=now,
                **({} if waiting else {"status": OpeningStatus.CLOSED, "closed_at": now}))
    except IntegrityError:
        return None  # already handled
    if waiting:
        waitlist_offers_make(opening=opening, now=now)
    return opening


def waitlist_offers_make(*, opening: WaitlistOpening, now: datetime | None = None) -> list[WaitlistOffer]:
    """Offer an open opening to the next batch of matching entries, or close it if nobody matches."""
    now = now or _now()
    source_client = Appointment.objects.filter(pk=opening.source_appointment_id).values_list(
        "client_id", flat=True).first()
    matches = selectors.opening_matches(opening=opening, now=now, limit=OFFER_BATCH, exclude_client_id=source_client)
    if not matches:
        WaitlistOpening.objects.filter(pk=opening.pk, status=OpeningStatus.OPEN).update(
            status=OpeningStatus.CLOSED, closed_at=now)
        return []
    hours = ClinicSettings.load().waitlist_offer_hours
    expires_at = min(now + timedelta(hours=hours), opening.starts_at)
    offers = []
    with transaction.atomic():
        for entry in matches:
            try:
                with transaction.atomic():
                    offer = WaitlistOffer.objects.create(opening=opening, entry=entry, expires_at=expires_at,
                                                         created_at=now)
            except IntegrityError:
                continue  # offered already by a concurrent run
            notifications.waitlist_offer_messages_queue(offer)
            offers.append(offer)
    logger.info("opening %s offered to %s waitlist entries", opening.pk, len(offers))
    return offers


def _tell_gone(offers, now: datetime) -> None:
    """Mark pending offers as taken by someone else and queue the message saying so."""
    offers = list(offers.select_related("entry__client"))
    WaitlistOffer.objects.filter(pk__in=[o.pk for o in offers]).update(status=OfferStatus.GONE, responded_at=now)
    notifications.waitlist_gone_messages_queue(offers)


def _refill_later(opening_id: int) -> None:
    from .tasks import refill_waitlist_opening

    try:
        refill_waitlist_opening.delay(opening_id)
    except Exception:  # broker down: the beat's expiry sweep offers the opening further
        logger.exception("could not queue the refill of waitlist opening %s", opening_id)


def waitlist_opening_refill(*, opening_id: int, now: datetime | None = None) -> list[WaitlistOffer]:
    """When no offer of an opening is still pending, offer it to the next clients in line."""
    now = now or _now()
    opening = WaitlistOpening.objects.select_related("location", "practitioner").filter(
        pk=opening_id, status=OpeningStatus.OPEN).first()
    if opening is None or opening.offers.filter(status=OfferStatus.PENDING, expires_at__gt=now).exists():
        return []
    return waitlist_offers_make(opening=opening, now=now)


def waitlist_offer_accept(*, offer: WaitlistOffer, now: datetime | None = None) -> Appointment:
    """The client takes the time. Of several offers of one opening only the first accept wins.

    The claim is a conditional update on the opening (open -> taken) inside the transaction that
    books the appointment: a second accept, even at the same instant, updates no row and gets
    ``OfferUnavailable``. Raises ``OfferUnavailable`` when the offer has lapsed or the time went.
    """
    now = now or _now()
    offer = WaitlistOffer.objects.select_related(
        "entry__client", "entry__service", "opening__practitioner", "opening__location").get(pk=offer.pk)
    if offer.status != OfferStatus.PENDING:
        raise OfferUnavailable("This offer is no longer open.")
    if offer.expires_at <= now:
        raise OfferUnavailable("This offer has expired.")
    opening, entry = offer.opening, offer.entry
    try:
        with transaction.atomic():
            if not WaitlistOpening.objects.filter(pk=opening.pk, status=OpeningStatus.OPEN).update(
                    status=OpeningStatus.TAKEN, closed_at=now):
                raise OfferUnavailable("Sorry, this time has just been taken by someone else.")
            if not WaitlistOffer.objects.filter(pk=offer.pk, status=OfferStatus.PENDING, expires_at__gt=now).update(
                    status=OfferStatus.ACCEPTED, responded_at=now):
                raise OfferUnavailable("This offer is no longer open.")
            # The clinic made this offer, so staff bounds apply (no online minimum notice); the schedule
            # (hours, time off, closures) and the no-overlap rules are checked again as on every path.
            appointment = appointment_book(
                client=entry.client, service=entry.service, practitioner=opening.practitioner,
                starts_at=opening.starts_at, location=opening.location, actor=entry.client,
                via=BookedVia.WAITLIST, desk_note=WAITLIST_NOTE)
            WaitlistOffer.objects.filter(pk=offer.pk).update(appointment=appointment)
            WaitlistEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.BOOKED, appointment=appointment,
                                                             closed_at=now)
            _tell_gone(WaitlistOffer.objects.filter(opening=opening, status=OfferStatus.PENDING), now)
            # This client has what they wanted: offers of other times go to the next in line.
            refill = _withdraw_offers(entry_id=entry.pk, status=OfferStatus.WITHDRAWN, now=now, keep=offer.pk)
            transaction.on_commit(lambda: [_refill_later(pk) for pk in refill])
    except OfferUnavailable:
        raise
    except SlotTaken as exc:
        # The time went another way (e.g. the desk booked it): nobody on the waitlist can have it.
        waitlist_opening_close(opening=opening, now=now)
        raise OfferUnavailable("Sorry, this time is no longer free.") from exc
    except SlotUnavailable as exc:
        # The schedule changed since the offer (time off, a closure, new hours): nobody can have this time.
        # Its offers are withdrawn, not "gone": nobody else took it, so nobody is told so.
        with transaction.atomic():
            WaitlistOpening.objects.filter(pk=opening.pk, status=OpeningStatus.OPEN).update(
                status=OpeningStatus.CLOSED, closed_at=now)
            WaitlistOffer.objects.filter(opening=opening, status=OfferStatus.PENDING).update(
                status=OfferStatus.WITHDRAWN, responded_at=now)
        raise OfferUnavailable("Sorry, this time is no longer available.") from exc
    except BookingError as exc:
        # Something about this booking changed since the offer (the client's record, the practitioner's
        # day): this offer lapses and the time goes to the next in line if it still suits them.
        WaitlistOffer.objects.filter(pk=offer.pk, status=OfferStatus.PENDING).update(
            status=OfferStatus.WITHDRAWN, responded_at=now)
        _refill_later(opening.pk)
        raise OfferUnavailable(f"Sorry, we could not book this time for you. {exc.message}") from exc
    logger.info("waitlist offer %s accepted: appointment %s", offer.pk, appointment.pk)
    return appointment


def waitlist_opening_close(*, opening: WaitlistOpening, now: datetime | None = None) -> None:
    """The time is gone: every pending offer of it is told so."""
    now = now or _now()
    with transaction.atomic():
        WaitlistOpening.objects.filter(pk=opening.pk, status=OpeningStatus.OPEN).update(
            status=OpeningStatus.CLOSED, closed_at=now)
        _tell_gone(WaitlistOffer.objects.filter(opening=opening, status=OfferStatus.PENDING), now)


def waitlist_offer_decline(*, offer: WaitlistOffer, now: datetime | None = None) -> bool:
    """"No thanks": the client stays on the waitlist; the time goes to the next in line."""
    now = now or _now()
    with transaction.atomic():
        if not WaitlistOffer.objects.filter(pk=offer.pk, status=OfferStatus.PENDING).update(
                status=OfferStatus.DECLINED, responded_at=now):
            return False
        opening_id = offer.opening_id
        transaction.on_commit(lambda: _refill_later(opening_id))
    return True


def waitlist_sweep_missed(*, now: datetime | None = None) -> int:
    """Openings never made because their task was lost (broker down at the cancellation's commit).

    Idempotent (one opening per cancellation), so running this alongside a slow worker makes nothing
    twice. Offer emails need no sweep: they are rows in the outbox, written with the offer.
    """
    now = now or _now()
    unhandled = (Appointment.objects
                 .filter(status=AppointmentStatus.CANCELLED, starts_at__gt=now,
                         cancelled_at__gte=now - timedelta(days=1), cancelled_at__lte=now - MISSED_AFTER)
                 .exclude(pk__in=WaitlistOpening.objects.filter(source_appointment__isnull=False)
                          .values("source_appointment_id"))
                 .values_list("pk", flat=True))
    return sum(waitlist_opening_create(appointment_id=pk, now=now) is not None for pk in unhandled)


def waitlist_offers_expire(*, now: datetime | None = None) -> int:
    """Periodic: lapse offers past their time, then offer those openings to the next in line."""
    now = now or _now()
    expired = WaitlistOffer.objects.filter(status=OfferStatus.PENDING, expires_at__lte=now)
    opening_ids = set(expired.values_list("opening_id", flat=True))
    count = expired.update(status=OfferStatus.EXPIRED, responded_at=now)
    # Openings whose time has come are closed; the rest are offered further.
    WaitlistOpening.objects.filter(status=OpeningStatus.OPEN, starts_at__lte=now).update(
        status=OpeningStatus.CLOSED, closed_at=now)
    for opening_id in sorted(opening_ids):
        waitlist_opening_refill(opening_id=opening_id, now=now)
    return count
