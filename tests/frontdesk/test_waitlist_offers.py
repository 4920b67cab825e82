"""A cancellation frees a time; matching waitlist clients are offered it in order; first accept wins."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from booking import services as booking_services
from booking.models import Appointment, AppointmentStatus, BookedVia
from frontdesk import services
from frontdesk.models import EntryStatus, OfferStatus, OpeningStatus, TimeOfDay, WaitlistOffer, WaitlistOpening
from frontdesk.tasks import expire_waitlist_offers, offer_freed_slot
from frontdesk.tokens import read_offer_token
from tests.factories import ClientFactory, LocationFactory, ServiceFactory

from .conftest import at
from .factories import QuickClientFactory, WaitlistEntryFactory

MONDAY = at(2026, 3, 2, 8, 0)
TUESDAY_10 = at(2026, 3, 3, 10, 0)


@pytest.fixture
def waiting(clinic):
    """``waiting(name, **prefs)``: a client on the waitlist for the follow-up, joined in call order."""
    joined = iter(range(1, 100))

    def _wait(name: str, **prefs):
        prefs.setdefault("service", clinic.follow_up)
        return WaitlistEntryFactory(client=QuickClientFactory(first_name=name, last_name="Waiting"),
                                    location=clinic.location, created_at=MONDAY - timedelta(days=30 - next(joined)),
                                    **prefs)

    return _wait


@pytest.fixture
def cancel(front_desk_user, django_capture_on_commit_callbacks):
    """Cancel through the booking service, running what happens on commit (signal -> task -> offers)."""

    def _cancel(appointment):
        with django_capture_on_commit_callbacks(execute=True):
            booking_services.appointment_cancel(appointment=appointment, actor=front_desk_user, reason="Unwell",
                                                by_staff=True)
        return WaitlistOpening.objects.filter(source_appointment=appointment).first()

    return _cancel


def _offered(opening) -> list[str]:
    return [o.entry.client.first_name for o in opening.offers.select_related("entry__client").order_by("pk")]


def _link(message) -> str:
    return re.search(r"https?://\S+/desk/waitlist/offer/(\S+)/", message.body).group(1)


@time_machine.travel(MONDAY, tick=False)
def test_a_cancellation_offers_the_time_to_the_first_matching_clients_in_order(
        clinic, appointment, waiting, cancel, mailoutbox):
    first, second, third, fourth = (waiting(n) for n in ("Amy", "Ben", "Cat", "Dan"))
    session = appointment(TUESDAY_10)
    mailoutbox.clear()
    opening = cancel(session)
    assert (opening.starts_at, opening.practitioner, opening.status) == (TUESDAY_10, clinic.ana, OpeningStatus.OPEN)
    assert _offered(opening) == ["Amy", "Ben", "Cat"]  # a batch of three, in waitlist order
    offers = {m.to[0]: m for m in mailoutbox if "opened up" in m.subject}
    assert set(offers) == {first.client.email, second.client.email, third.client.email}
    body = offers[first.client.email].body
    assert "Tuesday 3 March 2026 at 10:00" in body and "with Ana Torres" in body and "Islington clinic" in body
    assert "open until Monday 2 March, 12:00" in body  # four hours (ClinicSettings.waitlist_offer_hours)
    offer = WaitlistOffer.objects.get(entry=first)
    assert read_offer_token(_link(offers[first.client.email])) == (offer.pk, first.pk)
    assert fourth.offers.count() == 0


@time_machine.travel(MONDAY, tick=False)
def test_only_clients_whose_wishes_fit_are_offered_it(clinic, appointment, waiting, cancel):
    long_service = ServiceFactory(name="Long", duration_minutes=120, is_initial_consultation=False)
    clinic.ana.services.add(long_service)
    appointment(at(2026, 3, 3, 11, 15), practitioner=clinic.ana)  # the long session would not fit before this
    waiting("Li-only", practitioner=clinic.li)
    waiting("Wednesdays", weekdays=[2])
    waiting("Evenings", time_of_day=TimeOfDay.EVENING)
    waiting("Long", service=long_service)
    waiting("Tuesday-mornings", weekdays=[1], time_of_day=TimeOfDay.MORNING, practitioner=clinic.ana)
    opening = cancel(appointment(TUESDAY_10))
    assert _offered(opening) == ["Tuesday-mornings"]


@time_machine.travel(MONDAY, tick=False)
def test_nobody_matching_closes_the_opening(clinic, appointment, waiting, cancel, mailoutbox):
    waiting("Li-only", practitioner=clinic.li)
    opening = cancel(appointment(TUESDAY_10))
    assert opening.status == OpeningStatus.CLOSED and _offered(opening) == []


@time_machine.travel(MONDAY, tick=False)
def test_with_nobody_waiting_here_the_opening_is_recorded_closed_without_matching(
        clinic, appointment, front_desk_user, django_assert_max_num_queries):
    WaitlistEntryFactory(client=QuickClientFactory(first_name="Elsewhere"), location=LocationFactory(),
                         service=clinic.follow_up)  # waits at another clinic
    session = appointment(TUESDAY_10)
    booking_services.appointment_cancel(appointment=session, actor=front_desk_user, reason="", by_staff=True)

    # The appointment, whether anyone waits here, and the opening written closed (its savepoint: 3).
    with django_assert_max_num_queries(5):
        assert offer_freed_slot(session.pk) == 0

    opening = WaitlistOpening.objects.get(source_appointment=session)
    assert (opening.status, opening.closed_at) == (OpeningStatus.CLOSED, MONDAY) and _offered(opening) == []
    assert services.waitlist_opening_create(appointment_id=session.pk) is None  # still one opening


@time_machine.travel(MONDAY, tick=False)
def test_the_canceller_and_clients_already_busy_then_are_skipped(clinic, appointment, waiting, cancel):
    canceller = waiting("Canceller")
    busy = waiting("Busy")
    appointment(at(2026, 3, 3, 10, 30), practitioner=clinic.li, room=clinic.lotus, client=busy.client)
    waiting("Free")
    opening = cancel(appointment(TUESDAY_10, client=canceller.client))
    assert _offered(opening) == ["Free"]


@time_machine.travel(MONDAY, tick=False)
def test_a_time_that_has_passed_opens_nothing(clinic, appointment, waiting):
    waiting("Amy")
    past = appointment(at(2026, 3, 2, 7), status=AppointmentStatus.CANCELLED)
    assert services.waitlist_opening_create(appointment_id=past.pk) is None


@time_machine.travel(MONDAY, tick=False)
def test_a_repeated_signal_makes_one_opening(clinic, appointment, waiting, cancel):
    waiting("Amy")
    session = appointment(TUESDAY_10)
    opening = cancel(session)
    assert services.waitlist_opening_create(appointment_id=session.pk) is None
    assert WaitlistOpening.objects.count() == 1 and opening.offers.count() == 1


@time_machine.travel(MONDAY, tick=False)
def test_the_first_accept_gets_it_and_the_others_are_told_it_is_gone(
        clinic, appointment, waiting, cancel, mailoutbox, django_capture_on_commit_callbacks):
    amy, ben, cat = waiting("Amy"), waiting("Ben"), waiting("Cat")
    opening = cancel(appointment(TUESDAY_10))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        booked = services.waitlist_offer_accept(offer=WaitlistOffer.objects.get(entry=ben))
    assert (booked.client, booked.starts_at, booked.practitioner) == (ben.client, TUESDAY_10, clinic.ana)
    assert booked.status == AppointmentStatus.BOOKED and booked.booked_via == BookedVia.WAITLIST
    assert booked.desk_note == "Booked from the waitlist"
    opening.refresh_from_db()
    assert opening.status == OpeningStatus.TAKEN
    statuses = {o.entry.client.first_name: o.status for o in opening.offers.select_related("entry__client")}
    assert statuses == {"Amy": OfferStatus.GONE, "Ben": OfferStatus.ACCEPTED, "Cat": OfferStatus.GONE}
    ben.refresh_from_db()
    assert (ben.status, ben.appointment) == (EntryStatus.BOOKED, booked)
    amy.refresh_from_db()
    assert amy.status == EntryStatus.WAITING  # still waiting for another time
    gone = sorted(m.to[0] for m in mailoutbox if "taken" in m.subject)
    assert gone == sorted([amy.client.email, cat.client.email])
    # His confirmation, and (his first visit) the questionnaire request.
    assert [(m.to, m.subject.split(":")[0]) for m in mailoutbox if "taken" not in m.subject] == [
        ([ben.client.email], "Booking confirmed"), ([ben.client.email], "Your questionnaire before your visit")]
    with pytest.raises(services.OfferUnavailable, match="no longer open"):
        services.waitlist_offer_accept(offer=WaitlistOffer.objects.get(entry=amy))
    with pytest.raises(services.OfferUnavailable):
        services.waitlist_offer_accept(offer=WaitlistOffer.objects.get(entry=ben))  # a double click
    assert Appointment.objects.filter(starts_at=TUESDAY_10).exclude(status="cancelled").count() == 1


@time_machine.travel(MONDAY, tick=False)
def test_a_time_booked_by_the_desk_meanwhile_is_gone_for_everyone(clinic, appointment, waiting, cancel,
                                                                   front_desk_user):
    amy = waiting("Amy")
    waiting("Ben")
    opening = cancel(appointment(TUESDAY_10))
    booking_services.appointment_book(client=ClientFactory(), service=clinic.follow_up, practitioner=clinic.ana,
                                      starts_at=TUESDAY_10, location=clinic.location, actor=front_desk_user,
                                      via=BookedVia.PHONE, overrides={"first_visit"})
    with pytest.raises(services.OfferUnavailable, match="no longer free"):
        services.waitlist_offer_accept(offer=WaitlistOffer.objects.get(entry=amy))
    opening.refresh_from_db()
    assert opening.status == OpeningStatus.CLOSED
    assert set(opening.offers.values_list("status", flat=True)) == {OfferStatus.GONE}
    amy.refresh_from_db()
    assert amy.status == EntryStatus.WAITING


@time_machine.travel(MONDAY, tick=False)
def test_a_refusal_about_one_client_passes_the_time_on(clinic, appointment, waiting, cancel,
                                                       django_capture_on_commit_callbacks):
    clinic.follow_up.new_clients_allowed = False
    clinic.follow_up.save()
    amy = waiting("Amy")
    history = appointment(at(2026, 2, 2, 10), client=amy.client, status=AppointmentStatus.COMPLETED)
    opening = cancel(appointment(TUESDAY_10))
    history.delete()  # her only visit is gone: the follow-up is for returning clients
    ben = waiting("Ben")
    appointment(at(2026, 2, 3, 10), client=ben.client, status=AppointmentStatus.COMPLETED)
    with django_capture_on_commit_callbacks(execute=True), \
            pytest.raises(services.OfferUnavailable, match="for returning clients"):
        services.waitlist_offer_accept(offer=opening.offers.get(entry=amy))
    opening.refresh_from_db()
    assert opening.status == OpeningStatus.OPEN  # not closed for everyone
    assert opening.offers.get(entry=amy).status == OfferStatus.WITHDRAWN
    assert _offered(opening) == ["Amy", "Ben"]


@time_machine.travel(MONDAY, tick=False)
def test_expired_offers_pass_the_time_to_the_next_in_line(clinic, appointment, waiting, cancel, mailoutbox):
    for name in ("Amy", "Ben", "Cat", "Dan", "Eve"):
        waiting(name)
    opening = cancel(appointment(TUESDAY_10))
    first_batch = list(opening.offers.all())
    with time_machine.travel(MONDAY + timedelta(hours=3, minutes=59), tick=False):
        assert expire_waitlist_offers() == 0
    with time_machine.travel(MONDAY + timedelta(hours=4), tick=False):
        mailoutbox.clear()
        assert expire_waitlist_offers.delay().get() == 3
        assert services.waitlist_offers_expire() == 0  # nothing twice
    assert {o.status for o in WaitlistOffer.objects.filter(pk__in=[o.pk for o in first_batch])} == {"expired"}
    assert _offered(opening)[3:] == ["Dan", "Eve"]
    assert WaitlistOffer.objects.get(entry__client__first_name="Dan").expires_at == MONDAY + timedelta(hours=8)
    with pytest.raises(services.OfferUnavailable, match="no longer open"):
        services.waitlist_offer_accept(offer=first_batch[0])


@time_machine.travel(MONDAY, tick=False)
def test_an_offer_never_outlives_the_session_it_offers(clinic, appointment, waiting, cancel):
    waiting("Amy")
    opening = cancel(appointment(at(2026, 3, 2, 10)))  # two hours from now
    assert opening.offers.get().expires_at == at(2026, 3, 2, 10)
    with time_machine.travel(at(2026, 3, 2, 10, 1), tick=False):
        services.waitlist_offers_expire()
    opening.refresh_from_db()
    assert opening.status == OpeningStatus.CLOSED


@time_machine.travel(MONDAY, tick=False)
def test_when_everyone_in_a_batch_declines_the_next_are_asked(
        clinic, appointment, waiting, cancel, django_capture_on_commit_callbacks):
    for name in ("Amy", "Ben", "Cat", "Dan"):
        waiting(name)
    opening = cancel(appointment(TUESDAY_10))
    with django_capture_on_commit_callbacks(execute=True):
        for offer in list(opening.offers.all()):
            assert services.waitlist_offer_decline(offer=offer)
            assert services.waitlist_offer_decline(offer=offer) is False
    assert _offered(opening) == ["Amy", "Ben", "Cat", "Dan"]
    assert opening.offers.get(entry__client__first_name="Dan").status == OfferStatus.PENDING


@time_machine.travel(MONDAY, tick=False)
def test_accepting_one_time_withdraws_that_clients_other_offers(
        clinic, appointment, waiting, cancel, django_capture_on_commit_callbacks):
    amy = waiting("Amy")
    tuesday = cancel(appointment(TUESDAY_10))
    wednesday = cancel(appointment(at(2026, 3, 4, 10)))
    waiting("Ben")  # joins after both openings were offered to Amy
    with django_capture_on_commit_callbacks(execute=True):
        services.waitlist_offer_accept(offer=tuesday.offers.get(entry=amy))
    assert wednesday.offers.get(entry=amy).status == OfferStatus.WITHDRAWN
    assert _offered(wednesday) == ["Amy", "Ben"]  # passed on at once


@time_machine.travel(MONDAY, tick=False)
def test_leaving_the_waitlist_withdraws_open_offers(clinic, appointment, waiting, cancel, front_desk_user,
                                                    django_capture_on_commit_callbacks):
    amy = waiting("Amy")
    opening = cancel(appointment(TUESDAY_10))
    waiting("Ben")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.waitlist_entry_remove(entry=amy, actor=amy.client)
    amy.refresh_from_db()
    assert amy.status == EntryStatus.REMOVED
    assert opening.offers.get(entry=amy).status == OfferStatus.WITHDRAWN
    assert _offered(opening) == ["Amy", "Ben"]
    assert services.waitlist_entry_remove(entry=amy, actor=front_desk_user) is False


@time_machine.travel(MONDAY, tick=False)
def test_each_offer_email_is_sent_once(clinic, appointment, waiting, cancel, mailoutbox):
    from clinic.notifications.models import Message
    from clinic.notifications.services import message_send
    from frontdesk.notifications import waitlist_offer_messages_queue

    waiting("Amy")
    offer = cancel(appointment(TUESDAY_10)).offers.get()
    sent = len(mailoutbox)
    message = Message.objects.get(kind="waitlist_offer", params__offer_id=offer.pk)
    assert message.state == "sent"
    assert message_send(message_id=message.pk) is False  # a redelivered task
    waitlist_offer_messages_queue(offer)  # the offer replayed: the unique key holds one message
    assert Message.objects.filter(kind="waitlist_offer").count() == 1
    assert len(mailoutbox) == sent


def test_a_tampered_link_is_refused():
    assert read_offer_token("1:abc:def") is None
    assert read_offer_token("") is None


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_accepts_give_the_time_to_exactly_one(clinic, appointment, waiting):
    """Two clients press "Book this time" at the same instant, on separate connections."""
    import threading

    from django.db import connection

    with time_machine.travel(MONDAY, tick=False):
        amy, ben = waiting("Amy"), waiting("Ben")
        session = appointment(TUESDAY_10)
        session.status = AppointmentStatus.CANCELLED
        session.save()
        services.waitlist_opening_create(appointment_id=session.pk)
    offers = list(WaitlistOffer.objects.filter(entry__in=[amy, ben]))
    barrier = threading.Barrier(len(offers))
    results: list = []

    def accept(offer):
        try:
            barrier.wait()
            results.append(services.waitlist_offer_accept(offer=offer))
        except services.OfferUnavailable as exc:
            results.append(exc)
        finally:
            connection.close()

    # One travel for all threads (time-machine patches the clock process-wide; entering it in each
    # thread could unwind out of order and leave the clock frozen for later tests).
    with time_machine.travel(MONDAY + timedelta(minutes=5), tick=False):
        threads = [threading.Thread(target=accept, args=(o,)) for o in offers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, services.OfferUnavailable)]
    assert len(booked) == 1 and len(refused) == 1
    assert Appointment.objects.filter(starts_at=TUESDAY_10, status=AppointmentStatus.BOOKED).count() == 1
    assert WaitlistOffer.objects.filter(status=OfferStatus.ACCEPTED).count() == 1


def test_waitlist_work_lost_on_the_way_to_the_broker_is_redone_by_the_beat(
        clinic, appointment, waiting, front_desk_user, mailoutbox, django_capture_on_commit_callbacks):
    amy = waiting("Amy")
    with time_machine.travel(MONDAY, tick=False):
        session = appointment(TUESDAY_10)
        # Cancelled with the broker down: the on-commit signal and its task never ran.
        booking_services.appointment_cancel(appointment=session, actor=front_desk_user, reason="Unwell",
                                            by_staff=True)
        mailoutbox.clear()
        assert expire_waitlist_offers() == 0  # too soon: the task may still be on its way
    with time_machine.travel(MONDAY + timedelta(minutes=6), tick=False):
        with django_capture_on_commit_callbacks(execute=True):  # the broker is back
            expire_waitlist_offers()
        assert [m.to for m in mailoutbox if "opened up" in m.subject] == [[amy.client.email]]
        assert WaitlistOpening.objects.filter(source_appointment=session).count() == 1
        expire_waitlist_offers()
        assert WaitlistOpening.objects.filter(source_appointment=session).count() == 1


def test_an_offer_email_whose_send_was_lost_goes_with_the_next_dispatch(clinic, appointment, waiting, front_desk_user,
                                                                        mailoutbox):
    from clinic.notifications.services import messages_dispatch

    amy = waiting("Amy")
    with time_machine.travel(MONDAY, tick=False):
        session = appointment(TUESDAY_10)
        booking_services.appointment_cancel(appointment=session, actor=front_desk_user, by_staff=True)
        # The opening is made, but the on-commit send of its offer never reaches a worker (no capture).
        services.waitlist_opening_create(appointment_id=session.pk)
        assert [m for m in mailoutbox if "opened up" in m.subject] == []
        messages_dispatch()
        messages_dispatch()
    assert [m.to for m in mailoutbox if "opened up" in m.subject] == [[amy.client.email]]
