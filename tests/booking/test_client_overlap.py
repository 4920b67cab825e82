"""One client, one place at a time: no two live sessions of a client may overlap, whoever treats them.

Online it is refused with the other session's time; at the desk it is a warning the desk may confirm
(tests/frontdesk/test_desk_overrides.py). The client's time is the session itself (start to end): the
practitioner's clean-up buffer after it does not stop the client from walking into the next room.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from booking import services
from booking.forms import format_start
from booking.models import ACTIVE_STATUSES, Appointment, AppointmentEvent, AppointmentStatus, BookedVia, Course
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    LocationFactory,
    PractitionerFactory,
    RoomFactory,
    local,
)

pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def li(location, service):
    RoomFactory(location=location, name="Lotus")  # a second room: Ana and Li can work side by side
    return PractitionerFactory(location=location, services=[service], user__first_name="Li", user__last_name="Wei")


@pytest.fixture
def with_li(client_user, li, location):
    """Chloe's session with Li on Monday 8 June, 10:00-11:00 (Li's buffer holds the room until 11:15)."""
    return AppointmentFactory(client=client_user, practitioner=li, starts_at=local(location, 2026, 6, 8, 10))


def _confirm(http, service, practitioner, location, start):
    return http.post(reverse("booking:review", args=[service.slug]), {
        "practitioner": practitioner.pk, "location": location.pk, "start": format_start(start)})


def test_booking_online_refuses_a_time_that_overlaps_the_clients_other_session(login, client_user, service,
                                                                               practitioner, location, with_li):
    response = _confirm(login(client_user), service, practitioner, location, local(location, 2026, 6, 8, 10, 30))
    assert response.status_code == 200
    assert response.context["error"] == ("You already have Initial consultation with Li Wei on Monday 8 June at "
                                         "10:00, which overlaps this time. Please choose another time.")
    assert list(Appointment.objects.filter(client=client_user)) == [with_li]


def test_the_next_session_may_start_when_the_other_ends_whatever_the_buffer(login, client_user, service,
                                                                            practitioner, location, with_li):
    response = _confirm(login(client_user), service, practitioner, location, local(location, 2026, 6, 8, 11))
    assert response.status_code == 302
    assert Appointment.objects.filter(client=client_user, practitioner=practitioner).exists()


def test_a_cancelled_session_does_not_hold_the_client(login, client_user, service, practitioner, location, with_li):
    Appointment.objects.filter(pk=with_li.pk).update(status=AppointmentStatus.CANCELLED)
    response = _confirm(login(client_user), service, practitioner, location, local(location, 2026, 6, 8, 10))
    assert response.status_code == 302


def test_another_clients_session_at_that_time_is_no_concern(login, other_client, service, practitioner, location,
                                                            with_li):
    response = _confirm(login(other_client), service, practitioner, location, local(location, 2026, 6, 8, 10))
    assert response.status_code == 302


def test_rescheduling_online_onto_the_clients_other_session_is_refused(login, client_user, practitioner, location,
                                                                       with_li):
    mine = AppointmentFactory(client=client_user, practitioner=practitioner, starts_at=local(location, 2026, 6, 9, 10))
    response = login(client_user).post(reverse("booking:reschedule_confirm", args=[mine.pk]),
                                       {"start": format_start(local(location, 2026, 6, 8, 9, 30))})
    assert response.status_code == 200
    assert "You already have Initial consultation with Li Wei on Monday 8 June at 10:00" in response.context["error"]
    mine.refresh_from_db()
    assert mine.starts_at == local(location, 2026, 6, 9, 10)
    assert not AppointmentEvent.objects.filter(appointment=mine).exists()


def test_a_course_with_a_date_on_the_clients_other_session_books_nothing(client_user, service, practitioner,
                                                                         location, with_li):
    with pytest.raises(services.CourseNotBooked) as refused:
        services.course_book(client=client_user, service=service, practitioner=practitioner, location=location,
                             starts=[local(location, 2026, 6, 8, 10, 30), local(location, 2026, 6, 15, 10, 30)],
                             description="2 sessions", actor=client_user)
    assert "You already have Initial consultation with Li Wei on Monday 8 June at 10:00" in refused.value.message
    assert not Course.objects.exists()
    assert list(Appointment.objects.filter(client=client_user)) == [with_li]


def test_the_desk_is_warned_and_may_book_anyway_which_the_history_records(client_user, front_desk_user, service,
                                                                          practitioner, location, with_li):
    start = local(location, 2026, 6, 8, 10, 30)
    with pytest.raises(services.ClientDoubleBooked) as warned:
        services.appointment_book(client=client_user, service=service, practitioner=practitioner, starts_at=start,
                                  location=location, actor=front_desk_user, via=BookedVia.PHONE)
    assert warned.value.message.startswith("Chloe Martin already has Initial consultation with Li Wei on Monday")
    assert warned.value.other == with_li
    booked = services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                       starts_at=start, location=location, actor=front_desk_user,
                                       via=BookedVia.PHONE, overrides={"client_overlap"})
    event = AppointmentEvent.objects.get(appointment=booked, action="booked")
    assert event.details["overrides"] == {"client_overlap": with_li.pk}


def test_only_the_desk_can_override_not_an_online_booking_or_a_waitlist_accept(client_user, service, practitioner,
                                                                               location, with_li):
    for via in (BookedVia.ONLINE, BookedVia.WAITLIST):
        with pytest.raises(services.ClientDoubleBooked, match="You already have"):
            services.appointment_book(client=client_user, service=service, practitioner=practitioner,
                                      starts_at=local(location, 2026, 6, 8, 10), location=location, via=via,
                                      overrides={"client_overlap"})
    assert list(Appointment.objects.filter(client=client_user)) == [with_li]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_bookings_for_one_client_cannot_both_pass(time_machine, service, practitioner, location):
    """Two browser tabs (or the desk and the client) book one client at two of the clinic's locations at once:
    nothing else these bookings share (practitioner, room, location) would keep them apart."""
    time_machine.move_to(local(location, 2026, 6, 1, 9), tick=True)
    elsewhere = LocationFactory(name="Hackney clinic")
    li = PractitionerFactory(location=elsewhere, services=[service])
    results: list[str] = []
    for day in (8, 9, 10, 11, 12):  # several rounds: a missing lock lets both through in most of them
        who = ClientFactory.build(email=f"twice{day}@example.com")
        who.save()
        start = local(location, 2026, 6, day, 10)
        barrier = threading.Barrier(2)
        outcome: list[str] = []

        def book(practitioner_, who=who, start=start, barrier=barrier, outcome=outcome):
            try:
                barrier.wait(timeout=30)
                services.appointment_book(client=who, service=service, practitioner=practitioner_,
                                          starts_at=start)  # at the practitioner's own location
                outcome.append("ok")
            except services.ClientDoubleBooked:
                outcome.append("refused")
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                outcome.append(f"{type(exc).__name__}: {exc}")
            finally:
                connection.close()

        threads = [threading.Thread(target=book, args=(p,)) for p in (practitioner, li)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        results.append(" ".join(sorted(outcome)))
        assert Appointment.objects.filter(client=who, status__in=ACTIVE_STATUSES).count() == 1
    assert results == ["ok refused"] * 5
