"""Bookings awaiting email confirmation: no email until the client verifies their address."""

from __future__ import annotations

from booking.models import AppointmentStatus
from clinic.accounts.signals import email_verified
from tests.factories import ClientFactory, local


def test_a_pending_booking_is_confirmed_by_email_once_the_address_is_verified(
        frozen, london, book, django_capture_on_commit_callbacks, mailoutbox, emails):
    client = ClientFactory(email_verified_at=None, email="new@example.com")
    appointment = book(client, local(london, 2026, 3, 25, 10, 0))
    assert appointment.status == AppointmentStatus.PENDING
    assert emails() == []

    with django_capture_on_commit_callbacks(execute=True):
        email_verified.send(sender=type(client), user=client)

    assert [email.subject for email in emails()] == ["Booking confirmed: Wed 25 Mar, 10:00 (GMT)"]
    assert emails()[0].to == ["new@example.com"]
    assert len(emails()[0].attachments) == 1
