"""A client's message choices on "My details", and what they change: reminders by email and text
message are re-planned at once; the front desk sees the choices on the client's page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from booking import services
from clinic.notifications.models import Channel, Message, MessageKind, MessageState
from tests import factories
from tests.factories import local

URL = reverse("accounts:profile")
# Sunday 22 March 2026, 09:00 in London (GMT).
SUNDAY = datetime(2026, 3, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def chloe():
    return factories.ClientFactory(first_name="Chloe", last_name="Martin", phone="", date_of_birth=None)


def _details(user, **changes) -> dict:
    """What the profile form posts for ``user`` as saved; ``changes`` as the client ticks or types."""
    data = {"first_name": user.first_name, "last_name": user.last_name, "phone": user.phone,
            "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else ""}
    for box in ("email_reminders", "sms_reminders", "care_messages", "marketing_ok"):
        if getattr(user, box):
            data[box] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}  # None: the box is unticked


@pytest.fixture
def booked(chloe, practitioner, london, django_capture_on_commit_callbacks):
    """Chloe books Friday 27 March 2026, 10:00 London, five days ahead, through the real service."""
    with time_machine.travel(SUNDAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        return services.appointment_book(client=chloe, service=practitioner.services.get(), practitioner=practitioner,
                                         starts_at=local(london, 2026, 3, 27, 10, 0), location=london)


def _pending_reminders(appointment, channel: str) -> list[Message]:
    return list(Message.objects.filter(appointment=appointment, kind=MessageKind.REMINDER, channel=channel,
                                       state=MessageState.PENDING).order_by("due_at"))


def test_the_page_groups_the_choices_and_says_what_always_goes(login, chloe):
    html = login(chloe).get(URL).content.decode()
    section = html[html.index('data-testid="message-preferences"'):]
    assert "Messages from the clinic" in section
    assert ("Booking confirmations, changes, cancellations and questionnaire requests are always emailed."
            in section)
    for name in ("email_reminders", "sms_reminders", "care_messages", "marketing_ok"):
        assert f'name="{name}"' in section
    assert html.index('name="phone"') < html.index('data-testid="message-preferences"')


def test_text_reminders_without_a_phone_are_refused_and_what_was_typed_is_kept(login, chloe):
    response = login(chloe).post(URL, _details(chloe, first_name="Chloé", sms_reminders="on"))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == [
        "Add a mobile number to get text message reminders, or untick them."]
    assert 'value="Chloé"' in html
    assert "checked" in re.search(r'<input[^>]*name="sms_reminders"[^>]*>', html).group(0)
    chloe.refresh_from_db()
    assert (chloe.first_name, chloe.sms_reminders) == ("Chloe", False)


def test_text_reminders_with_a_phone_are_saved(login, chloe):
    response = login(chloe).post(URL, _details(chloe, phone="07700 900123", sms_reminders="on"))
    assert response["Location"] == URL
    chloe.refresh_from_db()
    assert (chloe.phone, chloe.sms_reminders) == ("07700 900123", True)


def test_turning_text_reminders_on_plans_them_for_upcoming_sessions(login, chloe, booked):
    assert [m.due_at for m in _pending_reminders(booked, Channel.EMAIL)] == [
        booked.starts_at - timedelta(hours=48), booked.starts_at - timedelta(hours=2)]
    assert _pending_reminders(booked, Channel.SMS) == []

    with time_machine.travel(SUNDAY + timedelta(hours=3), tick=False):
        login(chloe).post(URL, _details(chloe, phone="07700 900123", sms_reminders="on"))

    assert [m.due_at for m in _pending_reminders(booked, Channel.SMS)] == [
        booked.starts_at - timedelta(hours=48), booked.starts_at - timedelta(hours=2)]
    assert len(_pending_reminders(booked, Channel.EMAIL)) == 2  # email reminders stay as they were


def test_turning_email_reminders_off_cancels_the_pending_ones(login, chloe, booked):
    with time_machine.travel(SUNDAY + timedelta(hours=3), tick=False):
        login(chloe).post(URL, _details(chloe, email_reminders=None))

    chloe.refresh_from_db()
    assert not chloe.email_reminders
    reminders = Message.objects.filter(appointment=booked, kind=MessageKind.REMINDER)
    assert reminders.count() == 2
    assert set(reminders.values_list("state", flat=True)) == {MessageState.CANCELLED}
    # Confirmations are not reminders: the booking's own confirmation was sent regardless.
    assert Message.objects.get(appointment=booked, kind=MessageKind.CONFIRMATION).state == MessageState.SENT


def test_turning_email_reminders_back_on_plans_them_again(login, chloe, booked):
    c = login(chloe)
    with time_machine.travel(SUNDAY + timedelta(hours=3), tick=False):
        c.post(URL, _details(chloe, email_reminders=None))
        chloe.refresh_from_db()
        c.post(URL, _details(chloe, email_reminders="on"))
    assert len(_pending_reminders(booked, Channel.EMAIL)) == 2


def test_opting_out_of_aftercare_is_saved(login, chloe):
    login(chloe).post(URL, _details(chloe, care_messages=None))
    chloe.refresh_from_db()
    assert not chloe.care_messages
    assert chloe.email_reminders  # the other choices are untouched


def test_the_front_desk_sees_the_clients_choices(login, front_desk_user):
    nina = factories.ClientFactory(email_reminders=True, sms_reminders=False, care_messages=False)
    html = login(front_desk_user).get(reverse("frontdesk:client", args=[nina.pk])).content.decode()
    assert "Email reminders: <strong>Yes</strong>" in html
    assert "Text message reminders: <strong>No</strong>" in html
    assert "Aftercare notes and check-ins:" in html
    assert '<strong data-testid="care-messages">No</strong>' in html


def test_logged_out_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response["Location"]
