"""Courses: every date checked at the same wall-clock time (across DST), booked all or nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from booking import services
from booking.models import Appointment, Course
from booking.selectors import course_dates, course_plan
from tests.factories import AppointmentFactory, LocationFactory, PractitionerFactory, ServiceFactory, local

from .conftest import MONDAY


def test_course_dates_follow_the_weekdays():
    days = course_dates(first_day=MONDAY, weekdays=[1, 3], sessions=10)  # twice a week for five weeks
    assert len(days) == 10
    assert {d.weekday() for d in days} == {1, 3}
    assert days[0] == date(2026, 6, 9) and days[-1] == date(2026, 7, 9)


def test_course_dates_need_a_weekday():
    assert course_dates(first_day=MONDAY, weekdays=[], sessions=10) == []


@pytest.mark.usefixtures("now")
def test_a_free_pattern_is_all_free(service, location, practitioner):
    plan = course_plan(service=service, practitioner=practitioner, location=location, first_day=MONDAY,
                       weekdays=[1], at=time(10), sessions=6)
    assert len(plan) == 6 and all(item.free for item in plan)
    assert {item.wanted.astimezone(location.tz).strftime("%a %H:%M") for item in plan} == {"Tue 10:00"}


@pytest.mark.usefixtures("now")
def test_a_clash_is_shown_with_alternatives_nearest_first(service, location, practitioner, other_client):
    AppointmentFactory(client=other_client, practitioner=practitioner, starts_at=local(location, 2026, 6, 16, 10))
    plan = course_plan(service=service, practitioner=practitioner, location=location, first_day=MONDAY,
                       weekdays=[1], at=time(10), sessions=4)
    assert [item.free for item in plan] == [True, False, True, True]
    clash = plan[1]
    assert clash.problem == "Not free at 10:00."
    # Same day first: 09:00 would run into the 10:00 session, so the nearest are just after it.
    assert [s.start.astimezone(location.tz).strftime("%d %H:%M") for s in clash.alternatives] == \
        ["16 11:15", "16 11:30", "16 11:45"]


def test_a_weekly_course_keeps_wall_clock_time_across_dst(time_machine, client_user):
    time_machine.move_to(datetime(2026, 3, 10, tzinfo=UTC), tick=False)
    london = LocationFactory(time_zone="Europe/London")
    service = ServiceFactory()
    practitioner = PractitionerFactory(location=london, services=[service])
    plan = course_plan(service=service, practitioner=practitioner, location=london, first_day=date(2026, 3, 16),
                       weekdays=[1], at=time(10), sessions=4)  # 17, 24, 31 March, 7 April; clocks change 29th
    assert all(item.free for item in plan)
    assert [item.wanted.hour for item in plan] == [10, 10, 9, 9]  # UTC: GMT, GMT, then BST
    course = services.course_book(client=client_user, service=service, practitioner=practitioner, location=london,
                                  starts=[item.wanted for item in plan], description="weekly")
    assert [a.local_starts_at.strftime("%H:%M") for a in course.appointments.order_by("starts_at")] == ["10:00"] * 4


@pytest.mark.usefixtures("now")
def test_dates_past_the_horizon_say_so(service, location, practitioner, clinic_settings):
    clinic_settings.booking_horizon_days = 20
    clinic_settings.save()
    plan = course_plan(service=service, practitioner=practitioner, location=location, first_day=MONDAY,
                       weekdays=[1], at=time(10), sessions=4)
    assert [item.free for item in plan] == [True, True, False, False]
    assert "days ahead" in plan[-1].problem


@pytest.mark.usefixtures("now")
def test_course_book_books_every_session(service, location, practitioner, client_user):
    starts = [local(location, 2026, 6, d, 10) for d in (9, 11, 16, 18)]
    course = services.course_book(client=client_user, service=service, practitioner=practitioner,
                                  location=location, starts=starts, description="twice a week")
    assert course.sessions == 4
    assert list(course.appointments.order_by("starts_at").values_list("starts_at", flat=True)) == starts
    assert course.appointments.filter(is_first_visit=True).count() == 1


@pytest.mark.usefixtures("now")
def test_course_book_is_all_or_nothing(service, location, practitioner, client_user, other_client):
    AppointmentFactory(client=other_client, practitioner=practitioner, starts_at=local(location, 2026, 6, 16, 10))
    before = Appointment.objects.count()
    starts = [local(location, 2026, 6, d, 10) for d in (9, 11, 16, 18)]
    with pytest.raises(services.CourseNotBooked) as caught:
        services.course_book(client=client_user, service=service, practitioner=practitioner, location=location,
                             starts=starts, description="twice a week")
    assert caught.value.taken and caught.value.starts_at == starts[2]
    assert "Nothing was booked" in caught.value.message and "Tuesday 16 June at 10:00" in caught.value.message
    assert Appointment.objects.count() == before
    assert not Course.objects.exists()


@pytest.mark.usefixtures("now")
def test_course_book_rejects_duplicate_times(service, location, practitioner, client_user):
    start = local(location, 2026, 6, 9, 10)
    with pytest.raises(services.BookingError, match="same time"):
        services.course_book(client=client_user, service=service, practitioner=practitioner, location=location,
                             starts=[start, start], description="x")


@pytest.mark.usefixtures("now")
def test_course_plan_query_count_does_not_grow_with_sessions(service, location, practitioner,
                                                            django_assert_num_queries):
    for sessions in (2, 20):
        with django_assert_num_queries(5):  # settings, then the engine's four for one practitioner
            course_plan(service=service, practitioner=practitioner, location=location, first_day=MONDAY,
                        weekdays=[1, 3], at=time(10), sessions=sessions)
