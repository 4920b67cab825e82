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


def _refused_move(appointment, *, to, says: str, **how) -> services.BookingError:
    """Move ``appointment`` to ``to`` expecting a refusal that says ``says``; returns the refusal, with
    ``appointment`` read again from the database."""
    with pytest.raises(services.BookingError) as exc:
        services.appointment_reschedule(appointment=appointment, starts_at=to, **how)
    assert says in exc.value.message
    appointment.refresh_from_db()
    return exc.value


@pytest.fixture
def follow_up_booked(client_user, practitioner, location, follow_up, first_visit):
    return AppointmentFactory(client=client_user, practitioner=practitioner, service=follow_up,
                              starts_at=local(location, 2026, 6, 17, 10))


def test_a_client_cannot_move_their_initial_consultation_after_a_follow_up(client_user, location, first_visit,
                                                                          follow_up_booked):
    _refused_move(first_visit, to=local(location, 2026, 6, 18, 10), actor=client_user,
                  says="has to come before your other sessions")
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


def test_a_client_cannot_move_a_follow_up_before_their_initial_consultation(client_user, location, first_visit,
                                                                           follow_up_booked):
    _refused_move(follow_up_booked, to=local(location, 2026, 6, 8, 10), actor=client_user,
                  says="before your initial consultation")
    assert follow_up_booked.starts_at == local(location, 2026, 6, 17, 10)  # nothing changed


def test_the_move_page_refuses_a_time_before_the_initial_consultation(login, client_user, location, first_visit,
                                                                      follow_up_booked):
    from booking.forms import format_start

    response = login(client_user).post(reverse("booking:reschedule_confirm", args=[follow_up_booked.pk]),
                                       {"start": format_start(local(location, 2026, 6, 8, 10))})
    assert response.status_code == 200
    assert "before your initial consultation" in response.content.decode()
    follow_up_booked.refresh_from_db()
    assert follow_up_booked.starts_at == local(location, 2026, 6, 17, 10)


def test_a_follow_up_may_move_anywhere_after_the_initial_consultation(client_user, location, first_visit,
                                                                      follow_up_booked):
    for day in (12, 24):  # earlier and later, both still after the first visit
        moved = services.appointment_reschedule(appointment=follow_up_booked,
                                                starts_at=local(location, 2026, 6, day, 10), actor=client_user)
        assert moved.starts_at == local(location, 2026, 6, day, 10)


def test_the_desk_confirms_moving_a_follow_up_before_the_initial_consultation(client_user, front_desk_user,
                                                                             location, first_visit, follow_up_booked):
    before = local(location, 2026, 6, 8, 10)
    with pytest.raises(services.FirstVisitNotInitial) as exc:
        services.appointment_reschedule(appointment=follow_up_booked, starts_at=before, actor=front_desk_user,
                                        by_staff=True)
    assert "would come before" in exc.value.message and "initial consultation" in exc.value.message

    moved = services.appointment_reschedule(appointment=follow_up_booked, starts_at=before, actor=front_desk_user,
                                            by_staff=True, overrides=[services.FirstVisitNotInitial.code])
    assert moved.starts_at == before
    event = moved.events.latest("pk")
    assert event.action == "rescheduled" and event.details["overrides"] == {"first_visit": True}


def test_the_desk_confirms_moving_the_initial_consultation_behind_the_next_session(
        client_user, front_desk_user, location, first_visit, follow_up_booked):
    later = local(location, 2026, 6, 18, 10)
    with pytest.raises(services.FirstVisitNotInitial) as exc:
        services.appointment_reschedule(appointment=first_visit, starts_at=later, actor=front_desk_user,
                                        by_staff=True)
    assert "initial consultation after their next session" in exc.value.message
    first_visit.refresh_from_db()
    assert first_visit.starts_at == local(location, 2026, 6, 10, 10)

    moved = services.appointment_reschedule(appointment=first_visit, starts_at=later, actor=front_desk_user,
                                            by_staff=True, overrides=[services.FirstVisitNotInitial.code])
    assert moved.starts_at == later


