import re

import pytest
from django.core import mail
from django.urls import reverse

from clinic.accounts.models import Role, User
from tests.factories import ClientFactory

VALID = {
    "first_name": "Nora", "last_name": "Quinn", "email": "Nora.Quinn@Example.com", "phone": "07700 900555",
    "date_of_birth": "1990-04-02", "password1": "lotus-blossom-77", "password2": "lotus-blossom-77",
}


def test_it_creates_a_client_and_asks_them_to_confirm_their_email(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), VALID)
    assert (response.status_code, response["Location"]) == (302, reverse("accounts:signup_done"))
    user = User.objects.get()
    assert user.email == "nora.quinn@example.com"
    assert user.role == Role.CLIENT
    assert not user.email_verified
    assert user.password.startswith("argon2")
    # Not signed in yet: the confirmation link proves the address (a taken address gets the same answer).
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nora.quinn@example.com"]
    assert "/accounts/verify/" in mail.outbox[0].body


def _confirm(client):
    link = re.search(r"https?://[^/]+(/accounts/verify/\S+/)", mail.outbox[-1].body).group(1)
    return client.get(link)


def test_the_confirmation_link_comes_back_to_the_booking(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup") + "?next=/book/", VALID)
    response = _confirm(client)
    assert response["Location"] == f"{reverse('accounts:login')}?next=%2Fbook%2F"
    assert User.objects.get().email_verified


def test_it_ignores_offsite_next(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup") + "?next=//evil.example/", VALID)
    assert _confirm(client)["Location"] == reverse("accounts:login")


def test_an_email_taken_in_another_case_creates_nothing(client):
    owner = ClientFactory(email="nora.quinn@example.com")
    response = client.post(reverse("accounts:signup"), VALID)
    assert (response.status_code, response["Location"]) == (302, reverse("accounts:signup_done"))
    assert list(User.objects.all()) == [owner]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("password2", "something-else-1", "do not match"),
    ("password1", "123", "too short"),
    ("date_of_birth", "2999-01-01", "must be in the past"),
    ("email", "not-an-email", "valid email"),
    ("phone", "", "required"),
])
def test_it_rejects_bad_input_with_a_clear_message(client, field, value, message):
    data = {**VALID, field: value}
    if field == "password1":
        data["password2"] = value
    response = client.post(reverse("accounts:signup"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'value="Quinn"' in response.content.decode()
    assert not User.objects.exists()
