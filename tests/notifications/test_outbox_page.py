"""The embedded default: appointment emails land in the outbox, readable by staff with their .ics."""

from __future__ import annotations

import pytest
from django.urls import reverse

from booking import services
from clinic.core.models import OutboxEmail
from tests.factories import local


@pytest.fixture
def outbox_backend(settings):
    settings.EMAIL_BACKEND = "clinic.core.mail.OutboxEmailBackend"


def test_a_booking_lands_in_the_outbox_with_its_calendar_file(outbox_backend, frozen, london, client_user, book):
    book(client_user, local(london, 2026, 3, 31, 10, 0))

    email = OutboxEmail.objects.get(subject__startswith="Booking confirmed")
    assert email.to == "chloe@example.com"
    assert "Tuesday 31 March 2026, 10:00 (BST)" in email.body
    assert "Tuesday 31 March 2026, 10:00 (BST)" in email.html_body
    (attachment,) = email.attachments
    assert attachment["filename"] == "appointment.ics"
    assert "DTSTART:20260331T090000Z" in attachment["content"]


def test_staff_read_the_html_and_the_calendar_event(outbox_backend, frozen, london, client_user, book,
                                                    front_desk_user, login):
    book(client_user, local(london, 2026, 3, 31, 10, 0))
    email = OutboxEmail.objects.get(subject__startswith="Booking confirmed")

    response = login(front_desk_user).get(reverse("core:outbox_detail", args=[email.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<iframe title="Email as the client sees it" sandbox=' in html
    assert "srcdoc=\"&lt;base target=&quot;_blank&quot;&gt;&lt;!doctype html&gt;" in html
    assert "invitation" in html
    assert "Tuesday 31 March 2026, 10:00 BST" in html  # the event's start, in the clinic's zone
    assert "Facial acupuncture follow-up at Lotus Facial Acupuncture" in html


def test_a_cancellation_shows_as_a_calendar_cancellation(outbox_backend, frozen, london, client_user, book,
                                                         run_on_commit, front_desk_user, login):
    appointment = book(client_user, local(london, 2026, 3, 31, 10, 0))
    run_on_commit(services.appointment_cancel, appointment=appointment, actor=client_user)
    email = OutboxEmail.objects.get(subject__startswith="Appointment cancelled")

    html = login(front_desk_user).get(reverse("core:outbox_detail", args=[email.pk])).content.decode()

    assert "cancellation" in html
    assert "update 1" in html


def test_clients_cannot_read_the_outbox(outbox_backend, frozen, london, client_user, book, login):
    book(client_user, local(london, 2026, 3, 31, 10, 0))
    email = OutboxEmail.objects.get(subject__startswith="Booking confirmed")

    assert login(client_user).get(reverse("core:outbox_detail", args=[email.pk])).status_code == 403
