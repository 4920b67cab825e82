"""With no mail server (the embedded default), a person reads the emails sent to them under "My emails", so a
newcomer who signs up can click their own confirmation link. Nobody reads another person's mail there, and with
a real mail backend the page does not exist."""

import re

import pytest
from django.urls import reverse

from clinic.core.models import OutboxEmail
from tests import factories


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.EMAIL_BACKEND = "clinic.core.mail.OutboxEmailBackend"  # pytest-django swaps in locmem


@pytest.fixture
def new_client(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), {
            "first_name": "Nina", "last_name": "Novak", "email": "nina@example.com", "phone": "07700 900999",
            "date_of_birth": "1990-04-02", "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9", "consent": "on", "terms": "on"}, follow=True)
    assert response.status_code == 200
    # Sign-up does not sign in (a taken address must get the same answer): she logs in to read her emails.
    client.post(reverse("accounts:login"), {"username": "nina@example.com", "password": "a-long-pass-phrase-9"})
    return response


def test_a_new_client_confirms_her_email_from_my_emails(client, new_client):
    assert "open My emails" in new_client.content.decode()
    inbox = client.get(reverse("core:my_inbox"))
    mail = OutboxEmail.objects.get(to="nina@example.com")
    assert mail.subject in inbox.content.decode()
    detail = client.get(reverse("core:my_inbox_detail", args=[mail.pk])).content.decode()
    link = re.search(r"https?://[^/\s]+(/accounts/verify/[^\s\"<]+)", detail).group(1)
    client.get(link)
    from clinic.accounts.models import User

    assert User.objects.get(email="nina@example.com").email_verified


def test_nobody_reads_another_persons_emails(client, login, new_client):
    mail = OutboxEmail.objects.get(to="nina@example.com")
    client.logout()
    for other in (factories.ClientFactory(email="atom@example.com"), factories.UserFactory(role="manager")):
        login(other)
        assert client.get(reverse("core:my_inbox_detail", args=[mail.pk])).status_code == 404
        assert mail.subject not in client.get(reverse("core:my_inbox")).content.decode()


def test_an_address_inside_another_is_not_a_match(client, login):
    tom = factories.ClientFactory(email="tom@example.com")
    OutboxEmail.objects.create(from_email="clinic@example.com", to="atom@example.com", subject="Not Tom's",
                               body="x")
    login(tom)
    assert "Not Tom&#x27;s" not in client.get(reverse("core:my_inbox")).content.decode()


def test_with_a_mail_server_there_is_no_inbox_page(client, login, settings):
    settings.OWN_INBOX = False
    login(factories.ClientFactory())
    assert client.get(reverse("core:my_inbox")).status_code == 404
    assert "My emails" not in client.get(reverse("accounts:profile")).content.decode()


def test_the_inbox_needs_a_login(client):
    assert client.get(reverse("core:my_inbox")).status_code == 302
