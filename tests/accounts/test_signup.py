import pytest
from django.core import mail
from django.urls import reverse

from clinic.accounts.models import Role, User
from tests.factories import ClientFactory

VALID = {
    "first_name": "Nora", "last_name": "Quinn", "email": "Nora.Quinn@Example.com", "phone": "07700 900555",
    "date_of_birth": "1990-04-02", "password1": "lotus-blossom-77", "password2": "lotus-blossom-77",
}


def test_it_creates_a_client_logs_them_in_and_sends_verification(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), VALID)
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "nora.quinn@example.com"
    assert user.role == Role.CLIENT
    assert not user.email_verified
    assert user.password.startswith("argon2")
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nora.quinn@example.com"]
    assert "/accounts/verify/" in mail.outbox[0].body


def test_it_follows_next_back_to_the_booking(client):
    response = client.post(reverse("accounts:signup") + "?next=/book/", VALID)
    assert response["Location"] == "/book/"


def test_it_ignores_offsite_next(client):
    response = client.post(reverse("accounts:signup") + "?next=//evil.example/", VALID)
    assert response["Location"] == reverse("accounts:landing")


def test_it_rejects_an_email_taken_in_another_case_and_keeps_input(client):
    ClientFactory(email="nora.quinn@example.com")
    response = client.post(reverse("accounts:signup"), VALID)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert 'value="Nora"' in response.content.decode()
    assert User.objects.count() == 1


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
