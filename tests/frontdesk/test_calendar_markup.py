"""The calendar reads the location's set-up as the availability engine does, and draws sessions from plain rows.

``frontdesk.grid.calendar_schedule`` answers what ``booking.selectors.schedule_load`` answers about who works
when (without reading bookings), and the grid's markup, built in Python, escapes what people typed as the template
language would and keeps what calendar.js and the browser tests rely on.
"""

from __future__ import annotations

from datetime import time
from html import unescape

import time_machine
from django.urls import reverse

from booking.models import AppointmentStatus, Break, OpeningHours, TimeOff
from booking.selectors import schedule_load
from frontdesk.grid import calendar_schedule
from tests.factories import ClientFactory, LocationFactory, PractitionerFactory, RoomFactory

from .conftest import at

URL = reverse("frontdesk:calendar")
MONDAY = at(2026, 3, 2, 8, 0)  # Monday 2 March 2026, 08:00 London


@time_machine.travel(MONDAY, tick=False)
def test_it_reads_the_same_set_up_as_the_engine_in_four_queries(clinic, django_assert_num_queries):
    location = clinic.location
    elsewhere = LocationFactory(name="Hackney", time_zone="Europe/London")
    # Two stretches on Tuesday (listed late one first), hours at another location, a gone practitioner.
    PractitionerFactory(user__first_name="Mo", location=location,
                        hours={1: [(time(14), time(18)), (time(8), time(12))]})
    PractitionerFactory(user__first_name="Gone", location=location, hours={0: [(time(9), time(17))]}, is_active=False)
    PractitionerFactory(user__first_name="Away", location=elsewhere, hours={0: [(time(9), time(17))]})
    RoomFactory(location=location, name="Closed room", is_active=False)
    OpeningHours.objects.create(location=location, weekday=0, opens=time(13), closes=time(20))
    OpeningHours.objects.create(location=location, weekday=0, opens=time(8), closes=time(12))
    Break.objects.create(practitioner=clinic.ana, weekday=0, start=time(12), end=time(13))
    Break.objects.create(practitioner=clinic.ana, weekday=0, start=time(10), end=time(10, 15))
    TimeOff.objects.create(practitioner=clinic.li, starts_at=at(2026, 3, 3, 9), ends_at=at(2026, 3, 3, 12))
    TimeOff.objects.create(practitioner=clinic.li, starts_at=at(2026, 3, 20, 9), ends_at=at(2026, 3, 20, 12))
    TimeOff.objects.create(location=location, starts_at=at(2026, 3, 4, 16), ends_at=at(2026, 3, 5), reason="Training")
    TimeOff.objects.create(starts_at=at(2026, 3, 6), ends_at=at(2026, 3, 7), reason="Bank holiday")
    TimeOff.objects.create(location=elsewhere, starts_at=at(2026, 3, 4), ends_at=at(2026, 3, 5))
    start, end = at(2026, 3, 2), at(2026, 3, 9)

    engine = schedule_load(location=location, start=start, end=end)
    # practitioners, rooms, weekly hours (working, opening and breaks in one), time off and closures
    with django_assert_num_queries(4):
        ours = calendar_schedule(location=location, start=start, end=end)

    assert ours.practitioners == engine.practitioners and ours.rooms == engine.rooms
    assert (dict(ours.hours), dict(ours.opening), dict(ours.breaks)) == (
        dict(engine.hours), dict(engine.opening), dict(engine.breaks))
    assert ours.breaks[(clinic.ana.pk, 0)] == [(time(10), time(10, 15)), (time(12), time(13))]  # by start
    assert dict(ours.time_off) == dict(engine.time_off) and ours.closures == engine.closures
    assert [off.reason for off in ours.closures] == ["Training", "Bank holiday"]


@time_machine.travel(MONDAY, tick=False)
def test_nobody_set_up_still_reads_the_opening_hours(clinic):
    empty = LocationFactory(name="New branch", time_zone="Europe/London")
    OpeningHours.objects.create(location=empty, weekday=2, opens=time(10), closes=time(16))
    ours = calendar_schedule(location=empty, start=at(2026, 3, 2), end=at(2026, 3, 9))
    assert (ours.practitioners, dict(ours.hours), dict(ours.opening)) == ([], {}, {2: [(time(10), time(16))]})


@time_machine.travel(MONDAY, tick=False)
def test_what_people_typed_is_escaped_in_every_attribute_and_text(desk, clinic, appointment):
    odd = ClientFactory(first_name='Zoë "Z" <b>', last_name="O'Hara & Co")
    clinic.li.user.last_name = "Wei <i>"
    clinic.li.user.save()
    clinic.lotus.name = 'Lotus "quiet" room'
    clinic.lotus.save()
    appointment(at(2026, 3, 2, 10, 30), practitioner=clinic.li, client=odd, room=clinic.lotus)

    html = desk.get(URL, {"date": "2026-03-02", "view": "day"}).content.decode()

    assert "<b>" not in html and "<i>" not in html
    block = html.split('<a class="fd-appt')[1].split("</a>")[0]
    assert 'data-client="Zoë &quot;Z&quot; &lt;b&gt; O&#x27;Hara &amp; Co"' in block
    assert 'data-from="Mon 2 Mar, 10:30 with Li Wei &lt;i&gt;"' in block
    assert ('title="10:30–11:30 Zoë &quot;Z&quot; &lt;b&gt; O&#x27;Hara &amp; Co · Facial acupuncture follow-up · '
            'Li Wei &lt;i&gt; · Lotus &quot;quiet&quot; room · Booked"') in block
    assert '<div class="fd-client">Zoë &quot;Z&quot; &lt;b&gt; O&#x27;Hara &amp; Co</div>' in block
    assert 'data-title="Li Wei &lt;i&gt;"' in html and 'aria-label="Li Wei &lt;i&gt;, Monday 2 March"' in html


