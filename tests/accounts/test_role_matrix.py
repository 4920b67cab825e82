"""Role x page: every main page answers each role the way the permission scheme says."""

import pytest
from django.urls import reverse

from clinic.accounts.models import Role
from tests.factories import PractitionerFactory, UserFactory

C, P, F, M = Role.CLIENT, Role.PRACTITIONER, Role.FRONT_DESK, Role.MANAGER
EVERYONE = {C, P, F, M}

# url name -> roles that get 200; everybody else logged in gets 403, anonymous goes to login.
MATRIX = {
    "core:manage": {M},
    "core:settings": {M},
    "core:outbox": {F, M},
    "notifications:list": {F, M},
    "accounts:staff_list": {M},
    "accounts:staff_create": {M},
    "accounts:profile": EVERYONE,
    "accounts:my_data": {C},
    "accounts:erasure_request": {C},
    "accounts:erasure_list": {M},
    "booking:my_appointments": {C},
    "intake:my_intake": {C},
    "intake:practitioner_day": {P},
    "intake:review_queue": {P},
    "frontdesk:calendar": {P, F, M},
    "frontdesk:clients": {P, F, M},
    "frontdesk:waitlist": {F, M},
}

CASES = [(name, role) for name in MATRIX for role in (C, P, F, M)]


def _user(role):
    if role == P:
        return PractitionerFactory().user
    return UserFactory(role=role)


@pytest.mark.parametrize(("url_name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_role_gets_expected_status(client, url_name, role):
    client.force_login(_user(role), backend="clinic.accounts.backends.EmailBackend")
    response = client.get(reverse(url_name))
    assert response.status_code == (200 if role in MATRIX[url_name] else 403)


@pytest.mark.parametrize("url_name", list(MATRIX))
def test_anonymous_is_sent_to_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url_name", ["core:home", "booking:start", "accounts:login", "accounts:signup"])
def test_public_pages_are_open(client, url_name):
    assert client.get(reverse(url_name)).status_code == 200


def test_navigation_depends_on_role(client):
    client.force_login(UserFactory(role=F), backend="clinic.accounts.backends.EmailBackend")
    html = client.get(reverse("core:home")).content.decode()
    assert reverse("frontdesk:calendar") in html
    assert reverse("core:manage") not in html
    assert reverse("booking:my_appointments") not in html


def test_inactive_users_have_no_capabilities(client):
    user = UserFactory(role=M, is_active=False)
    client.force_login(user, backend="clinic.accounts.backends.EmailBackend")
    assert client.get(reverse("core:manage")).status_code in (302, 403)
