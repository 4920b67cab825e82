from django.urls import reverse

from tests.factories import PASSWORD, PractitionerFactory, UserFactory


def test_it_logs_in_by_email_in_any_case(client):
    UserFactory(email="mixed@example.com")
    response = client.post(reverse("accounts:login"), {"username": "MIXED@Example.COM", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:landing")


def test_it_rejects_a_wrong_password_and_keeps_the_email(client):
    UserFactory(email="someone@example.com")
    response = client.post(reverse("accounts:login"), {"username": "someone@example.com", "password": "nope"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "do not match an account" in html
    assert 'value="someone@example.com"' in html


def test_each_role_lands_on_its_own_page(client):
    landings = {
        "client": reverse("booking:my_appointments"),
        "front_desk": reverse("frontdesk:calendar"),
        "manager": reverse("core:manage"),
    }
    for role, url in landings.items():
        client.force_login(UserFactory(role=role), backend="clinic.accounts.backends.EmailBackend")
        assert client.get(reverse("accounts:landing"))["Location"] == url
    client.force_login(PractitionerFactory().user, backend="clinic.accounts.backends.EmailBackend")
    assert client.get(reverse("accounts:landing"))["Location"] == reverse("intake:practitioner_day")


def test_it_locks_out_after_repeated_failures(client, settings):
    UserFactory(email="target@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "target@example.com", "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": "target@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()


def test_logout_needs_post_and_ends_the_session(client):
    user = UserFactory()
    client.force_login(user, backend="clinic.accounts.backends.EmailBackend")
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 302
