"""Staff book courses for clients, with the same bounds as a single phone booking.

"Book a course" on the booking pages used to send the manager (and the desk) to a 403 asking them to ask
the manager; a course booked by staff was held to the client's online horizon (90 days) and notice (12 h).
Time is frozen at Monday 1 June 2026, 09:00 London (the ``now`` fixture).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from booking.models import Appointment, AppointmentStatus, BookedVia, Course
from tests.factories import AppointmentFactory, PractitionerFactory, RoomFactory, ServiceFactory, local

pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def follow_up(practitioner):
    service = ServiceFactory(name="Facial acupuncture follow-up", slug="follow-up", is_initial_consultation=False)
    practitioner.services.add(service)
    return service


@pytest.fixture
def returning(client_user, practitioner, location, service):
    """Chloe had her initial consultation in May."""
    AppointmentFactory(client=client_user, practitioner=practitioner, service=service,
                       starts_at=local(location, 2026, 5, 4, 10), status=AppointmentStatus.COMPLETED)
    return client_user


def _course_url(follow_up, client, location) -> str:
    return f"{reverse('booking:course_for_client', args=[follow_up.slug, client.pk])}?location={location.pk}"


def _weekly(practitioner, first_day: str, at: str, sessions: int) -> dict:
    return {"practitioner": practitioner.pk, "first_day": first_day, "weekdays": ["0"], "at": at,
            "sessions": str(sessions)}


@pytest.mark.parametrize("role", ["manager", "front_desk"])
def test_book_a_course_on_the_booking_pages_leads_staff_to_the_course_page_not_a_403(
        login, role, returning, follow_up, location, manager_user, front_desk_user):
    http = login(manager_user if role == "manager" else front_desk_user)
    start_page = http.get(reverse("booking:start")).content.decode()
    link = re.search(r'href="([^"]*)" data-testid="course-link">Book a course for a client', start_page).group(1)
    assert link == f"{reverse('frontdesk:book')}?course=follow-up"
    choose_client = http.get(link.replace("&amp;", "&"))
    assert choose_client.status_code == 200 and "who is the booking for?" in choose_client.content.decode()
    assert choose_client.context["carry"] == {"course": "follow-up"}  # kept through the client search
    chosen = http.get(reverse("frontdesk:book"), {"client": returning.pk, "course": "follow-up"})
    assert chosen.status_code == 302 and chosen["Location"] == _course_url(follow_up, returning, location)
    page = http.get(chosen["Location"])
    assert page.status_code == 200
    assert "Book a course for Chloe Martin: Facial acupuncture follow-up" in page.content.decode()


def test_the_desk_books_a_course_inside_the_notice_and_past_the_online_horizon(
        login, front_desk_user, returning, follow_up, practitioner, location, mailoutbox):
    http = login(front_desk_user)
    url = _course_url(follow_up, returning, location)
    pattern = _weekly(practitioner, "2026-06-01", "15:00", 15)  # today 15:00 (6 h away) ... Monday 7 September
    rows = http.get(url, pattern).context["plan"]
    assert all(r["item"].free for r in rows) and len(rows) == 15
    response = http.post(url, {**pattern, **{f"start_{r['index']}": r["wanted_value"] for r in rows}})
    assert response.status_code == 302
    assert response["Location"] == reverse("frontdesk:client", args=[returning.pk])
    course = Course.objects.get(client=returning)
    sessions = list(course.appointments.order_by("starts_at"))
    assert len(sessions) == 15
    assert sessions[0].starts_at == local(location, 2026, 6, 1, 15)  # inside the 12 hours' online notice
    assert sessions[-1].starts_at == local(location, 2026, 9, 7, 15)  # past the 90-day online horizon
    assert {(a.booked_via, a.status, a.created_by) for a in sessions} == {
        (BookedVia.PHONE, AppointmentStatus.BOOKED, front_desk_user)}


def test_the_desk_course_page_offers_dates_the_online_page_would_not(login, front_desk_user, returning, follow_up,
                                                                     practitioner, location):
    pattern = _weekly(practitioner, "2026-08-24", "10:00", 3)  # 24 and 31 August, then 7 September
    online = login(returning).get(reverse("booking:course", args=[follow_up.slug]), pattern)
    assert [r["item"].free for r in online.context["plan"]] == [True, False, False]  # past 30 August
    desk = login(front_desk_user).get(_course_url(follow_up, returning, location), pattern)
    assert [r["item"].free for r in desk.context["plan"]] == [True, True, True]


def test_a_desk_course_on_the_clients_other_session_asks_first(login, front_desk_user, returning, follow_up,
                                                               practitioner, location, service):
    RoomFactory(location=location)
    li = PractitionerFactory(location=location, services=[service], user__first_name="Li", user__last_name="Wei")
    other = AppointmentFactory(client=returning, practitioner=li, starts_at=local(location, 2026, 6, 15, 10))
    http = login(front_desk_user)
    url = _course_url(follow_up, returning, location)
    pattern = _weekly(practitioner, "2026-06-08", "10:00", 2)
    rows = http.get(url, pattern).context["plan"]
    chosen = {f"start_{r['index']}": r["wanted_value"] for r in rows}
    warned = http.post(url, {**pattern, **chosen})
    assert warned.status_code == 200
    assert "Chloe Martin already has Initial consultation with Li Wei on Monday 15 June" in warned.context["error"]
    assert 'data-testid="book-anyway"' in warned.content.decode()
    assert not Course.objects.exists()
    booked = http.post(url, {**pattern, **chosen, "override": warned.context["override"],
                             "warned": warned.context["warned"]})
    assert booked.status_code == 302
    assert Course.objects.get(client=returning).appointments.count() == 2
    assert Appointment.objects.get(pk=other.pk).status == AppointmentStatus.BOOKED


def test_clients_and_practitioners_cannot_open_a_desk_course_page(client, login, returning, follow_up, location,
                                                                  practitioner_user):
    url = _course_url(follow_up, returning, location)
    assert client.get(url)["Location"].startswith(reverse("accounts:login"))
    assert login(returning).get(url).status_code == 403
    assert login(practitioner_user).get(url).status_code == 403


def test_a_practitioner_is_not_shown_a_course_link_that_would_refuse_them(login, practitioner_user, follow_up):
    assert 'data-testid="course-link"' not in login(practitioner_user).get(reverse("booking:start")).content.decode()


def test_the_desk_cannot_book_a_course_more_than_two_years_ahead(login, front_desk_user, returning, follow_up,
                                                                 practitioner, location):
    far = (local(location, 2026, 6, 1) + timedelta(days=800)).date().isoformat()
    response = login(front_desk_user).get(_course_url(follow_up, returning, location),
                                          _weekly(practitioner, far, "10:00", 2))
    assert "Please choose a start within the next two years." in response.content.decode()
