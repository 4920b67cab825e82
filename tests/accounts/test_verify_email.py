import time_machine
from django.urls import reverse

from booking.models import AppointmentStatus
from clinic.accounts.tokens import make_verification_token
from tests.factories import AppointmentFactory, ClientFactory


def test_the_link_marks_the_email_verified_and_confirms_pending_bookings(client):
    user = ClientFactory(email_verified_at=None)
    pending = AppointmentFactory(client=user, status=AppointmentStatus.PENDING)
    response = client.get(reverse("accounts:verify_email", args=[make_verification_token(user)]))
    assert response.status_code == 302
    user.refresh_from_db()
    pending.refresh_from_db()
    assert user.email_verified
    assert pending.status == AppointmentStatus.BOOKED
    assert pending.events.filter(action="booked").exists()


def test_a_tampered_link_is_refused(client):
    user = ClientFactory(email_verified_at=None)
    token = make_verification_token(user)[:-2] + "xx"
    response = client.get(reverse("accounts:verify_email", args=[token]), follow=True)
    assert "invalid or has expired" in response.content.decode()
    user.refresh_from_db()
    assert not user.email_verified


def test_an_expired_link_is_refused(client):
    user = ClientFactory(email_verified_at=None)
    with time_machine.travel("2026-01-01 10:00Z"):
        token = make_verification_token(user)
    with time_machine.travel("2026-01-05 10:00Z"):
        client.get(reverse("accounts:verify_email", args=[token]))
    user.refresh_from_db()
    assert not user.email_verified


def test_a_link_for_an_old_email_address_is_refused(client):
    user = ClientFactory(email_verified_at=None, email="old@example.com")
    token = make_verification_token(user)
    user.email = "new@example.com"
    user.save()
    client.get(reverse("accounts:verify_email", args=[token]))
    user.refresh_from_db()
    assert not user.email_verified


def test_resend_sends_a_new_link(client, mailoutbox, django_capture_on_commit_callbacks):
    user = ClientFactory(email_verified_at=None)
    client.force_login(user, backend="clinic.accounts.backends.EmailBackend")
    with django_capture_on_commit_callbacks(execute=True):  # the email is a message of the outbox
        client.post(reverse("accounts:resend_verification"))
    assert len(mailoutbox) == 1 and "/accounts/verify/" in mailoutbox[0].body


def test_resend_returns_to_the_page_it_came_from_but_never_offsite(client):
    client.force_login(ClientFactory(email_verified_at=None), backend="clinic.accounts.backends.EmailBackend")
    url = reverse("accounts:resend_verification")
    assert client.post(url, {"next": "/book/my/"})["Location"] == "/book/my/"
    assert client.post(url, {"next": "https://evil.example/"})["Location"] == reverse("accounts:profile")


def test_plain_text_emails_are_not_html_escaped(mailoutbox, django_capture_on_commit_callbacks):
    from clinic.accounts.services import verification_email_send

    with django_capture_on_commit_callbacks(execute=True):
        verification_email_send(user=ClientFactory(first_name="Siobhán O'Brien & Co", email_verified_at=None))
    assert "Siobhán O'Brien & Co" in mailoutbox[0].body


def test_the_link_does_not_carry_the_email_address(mailoutbox, django_capture_on_commit_callbacks):
    import base64
    import re

    from clinic.accounts.services import verification_email_send

    with django_capture_on_commit_callbacks(execute=True):
        verification_email_send(user=ClientFactory(email="private.person@example.com", email_verified_at=None))
    token = re.search(r"/accounts/verify/([^/\s]+)/", mailoutbox[0].body).group(1)
    decoded = base64.urlsafe_b64decode(token.split(":")[0] + "==").decode(errors="ignore")
    assert "private.person" not in token and "private.person" not in decoded
