"""Bad input is ignored or explained, never a 500: ``next`` values after a saved change, NUL bytes in searches,
forged X-Forwarded-For headers on audited pages. Run on SQLite and PostgreSQL (where a NUL was a 500)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from booking.models import Appointment, AppointmentStatus
from clinic.accounts.models import User
from clinic.audit.models import AuditEvent
from clinic.notifications.models import Message, MessageKind, MessageState
from frontdesk.forms import slot_value
from intake.models import ConsentRecord, TreatmentNote
from tests.factories import (
    PASSWORD,
    AppointmentFactory,
    ClientFactory,
    LocationFactory,
    PractitionerFactory,
    UserFactory,
)
from tests.intake.helpers import fill_draft, submit_intake

LONDON = ZoneInfo("Europe/London")
WEDNESDAY_8AM = datetime(2026, 3, 4, 8, 0, tzinfo=LONDON)
BAD_NEXT = ["abc", "-1", "//evil.example", "https://evil.example", "javascript:alert(1)"]
NOTE = {"face_points": "ST3, LI20", "needle_count": 40, "reactions": ["none"]}


@pytest.fixture
def clinic(db):
    location = LocationFactory(name="Islington clinic")
    ana = PractitionerFactory(user__first_name="Ana", user__last_name="Torres", location=location,
                              hours={d: [(time(9), time(17))] for d in range(7)})
    return location, ana


def _session(clinic, hour: int, **fields) -> Appointment:
    location, ana = clinic
    starts_at = datetime(2026, 3, 4, hour, 0, tzinfo=LONDON)
    return AppointmentFactory(practitioner=ana, location=location, starts_at=starts_at, **fields)


def _calendar_url(appointment: Appointment) -> str:
    return f"{reverse('frontdesk:calendar')}?location={appointment.location_id}&date=2026-03-04"


# --- next: the change is saved, then the page falls back to its own default ----------------------------------

@pytest.mark.parametrize("bad", BAD_NEXT)
@time_machine.travel(WEDNESDAY_8AM + timedelta(hours=4), tick=False)
def test_a_treatment_note_is_saved_whatever_next_says(login, clinic, bad):
    session = _session(clinic, 10, status=AppointmentStatus.COMPLETED)
    url = reverse("intake:treatment_note", args=[session.pk])
    response = login(clinic[1].user).post(f"{url}?next={bad}", {**NOTE, "next": bad})
    assert (response.status_code, response["Location"]) == (302, url)
    assert TreatmentNote.objects.get(appointment=session).face_points == "ST3, LI20"


@time_machine.travel(WEDNESDAY_8AM + timedelta(hours=4), tick=False)
def test_a_treatment_note_still_goes_back_to_a_page_of_this_site(login, clinic):
    session = _session(clinic, 10, status=AppointmentStatus.COMPLETED)
    day = f"{reverse('intake:practitioner_day')}?date=2026-03-04"
    response = login(clinic[1].user).post(reverse("intake:treatment_note", args=[session.pk]), {**NOTE, "next": day})
    assert response["Location"] == day


@pytest.mark.parametrize("bad", BAD_NEXT)
@time_machine.travel(WEDNESDAY_8AM, tick=False)
def test_a_front_desk_move_is_saved_whatever_next_says(login, front_desk_user, clinic, bad):
    session = _session(clinic, 10)
    new_start = datetime(2026, 3, 4, 14, 30, tzinfo=LONDON)
    response = login(front_desk_user).post(reverse("frontdesk:appointment_move", args=[session.pk]), {
        "date": "2026-03-04", "practitioner": "", "slot": slot_value(clinic[1].pk, new_start), "confirm": "1",
        "next": bad})
    assert (response.status_code, response["Location"]) == (302, _calendar_url(session))
    session.refresh_from_db()
    assert session.starts_at == new_start


@pytest.mark.parametrize("bad", BAD_NEXT)
@time_machine.travel(WEDNESDAY_8AM + timedelta(hours=2), tick=False)
def test_a_check_in_is_saved_whatever_next_says(login, front_desk_user, clinic, bad):
    session = _session(clinic, 10)
    response = login(front_desk_user).post(reverse("frontdesk:appointment_status", args=[session.pk]),
                                           {"status": AppointmentStatus.ARRIVED, "next": bad})
    assert (response.status_code, response["Location"]) == (302, reverse("frontdesk:appointment", args=[session.pk]))
    session.refresh_from_db()
    assert session.status == AppointmentStatus.ARRIVED


@pytest.mark.parametrize("bad", BAD_NEXT)
@time_machine.travel(WEDNESDAY_8AM, tick=False)
def test_a_front_desk_cancellation_is_saved_whatever_next_says(login, front_desk_user, clinic, bad):
    session = _session(clinic, 15)
    response = login(front_desk_user).post(reverse("frontdesk:appointment_cancel", args=[session.pk]),
                                           {"reason": "Client unwell", "next": bad})
    assert (response.status_code, response["Location"]) == (302, _calendar_url(session))
    session.refresh_from_db()
    assert session.status == AppointmentStatus.CANCELLED


@pytest.mark.parametrize("bad", BAD_NEXT)
@time_machine.travel(WEDNESDAY_8AM, tick=False)
def test_a_phone_booking_is_saved_whatever_next_says(login, front_desk_user, clinic, bad):
    location, ana = clinic
    chloe = ClientFactory()
    start = datetime(2026, 3, 4, 11, 0, tzinfo=LONDON)
    response = login(front_desk_user).post(reverse("frontdesk:book"), {
        "client": chloe.pk, "location": location.pk, "service": ana.services.get().pk, "date": "2026-03-04",
        "practitioner": "", "slot": slot_value(ana.pk, start), "confirm": "1", "next": bad})
    booked = Appointment.objects.get(client=chloe)
    assert (response.status_code, response["Location"]) == (302, _calendar_url(booked))
    assert booked.starts_at == start


@pytest.mark.parametrize("bad", BAD_NEXT)
@time_machine.travel(WEDNESDAY_8AM, tick=False)
def test_a_sign_up_is_saved_whatever_next_says(client, bad):
    response = client.post(f"{reverse('accounts:signup')}?next={bad}", {
        "first_name": "Nora", "last_name": "Quinn", "email": "nora@example.com", "phone": "07700 900555",
        "date_of_birth": "1990-04-02", "password1": "lotus-blossom-77", "password2": "lotus-blossom-77"})
    assert (response.status_code, response["Location"]) == (302, reverse("accounts:signup_done"))
    assert User.objects.filter(email="nora@example.com").exists()
    assert client.get(reverse("accounts:signup_done")).status_code == 200


@pytest.mark.parametrize("bad", BAD_NEXT)
def test_a_log_in_lands_on_the_users_page_whatever_next_says(client, bad):
    UserFactory(email="nora@example.com")
    response = client.post(reverse("accounts:login"), {"username": "nora@example.com", "password": PASSWORD,
                                                       "next": bad})
    assert (response.status_code, response["Location"]) == (302, reverse("accounts:landing"))


# --- NUL bytes in searches and filters ----------------------------------------------------------------------

@time_machine.travel(WEDNESDAY_8AM, tick=False)
def test_a_nul_in_the_messages_search_is_dropped(login, front_desk_user, client_user, other_client):
    for recipient in (client_user, other_client):
        Message.objects.create(key=f"test:{recipient.pk}", kind=MessageKind.REMINDER, recipient=recipient,
                               due_at=WEDNESDAY_8AM, state=MessageState.SENT, sent_at=WEDNESDAY_8AM)
    response = login(front_desk_user).get(f"{reverse('notifications:list')}?state=all&q=Chl%00oe")
    assert response.status_code == 200
    assert response.context["query"] == "Chloe"
    assert [m.recipient for m in response.context["page"].object_list] == [client_user]


@time_machine.travel(WEDNESDAY_8AM, tick=False)
def test_a_nul_in_the_client_search_is_dropped(login, front_desk_user, client_user, other_client):
    response = login(front_desk_user).get(f"{reverse('frontdesk:clients')}?q=Chl%00oe")
    assert response.status_code == 200
    assert response.context["query"] == "Chloe"
    assert response.context["results"] == [client_user]


@time_machine.travel(WEDNESDAY_8AM, tick=False)
def test_a_nul_in_the_phone_booking_client_search_is_dropped(login, front_desk_user, clinic, client_user,
                                                            other_client):
    response = login(front_desk_user).get(f"{reverse('frontdesk:book')}?q=Chl%00oe")
    assert response.status_code == 200
    assert response.context["results"] == [client_user]


def test_a_nul_in_the_chosen_treatment_is_ignored(client, db):
    assert client.get(f"{reverse('booking:start')}?service=a%00b").status_code == 200


# --- a forged X-Forwarded-For on audited pages --------------------------------------------------------------

PROXY = "10.0.0.1"


@pytest.fixture
def behind_a_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.mark.parametrize("header", ["not-an-ip", "203.0.113.9, <script>", "999.1.1.1"])
@time_machine.travel(WEDNESDAY_8AM + timedelta(hours=4), tick=False)
def test_audited_pages_record_the_proxy_when_the_header_is_not_an_address(login, clinic, front_desk_user,
                                                                          behind_a_proxy, header):
    session = _session(clinic, 10, status=AppointmentStatus.COMPLETED)
    chloe = session.client
    submission = submit_intake(chloe)
    TreatmentNote.objects.create(appointment=session, practitioner=clinic[1].user, needle_count=40)
    practitioner = login(clinic[1].user)
    pages = [reverse("intake:review", args=[submission.pk]), reverse("intake:client_record", args=[chloe.pk]),
             reverse("intake:client_progress", args=[chloe.pk]),
             reverse("intake:treatment_note", args=[session.pk])]
    for url in pages:
        assert practitioner.get(url, HTTP_X_FORWARDED_FOR=header, REMOTE_ADDR=PROXY).status_code == 200
    desk = login(front_desk_user)
    assert desk.get(reverse("frontdesk:client", args=[chloe.pk]), HTTP_X_FORWARDED_FOR=header,
                    REMOTE_ADDR=PROXY).status_code == 200
    viewed = AuditEvent.objects.filter(at=WEDNESDAY_8AM + timedelta(hours=4)).exclude(
        action__in=["intake.start", "intake.draft_save", "intake.submit"])  # written by submit_intake
    assert sorted((event.action, event.ip_address) for event in viewed) == [
        ("frontdesk.client_view", PROXY), ("intake.view", PROXY), ("intake.view_record", PROXY),
        ("progress.view", PROXY), ("treatment_note.view", PROXY)]


def test_a_consent_behind_a_proxy_records_the_client_not_a_forged_value(login, client_user, behind_a_proxy):
    fill_draft(client_user)
    response = login(client_user).post(reverse("intake:consent"), {"full_name": "Chloe Martin", "agree": "on"},
                                       HTTP_X_FORWARDED_FOR="1.2.3.4, garbage", REMOTE_ADDR=PROXY)
    assert response.status_code == 302
    assert ConsentRecord.objects.get(client=client_user).ip_address == PROXY
