"""Waitlist pages: clients join and leave online, the desk adds and removes, the offer link's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from booking import services as booking_services
from booking.models import Appointment
from frontdesk.models import EntrySource, EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer
from frontdesk.tokens import make_offer_token
from tests.factories import ClientFactory, ServiceFactory

from .conftest import at
from .factories import QuickClientFactory, WaitlistEntryFactory

MONDAY = at(2026, 3, 2, 8, 0)
JOIN = reverse("frontdesk:waitlist_join")
DESK = reverse("frontdesk:waitlist")


@pytest.fixture
def returning_client(clinic, appointment):
    """A client with a past visit (so any service is open to them)."""
    client = ClientFactory(first_name="Chloe", last_name="Martin")
    appointment(at(2026, 2, 2, 10), client=client, status="completed")
    return client


@time_machine.travel(MONDAY, tick=False)
def test_a_client_joins_the_waitlist_online(login, clinic, returning_client):
    response = login(returning_client).post(JOIN, {
        "location": clinic.location.pk, "service": clinic.follow_up.pk, "practitioner": clinic.ana.pk,
        "weekdays": ["1", "3"], "time_of_day": "morning"}, follow=True)
    entry = WaitlistEntry.objects.get(client=returning_client)
    assert (entry.service, entry.practitioner, entry.weekdays, entry.time_of_day) == (
        clinic.follow_up, clinic.ana, [1, 3], "morning")
    assert entry.source == EntrySource.ONLINE and entry.status == EntryStatus.WAITING
    html = response.content.decode()
    assert "You are on the waitlist for Facial acupuncture follow-up" in html
    assert "Tuesday, Thursday" in html


@time_machine.travel(MONDAY, tick=False)
def test_joining_twice_for_the_same_service_is_refused_with_a_message(login, clinic, returning_client):
    client = login(returning_client)
    data = {"location": clinic.location.pk, "service": clinic.follow_up.pk, "time_of_day": "any"}
    client.post(JOIN, data)
    response = client.post(JOIN, data)
    assert "You are already on the waitlist for Facial acupuncture follow-up." in response.content.decode()
    assert WaitlistEntry.objects.filter(client=returning_client).count() == 1


@time_machine.travel(MONDAY, tick=False)
def test_a_new_client_must_wait_for_the_initial_consultation_first(login, clinic):
    response = login(ClientFactory()).post(JOIN, {"location": clinic.location.pk, "service": clinic.follow_up.pk,
                                                  "time_of_day": "any"})
    assert "first visit needs to be the initial consultation" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


@time_machine.travel(MONDAY, tick=False)
def test_services_not_bookable_online_are_not_offered_to_clients(login, clinic, returning_client):
    hidden = ServiceFactory(name="Desk only", bookable_online=False)
    response = login(returning_client).post(JOIN, {"location": clinic.location.pk, "service": hidden.pk,
                                                   "time_of_day": "any"})
    assert "Select a valid choice" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


@time_machine.travel(MONDAY, tick=False)
def test_a_client_leaves_their_own_entry_but_never_someone_elses(login, clinic, returning_client):
    mine = WaitlistEntryFactory(client=returning_client, service=clinic.follow_up, location=clinic.location)
    theirs = WaitlistEntryFactory(service=clinic.follow_up, location=clinic.location)
    client = login(returning_client)
    assert client.post(reverse("frontdesk:waitlist_leave", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("frontdesk:waitlist_leave", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (EntryStatus.REMOVED, EntryStatus.WAITING)
    page = client.get(JOIN).content.decode()
    assert "You are waiting for" not in page


@time_machine.travel(MONDAY, tick=False)
def test_the_desk_adds_a_client_found_by_search(desk, clinic, returning_client, front_desk_user):
    found = desk.get(reverse("frontdesk:waitlist_add"), {"q": "Chloe"})
    assert [c.pk for c in found.context["results"]] == [returning_client.pk]
    response = desk.post(reverse("frontdesk:waitlist_add"), {
        "client": returning_client.pk, "location": clinic.location.pk, "service": clinic.follow_up.pk,
        "practitioner": "", "time_of_day": "afternoon", "note": "Prefers the ground floor"})
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get(client=returning_client)
    assert (entry.source, entry.added_by, entry.note) == (EntrySource.DESK, front_desk_user, "Prefers the ground floor")


@time_machine.travel(MONDAY, tick=False)
def test_the_desk_sees_the_waitlist_in_order_with_open_offers_and_can_remove(desk, clinic, appointment,
                                                                           front_desk_user,
                                                                           django_capture_on_commit_callbacks):
    later = WaitlistEntryFactory(client=ClientFactory(first_name="Ben", last_name="Later"), service=clinic.follow_up,
                                 location=clinic.location, created_at=MONDAY - timedelta(days=1))
    earlier = WaitlistEntryFactory(client=ClientFactory(first_name="Amy", last_name="Earlier"),
                                   service=clinic.follow_up, location=clinic.location,
                                   created_at=MONDAY - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.appointment_cancel(appointment=appointment(at(2026, 3, 3, 10)), actor=front_desk_user,
                                            reason="Unwell", by_staff=True)
    response = desk.get(DESK)
    assert [(e.position, e.pk) for e in response.context["entries"]] == [(1, earlier.pk), (2, later.pk)]
    html = response.content.decode()
    assert "Offered Tue 3 Mar 10:00" in html
    assert "Amy Earlier (Facial acupuncture follow-up)" in html and "Waiting for an answer" in html
    desk.post(reverse("frontdesk:waitlist_remove", args=[later.pk]))
    later.refresh_from_db()
    assert later.status == EntryStatus.REMOVED


@time_machine.travel(MONDAY, tick=False)
def test_the_waitlist_page_query_count_does_not_grow(desk, clinic, django_assert_max_num_queries):
    for _ in range(30):
        WaitlistEntryFactory(client=QuickClientFactory(), service=clinic.follow_up, location=clinic.location)
    with django_assert_max_num_queries(10):
        assert len(desk.get(DESK).context["entries"]) == 30


# --- The page behind the link in the offer email -------------------------------------------------

@pytest.fixture
def offer(clinic, appointment, front_desk_user, django_capture_on_commit_callbacks):
    amy = WaitlistEntryFactory(client=ClientFactory(first_name="Amy"), service=clinic.follow_up,
                               location=clinic.location, created_at=MONDAY - timedelta(days=2))
    WaitlistEntryFactory(client=ClientFactory(first_name="Ben"), service=clinic.follow_up, location=clinic.location,
                         created_at=MONDAY - timedelta(days=1))
    with time_machine.travel(MONDAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        booking_services.appointment_cancel(appointment=appointment(at(2026, 3, 3, 10)), actor=front_desk_user,
                                            reason="Unwell", by_staff=True)
    return WaitlistOffer.objects.get(entry=amy)


def _page(offer):
    return reverse("frontdesk:waitlist_offer", args=[make_offer_token(offer)])


@time_machine.travel(MONDAY, tick=False)
def test_the_link_shows_the_offer_without_taking_it(client, offer):
    response = client.get(_page(offer))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Tuesday 3 March 2026 at 10:00" in html and "Book this time" in html and "No thanks" in html
    assert "Monday 2 March, 12:00" in html
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PENDING


@time_machine.travel(MONDAY, tick=False)
def test_accepting_books_the_time(client, offer):
    response = client.post(_page(offer), {"action": "accept"}, follow=True)
    html = response.content.decode()
    assert "It's yours" in html
    assert Appointment.objects.filter(client=offer.entry.client, status="booked").count() == 1


@time_machine.travel(MONDAY, tick=False)
def test_the_second_client_is_told_clearly_it_has_gone(client, offer):
    other = WaitlistOffer.objects.exclude(pk=offer.pk).get()
    client.post(_page(other), {"action": "accept"})
    response = client.post(_page(offer), {"action": "accept"}, follow=True)
    state = response.content.decode()
    assert 'data-state="gone"' in state and "Sorry, this time has gone." in state
    assert "You are still on the waitlist" in state
    assert not Appointment.objects.filter(client=offer.entry.client).exists()


@time_machine.travel(MONDAY, tick=False)
def test_an_expired_offer_says_so_and_cannot_be_taken(client, offer):
    with time_machine.travel(MONDAY + timedelta(hours=5), tick=False):
        page = client.get(_page(offer)).content.decode()
        assert 'data-state="expired"' in page and "This offer has expired." in page
        client.post(_page(offer), {"action": "accept"})
    assert not Appointment.objects.filter(client=offer.entry.client).exists()


@time_machine.travel(MONDAY, tick=False)
def test_no_thanks_keeps_the_client_on_the_waitlist(client, offer):
    page = client.post(_page(offer), {"action": "decline"}, follow=True).content.decode()
    assert 'data-state="declined"' in page
    offer.entry.refresh_from_db()
    assert offer.entry.status == EntryStatus.WAITING


@time_machine.travel(MONDAY, tick=False)
def test_a_forged_or_mismatched_link_is_a_clear_404(client, offer):
    assert client.get(reverse("frontdesk:waitlist_offer", args=["forged:token"])).status_code == 404
    from django.core import signing

    mismatched = signing.dumps({"o": offer.pk, "e": offer.entry_id + 1}, salt="frontdesk.waitlist-offer")
    response = client.get(reverse("frontdesk:waitlist_offer", args=[mismatched]))
    assert response.status_code == 404 and "This link does not work" in response.content.decode()


@time_machine.travel(MONDAY, tick=False)
def test_a_client_chooses_the_clinic_when_there_are_several(login, clinic, returning_client):
    from tests.factories import LocationFactory, PractitionerFactory

    other = LocationFactory(name="Zeta clinic")
    PractitionerFactory(location=other, services=[clinic.follow_up])
    client = login(returning_client)
    assert "Zeta clinic" in client.get(JOIN).content.decode()
    client.post(JOIN, {"location": other.pk, "service": clinic.follow_up.pk, "time_of_day": "any"})
    assert WaitlistEntry.objects.get(client=returning_client).location == other
