"""Booking for a client on the phone: find or create the client, pick a free time, book."""

from __future__ import annotations

import time_machine
from django.urls import reverse

from booking.models import Appointment, AppointmentEvent, AppointmentStatus, BookedVia
from clinic.accounts.models import Role, User
from frontdesk.forms import slot_value
from tests.factories import ClientFactory, PractitionerFactory, ServiceFactory

from .conftest import at

URL = reverse("frontdesk:book")
MONDAY = at(2026, 3, 2, 8, 0)


def _post(desk, client, clinic, practitioner, start, **extra):
    data = {"client": client.pk, "location": clinic.location.pk, "service": clinic.follow_up.pk,
            "date": start.date().isoformat(), "practitioner": "", "slot": slot_value(practitioner.pk, start),
            "confirm": "1", **extra}
    return desk.post(URL, data)


@time_machine.travel(MONDAY, tick=False)
def test_it_books_inside_the_online_minimum_notice(desk, clinic, front_desk_user, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    chloe = ClientFactory(first_name="Chloe", last_name="Martin", email_verified_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(desk, chloe, clinic, clinic.ana, at(2026, 3, 2, 9), desk_note="Uses a wheelchair ramp",
                         service=clinic.initial.pk)
    appointment = Appointment.objects.get(client=chloe)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('frontdesk:calendar')}?location={clinic.location.pk}&date=2026-03-02"
    assert appointment.status == AppointmentStatus.BOOKED  # no email verification for staff bookings
    assert appointment.booked_via == BookedVia.PHONE and appointment.created_by == front_desk_user
    assert appointment.desk_note == "Uses a wheelchair ramp"
    event = AppointmentEvent.objects.get(appointment=appointment)
    assert (event.action, event.actor, event.details["via"]) == ("booked", front_desk_user, "phone")
    assert [(m.to, m.subject.split(":")[0]) for m in mailoutbox] == [
        ([chloe.email], "Booking confirmed"), ([chloe.email], "Your questionnaire before your visit")]
    page = desk.get(reverse("frontdesk:appointment", args=[appointment.pk])).content.decode()
    assert "Booked by the front desk for Mon 02 Mar 2026 09:00" in page


@time_machine.travel(MONDAY, tick=False)
def test_it_lists_free_times_inside_the_notice_for_the_chosen_service(desk, clinic, appointment):
    appointment(at(2026, 3, 2, 9), practitioner=clinic.li, room=clinic.lotus)
    chloe = ClientFactory()
    response = desk.get(URL, {"client": chloe.pk, "service": clinic.follow_up.pk, "date": "2026-03-02",
                              "practitioner": clinic.li.pk})
    ((practitioner, slots),) = response.context["groups"]
    labels = [label for _value, label in slots]
    assert practitioner == clinic.li
    assert labels[0] == "10:15"  # 09:00 is taken until 10:15 (60 min + 15 min clean-up)
    assert "15:45" in labels and "16:00" not in labels  # 16:00 + 75 min would end after 17:00


@time_machine.travel(MONDAY, tick=False)
def test_an_htmx_change_returns_just_the_free_times(desk, clinic):
    response = desk.get(URL, {"client": ClientFactory().pk, "service": clinic.follow_up.pk, "date": "2026-03-03"},
                        HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="fd-slots"' in html and "<html" not in html and "09:00" in html


@time_machine.travel(MONDAY, tick=False)
def test_a_clash_shows_the_conflict_and_alternatives_and_books_nothing(desk, clinic, appointment):
    taken = appointment(at(2026, 3, 2, 10), practitioner=clinic.ana)
    chloe = ClientFactory()
    response = _post(desk, chloe, clinic, clinic.ana, at(2026, 3, 2, 10, 30), desk_note="Parking at the back",
                     service=clinic.initial.pk)
    assert response.status_code == 200
    assert "that time was just taken" in response.context["error"]
    alternatives = [label for _value, label in response.context["alternatives"]]
    assert alternatives and all("Ana Torres" in label for label in alternatives)
    assert not Appointment.objects.filter(client=chloe).exists()
    assert Appointment.objects.get(pk=taken.pk).starts_at == at(2026, 3, 2, 10)
    assert 'value="Parking at the back"' in response.content.decode()  # what was typed is kept


@time_machine.travel(MONDAY, tick=False)
def test_it_rejects_a_tampered_or_missing_time(desk, clinic):
    chloe = ClientFactory()
    tampered = _post(desk, chloe, clinic, clinic.ana, at(2026, 3, 2, 10), slot="not-a-slot")
    assert "Please choose one of the free times shown." in tampered.content.decode()
    missing = _post(desk, chloe, clinic, clinic.ana, at(2026, 3, 2, 10), slot="")
    assert "Please choose one of the free times shown." in missing.content.decode()
    assert missing.context["groups"]  # the free times are still there to choose from
    naive = _post(desk, chloe, clinic, clinic.ana, at(2026, 3, 2, 10), slot=f"{clinic.ana.pk}@2026-03-02T10:00:00")
    assert naive.status_code == 200
    assert not Appointment.objects.exists()


@time_machine.travel(MONDAY, tick=False)
def test_it_refuses_a_practitioner_who_does_not_offer_the_service(desk, clinic):
    other = PractitionerFactory(location=clinic.location, services=[ServiceFactory()])
    response = _post(desk, ClientFactory(), clinic, other, at(2026, 3, 2, 10))
    assert response.status_code == 200
    assert "does not offer Facial acupuncture follow-up" in response.context["error"]
    assert not Appointment.objects.exists()


@time_machine.travel(MONDAY, tick=False)
def test_it_refuses_a_past_time(desk, clinic):
    earlier_today = _post(desk, ClientFactory(), clinic, clinic.ana, at(2026, 3, 2, 7))  # it is 08:00
    assert "in the past" in earlier_today.context["error"]
    yesterday = _post(desk, ClientFactory(), clinic, clinic.ana, at(2026, 3, 1, 10))
    assert "That date has passed." in yesterday.content.decode()
    assert not Appointment.objects.exists()


def test_the_first_step_finds_clients_by_name_email_or_phone(desk, clinic):
    chloe = ClientFactory(first_name="Chloe", last_name="Martin", email="chloe@example.com", phone="07700 900101")
    ClientFactory(first_name="Oscar", last_name="Other", email="oscar@example.com", phone="07700 900999")
    for query in ("chloe", "MARTIN", "chloe@exa", "07700900101", "900101", "Chloe Martin"):
        response = desk.get(URL, {"q": query})
        assert [c.pk for c in response.context["results"]] == [chloe.pk], query
    none = desk.get(URL, {"q": "Zebedee"}).content.decode()
    assert "No client matches" in none


def test_the_search_never_lists_staff(desk, clinic):
    response = desk.get(URL, {"q": "Ana"})
    assert response.context["results"] == []


def test_a_staff_account_cannot_be_booked_as_a_client(desk, clinic):
    assert desk.get(URL, {"client": clinic.ana.user.pk}).status_code == 404
    assert desk.get(URL, {"client": "x"}).status_code == 404


@time_machine.travel(MONDAY, tick=False)
def test_it_quick_creates_a_new_client_and_continues_to_their_booking(desk, clinic):
    response = desk.post(reverse("frontdesk:client_create"), {
        "first_name": "Nina", "last_name": "New", "email": "Nina@Example.com", "phone": "07700 900555",
        "location": clinic.location.pk, "date": "2026-03-03"})
    nina = User.objects.get(email="nina@example.com")
    assert nina.role == Role.CLIENT and not nina.has_usable_password() and not nina.email_verified
    assert response.status_code == 302
    assert response["Location"].startswith(f"{URL}?location={clinic.location.pk}&date=2026-03-03&client={nina.pk}")
    booked = _post(desk, nina, clinic, clinic.ana, at(2026, 3, 3, 9), service=clinic.initial.pk)
    assert booked.status_code == 302
    appointment = Appointment.objects.get(client=nina)
    assert appointment.status == AppointmentStatus.BOOKED and appointment.is_first_visit


def test_quick_create_refuses_a_known_email_and_keeps_what_was_typed(desk, clinic):
    ClientFactory(email="chloe@example.com")
    response = desk.post(reverse("frontdesk:client_create"), {
        "first_name": "Chloe", "last_name": "Again", "email": "CHLOE@example.com", "phone": "07700 900555"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "A client with this email already exists" in html
    assert 'value="Again"' in html and 'value="07700 900555"' in html


def test_quick_create_needs_a_phone_number(desk, clinic):
    response = desk.post(reverse("frontdesk:client_create"), {
        "first_name": "Nina", "last_name": "New", "email": "nina@example.com", "phone": "n/a"})
    assert "Please enter a phone number we can call." in response.content.decode()
    assert not User.objects.filter(email="nina@example.com").exists()


@time_machine.travel(MONDAY, tick=False)
def test_dates_in_the_past_or_far_ahead_get_a_clear_message(desk, clinic):
    chloe = ClientFactory()
    past = desk.get(URL, {"client": chloe.pk, "service": clinic.follow_up.pk, "date": "2026-03-01"})
    assert "That date has passed." in past.content.decode() and past.context["groups"] == []
    far = desk.get(URL, {"client": chloe.pk, "service": clinic.follow_up.pk, "date": "9999-12-31"})
    assert far.status_code == 200 and "within the next two years" in far.content.decode()


@time_machine.travel(MONDAY, tick=False)
def test_the_calendar_survives_any_date_in_the_address(desk, clinic):
    for value in ("9999-12-31", "0001-01-01", "2026-13-01"):
        response = desk.get(reverse("frontdesk:calendar"), {"date": value, "view": "week"})
        assert response.status_code == 200 and response.context["params"].day.isoformat() == "2026-03-02"
