"""``slot_check`` reads everything about one start in one query (``_slot_facts``), the reschedule path too."""

from __future__ import annotations

import pytest

from booking.models import Appointment, TimeOff
from booking.selectors import slot_check, slot_problem
from tests.factories import ClientFactory, local

pytestmark = pytest.mark.usefixtures("now")


def _book(service, practitioner, location, start) -> Appointment:
    return Appointment.objects.create(client=ClientFactory(), practitioner=practitioner, service=service,
                                      location=location, room=location.rooms.get(), starts_at=start,
                                      ends_at=start + service.duration,
                                      blocked_until=start + service.duration + service.buffer)


def test_a_session_being_moved_does_not_stand_in_its_own_way(service, practitioner, location,
                                                              django_assert_num_queries):
    start = local(location, 2026, 6, 8, 10)
    booked = _book(service, practitioner, location, start)
    kwargs = {"service": service, "practitioner": practitioner, "location": location}
    assert slot_check(**kwargs, start=start).taken
    with django_assert_num_queries(2):  # settings, then the one read
        check = slot_check(**kwargs, start=start, ignore_appointment_pk=booked.pk)
    assert check.problem is None and not check.taken
    later = local(location, 2026, 6, 8, 10, 30)  # overlaps the session itself: free only when it moves
    assert slot_check(**kwargs, start=later).taken
    assert not slot_check(**kwargs, start=later, ignore_appointment_pk=booked.pk).taken


def test_time_off_and_closures_read_in_the_same_query_give_their_own_words(service, practitioner, location):
    kwargs = {"service": service, "practitioner": practitioner, "location": location}
    monday, tuesday = local(location, 2026, 6, 8, 10), local(location, 2026, 6, 9, 10)
    TimeOff.objects.create(practitioner=practitioner, starts_at=local(location, 2026, 6, 8),
                           ends_at=local(location, 2026, 6, 9))
    TimeOff.objects.create(location=location, starts_at=local(location, 2026, 6, 9, 9),
                           ends_at=local(location, 2026, 6, 9, 12))
    assert slot_problem(**kwargs, start=monday).startswith(f"{practitioner} is away on Monday 08 June")
    assert slot_problem(**kwargs, start=tuesday).startswith("The clinic is closed at that time")
    assert slot_problem(**kwargs, start=local(location, 2026, 6, 9, 13)) is None
