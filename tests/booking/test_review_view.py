"""Review and confirm: the slot from the link, sign-in round trip, the booking, and every bad input."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.urls import reverse

from booking.models import Appointment, AppointmentStatus
from tests.factories import AppointmentFactory, ClientFactory, PractitionerFactory, ServiceFactory, local

from .conftest import review_url

pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def ten(location):
    return local(location, 2026, 6, 8, 10)


@pytest.fixture
def url(service, practitioner, location, ten):
    return review_url(service, practitioner, location, ten)


def post_data(practitioner, location, start="2026-06-08T09:00Z", **extra):
    return {"practitioner": practitioner.pk, "location": location.pk, "start": start, **extra}


def test_anonymous_visitors_see_the_slot_and_sign_in_links_that_come_back(client, url):
    html = client.get(url).content.decode()
    assert "Monday 8 June 2026, 10:00–11:00" in html
    assert f"{reverse('accounts:signup')}?next={quote(url, safe='/')}" in html
    assert f"{reverse('accounts:login')}?next={quote(url, safe='/')}" in html
    assert "Confirm booking" not in html


def test_signing_up_from_the_review_page_comes_back_to_it(client, url, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{reverse('accounts:signup')}?next={quote(url, safe='/')}", {
            "first_name": "Nina", "last_name": "New", "email": "nina@example.com", "phone": "07700 900999",
            "date_of_birth": "1990-04-02", "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42"})
    assert response["Location"] == reverse("accounts:signup_done")
    # The confirmation link, then the log-in, come back to the chosen time.
    link = re.search(r"https?://[^/]+(/accounts/verify/\S+/)", mailoutbox[-1].body).group(1)
    login_url = client.get(link)["Location"]
    response = client.post(login_url, {"username": "nina@example.com", "password": "a-long-pass-phrase-42"})
    assert response.status_code == 302 and response["Location"] == url
    assert "Confirm booking" in client.get(url).content.decode()


def test_anonymous_post_goes_to_login_and_books_nothing(client, service, practitioner, location):
    response = client.post(reverse("booking:review", args=[service.slug]), post_data(practitioner, location))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert not Appointment.objects.exists()


def test_a_client_confirms_and_lands_on_the_confirmation(login, client_user, service, practitioner, location):
    client = login(client_user)
    response = client.post(reverse("booking:review", args=[service.slug]), post_data(practitioner, location))
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("booking:booked", args=[appointment.pk])
    assert appointment.client == client_user and appointment.local_starts_at.strftime("%H:%M") == "10:00"
    page = client.get(response["Location"]).content.decode()
    assert "You&#x27;re booked in" in page or "You're booked in" in page
    assert reverse("intake:my_intake") in page  # first visit: the questionnaire comes next
    assert reverse("booking:appointment_ics", args=[appointment.pk]) in page


def test_a_returning_client_is_not_sent_to_the_intake(login, client_user, service, practitioner, location):
    AppointmentFactory(client=client_user, practitioner=practitioner, status=AppointmentStatus.COMPLETED,
                       starts_at=local(location, 2026, 5, 1, 10))
    client = login(client_user)
    response = client.post(reverse("booking:review", args=[service.slug]), post_data(practitioner, location),
                           follow=True)
    assert reverse("intake:my_intake") not in response.content.decode().split("<main", 1)[1].split("</main>")[0]


def test_a_taken_slot_shows_alternatives_not_an_error_page(login, client_user, other_client, service, practitioner,
                                                         location):
    client = login(client_user)
    AppointmentFactory(client=other_client, practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10))
    response = client.post(reverse("booking:review", args=[service.slug]), post_data(practitioner, location))
    html = response.content.decode()
    assert response.status_code == 200
    assert "that time was just taken" in html
    assert [s.start.strftime("%H:%M") for s in response.context["alternatives"]] == ["11:15", "11:30", "11:45"]
    assert "start=2026-06-08T10%3A15Z" in html  # 11:15 BST, a link straight to its review page
    assert Appointment.objects.count() == 1


def test_first_available_alternatives_may_be_with_someone_else(login, client_user, other_client, service,
                                                              practitioner, location):
    from tests.factories import RoomFactory

    RoomFactory(location=location)
    colleague = PractitionerFactory(location=location, services=[service])
    AppointmentFactory(client=other_client, practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10))
    client = login(client_user)
    response = client.post(reverse("booking:review", args=[service.slug]),
                           post_data(practitioner, location, any="1"))
    same_time = [s for s in response.context["alternatives"] if s.start.strftime("%H:%M") == "10:00"]
    assert len(same_time) == 1 and f"practitioner={colleague.pk}" in same_time[0].url


@pytest.mark.parametrize(("start", "message"), [
    ("2026-05-01T09:00Z", "in the past"),
    ("2026-06-08T18:00Z", "not available"),  # 19:00 BST, after hours
    ("2026-06-13T09:00Z", "not available"),  # Saturday
    ("2026-06-01T10:00Z", "notice"),
    ("2027-06-01T10:00Z", "days ahead"),
])
def test_it_explains_times_that_cannot_be_booked(login, client_user, service, practitioner, location, start,
                                                 message):
    client = login(client_user)
    page = client.get(review_url(service, practitioner, location, local(location, 2026, 6, 8)).split("?")[0],
                      post_data(practitioner, location, start=start))
    assert message in page.content.decode()
    assert "Confirm booking" not in page.content.decode()
    response = client.post(reverse("booking:review", args=[service.slug]),
                           post_data(practitioner, location, start=start))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("tampered", [
    {"start": "not-a-date"},
    {"start": "2026-06-08T09:00"},  # no zone
    {"start": "9999-12-31T23:59Z"},
    {"start": ""},
    {"practitioner": "99999"},
    {"practitioner": "abc"},
    {"practitioner": "99999999999999999999999"},
    {"location": "-1"},
])
def test_tampered_fields_get_a_clear_message(login, client_user, service, practitioner, location, tampered):
    client = login(client_user)
    data = {**post_data(practitioner, location), **tampered}
    for response in (client.get(reverse("booking:review", args=[service.slug]), data),
                     client.post(reverse("booking:review", args=[service.slug]), data)):
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_service_the_practitioner_does_not_offer_is_refused(login, client_user, practitioner, location):
    other = ServiceFactory(name="Cupping")
    client = login(client_user)
    response = client.post(reverse("booking:review", args=[other.slug]), post_data(practitioner, location))
    assert "does not offer Cupping" in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_new_client_is_told_to_start_with_the_consultation(login, client_user, practitioner, location):
    follow_up = ServiceFactory(is_initial_consultation=False, name="Follow-up")
    practitioner.services.add(follow_up)
    client = login(client_user)
    html = client.get(review_url(follow_up, practitioner, location, local(location, 2026, 6, 8, 10))).content.decode()
    assert "first visit needs to be the initial consultation" in html
    assert "Confirm booking" not in html


def test_an_unverified_client_gets_a_held_booking(login, service, practitioner, location):
    unverified = ClientFactory(email_verified_at=None)
    client = login(unverified)
    response = client.post(reverse("booking:review", args=[service.slug]), post_data(practitioner, location),
                           follow=True)
    assert Appointment.objects.get().status == AppointmentStatus.PENDING
    html = response.content.decode()
    assert "Awaiting confirmation" in html and reverse("accounts:resend_verification") in html


def test_staff_cannot_book_online(login, front_desk_user, service, practitioner, location, url):
    client = login(front_desk_user)
    assert "front-desk calendar" in client.get(url).content.decode()
    response = client.post(reverse("booking:review", args=[service.slug]), post_data(practitioner, location))
    assert response.status_code == 403
    assert not Appointment.objects.exists()


def test_a_slot_taken_since_the_week_loaded_says_so_before_confirming(login, client_user, other_client, service,
                                                                     practitioner, location, url):
    AppointmentFactory(client=other_client, practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10))
    response = login(client_user).get(url)
    html = response.content.decode()
    assert "just taken" in html and "Confirm booking" not in html
    assert [s.start.strftime("%H:%M") for s in response.context["alternatives"]] == ["11:15", "11:30", "11:45"]
