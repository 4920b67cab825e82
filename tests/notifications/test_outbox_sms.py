"""The embedded default's text messages: written to the outbox, readable there by the front desk."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.core.models import OutboxEmail
from clinic.notifications.models import Channel, Message, MessageKind
from clinic.notifications.services import message_send
from clinic.notifications.sms import OutboxSmsBackend

from .conftest import MONDAY_23_MARCH

TEXT = ("Lotus Facial Acupuncture: reminder of your Facial acupuncture follow-up on Wed 25 Mar, 10:00 at "
        "Islington. To change or cancel: https://clinic.example/book/my/")


def test_a_text_message_lands_in_the_outbox(db):
    OutboxSmsBackend().send(to="+447700900123", body=TEXT)

    sms = OutboxEmail.objects.get()
    assert (sms.channel, sms.to, sms.body) == ("sms", "+447700900123", TEXT)


def test_the_outbox_lists_it_as_a_text_message_to_the_number(login, front_desk_user):
    OutboxSmsBackend().send(to="+447700900123", body=TEXT)
    OutboxEmail.objects.create(from_email="clinic@example.com", to="chloe@example.com", subject="Booking confirmed",
                               body="Dear Chloe, ...")

    html = login(front_desk_user).get(reverse("core:outbox")).content.decode()

    assert '<span class="badge text-bg-info">Text message</span>' in html
    assert "+447700900123" in html
    assert TEXT[:59] + "…" in html  # the first words stand in for a subject...
    assert TEXT not in html  # ...not the whole text
    assert '<span class="badge text-bg-light border">Email</span>' in html
    assert "Booking confirmed" in html
    assert "Dear Chloe" not in html  # emails keep their subject; their bodies are not on the list


def test_a_short_text_is_shown_whole(login, front_desk_user):
    OutboxSmsBackend().send(to="+447700900123", body="See you tomorrow at 10:00.")

    html = login(front_desk_user).get(reverse("core:outbox")).content.decode()

    assert "See you tomorrow at 10:00." in html


def test_the_outbox_shows_the_whole_text_when_opened(login, front_desk_user):
    OutboxSmsBackend().send(to="+447700900123", body=TEXT)
    sms = OutboxEmail.objects.get()

    html = login(front_desk_user).get(reverse("core:outbox_detail", args=[sms.pk])).content.decode()

    assert TEXT in html
    assert "+447700900123" in html
    assert "Text message" in html


def test_clients_cannot_read_text_messages_in_the_outbox(login, client_user):
    OutboxSmsBackend().send(to="+447700900123", body=TEXT)
    client = login(client_user)

    assert client.get(reverse("core:outbox")).status_code == 403
    assert client.get(reverse("core:outbox_detail", args=[OutboxEmail.objects.get().pk])).status_code == 403


@pytest.fixture
def sms_to_outbox(settings):
    settings.SMS_BACKEND = "clinic.notifications.sms.OutboxSmsBackend"


def test_a_reminder_by_text_reaches_the_outbox_with_the_clients_number(sms_to_outbox, frozen, client_user,
                                                                        appointment, login, front_desk_user):
    client_user.phone = "07700 900123"
    client_user.sms_reminders = True
    client_user.save()
    message = Message.objects.create(key="test:reminder-sms", kind=MessageKind.REMINDER, channel=Channel.SMS,
                                     recipient=client_user, appointment=appointment,
                                     for_starts_at=appointment.starts_at, params={"hours": 48},
                                     due_at=MONDAY_23_MARCH)

    assert message_send(message_id=message.pk)

    sms = OutboxEmail.objects.get(channel="sms")
    assert sms.to == "07700 900123"
    assert "25 Mar" in sms.body
    html = login(front_desk_user).get(reverse("core:outbox")).content.decode()
    assert "07700 900123" in html and "Text message" in html
