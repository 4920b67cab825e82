"""My appointments: upcoming and past, what may be changed online, pending bookings, query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from booking.models import Appointment, AppointmentStatus
from tests.factories import AppointmentFactory, local

pytestmark = pytest.mark.usefixtures("now")


def test_it_splits_upcoming_and_past(login, client_user, other_client, practitioner, location):
    soon = AppointmentFactory(client=client_user, practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10))
    done = AppointmentFactory(client=client_user, practitioner=practitioner, status=AppointmentStatus.COMPLETED,
                              starts_at=local(location, 2026, 5, 4, 10))
    cancelled = AppointmentFactory(client=client_user, practitioner=practitioner,
                                   status=AppointmentStatus.CANCELLED, starts_at=local(location, 2026, 6, 9, 10))
    AppointmentFactory(client=other_client, practitioner=practitioner, starts_at=local(location, 2026, 6, 10, 10))
    response = login(client_user).get(reverse("booking:my_appointments"))
    assert response.context["upcoming"] == [soon]
    assert response.context["past"] == [cancelled, done]
    html = response.content.decode()
    assert "Monday 8 June 2026, 10:00" in html  # London time, not UTC
    assert reverse("booking:reschedule", args=[soon.pk]) in html
    assert reverse("booking:cancel", args=[soon.pk]) in html


def test_inside_the_window_it_says_to_call(login, client_user, practitioner, location, time_machine):
    soon = AppointmentFactory(client=client_user, practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10))
    time_machine.move_to(soon.starts_at - timedelta(hours=5), tick=False)
    html = login(client_user).get(reverse("booking:my_appointments")).content.decode()
    assert reverse("booking:cancel", args=[soon.pk]) not in html
    assert "please call the clinic on" in html and "020 7946 0123" in html


def test_pending_bookings_offer_to_resend_the_link(login, client_user, practitioner, location):
    AppointmentFactory(client=client_user, practitioner=practitioner, status=AppointmentStatus.PENDING,
                       starts_at=local(location, 2026, 6, 8, 10))
    html = login(client_user).get(reverse("booking:my_appointments")).content.decode()
    assert "Awaiting confirmation" in html and reverse("accounts:resend_verification") in html


@pytest.mark.parametrize("count", [1, 40])
def test_query_count_is_constant(login, client_user, practitioner, service, location, count,
                                 django_assert_max_num_queries):
    rows = []
    for i in range(count):
        start = local(location, 2026, 6, 8, 9) + timedelta(days=i)
        rows.append(Appointment(client=client_user, practitioner=practitioner, service=service, location=location,
                                room=location.rooms.first(), starts_at=start, ends_at=start + service.duration,
                                blocked_until=start + service.duration + service.buffer))
    Appointment.objects.bulk_create(rows)
    client = login(client_user)
    # session, user, clinic settings, the appointments (one query, joined)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("booking:my_appointments"))
    assert len(response.context["upcoming"]) == count
