"""Staff are signed out after STAFF_IDLE_MINUTES (default 30) without a request; clients keep their session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.factories import UserFactory

TUESDAY_9AM = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(TUESDAY_9AM, tick=False) as traveller:
        yield traveller


def _profile(client):
    return client.get(reverse("accounts:profile"))


@pytest.mark.parametrize("role", ["front_desk", "manager", "practitioner"])
def test_staff_idle_for_longer_than_the_setting_are_signed_out_with_a_reason(login, clock, role):
    client = login(UserFactory(role=role))
    assert _profile(client).status_code == 200
    clock.shift(timedelta(minutes=31))
    response = _profile(client)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={reverse('accounts:profile')}"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out after 30 minutes without activity" in page


def test_activity_keeps_a_staff_session_open(login, clock):
    client = login(UserFactory(role="front_desk"))
    for _ in range(8):  # two hours of work, a page every quarter of an hour
        assert _profile(client).status_code == 200
        clock.shift(timedelta(minutes=15))
    assert _profile(client).status_code == 200


def test_just_under_the_limit_is_not_idle(login, clock):
    client = login(UserFactory(role="manager"))
    _profile(client)
    clock.shift(timedelta(minutes=29, seconds=59))
    assert _profile(client).status_code == 200


def test_the_idle_time_is_a_setting(login, clock, settings):
    settings.STAFF_IDLE_MINUTES = 10
    client = login(UserFactory(role="front_desk"))
    _profile(client)
    clock.shift(timedelta(minutes=11))
    response = _profile(client)
    assert response.status_code == 302
    assert "You were signed out after 10 minutes without activity" in client.get(response["Location"]).content.decode()


def test_clients_are_not_signed_out_for_being_idle(login, clock, client_user):
    client = login(client_user)
    _profile(client)
    clock.shift(timedelta(hours=3))
    assert _profile(client).status_code == 200
