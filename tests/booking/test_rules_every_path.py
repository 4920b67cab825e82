"""The schedule's rules hold on every path that books or moves, not only in the free times a page offers.

Each test posts (or passes) a start no page ever offered: in the practitioner's time off, in a location or
clinic-wide closure, outside working hours, in a break and, online, inside the minimum notice or past the
horizon. Nothing may be booked or moved, and the user gets a clear message on a normal page (never a 500).

Time is frozen at Monday 1 June 2026, 09:00 London (the ``now`` fixture); Ana works Mon-Fri 09:00-17:00.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse

from booking import services
from booking.forms import format_start
from booking.models import Appointment, AppointmentEvent, Break, Course, TimeOff
from frontdesk.forms import slot_value
from frontdesk.models import OfferStatus, OpeningStatus, WaitlistOffer, WaitlistOpening
from frontdesk.services import OfferUnavailable, waitlist_offer_accept
from frontdesk.tokens import make_offer_token
from tests.factories import AppointmentFactory, local
from tests.frontdesk.factories import WaitlistEntryFactory

from .conftest import NOW

pytestmark = pytest.mark.usefixtures("now")

Case = Callable[..., tuple[datetime, str]]  # (practitioner, location) -> (start never offered, expected message)


def _time_off(practitioner, location):
    TimeOff.objects.create(practitioner=practitioner, starts_at=local(location, 2026, 6, 10),
                           ends_at=local(location, 2026, 6, 11), reason="Holiday")
    return local(location, 2026, 6, 10, 10), "Ana Torres is away on Wednesday 10 June"


def _location_closed(practitioner, location):
    TimeOff.objects.create(location=location, starts_at=local(location, 2026, 6, 10),
                           ends_at=local(location, 2026, 6, 11), reason="Boiler repair")
    return local(location, 2026, 6, 10, 10), "The clinic is closed at that time"


def _clinic_closed(practitioner, location):
    TimeOff.objects.create(starts_at=local(location, 2026, 6, 10), ends_at=local(location, 2026, 6, 11),
                           reason="Staff training")
    return local(location, 2026, 6, 10, 10), "The clinic is closed at that time"


def _after_hours(practitioner, location):
    return local(location, 2026, 6, 10, 18), "Ana Torres is not available for Initial consultation at Wednesday"


def _in_a_break(practitioner, location):
    Break.objects.create(practitioner=practitioner, weekday=2, start=time(13), end=time(14))
    return local(location, 2026, 6, 10, 13), "Ana Torres is not available for Initial consultation at Wednesday"


def _inside_notice(practitioner, location):
    return local(location, 2026, 6, 1, 15), "Online bookings need at least 12 hours' notice"


def _past_horizon(practitioner, location):
    return local(location, 2026, 9, 3, 10), "Online bookings open 90 days ahead"


DESK_CASES: dict[str, Case] = {"time off": _time_off, "location closed": _location_closed,
                               "clinic closed": _clinic_closed, "after hours": _after_hours,
                               "in a break": _in_a_break}
ONLINE_CASES: dict[str, Case] = {**DESK_CASES, "inside the notice": _inside_notice,
                                 "past the horizon": _past_horizon}
WAITLIST_CASES = ["time off", "location closed", "clinic closed"]  # an offered time can only go that way


def _shown(start: datetime, location) -> str:
    """How the review and reschedule pages show the chosen start, e.g. "Wednesday 10 June 2026, 10:00"."""
    at = start.astimezone(location.tz)
    return f"{at:%A} {at.day} {at:%B %Y}, {at:%H:%M}"


# --- Online: review (confirm), reschedule, course ----------------------------------------------------

@pytest.mark.parametrize("case", ONLINE_CASES)
def test_confirming_online_refuses_a_time_never_offered(login, client_user, service, practitioner, location, case):
    start, expected = ONLINE_CASES[case](practitioner, location)
    response = login(client_user).post(reverse("booking:review", args=[service.slug]), {
        "practitioner": practitioner.pk, "location": location.pk, "start": format_start(start)})
    assert response.status_code == 200
    assert expected in response.context["error"]
    assert _shown(start, location) in response.content.decode()  # the chosen time is still on the page
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("case", ONLINE_CASES)
def test_rescheduling_online_refuses_a_time_never_offered(login, client_user, practitioner, location, case):
    mine = AppointmentFactory(client=client_user, practitioner=practitioner, starts_at=local(location, 2026, 6, 12, 10))
    start, expected = ONLINE_CASES[case](practitioner, location)
    response = login(client_user).post(reverse("booking:reschedule_confirm", args=[mine.pk]),
                                       {"start": format_start(start)})
    assert response.status_code == 200
    assert expected in response.context["error"]
    assert _shown(start, location) in response.content.decode()
    mine.refresh_from_db()
    assert mine.starts_at == local(location, 2026, 6, 12, 10)
    assert not AppointmentEvent.objects.filter(appointment=mine).exists()


@pytest.mark.parametrize("case", ONLINE_CASES)
def test_an_online_course_refuses_a_date_never_offered(client_user, service, practitioner, location, case):
    start, expected = ONLINE_CASES[case](practitioner, location)
    with pytest.raises(services.CourseNotBooked) as refused:
        services.course_book(client=client_user, service=service, practitioner=practitioner, location=location,
                             starts=[local(location, 2026, 6, 9, 10), start], description="2 sessions",
                             actor=client_user)
    assert expected in refused.value.message and refused.value.message.startswith("Nothing was booked")
    assert not Appointment.objects.exists() and not Course.objects.exists()


@pytest.mark.parametrize("case", ONLINE_CASES)
def test_the_course_page_books_nothing_for_a_date_never_offered(login, client_user, service, practitioner, location,
                                                                case):
    start, _expected = ONLINE_CASES[case](practitioner, location)
    at = start.astimezone(location.tz)
    response = login(client_user).post(
        f"{reverse('booking:course', args=[service.slug])}?location={location.pk}",
        {"practitioner": practitioner.pk, "first_day": at.date().isoformat(), "weekdays": [str(at.weekday())],
         "at": f"{at:%H:%M}", "sessions": "2", "start_0": format_start(start),
         "start_1": format_start(start + timedelta(days=7))})
    assert response.status_code == 200
    form_errors = [e for errors in response.context["form"].errors.values() for e in errors]
    assert response.context.get("error") or form_errors  # "choose a time for every date" or the date's rule
    assert not Appointment.objects.exists()


# --- Front desk: phone booking, course, move (form and drag-and-drop) ---------------------------------

@pytest.mark.parametrize("case", DESK_CASES)
def test_a_phone_booking_refuses_a_time_never_offered(login, front_desk_user, client_user, service, practitioner,
                                                      location, case):
    start, expected = DESK_CASES[case](practitioner, location)
    response = login(front_desk_user).post(reverse("frontdesk:book"), {
        "client": client_user.pk, "location": location.pk, "service": service.pk,
        "date": start.astimezone(location.tz).date().isoformat(), "practitioner": "",
        "slot": slot_value(practitioner.pk, start), "confirm": "1", "desk_note": "Needs the lift"})
    assert response.status_code == 200
    assert expected in response.context["error"]
    assert 'value="Needs the lift"' in response.content.decode()  # what the desk typed is kept
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("case", DESK_CASES)
def test_a_desk_course_refuses_a_date_never_offered(front_desk_user, client_user, service, practitioner, location,
                                                    case):
    start, expected = DESK_CASES[case](practitioner, location)
    with pytest.raises(services.CourseNotBooked) as refused:
        services.course_book(client=client_user, service=service, practitioner=practitioner, location=location,
                             starts=[local(location, 2026, 6, 9, 10), start], description="2 sessions",
                             actor=front_desk_user, via="phone")
    assert expected in refused.value.message
    assert not Appointment.objects.exists() and not Course.objects.exists()


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "drag-and-drop"])
@pytest.mark.parametrize("case", DESK_CASES)
def test_a_desk_move_refuses_a_time_never_offered(login, front_desk_user, client_user, practitioner, location, case,
                                                  as_json):
    session = AppointmentFactory(client=client_user, practitioner=practitioner,
                                 starts_at=local(location, 2026, 6, 12, 10))
    start, expected = DESK_CASES[case](practitioner, location)
    headers = {"HTTP_ACCEPT": "application/json"} if as_json else {}
    response = login(front_desk_user).post(reverse("frontdesk:appointment_move", args=[session.pk]), {
        "date": start.astimezone(location.tz).date().isoformat(), "practitioner": practitioner.pk,
        "slot": slot_value(practitioner.pk, start), "confirm": "1"}, **headers)
    if as_json:
        data = json.loads(response.content)
        assert response.status_code == 409 and data["ok"] is False and expected in data["message"]
    else:
        assert response.status_code == 200 and expected in response.context["error"]
    session.refresh_from_db()
    assert session.starts_at == local(location, 2026, 6, 12, 10)
    assert not AppointmentEvent.objects.filter(appointment=session).exists()


# --- Waitlist: an offered time that the schedule no longer has -----------------------------------------

def _offer(client, service, practitioner, location, start: datetime) -> WaitlistOffer:
    entry = WaitlistEntryFactory(client=client, service=service, location=location)
    opening = WaitlistOpening.objects.create(location=location, practitioner=practitioner, starts_at=start,
                                             free_until=start + service.duration + service.buffer)
    return WaitlistOffer.objects.create(opening=opening, entry=entry, expires_at=NOW + timedelta(hours=12))


@pytest.mark.parametrize("case", WAITLIST_CASES)
def test_accepting_an_offer_refuses_a_time_now_closed_and_offers_it_to_nobody(client_user, service, practitioner,
                                                                              location, case):
    offer = _offer(client_user, service, practitioner, location, local(location, 2026, 6, 10, 10))
    DESK_CASES[case](practitioner, location)  # the time off or closure is entered after the offer went out
    with pytest.raises(OfferUnavailable, match="no longer available"):
        waitlist_offer_accept(offer=offer)
    assert not Appointment.objects.exists()
    offer.opening.refresh_from_db()
    assert offer.opening.status == OpeningStatus.CLOSED  # nobody else is offered a time nobody can have
    assert set(offer.opening.offers.values_list("status", flat=True)) == {OfferStatus.WITHDRAWN}


def test_the_offer_page_says_the_time_is_no_longer_available(client, client_user, service, practitioner, location):
    offer = _offer(client_user, service, practitioner, location, local(location, 2026, 6, 10, 10))
    _time_off(practitioner, location)
    response = client.post(reverse("frontdesk:waitlist_offer", args=[make_offer_token(offer)]), {"action": "accept"},
                           follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Sorry, this time is no longer available." in html
    assert "Someone else on the waitlist took it" not in html  # nobody did: the clinic closed
    assert not Appointment.objects.exists()
