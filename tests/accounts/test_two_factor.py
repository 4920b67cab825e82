"""Optional two-factor sign-in for staff (TOTP from an authenticator app, one-time recovery codes), and a
deployment setting that requires it for every staff account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from django.urls import reverse

from clinic.accounts.models import RecoveryCode, TwoFactorDevice
from clinic.accounts.roles import grant_manager_rights
from tests.factories import PASSWORD, UserFactory

TUESDAY = datetime(2026, 12, 1, 10, 0, 5, tzinfo=UTC)
SETUP_SECRET = "accounts.two_factor_setup_secret"


@pytest.fixture
def clock():
    with time_machine.travel(TUESDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ana():
    return UserFactory(role="practitioner", email="ana@example.com")


def _enable(client) -> tuple[str, list[str]]:
    """Open the page, type the key into an 'app' (pyotp), confirm with its code. Returns secret and codes."""
    page = client.get(reverse("accounts:two_factor"))
    secret = page.context["secret"].replace(" ", "")
    assert page.context["uri"].startswith("otpauth://totp/") and f"secret={secret}" in page.context["uri"]
    response = client.post(reverse("accounts:two_factor"), {"action": "enable", "code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, response.content.decode()
    return secret, response.context["codes"]


def _password(client, email="ana@example.com"):
    return client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD})


def _code(client, code: str):
    return client.post(reverse("accounts:login_code"), {"code": code})


def test_a_staff_member_turns_it_on_with_a_first_code_and_gets_recovery_codes(login, clock, ana):
    secret, codes = _enable(login(ana))
    assert len(codes) == 10 and len(set(codes)) == 10
    device = TwoFactorDevice.objects.get(user=ana)
    assert device.secret == secret
    # Only keyed hashes of the recovery codes are stored.
    stored = set(RecoveryCode.objects.filter(user=ana).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not stored & set(codes)


def test_a_wrong_first_code_turns_nothing_on_and_keeps_the_same_key(login, clock, ana):
    client = login(ana)
    client.get(reverse("accounts:two_factor"))
    secret = client.session[SETUP_SECRET]
    response = client.post(reverse("accounts:two_factor"), {"action": "enable", "code": "000000"})
    assert "That code does not match" in response.content.decode()
    assert not TwoFactorDevice.objects.exists()
    assert response.context["secret"].replace(" ", "") == secret  # the app already holds this key


def test_after_the_password_the_code_is_asked_and_only_then_the_session_opens(client, login, clock, ana):
    secret, _ = _enable(login(ana))
    client.logout()
    clock.shift(timedelta(minutes=2))
    response = _password(client)
    assert response["Location"] == reverse("accounts:login_code")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:profile")).status_code == 302  # not signed in yet
    wrong = _code(client, "123456")
    assert "That code is not right" in wrong.content.decode() and "_auth_user_id" not in client.session
    right = _code(client, pyotp.TOTP(secret).now())
    assert right["Location"] == reverse("accounts:landing")
    assert client.session["_auth_user_id"] == str(ana.pk)


def test_a_code_cannot_be_used_twice(client, login, clock, ana):
    secret, _ = _enable(login(ana))
    client.logout()
    clock.shift(timedelta(minutes=2))
    code = pyotp.TOTP(secret).now()
    _password(client)
    assert _code(client, code).status_code == 302
    client.logout()
    _password(client)
    assert "That code is not right" in _code(client, code).content.decode()  # replayed within its 30 seconds


def test_a_phone_clock_half_a_minute_off_still_works(client, login, clock, ana):
    secret, _ = _enable(login(ana))
    client.logout()
    clock.shift(timedelta(minutes=2))
    _password(client)
    late_phone = pyotp.TOTP(secret).at(datetime.now(UTC) - timedelta(seconds=30))
    assert _code(client, late_phone).status_code == 302


def test_a_recovery_code_works_once(client, login, clock, ana):
    _, codes = _enable(login(ana))
    client.logout()
    _password(client)
    assert _code(client, codes[0].upper()).status_code == 302
    client.logout()
    _password(client)
    assert "That code is not right" in _code(client, codes[0]).content.decode()


def test_the_code_step_expires_after_five_minutes(client, login, clock, ana):
    secret, _ = _enable(login(ana))
    client.logout()
    _password(client)
    clock.shift(timedelta(minutes=6))
    response = _code(client, pyotp.TOTP(secret).now())
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_guessing_codes_is_throttled(client, login, clock, ana):
    _enable(login(ana))
    client.logout()
    _password(client)
    statuses = [_code(client, f"{n:06d}").status_code for n in range(6)]
    assert statuses == [200] * 5 + [429]


def test_turning_it_off_needs_a_code(login, clock, ana):
    client = login(ana)
    secret, _ = _enable(client)
    clock.shift(timedelta(minutes=1))
    response = client.post(reverse("accounts:two_factor"), {"action": "disable", "code": "000000"})
    assert "That code is not right" in response.content.decode()
    assert TwoFactorDevice.objects.filter(user=ana).exists()
    client.post(reverse("accounts:two_factor"), {"action": "disable", "code": pyotp.TOTP(secret).now()})
    assert not TwoFactorDevice.objects.filter(user=ana).exists() and not RecoveryCode.objects.exists()


def test_clients_have_no_two_factor_page(login, client_user):
    assert login(client_user).get(reverse("accounts:two_factor")).status_code == 404


def test_without_the_requirement_staff_without_it_log_in_with_the_password(client, clock, ana):
    assert _password(client)["Location"] == reverse("accounts:landing")


def test_when_required_staff_must_set_it_up_before_anything_else(client, clock, ana, settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = True
    response = _password(client)
    assert response["Location"] == reverse("accounts:two_factor")
    for url in (reverse("accounts:landing"), reverse("intake:practitioner_day"), "/admin/"):
        assert client.get(url)["Location"] == reverse("accounts:two_factor")
    secret, _ = _enable(client)
    assert client.get(reverse("accounts:profile")).status_code == 200
    # Required: it cannot be turned off, even with a good code.
    clock.shift(timedelta(minutes=1))
    response = client.post(reverse("accounts:two_factor"), {"action": "disable", "code": pyotp.TOTP(secret).now()})
    assert "cannot be turned off" in response.content.decode()
    assert TwoFactorDevice.objects.filter(user=ana).exists()


def test_the_requirement_does_not_touch_clients(client, login, client_user, settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = True
    assert login(client_user).get(reverse("accounts:profile")).status_code == 200


def test_a_manager_resets_a_lost_phone_in_the_admin_without_seeing_the_secret(login, clock, ana):
    _enable(login(ana))
    device = TwoFactorDevice.objects.get(user=ana)
    manager = UserFactory(role="manager")
    grant_manager_rights(manager)
    admin = login(manager)
    assert admin.get(reverse("admin:accounts_twofactordevice_add")).status_code == 403
    page = admin.get(reverse("admin:accounts_twofactordevice_change", args=[device.pk]))
    assert page.status_code == 200 and device.secret not in page.content.decode()
    admin.post(reverse("admin:accounts_twofactordevice_delete", args=[device.pk]), {"post": "yes"})
    assert not TwoFactorDevice.objects.filter(user=ana).exists()
