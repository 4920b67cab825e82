"""The course page: plan a pattern, see clashes with alternatives, pick, book all or nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from booking.models import Appointment, Course
from tests.factories import AppointmentFactory, local

pytestmark = pytest.mark.usefixtures("now")


def pattern(who, **extra):
    return {"practitioner": who.pk, "first_day": "2026-06-08", "weekdays": ["1", "3"], "at": "10:00",
            "sessions": "4", **extra}


@pytest.fixture
def url(service):
    return reverse("booking:course", args=[service.slug])


def test_anonymous_visitors_log_in_first_and_come_back(client, url):
    response = client.get(url, {"sessions": "4"})
    assert response.status_code == 302 and "next=" in response["Location"]


def test_checking_a_free_pattern_lists_every_date(login, client_user, practitioner, url):
    response = login(client_user).get(url, pattern(practitioner))
    rows = response.context["plan"]
    assert [r["day"].isoformat() for r in rows] == ["2026-06-09", "2026-06-11", "2026-06-16", "2026-06-18"]
    assert all(r["item"].free for r in rows)
    assert "Book all 4 sessions" in response.content.decode()


def test_a_clashing_date_needs_a_choice_then_books_all(login, client_user, other_client, practitioner, location,
                                                       url):
    AppointmentFactory(client=other_client, practitioner=practitioner, starts_at=local(location, 2026, 6, 16, 10))
    client = login(client_user)
    response = client.get(url, pattern(practitioner))
    rows = response.context["plan"]
    assert [r["item"].free for r in rows] == [True, True, False, True]
    free_values = {f"start_{r['index']}": r["wanted_value"] for r in rows if r["item"].free}

    missing = client.post(url, {**pattern(practitioner), **free_values})
    assert "Please choose a time for every date" in missing.content.decode()
    assert not Appointment.objects.filter(client=client_user).exists()

    choice = rows[2]["alternatives"][0][0]
    done = client.post(url, {**pattern(practitioner), **free_values, "start_2": choice})
    course = Course.objects.get(client=client_user)
    assert done["Location"] == reverse("booking:course_booked", args=[course.pk])
    assert course.appointments.count() == 4
    page = client.get(done["Location"]).content.decode()
    assert "Your course is booked" in page and reverse("intake:my_intake") in page


def test_a_date_taken_meanwhile_books_nothing(login, client_user, other_client, practitioner, location, url):
    client = login(client_user)
    rows = client.get(url, pattern(practitioner)).context["plan"]
    chosen = {f"start_{r['index']}": r["wanted_value"] for r in rows}
    AppointmentFactory(client=other_client, practitioner=practitioner, starts_at=local(location, 2026, 6, 18, 10))
    response = client.post(url, {**pattern(practitioner), **chosen})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please choose a time for every date" in html  # the re-checked plan now shows the clash
    assert not Appointment.objects.filter(client=client_user).exists()


def test_a_tampered_choice_is_not_booked(login, client_user, practitioner, url):
    client = login(client_user)
    rows = client.get(url, pattern(practitioner)).context["plan"]
    chosen = {f"start_{r['index']}": r["wanted_value"] for r in rows}
    chosen["start_1"] = "2026-06-13T09:00Z"  # a Saturday nobody offered
    response = client.post(url, {**pattern(practitioner), **chosen})
    assert "Please choose a time for every date" in response.content.decode()
    assert not Appointment.objects.filter(client=client_user).exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("first_day", "2020-01-01", "That date has passed"),
    ("first_day", "not a date", "Please enter a date"),
    ("weekdays", [], "at least one weekday"),
    ("weekdays", ["9"], "weekdays from the list"),
    ("at", "25:99", "Please enter a time"),
    ("sessions", "1", "at least 2 sessions"),
    ("sessions", "500", "at most 30"),
    ("practitioner", "99999", "choose one of the practitioners"),
])
def test_bad_patterns_are_explained_and_kept(login, client_user, practitioner, url, field, value, message):
    data = pattern(practitioner, **{field: value})
    response = login(client_user).get(url, data)
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    if isinstance(value, str) and value and field != "practitioner":
        assert f'value="{value}"' in html  # what the client typed stays on the form
