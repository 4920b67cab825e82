"""Sign-up, password reset, confirmation emails and log-in are throttled per IP address and per account or
email (defaults: 5 per 15 minutes per address, 3 per hour per account), with a friendly 429 page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from clinic.accounts.models import User
from tests.factories import ClientFactory, UserFactory

TUESDAY = datetime(2026, 12, 1, 10, 0, 3, tzinfo=UTC)  # 3 s into a 15-minute window
pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen():
    with time_machine.travel(TUESDAY, tick=False) as traveller:
        yield traveller


def _sign_up(client, n: int, ip: str = "203.0.113.7"):
    return client.post(reverse("accounts:signup"), {
        "first_name": "Nora", "last_name": "Quinn", "email": f"nora{n}@example.com", "phone": "07700 900555",
        "date_of_birth": "1990-04-02", "password1": "lotus-blossom-77", "password2": "lotus-blossom-77"},
        REMOTE_ADDR=ip)


def _reset(client, email: str, ip: str):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_the_sixth_sign_up_from_one_address_in_15_minutes_waits(client):
    for n in range(5):
        assert _sign_up(client, n).status_code == 302
    response = _sign_up(client, 5)
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60 - 3)
    assert "Please try again in 15 minutes" in response.content.decode()
    assert not User.objects.filter(email="nora5@example.com").exists()
    # Someone else, elsewhere, is not affected.
    assert _sign_up(client, 6, ip="198.51.100.9").status_code == 302


def test_typing_mistakes_do_not_count_against_the_sign_up(client):
    for _ in range(8):
        response = client.post(reverse("accounts:signup"), {"email": "nora@example.com", "password1": "x"},
                               REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 200  # the form again, with what she typed
    assert _sign_up(client, 1).status_code == 302


def test_the_window_passes_and_sign_up_opens_again(client, frozen):
    for n in range(6):
        _sign_up(client, n)
    frozen.shift(timedelta(minutes=15))
    assert _sign_up(client, 7).status_code == 302


def test_twelve_reset_requests_in_two_seconds_send_three_emails(client, mailoutbox,
                                                                django_capture_on_commit_callbacks):
    UserFactory(email="ana@example.com", role="practitioner")
    statuses = []
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(12):  # from twelve addresses, so only the per-account limit can stop them
            statuses.append(_reset(client, "Ana@Example.com" if n % 2 else "ana@example.com",
                                   f"203.0.113.{n}").status_code)
    assert statuses == [302] * 3 + [429] * 9
    assert len([m for m in mailoutbox if m.to == ["ana@example.com"]]) == 3


def test_a_throttled_reset_looks_the_same_for_an_unknown_email(client):
    UserFactory(email="ana@example.com")
    answers = []
    for email in ("ana@example.com", "nobody@example.com"):
        for n in range(3):
            _reset(client, email, f"198.51.100.{n}")
        response = _reset(client, email, "198.51.100.200")
        answers.append((response.status_code, response["Retry-After"], response.content.decode()))
    assert answers[0] == answers[1]
    assert answers[0][:2] == (429, str(60 * 60 - 3))


def test_resending_the_confirmation_is_limited_per_account(login, mailoutbox, django_capture_on_commit_callbacks):
    client = login(ClientFactory(email_verified_at=None, email="new@example.com"))
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [client.post(reverse("accounts:resend_verification"), REMOTE_ADDR=f"203.0.113.{n}").status_code
                    for n in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert len(mailoutbox) == 3


def test_one_address_trying_many_accounts_is_slowed(client, settings):
    settings.THROTTLE_LOGIN_IP_LIMIT = 4
    for n in range(4):
        response = client.post(reverse("accounts:login"), {"username": f"u{n}@example.com", "password": "x"})
        assert response.status_code == 200
    response = client.post(reverse("accounts:login"), {"username": "u9@example.com", "password": "x"})
    assert response.status_code == 429
    assert "Please try again in" in response.content.decode()


def test_the_counters_hold_no_email_or_address():
    from clinic.core.throttle import Limit, throttle_hit

    throttle_hit(scope="signup:account", key="private.person@example.com", limit=Limit(3, 3600))
    throttle_hit(scope="signup:ip", key="203.0.113.77", limit=Limit(3, 3600))
    keys = " ".join(str(k) for k in cache._cache)  # the local-memory cache's own keys
    assert "private.person" not in keys and "203.0.113.77" not in keys and "throttle:" in keys
