"""QA regression: a new client with an initial consultation booked could book follow-ups *before* it, so a
60-minute follow-up became their real first visit, without the intake review."""

from __future__ import annotations

import pytest
from django.urls import reverse

from booking import services
from booking.models import Appointment
from tests.booking.conftest import review_url
from tests.factories import AppointmentFactory, ServiceFactory, local

pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def follow_up(practitioner):
    follow_up = ServiceFactory(name="Follow-up", slug="follow-up", duration_minutes=60, is_initial_consultation=False)
    practitioner.services.add(follow_up)
    return follow_up


@pytest.fixture
def first_visit(client_user, practitioner, service, location, clinic_settings):
    clinic_settings.first_visit_must_be_initial = True
    clinic_settings.save()
    return AppointmentFactory(client=client_user, practitioner=practitioner, service=service,
                              starts_at=local(location, 2026, 6, 10, 10), is_first_visit=True)


def test_the_service_refuses_a_follow_up_before_the_initial_consultation(client_user, practitioner, location,
                                                                        follow_up, first_visit):
    with pytest.raises(services.BookingError) as exc:
        services.appointment_book(client=client_user, service=follow_up, practitioner=practitioner,
                                  starts_at=local(location, 2026, 6, 8, 10), location=location)
    assert "before your initial consultation" in exc.value.message
    assert Appointment.objects.filter(client=client_user).count() == 1


def test_a_follow_up_after_the_initial_consultation_is_fine(client_user, practitioner, location, follow_up,
                                                            first_visit):
    booked = services.appointment_book(client=client_user, service=follow_up, practitioner=practitioner,
                                       starts_at=local(location, 2026, 6, 17, 10), location=location)
    assert not booked.is_first_visit


def test_the_review_page_explains_before_the_client_confirms(login, client_user, practitioner, location,
                                                             follow_up, first_visit):
    url = review_url(follow_up, practitioner, location, local(location, 2026, 6, 8, 10))
    html = login(client_user).get(url).content.decode()
    assert "This would come before your initial consultation" in html
    assert 'data-testid="confirm-form"' not in html


def test_a_course_starting_before_the_initial_consultation_is_not_offered(login, client_user, practitioner,
                                                                          follow_up, first_visit):
    response = login(client_user).get(reverse("booking:course", args=[follow_up.slug]), {
        "practitioner": practitioner.pk, "first_day": "2026-06-08", "weekdays": ["0"], "at": "10:00",
        "sessions": "4"})
    html = response.content.decode()
    assert "This would come before your initial consultation" in html
    assert "Some dates have no free time nearby" not in html  # the dates are free; the order is the problem
    assert response.context["bookable"] is False


def test_a_returning_client_may_book_a_follow_up_any_time(client_user, practitioner, service, location, follow_up,
                                                          clinic_settings):
    AppointmentFactory(client=client_user, practitioner=practitioner, service=service,
                       starts_at=local(location, 2026, 5, 20, 10), status="completed")
    AppointmentFactory(client=client_user, practitioner=practitioner, service=follow_up,
                       starts_at=local(location, 2026, 6, 10, 10))
    booked = services.appointment_book(client=client_user, service=follow_up, practitioner=practitioner,
                                       starts_at=local(location, 2026, 6, 8, 10), location=location)
    assert booked.pk


@pytest.fixture
def follow_up_booked(client_user, practitioner, location, follow_up, first_visit):
    return AppointmentFactory(client=client_user, practitioner=practitioner, service=follow_up,
                              starts_at=local(location, 2026, 6, 17, 10))


def test_a_client_cannot_move_their_initial_consultation_after_a_follow_up(client_user, location, first_visit,
                                                                          follow_up_booked):
    with pytest.raises(services.BookingError) as exc:
        services.appointment_reschedule(appointment=first_visit, starts_at=local(location, 2026, 6, 18, 10),
                                        actor=client_user)
    assert "has to come before your other sessions" in exc.value.message
    first_visit.refresh_from_db()
    assert first_visit.starts_at == local(location, 2026, 6, 10, 10)
    moved = services.appointment_reschedule(appointment=first_visit, starts_at=local(location, 2026, 6, 12, 10),
                                            actor=client_user)
    assert moved.starts_at == local(location, 2026, 6, 12, 10)


def test_a_client_cannot_cancel_the_initial_consultation_before_the_sessions_after_it(
        client_user, first_visit, follow_up_booked):
    with pytest.raises(services.BookingError) as exc:
        services.appointment_cancel(appointment=first_visit, actor=client_user)
    assert "cannot be cancelled on its own online" in exc.value.message
    services.appointment_cancel(appointment=follow_up_booked, actor=client_user)
    services.appointment_cancel(appointment=first_visit, actor=client_user)  # nothing depends on it now
    first_visit.refresh_from_db()
    assert first_visit.status == "cancelled"
