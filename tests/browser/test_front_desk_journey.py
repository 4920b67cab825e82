"""Front desk, in a real browser: book a phone client, move the session, cancel another (the waitlist
client is offered the freed time), check one client in, mark a no-show, print the day sheet."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from booking.models import Appointment, AppointmentStatus
from clinic.notifications.models import Message
from frontdesk.models import OfferStatus, WaitlistOffer
from tests.factories import (
    PASSWORD,
    AppointmentFactory,
    ClientFactory,
    LocationFactory,
    PractitionerFactory,
    RoomFactory,
    ServiceFactory,
    UserFactory,
)
from tests.frontdesk.factories import WaitlistEntryFactory


def _clinic():
    location = LocationFactory(name="Islington clinic", time_zone="Europe/London")
    jade, lotus = RoomFactory(location=location, name="Jade room"), RoomFactory(location=location, name="Lotus room")
    service = ServiceFactory(name="Facial acupuncture follow-up", duration_minutes=60, buffer_after_minutes=15,
                             is_initial_consultation=False)
    hours = {d: [(time(7), time(21))] for d in range(7)}
    ana = PractitionerFactory(user__first_name="Ana", user__last_name="Torres", location=location,
                              services=[service], hours=hours)
    li = PractitionerFactory(user__first_name="Li", user__last_name="Wei", location=location, services=[service],
                             hours=hours)
    return location, (jade, lotus), service, ana, li


def _session(client, practitioner, room, service, day, hour):
    start = datetime.combine(day, time(hour), tzinfo=practitioner.locations.first().tz)
    return AppointmentFactory(client=client, practitioner=practitioner, service=service, room=room,
                              location=room.location, starts_at=start, ends_at=start + timedelta(minutes=60),
                              blocked_until=start + timedelta(minutes=75))


def _open_panel(page, client_name):
    page.locator(".fd-appt", has_text=client_name).first.click()
    panel = page.get_by_test_id("appointment-panel")
    panel.wait_for()
    return panel


# Mid-morning in London whenever the suite runs: the 09:00 session has started, and a no-show is only offered
# once the start time has passed.
MID_MORNING = datetime.combine(date.today() + timedelta(days=1), time(10, 30), tzinfo=ZoneInfo("Europe/London"))


@time_machine.travel(MID_MORNING, tick=True)
def test_a_front_desk_day(page, live_server, log_in, screenshot):
    location, (jade, lotus), service, ana, li = _clinic()
    desk = UserFactory(role="front_desk", first_name="Sam", last_name="Okafor", email="desk@example.com")
    today = timezone.localdate(timezone=location.tz)
    tomorrow = today + timedelta(days=1)
    chloe = ClientFactory(first_name="Chloe", last_name="Martin")
    tom = ClientFactory(first_name="Tom", last_name="Reid")
    hannah = ClientFactory(first_name="Hannah", last_name="Lee")
    oliver = ClientFactory(first_name="Oliver", last_name="Brown")
    _session(chloe, ana, jade, service, tomorrow, 10)
    _session(tom, ana, jade, service, today, 8)
    _session(hannah, li, lotus, service, today, 9)
    WaitlistEntryFactory(client=oliver, service=service, location=location)

    log_in(page, desk.email, PASSWORD)
    page.get_by_test_id("calendar-grid").wait_for()
    screenshot(page, "front-desk-calendar")

    # A new client rings: create them and book tomorrow at 09:00 with Li.
    page.get_by_role("link", name="New booking").click()
    page.get_by_label("First name").fill("Nina")
    page.get_by_label("Last name").fill("Phone")
    page.get_by_label("Email").fill("nina@example.com")
    page.get_by_label("Phone").fill("07700 900555")
    page.get_by_role("button", name="Add client and continue").click()
    page.get_by_role("heading", name="New booking for Nina Phone").wait_for()
    page.get_by_label("Practitioner").select_option(label="Li Wei")
    page.get_by_label("Date").fill(tomorrow.isoformat())  # fires "change": htmx shows that day's times
    page.locator(f"#fd-slots[data-date='{tomorrow.isoformat()}'][data-practitioner='{li.pk}']").wait_for()
    page.wait_for_load_state("networkidle")
    page.locator("#fd-slots fieldset", has_text="Li Wei").get_by_text("09:00", exact=True).click()
    screenshot(page, "front-desk-phone-booking")
    page.get_by_role("button", name="Book this time").click()
    # A new client's first visit should be the initial consultation: the desk is warned and books knowingly.
    page.get_by_text("initial consultation", exact=False).first.wait_for()
    assert not Appointment.objects.filter(client__email="nina@example.com").exists()
    page.get_by_role("button", name="Book anyway").click()
    page.get_by_text("Booked: Nina Phone").wait_for()
    nina_session = Appointment.objects.get(client__email="nina@example.com")
    assert nina_session.booked_via == "phone" and nina_session.status == AppointmentStatus.BOOKED

    # She calls back: move it to 13:00.
    _open_panel(page, "Nina Phone").get_by_role("link", name="Move").click()
    page.locator("#fd-slots fieldset", has_text="Li Wei").get_by_text("13:00", exact=True).click()
    page.get_by_role("button", name="Move to this time").click()
    page.get_by_text("Moved: Nina Phone").wait_for()
    nina_session.refresh_from_db()
    assert nina_session.starts_at.astimezone(location.tz).strftime("%H:%M") == "13:00"
    assert "13:00" in page.locator(".fd-appt", has_text="Nina Phone").inner_text()

    # Chloe cancels tomorrow's session: Oliver, on the waitlist, is offered the time.
    _open_panel(page, "Chloe Martin").get_by_role("link", name="Cancel…").click()
    page.get_by_label("Reason").fill("Client unwell")
    page.get_by_role("button", name="Yes, cancel the appointment").click()
    page.get_by_text("Cancelled: Chloe Martin").wait_for()
    assert page.locator(".fd-appt", has_text="Chloe Martin").count() == 0
    page.get_by_role("link", name="Waitlist").click()
    entries = page.get_by_test_id("waitlist-entries")
    assert "Oliver Brown" in entries.inner_text() and "Offered" in entries.inner_text()
    assert "Oliver Brown (Facial acupuncture follow-up)" in page.get_by_test_id("waitlist-openings").inner_text()
    screenshot(page, "front-desk-waitlist-offer")
    offer = WaitlistOffer.objects.get(entry__client=oliver)
    assert offer.status == OfferStatus.PENDING
    assert Message.objects.get(kind="waitlist_offer", params__offer_id=offer.pk).state == "sent"

    # Today: Tom arrives, Hannah does not come.
    page.get_by_role("link", name="Calendar").click()
    _open_panel(page, "Tom Reid").get_by_role("button", name="Arrived").click()
    page.get_by_text("Tom Reid: arrived.").wait_for()
    _open_panel(page, "Hannah Lee").get_by_role("button", name="No-show").click()
    page.get_by_text("Hannah Lee: no-show.").wait_for()
    assert "Arrived" in page.locator(".fd-appt", has_text="Tom Reid").inner_text()
    assert "No-show" in page.locator(".fd-appt", has_text="Hannah Lee").inner_text()
    screenshot(page, "front-desk-check-in")

    # The printable day sheet.
    page.get_by_role("link", name="Day sheet").click()
    sections = page.get_by_test_id("sheet-section")
    assert sections.count() == 2
    assert "Tom Reid" in sections.nth(0).inner_text() and "Arrived" in sections.nth(0).inner_text()
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print").is_visible()
    screenshot(page, "day-sheet")
    page.emulate_media(media="screen")

    # Nina's confirmation could not be delivered (her mail server refused it five times): send it again.
    confirmation = Message.objects.get(recipient__email="nina@example.com", kind="confirmation")
    Message.objects.filter(pk=confirmation.pk).update(state="failed", attempts=5,
                                                      last_error="SMTPRecipientsRefused: mailbox full")
    page.get_by_role("link", name="Messages").click()
    failed = page.get_by_test_id("message-row").filter(has_text="Nina Phone").filter(has_text="Booking confirmation")
    assert "mailbox full" in failed.inner_text() and "Failed" in failed.inner_text()
    screenshot(page, "front-desk-messages")
    page.once("dialog", lambda dialog: dialog.accept())
    failed.get_by_role("button", name="Send again").click()
    page.get_by_text("will be sent again within a minute").wait_for()
    confirmation.refresh_from_db()
    assert confirmation.state == "sent" and confirmation.attempts == 1


def test_dragging_a_session_asks_first_shows_a_conflict_and_can_be_undone(page, live_server, log_in, screenshot):
    location, (jade, lotus), service, ana, li = _clinic()
    desk = UserFactory(role="front_desk", email="desk@example.com")
    tomorrow = timezone.localdate(timezone=location.tz) + timedelta(days=1)
    chloe_session = _session(ClientFactory(first_name="Chloe", last_name="Martin"), ana, jade, service, tomorrow, 10)
    _session(ClientFactory(first_name="Tom", last_name="Reid"), li, lotus, service, tomorrow, 10)
    log_in(page, desk.email, PASSWORD)
    page.goto(f"/desk/?date={tomorrow.isoformat()}")
    block = page.locator(".fd-appt", has_text="Chloe Martin")
    li_column = page.locator(f".fd-col[data-practitioner='{li.pk}']")
    ppm = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.fd-cal')).getPropertyValue('--ppm'))")

    def drop_at(hour: int) -> None:  # the grid starts at 07:00; grab the block 5px below its top
        block.drag_to(li_column, source_position={"x": 20, "y": 5},
                      target_position={"x": 40, "y": (hour - 7) * 60 * ppm + 5})

    dialog = page.get_by_test_id("move-dialog")

    def confirm_move(*, email: bool = True) -> None:
        dialog.get_by_role("button", name="Move").wait_for()
        if not email:
            dialog.get_by_label("Email the client about the change").uncheck()
        dialog.get_by_test_id("move-confirm").click()

    # Nothing moves on drop: the dialog says from where to where, and Cancel leaves the session alone.
    drop_at(12)
    dialog.get_by_role("button", name="Cancel").wait_for()
    assert "Chloe Martin" in dialog.inner_text()
    assert "10:00 with Ana Torres" in dialog.get_by_text("10:00").inner_text()
    assert "12:00 with Li Wei" in dialog.inner_text()
    assert dialog.get_by_label("Email the client about the change").is_checked()
    screenshot(page, "front-desk-move-confirm")
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="hidden")
    chloe_session.refresh_from_db()
    assert chloe_session.practitioner == ana and chloe_session.starts_at.astimezone(location.tz).hour == 10

    drop_at(10)
    confirm_move()
    alert = page.locator("#fd-flash .alert-danger")
    alert.wait_for()
    assert "just taken" in alert.inner_text() and "Nearest free times" in alert.inner_text()
    screenshot(page, "front-desk-drag-conflict")
    chloe_session.refresh_from_db()
    assert chloe_session.practitioner == ana and chloe_session.starts_at.astimezone(location.tz).hour == 10
    page.wait_for_load_state("networkidle")  # the grid has been reloaded as it was
    page.locator(f".fd-col[data-practitioner='{ana.pk}'] .fd-appt", has_text="Chloe Martin").wait_for()

    drop_at(12)
    confirm_move(email=False)
    page.locator("#fd-flash .alert-success", has_text="Moved: Chloe Martin").wait_for()
    assert "The client was not emailed" in page.locator("#fd-flash").inner_text()
    page.locator(f".fd-col[data-practitioner='{li.pk}'] .fd-appt", has_text="Chloe Martin").wait_for()
    chloe_session.refresh_from_db()
    assert chloe_session.practitioner == li and chloe_session.starts_at.astimezone(location.tz).hour == 12
    assert not Message.objects.filter(appointment=chloe_session, kind="rescheduled").exists()

    # Undo: back to 10:00 with Ana, through the same service.
    page.get_by_test_id("move-undo").click()
    page.locator("#fd-flash .alert-success", has_text="Undone").wait_for()
    page.locator(f".fd-col[data-practitioner='{ana.pk}'] .fd-appt", has_text="Chloe Martin").wait_for()
    chloe_session.refresh_from_db()
    assert chloe_session.practitioner == ana and chloe_session.starts_at.astimezone(location.tz).hour == 10


def test_a_session_moves_by_keyboard(page, live_server, log_in):
    location, (jade, lotus), service, ana, li = _clinic()
    desk = UserFactory(role="front_desk", email="desk@example.com")
    tomorrow = timezone.localdate(timezone=location.tz) + timedelta(days=1)
    session = _session(ClientFactory(first_name="Chloe", last_name="Martin"), ana, jade, service, tomorrow, 10)
    log_in(page, desk.email, PASSWORD)
    page.goto(f"/desk/?date={tomorrow.isoformat()}&view=day")
    block = page.locator(".fd-appt", has_text="Chloe Martin")
    for _ in range(60):  # Tab through the page until the session's block has the focus
        page.keyboard.press("Tab")
        if block.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("the session cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.get_by_test_id("appointment-panel").wait_for()
    # The panel's content goes inside its padded body (it used to replace the body, flush to the edge).
    assert page.locator("#fd-panel-body").evaluate("el => parseFloat(getComputedStyle(el).paddingLeft)") >= 16
    move = page.get_by_test_id("appointment-panel").get_by_role("link", name="Move")
    move.focus()
    page.keyboard.press("Enter")
    page.locator("#fd-slots fieldset", has_text="Ana Torres").get_by_label("14:00", exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Move to this time").focus()
    page.keyboard.press("Enter")
    page.get_by_text("Moved: Chloe Martin").wait_for()
    session.refresh_from_db()
    assert session.starts_at.astimezone(location.tz).hour == 14


def test_a_busy_week_shows_one_practitioner_readably(page, live_server, log_in, screenshot):
    location, (jade, lotus), service, ana, li = _clinic()
    team = [(ana, jade), (li, lotus)]
    for first, last in [("Charlotte", "Okonkwo-Fairbanks"), ("Maximilian", "Drummond"), ("Seo-yeon", "Park"),
                        ("Aurelia", "Vasquez"), ("Bartholomew", "Quist"), ("Imogen", "Hartley-Whitfield")]:
        team.append((PractitionerFactory(user__first_name=first, user__last_name=last, location=location,
                                         services=[service], hours={d: [(time(7), time(21))] for d in range(7)}),
                     RoomFactory(location=location, name=f"{first}'s room")))
    desk = UserFactory(role="front_desk", email="desk@example.com")
    monday = timezone.localdate(timezone=location.tz) + timedelta(days=7)
    monday -= timedelta(days=monday.weekday())
    # 448 sessions: 8 a day each, 75 minutes apart (60 + 15 clean-up), every day.
    starts = [(8, 0), (9, 15), (10, 30), (11, 45), (14, 0), (15, 15), (16, 30), (17, 45)]
    clients = ClientFactory.create_batch(len(starts) * 7 * len(team), first_name="Rosalind")
    for d in range(7):
        for p, (practitioner, room) in enumerate(team):
            for i, (hh, mm) in enumerate(starts):
                client = clients.pop()
                client.last_name = f"Featherstone {d}{p}{i}"
                client.save(update_fields=["last_name"])
                start = datetime.combine(monday + timedelta(days=d), time(hh, mm), tzinfo=location.tz)
                AppointmentFactory(client=client, practitioner=practitioner, service=service, room=room,
                                   location=location, starts_at=start, ends_at=start + timedelta(minutes=60),
                                   blocked_until=start + timedelta(minutes=75))
    log_in(page, desk.email, PASSWORD)
    page.goto(f"/desk/?date={monday.isoformat()}&view=week")
    page.get_by_test_id("calendar-grid").wait_for()
    # Eight practitioners, one week each: the chosen one's seven days fit, Sunday included, names whole.
    assert page.get_by_test_id("week-practitioner").count() == 8
    page.get_by_test_id("week-practitioner").filter(has_text="Charlotte Okonkwo-Fairbanks").click()
    page.locator(".fd-appt", has_text="Featherstone 620").wait_for()  # Sunday's 08:00 with Charlotte
    sunday = page.locator(".fd-col").nth(6)
    assert sunday.is_visible() and sunday.bounding_box()["x"] + sunday.bounding_box()["width"] <= 1280
    block = page.locator(".fd-appt", has_text="Featherstone 620")
    assert block.locator(".fd-client").evaluate("el => el.scrollWidth <= el.clientWidth")  # not cut
    screenshot(page, "front-desk-week")
    page.goto("/desk/")  # the choice sticks
    assert "active" in page.get_by_test_id("week-practitioner").filter(
        has_text="Charlotte Okonkwo-Fairbanks").get_attribute("class")


def test_a_phone_opens_on_today(phone_page, live_server, log_in):
    location, (jade, lotus), service, ana, li = _clinic()
    desk = UserFactory(role="front_desk", email="desk@example.com")
    today = timezone.localdate(timezone=location.tz)
    _session(ClientFactory(first_name="Chloe", last_name="Martin"), ana, jade, service, today, 20)
    log_in(phone_page, desk.email, PASSWORD)
    phone_page.goto("/desk/?view=week")  # the desk chose the week (e.g. on a desktop): remembered
    phone_page.goto("/desk/")
    phone_page.wait_for_url("**narrow=1**")
    assert phone_page.get_by_test_id("calendar-title").inner_text().strip() == f"{today:%A} {today.day} {today:%B %Y}"
    phone_page.locator(".fd-appt", has_text="Chloe Martin").wait_for()


def test_a_drag_that_needs_the_desks_anyway_asks_in_the_same_dialog(page, live_server, log_in):
    location, (jade, lotus), service, ana, li = _clinic()
    desk = UserFactory(role="front_desk", email="desk@example.com")
    tomorrow = timezone.localdate(timezone=location.tz) + timedelta(days=1)
    chloe = ClientFactory(first_name="Chloe", last_name="Martin")
    first_visit = _session(chloe, ana, jade, service, tomorrow - timedelta(days=30), 10)
    first_visit.status = "completed"  # a regular: her first visit is behind her
    first_visit.save(update_fields=["status"])
    session = _session(chloe, ana, jade, service, tomorrow, 10)
    _session(chloe, li, lotus, service, tomorrow, 14)  # she already has a session at 14:00 with Li
    log_in(page, desk.email, PASSWORD)
    page.goto(f"/desk/?date={tomorrow.isoformat()}&view=day")
    block = page.locator(f".fd-col[data-practitioner='{ana.pk}'] .fd-appt", has_text="Chloe Martin")
    ana_column = page.locator(f".fd-col[data-practitioner='{ana.pk}']")
    ppm = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.fd-cal')).getPropertyValue('--ppm'))")
    block.drag_to(ana_column, source_position={"x": 20, "y": 5}, target_position={"x": 40, "y": 7 * 60 * ppm + 5})
    dialog = page.get_by_test_id("move-dialog")
    dialog.get_by_test_id("move-confirm").click()  # "Move": the server warns, nothing is saved
    warning = dialog.locator("[data-field=warning]")
    warning.get_by_text("already has").wait_for()
    assert "Nothing is saved yet" in warning.inner_text()
    session.refresh_from_db()
    assert session.starts_at.astimezone(location.tz).hour == 10
    dialog.get_by_role("button", name="Move anyway").click()
    page.locator("#fd-flash .alert-success", has_text="Moved: Chloe Martin").wait_for()
    session.refresh_from_db()
    assert session.starts_at.astimezone(location.tz).hour == 14

    # Meanwhile she takes 10:00 with Li: the way back needs the desk's "anyway" too, offered beside the warning.
    _session(chloe, li, lotus, service, tomorrow, 10)
    page.get_by_test_id("move-undo").click()
    offer = page.locator("#fd-flash .alert-warning")
    offer.get_by_text("already has").wait_for()
    assert "Nothing is saved yet" in offer.inner_text()
    session.refresh_from_db()
    assert session.starts_at.astimezone(location.tz).hour == 14
    offer.get_by_test_id("undo-anyway").click()
    page.locator("#fd-flash .alert-success", has_text="Undone").wait_for()
    session.refresh_from_db()
    assert session.starts_at.astimezone(location.tz).hour == 10