@time_machine.travel(MONDAY, tick=False)
def test_a_block_keeps_what_the_script_and_the_panel_use(desk, clinic, appointment):
    booked = appointment(at(2026, 3, 2, 10, 30), practitioner=clinic.li)
    arrived = appointment(at(2026, 3, 2, 12, 0), practitioner=clinic.li, status=AppointmentStatus.ARRIVED)

    html = unescape(desk.get(URL, {"date": "2026-03-02", "view": "day"}).content.decode())
    column = html.split(f'data-practitioner="{clinic.li.pk}"')[1].split('<div class="fd-col')[0]
    assert 'data-date="2026-03-02" data-start="2026-03-02T09:00:00+00:00" data-location=' in html
    assert 'data-day-label="Mon 2 Mar"' in column and 'role="group"' in column
    first, second = column.split('<a class="fd-appt')[1:]
    assert first.startswith(f' st-booked" href="/desk/appointments/{booked.pk}/?next=/desk/%3Flocation%3D')
    assert f'hx-get="/desk/appointments/{booked.pk}/?panel=1&next=/desk/%3F' in first
    assert 'hx-target="#fd-panel-body" hx-swap="innerHTML" data-bs-toggle="offcanvas" data-bs-target="#fd-panel"' \
        in first
    assert f'draggable="true" data-move-url="/desk/appointments/{booked.pk}/move/"' in first
    assert '<div class="fd-time">10:30–11:30</div>' in first
    assert '<div class="fd-buffer" style="--t: 150; --h: 15; --lane: 0; --lanes: 1" title="Clean-up time">' in first
    # Under way: no longer movable, and its status said in the day view.
    assert "st-arrived" in second and "draggable" not in second.split(">")[0]
    assert '<span class="badge rounded-pill text-bg-warning">Arrived</span>' in second
    assert f"/desk/appointments/{arrived.pk}/" in second
    assert '<div class="fd-service">Facial acupuncture follow-up · Jade room</div>' in second


@time_machine.travel(MONDAY, tick=False)
def test_a_practitioner_cannot_drag_or_book_from_the_calendar(login, clinic, appointment):
    appointment(at(2026, 3, 2, 10, 30), practitioner=clinic.li)
    html = login(clinic.li.user).get(URL, {"date": "2026-03-02", "view": "day"}).content.decode()
    assert html.count('<a class="fd-appt') == 1
    assert "draggable" not in html and "can-book" not in html and "data-move-url" not in html


@time_machine.travel(MONDAY, tick=False)
def test_the_day_sheet_escapes_what_people_typed_and_keeps_its_columns(desk, clinic, appointment):
    odd = ClientFactory(first_name="<b>Zoë</b>", last_name="O'Hara & Co", phone="07700 900<1>")
    appointment(at(2026, 3, 2, 10, 30), client=odd, is_first_visit=True, desk_note='Use the "side" door <now>')

    html = desk.get(reverse("frontdesk:day_sheet"), {"date": "2026-03-02"}).content.decode()

    row = html.split("<tbody>")[1].split("</tr>")[0]
    assert "<b>" not in html and "<now>" not in html
    assert '<td class="text-nowrap fw-semibold" data-label="Time">10:30–11:30</td>' in row
    assert ('<td data-label="Client">&lt;b&gt;Zoë&lt;/b&gt; O&#x27;Hara &amp; Co <span class="badge text-bg-info">'
            'First visit</span>') in row
    assert '<span class="small">07700 900&lt;1&gt;</span>' in row
    assert '<td data-label="Status" data-testid="sheet-status">Booked</td>' in row
    assert 'data-testid="intake-status" data-badge="warning">Intake missing</span>' in row
    assert '<td class="small" data-label="Notes">Use the &quot;side&quot; door &lt;now&gt;</td>' in row


@time_machine.travel(MONDAY, tick=False)
def test_the_day_sheet_lists_someone_no_longer_at_the_location_who_has_a_session_there(
        desk, clinic, appointment, django_assert_max_num_queries):
    appointment(at(2026, 3, 2, 10, 30), practitioner=clinic.li)
    clinic.li.locations.clear()
    with django_assert_max_num_queries(11):  # one more read, for the practitioner gone elsewhere
        response = desk.get(reverse("frontdesk:day_sheet"), {"date": "2026-03-02"})
    # (Li's weekly hours here are still on file: the sheet says he works.)
    assert [(str(s.practitioner), len(s.rows), s.working) for s in response.context["sections"]] == [
        ("Ana Torres", 0, True), ("Li Wei", 1, True)]
