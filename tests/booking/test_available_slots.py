"""The availability engine: working hours, buffers, breaks, time off, rooms, notice, horizon, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from booking.models import Appointment, AppointmentStatus, Break, TimeOff
from booking.selectors import available_slots, first_per_start, local_today, nearest_slots
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    LocationFactory,
    PractitionerFactory,
    RoomFactory,
    ServiceFactory,
    local,
)

from .conftest import MONDAY, hm

pytestmark = pytest.mark.usefixtures("now")


def day_slots(service, location, practitioner=None, day=MONDAY, **kwargs):
    return available_slots(service=service, location=location, practitioner=practitioner, start_date=day,
                           end_date=day, **kwargs)


def test_it_offers_every_step_that_fits_working_hours_with_the_buffer(service, location, practitioner):
    times = hm(day_slots(service, location, practitioner), location)
    assert times[0] == "09:00"
    assert times[-1] == "15:45"  # 15:45 + 60 min + 15 min buffer = 17:00, the end of the day
    assert "16:00" not in times
    assert len(times) == 28  # 09:00 .. 15:45 every 15 minutes


def test_it_offers_nothing_on_days_off(service, location, practitioner):
    assert day_slots(service, location, practitioner, day=MONDAY + timedelta(days=5)) == []  # Saturday


def test_it_keeps_an_existing_appointment_and_its_buffer_free(service, location, practitioner):
    AppointmentFactory(practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 11, 0))  # blocks 11:00-12:15
    times = hm(day_slots(service, location, practitioner), location)
    assert "09:45" in times  # 09:45-10:45, buffer until 11:00: touches, does not overlap
    assert not {"10:00", "10:30", "11:00", "12:00"} & set(times)  # would overlap 11:00-12:00 or its buffer
    assert "12:15" in times  # right after the existing buffer


def test_back_to_back_sessions_are_allowed(location, practitioner):
    no_buffer = ServiceFactory(duration_minutes=60, buffer_after_minutes=0)
    practitioner.services.add(no_buffer)
    AppointmentFactory(practitioner=practitioner, service=no_buffer, starts_at=local(location, 2026, 6, 8, 10, 0))
    times = hm(day_slots(no_buffer, location, practitioner), location)
    assert "09:00" in times  # ends 10:00 exactly when the other starts
    assert "11:00" in times  # starts exactly when the other ends
    assert "09:15" not in times and "10:45" not in times


def test_a_cancelled_appointment_frees_its_time(service, location, practitioner):
    AppointmentFactory(practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10, 0),
                       status=AppointmentStatus.CANCELLED)
    assert "10:00" in hm(day_slots(service, location, practitioner), location)


def test_it_honours_breaks_including_the_buffer(service, location, practitioner):
    Break.objects.create(practitioner=practitioner, weekday=0, start=time(13), end=time(14))
    times = hm(day_slots(service, location, practitioner), location)
    assert "11:45" in times  # 11:45-12:45 + buffer ends 13:00
    assert "12:00" not in times and "13:30" not in times
    assert "14:00" in times


def test_full_day_time_off_removes_the_day(service, location, practitioner):
    TimeOff.objects.create(practitioner=practitioner, starts_at=local(location, 2026, 6, 8),
                           ends_at=local(location, 2026, 6, 9))
    assert day_slots(service, location, practitioner) == []
    assert day_slots(service, location, practitioner, day=MONDAY + timedelta(days=1)) != []


def test_partial_day_time_off_keeps_the_morning(service, location, practitioner):
    TimeOff.objects.create(practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 12),
                           ends_at=local(location, 2026, 6, 8, 23))
    times = hm(day_slots(service, location, practitioner), location)
    assert times[-1] == "10:45"  # 10:45-11:45 + 15 min buffer = 12:00


def test_a_clinic_closure_closes_every_practitioner(service, location, practitioner):
    TimeOff.objects.create(starts_at=local(location, 2026, 6, 8), ends_at=local(location, 2026, 6, 9),
                           reason="Bank holiday")
    assert day_slots(service, location, practitioner) == []


def test_a_closure_of_another_location_does_not_count(service, location, practitioner):
    TimeOff.objects.create(location=LocationFactory(), starts_at=local(location, 2026, 6, 8),
                           ends_at=local(location, 2026, 6, 9))
    assert len(day_slots(service, location, practitioner)) == 28


def test_two_practitioners_cannot_share_the_only_room(service, location, practitioner):
    other = PractitionerFactory(location=location, services=[service])
    assert location.rooms.count() == 1
    AppointmentFactory(practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10, 0))
    times = hm(day_slots(service, location, other), location)
    assert "10:00" not in times and "09:00" not in times  # the room is busy 10:00-11:15
    assert "11:15" in times


def test_a_second_room_lets_both_work(service, location, practitioner):
    other = PractitionerFactory(location=location, services=[service])
    RoomFactory(location=location)
    AppointmentFactory(practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10, 0))
    assert "10:00" in hm(day_slots(service, location, other), location)


def test_an_inactive_room_is_not_used(service, location, practitioner):
    location.rooms.update(is_active=False)
    assert day_slots(service, location, practitioner) == []


def test_appointments_at_another_location_still_block_the_practitioner(service, location, practitioner):
    elsewhere = LocationFactory()
    RoomFactory(location=elsewhere)
    practitioner.locations.add(elsewhere)
    AppointmentFactory(practitioner=practitioner, location=elsewhere, room=elsewhere.rooms.first(),
                       starts_at=local(location, 2026, 6, 8, 10, 0))
    assert "10:00" not in hm(day_slots(service, location, practitioner), location)


def test_it_only_offers_practitioners_who_offer_the_service(location, practitioner):
    other_service = ServiceFactory()
    assert available_slots(service=other_service, location=location, start_date=MONDAY, end_date=MONDAY) == []


def test_minimum_notice_hides_the_next_hours(service, location, practitioner, clinic_settings, time_machine):
    time_machine.move_to(local(location, 2026, 6, 8, 8, 0), tick=False)
    assert day_slots(service, location, practitioner) == []  # 12 h notice: nothing before 20:00
    clinic_settings.minimum_notice_hours = 2
    clinic_settings.save()
    assert hm(day_slots(service, location, practitioner), location)[0] == "10:00"


def test_staff_ignore_the_minimum_notice_but_not_the_past(service, location, practitioner, time_machine):
    time_machine.move_to(local(location, 2026, 6, 8, 10, 5), tick=False)
    assert hm(day_slots(service, location, practitioner, staff=True), location)[0] == "10:15"


def test_the_horizon_ends_online_booking(service, location, practitioner, clinic_settings):
    clinic_settings.booking_horizon_days = 10
    clinic_settings.save()
    slots = available_slots(service=service, location=location, practitioner=practitioner,
                            start_date=MONDAY, end_date=MONDAY + timedelta(days=30))
    assert slots and max(s.start for s in slots) <= datetime(2026, 6, 11, 8, 0, tzinfo=UTC)
    assert available_slots(service=service, location=location, practitioner=practitioner, staff=True,
                           start_date=MONDAY + timedelta(days=21), end_date=MONDAY + timedelta(days=21))


def test_opening_hours_of_the_location_limit_practitioners(service, location, practitioner):
    location.opening_hours.create(weekday=0, opens=time(10), closes=time(16))
    times = hm(day_slots(service, location, practitioner), location)
    assert times[0] == "10:00" and times[-1] == "14:45"


def test_several_intervals_a_day(service, location):
    split = PractitionerFactory(location=location, services=[service],
                                hours={0: [(time(9), time(11)), (time(14), time(16))]})
    times = hm(day_slots(service, location, split), location)
    assert times == ["09:00", "09:15", "09:30", "09:45", "14:00", "14:15", "14:30", "14:45"]


def test_any_practitioner_gives_one_slot_per_start(service, location, practitioner):
    RoomFactory(location=location)
    other = PractitionerFactory(location=location, services=[service])
    AppointmentFactory(practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10, 0))
    slots = day_slots(service, location)
    ten = [s for s in slots if hm([s], location) == ["10:00"]]
    assert [s.practitioner_id for s in ten] == [other.pk]
    two_pm = [s for s in slots if hm([s], location) == ["14:00"]]
    assert {s.practitioner_id for s in two_pm} == {practitioner.pk, other.pk}
    unique = first_per_start(slots)
    assert len(unique) == len({s.start for s in slots})
    assert unique == sorted(unique)


def test_today_is_the_location_date_not_utc(time_machine):
    new_york = LocationFactory(time_zone="America/New_York")
    time_machine.move_to(datetime(2026, 6, 10, 3, 30, tzinfo=UTC), tick=False)  # 23:30 on 9 June in New York
    assert local_today(new_york) == date(2026, 6, 9)
    assert local_today(LocationFactory(time_zone="Asia/Tokyo")) == date(2026, 6, 10)


def test_nearest_slots_are_the_closest_free_times(service, location, practitioner):
    AppointmentFactory(practitioner=practitioner, starts_at=local(location, 2026, 6, 8, 10, 0))
    around = local(location, 2026, 6, 8, 10, 0)
    nearest = nearest_slots(service=service, practitioner=practitioner, location=location, around=around)
    assert hm(nearest, location) == ["11:15", "11:30", "11:45"]  # 09:00 would run into the 10:00 session


# --- daylight saving: same wall-clock times, correct UTC --------------------------------------------

DST_CASES = [
    # zone, the day before the change, the change day, UTC offset (hours) before, after
    ("Europe/London", date(2026, 3, 28), date(2026, 3, 29), 0, 1),
    ("Europe/London", date(2026, 10, 24), date(2026, 10, 25), 1, 0),
    ("America/New_York", date(2026, 3, 7), date(2026, 3, 8), -5, -4),
    ("America/New_York", date(2026, 10, 31), date(2026, 11, 1), -4, -5),
]


@pytest.mark.parametrize(("zone", "before", "change", "offset_before", "offset_after"), DST_CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in DST_CASES])
def test_slots_keep_wall_clock_times_across_dst(time_machine, zone, before, change, offset_before, offset_after):
    time_machine.move_to(datetime(before.year, before.month, before.day, tzinfo=UTC) - timedelta(days=5),
                         tick=False)
    place = LocationFactory(time_zone=zone)
    service = ServiceFactory(duration_minutes=60, buffer_after_minutes=0)
    weekend = {5: [(time(9), time(12))], 6: [(time(9), time(12))]}
    practitioner = PractitionerFactory(location=place, services=[service], hours=weekend)
    slots = available_slots(service=service, location=place, practitioner=practitioner, start_date=before,
                            end_date=change)
    by_day: dict[date, list] = {}
    for s in slots:
        by_day.setdefault(s.start.astimezone(place.tz).date(), []).append(s)
    assert hm(by_day[before], place) == hm(by_day[change], place)
    assert hm(by_day[change], place)[0] == "09:00" and hm(by_day[change], place)[-1] == "11:00"
    first_before, first_after = by_day[before][0].start, by_day[change][0].start
    assert first_before == datetime(before.year, before.month, before.day, 9 - offset_before, tzinfo=UTC)
    assert first_after == datetime(change.year, change.month, change.day, 9 - offset_after, tzinfo=UTC)
    assert all(s.end - s.start == timedelta(hours=1) for s in slots)  # real minutes, not wall-clock


def test_no_slot_starts_inside_the_spring_forward_gap(time_machine):
    time_machine.move_to(datetime(2026, 3, 20, tzinfo=UTC), tick=False)
    place = LocationFactory(time_zone="Europe/London")
    service = ServiceFactory(duration_minutes=30, buffer_after_minutes=0)
    practitioner = PractitionerFactory(location=place, services=[service], hours={6: [(time(0), time(4))]})
    slots = available_slots(service=service, location=place, practitioner=practitioner,
                            start_date=date(2026, 3, 29), end_date=date(2026, 3, 29))
    times = hm(slots, place)
    assert "01:00" not in times and "01:30" not in times  # 01:00-02:00 does not exist that night
    assert "00:30" in times and "02:00" in times
    assert len({s.start for s in slots}) == len(slots)


# --- query counts --------------------------------------------------------------------------------

def add_appointments(practitioner, service, location, count: int) -> None:
    """``count`` appointments, four a day (09:00, 11:00, 13:00, 15:00) from MONDAY on."""
    room = location.rooms.first()
    client = ClientFactory()
    rows = []
    for i in range(count):
        day = MONDAY + timedelta(days=i // 4)
        start = local(location, day.year, day.month, day.day, 9 + 2 * (i % 4))
        rows.append(Appointment(client=client, practitioner=practitioner, service=service, location=location,
                                room=room, starts_at=start, ends_at=start + service.duration,
                                blocked_until=start + service.duration + service.buffer))
    Appointment.objects.bulk_create(rows)


# Settings, weekly hours (with opening hours and breaks), rooms with time off, bookings, and (one practitioner
# here) the rooms' bookings around their free time
AVAILABLE_SLOTS_QUERIES = 5


@pytest.mark.parametrize("days", [1, 60])
def test_query_count_does_not_grow_with_days(service, location, practitioner, days, django_assert_num_queries):
    with django_assert_num_queries(AVAILABLE_SLOTS_QUERIES):
        available_slots(service=service, location=location, start_date=MONDAY,
                        end_date=MONDAY + timedelta(days=days - 1))


@pytest.mark.parametrize("appointments", [0, 200])
def test_query_count_does_not_grow_with_appointments(service, location, practitioner, appointments,
                                                     django_assert_num_queries):
    add_appointments(practitioner, service, location, appointments)
    with django_assert_num_queries(AVAILABLE_SLOTS_QUERIES):
        slots = available_slots(service=service, location=location, start_date=MONDAY,
                                end_date=MONDAY + timedelta(days=59))
    assert slots