def test_the_desk_move_page_offers_move_anyway_for_the_first_visit_order(login, front_desk_user, location,
                                                                        first_visit, follow_up_booked):
    from frontdesk.forms import slot_value

    desk = login(front_desk_user)
    url = reverse("frontdesk:appointment_move", args=[first_visit.pk])
    later = local(location, 2026, 6, 18, 10)
    form = {"date": "2026-06-18", "practitioner": first_visit.practitioner_id,
            "slot": slot_value(first_visit.practitioner_id, later)}
    html = desk.post(url, form).content.decode()
    assert "initial consultation after their next session" in html and "Move anyway" in html
    first_visit.refresh_from_db()
    assert first_visit.starts_at == local(location, 2026, 6, 10, 10)

    response = desk.post(url, {**form, "override": "first_visit", "warned": form["slot"]})
    assert response.status_code == 302
    first_visit.refresh_from_db()
    assert first_visit.starts_at == later


def test_a_returning_clients_service_never_moves_before_the_first_visit_even_at_the_desk(
        client_user, front_desk_user, practitioner, location, first_visit):
    returning = ServiceFactory(name="Maintenance", slug="maintenance", duration_minutes=60,
                               new_clients_allowed=False)
    practitioner.services.add(returning)
    session = AppointmentFactory(client=client_user, practitioner=practitioner, service=returning,
                                 starts_at=local(location, 2026, 6, 17, 10))
    refused = _refused_move(session, to=local(location, 2026, 6, 8, 10), actor=front_desk_user, by_staff=True,
                            overrides=[services.FirstVisitNotInitial.code], says="is for returning clients")
    assert not isinstance(refused, services.DeskWarning)
    assert session.starts_at == local(location, 2026, 6, 17, 10)


def test_a_first_visit_the_desk_accepted_moves_without_asking_again(client_user, front_desk_user, practitioner,
                                                                    location, follow_up, clinic_settings):
    clinic_settings.first_visit_must_be_initial = True
    clinic_settings.save()
    only = AppointmentFactory(client=client_user, practitioner=practitioner, service=follow_up,
                              starts_at=local(location, 2026, 6, 17, 10), is_first_visit=True)
    for day, staff in ((15, False), (12, True)):  # already their first visit: the move changes nothing there
        moved = services.appointment_reschedule(appointment=only, starts_at=local(location, 2026, 6, day, 10),
                                                actor=front_desk_user if staff else client_user, by_staff=staff)
        assert moved.starts_at == local(location, 2026, 6, day, 10)


def test_the_move_review_explains_before_the_client_confirms(login, client_user, location, first_visit,
                                                             follow_up_booked):
    from booking.forms import format_start

    browser = login(client_user)
    before = browser.get(reverse("booking:reschedule_confirm", args=[follow_up_booked.pk]),
                         {"start": format_start(local(location, 2026, 6, 8, 10))}).content.decode()
    behind = browser.get(reverse("booking:reschedule_confirm", args=[first_visit.pk]),
                         {"start": format_start(local(location, 2026, 6, 18, 10))}).content.decode()
    assert "before your initial consultation" in before
    assert "has to come before your other sessions" in behind
    assert "Move my session" not in before and "Move my session" not in behind  # nothing to confirm


def test_the_refusal_speaks_of_an_initial_consultation_only_when_there_is_one(client_user, practitioner, location,
                                                                              follow_up, clinic_settings):
    clinic_settings.first_visit_must_be_initial = True
    clinic_settings.save()
    AppointmentFactory(client=client_user, practitioner=practitioner, service=follow_up,  # the desk's exception
                       starts_at=local(location, 2026, 6, 17, 10), is_first_visit=True)
    with pytest.raises(services.BookingError) as exc:
        services.appointment_book(client=client_user, service=follow_up, practitioner=practitioner,
                                  starts_at=local(location, 2026, 6, 8, 10), location=location)
    assert exc.value.message == ("Your first visit needs to be the initial consultation, so we can take your full "
                                 "history.")  # not "before your initial consultation": there is none
