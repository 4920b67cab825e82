"""The public steps of the journey: treatments, practitioners, the week of free times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from booking.models import Appointment
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    LocationFactory,
    PractitionerFactory,
    ServiceFactory,
    local,
)

from .conftest import MONDAY

pytestmark = pytest.mark.usefixtures("now")


def times_url(service, **query):
    from urllib.parse import urlencode

    return f"{reverse('booking:times', args=[service.slug])}?{urlencode(query)}"


def test_start_lists_online_services(client, service, practitioner):
    ServiceFactory(name="Desk only", bookable_online=False)
    html = client.get(reverse("booking:start")).content.decode()
    assert service.name in html and "Desk only" not in html
    assert reverse("booking:practitioners", args=[service.slug]) in html


def test_start_redirects_a_chosen_service(client, service, practitioner):
    response = client.get(reverse("booking:start"), {"service": service.slug})
    assert response.status_code == 302
    assert response["Location"] == reverse("booking:practitioners", args=[service.slug])


def test_start_ignores_an_unknown_service(client, service):
    assert client.get(reverse("booking:start"), {"service": "nope"}).status_code == 200


def test_practitioners_page_lists_who_offers_it(client, service, practitioner):
    PractitionerFactory(user__first_name="Nobody", services=[ServiceFactory()])
    html = client.get(reverse("booking:practitioners", args=[service.slug])).content.decode()
    assert "Ana Torres" in html and "Nobody" not in html and "First available" in html


def test_practitioners_page_404s_for_unknown_or_offline_services(client, practitioner):
    assert client.get(reverse("booking:practitioners", args=["no-such"])).status_code == 404
    offline = ServiceFactory(bookable_online=False)
    practitioner.services.add(offline)
    assert client.get(reverse("booking:practitioners", args=[offline.slug])).status_code == 404


def test_week_view_shows_local_times_grouped_by_day(client, service, location, practitioner):
    response = client.get(times_url(service, practitioner=practitioner.pk, location=location.pk,
                                    week=MONDAY.isoformat()))
    assert response.status_code == 200
    days = response.context["days"]
    assert [d.day for d in days] == [MONDAY + timedelta(days=i) for i in range(7)]
    assert days[0].slots[0].start.strftime("%H:%M") == "09:00"  # 08:00 UTC in summer
    assert days[5].slots == []
    html = response.content.decode()
    assert ">09:00<" in html and "Europe/London" in html
    assert "start=2026-06-08T08%3A00Z" in html  # the link carries the UTC instant


def test_week_view_navigates_and_clamps_to_today(client, service, location, practitioner):
    response = client.get(times_url(service, practitioner=practitioner.pk, week="2020-01-01"))
    assert response.context["week_start"] == MONDAY - timedelta(days=7)  # the current week
    assert response.context["prev_week_url"] is None
    assert "week=2026-06-08" in response.context["next_week_url"]


def test_week_view_survives_bad_parameters(client, service, location, practitioner):
    for week in ("garbage", "2026-13-45", "99999-01-01", ""):
        assert client.get(times_url(service, practitioner=practitioner.pk, week=week)).status_code == 200
    assert client.get(times_url(service, practitioner="99999")).status_code == 404
    assert client.get(times_url(service, practitioner="1; DROP TABLE")).status_code == 404
    assert client.get(times_url(service, practitioner=practitioner.pk, location="x")).status_code == 200


def test_week_view_for_a_practitioner_who_does_not_offer_the_service_is_404(client, service, location):
    stranger = PractitionerFactory(location=location, services=[ServiceFactory()])
    assert client.get(times_url(service, practitioner=stranger.pk, location=location.pk)).status_code == 404


def test_first_available_shows_one_time_per_start_and_marks_any(client, service, location, practitioner):
    PractitionerFactory(location=location, services=[service])
    response = client.get(times_url(service, practitioner="any", week=MONDAY.isoformat()))
    monday = response.context["days"][0]
    starts = [s.start for s in monday.slots]
    assert len(starts) == len(set(starts))
    assert "any=1" in monday.slots[0].url


def test_month_overview_counts_free_times(client, service, location, practitioner, clinic_settings):
    clinic_settings.booking_horizon_days = 12
    clinic_settings.save()
    response = client.get(times_url(service, practitioner=practitioner.pk, week=MONDAY.isoformat()))
    cells = {c.day: c for row in response.context["month"] for c in row}
    assert cells[MONDAY].free == 28 and cells[MONDAY].in_week
    assert cells[MONDAY + timedelta(days=5)].free == 0  # Saturday
    assert cells[MONDAY + timedelta(days=8)].free == 0  # past the horizon
    assert cells[MONDAY + timedelta(days=8)].url is None  # and not clickable
    assert response.context["next_month_url"] is None


def test_today_is_the_locations_today(client, time_machine):
    new_york = LocationFactory(time_zone="America/New_York")
    service = ServiceFactory()
    PractitionerFactory(location=new_york, services=[service])
    time_machine.move_to(datetime(2026, 6, 10, 3, 30, tzinfo=UTC), tick=False)  # Tue 9 June, 23:30 in New York
    response = client.get(times_url(service, practitioner="any"))
    assert response.context["today"].isoformat() == "2026-06-09"
    assert response.context["days"][1].day.isoformat() == "2026-06-09"
    assert response.context["days"][1].bookable


@pytest.mark.parametrize("appointments", [0, 200])
@pytest.mark.parametrize("who", ["one", "any"])
def test_week_view_query_count_is_constant(client, service, location, practitioner, appointments, who,
                                           django_assert_max_num_queries):
    rows = []
    booker = ClientFactory()
    for i in range(appointments):
        day = MONDAY + timedelta(days=i // 4)
        start = local(location, day.year, day.month, day.day, 9 + 2 * (i % 4))
        rows.append(Appointment(client=booker, practitioner=practitioner, service=service, location=location,
                                room=location.rooms.first(), starts_at=start, ends_at=start + service.duration,
                                blocked_until=start + service.duration + service.buffer))
    Appointment.objects.bulk_create(rows)
    # middleware settings, service, locations, the practitioner (one) or the practitioner list (any),
    # then available_slots' 8: settings, practitioners, hours, opening, breaks, time off, rooms, appointments
    with django_assert_max_num_queries(12):
        response = client.get(times_url(service, practitioner=practitioner.pk if who == "one" else "any",
                                        week=(MONDAY + timedelta(days=21)).isoformat()))
    assert response.status_code == 200


def test_the_week_never_offers_a_taken_time(client, service, location, practitioner):
    AppointmentFactory(practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10))
    response = client.get(times_url(service, practitioner=practitioner.pk, week=MONDAY.isoformat()))
    times = [s.start.strftime("%H:%M") for s in response.context["days"][0].slots]
    assert "10:00" not in times and "11:15" in times
