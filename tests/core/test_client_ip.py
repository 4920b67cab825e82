"""One function says who is asking (audit log, consent records, log-in lock-out): behind TRUSTED_PROXY_COUNT
proxies it takes the address the first proxy appended to X-Forwarded-For, and only ever a real IP address."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from clinic.core.http import client_ip
from tests.factories import PASSWORD, UserFactory

PROXY = "10.0.0.1"


def _request(rf, forwarded: str | None = None, remote: str = PROXY):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return rf.get("/", REMOTE_ADDR=remote, **extra)


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(rf, "6.6.6.6", remote="198.51.100.7")) == "198.51.100.7"


def test_behind_one_proxy_it_takes_the_address_that_proxy_appended(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote "6.6.6.6" itself; our proxy appended the address it really came from.
    assert client_ip(_request(rf, "6.6.6.6, 203.0.113.9")) == "203.0.113.9"


def test_behind_two_proxies_it_counts_from_the_right(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(rf, "6.6.6.6, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"


def test_a_header_shorter_than_the_proxy_chain_is_not_trusted(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(rf, "203.0.113.9")) == PROXY
    assert client_ip(_request(rf)) == PROXY


@pytest.mark.parametrize("forwarded", ["not-an-ip", "6.6.6.6, garbage", "999.1.1.1", "203.0.113.9:443", " , ",
                                       "1.2.3.4\x00"])
def test_a_header_that_is_not_an_address_falls_back_to_the_connection(rf, settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(rf, forwarded)) == PROXY


def test_a_connection_without_an_ip_gives_none(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(rf, "garbage", remote="unix:/run/gunicorn.sock")) is None
    assert client_ip(_request(rf, remote="")) is None
    assert client_ip(None) is None


def test_ipv6_addresses_are_kept_in_their_short_form(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(rf, "6.6.6.6, 2001:DB8:0:0::1", remote="fd00::1")) == "2001:db8::1"
    assert client_ip(_request(rf, "fe80::1%eth0", remote="fd00::1")) == "fe80::1"  # the zone means nothing here
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(rf, "2001:db8::1", remote="::1")) == "::1"


# --- the log-in lock-out uses it too -------------------------------------------------------------------------

def _log_in(client, password: str, *, forwarded: str):
    return client.post(reverse("accounts:login"), {"username": "ana@example.com", "password": password},
                       HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=PROXY)


def test_behind_a_proxy_the_lock_out_locks_the_guesser_not_everyone_behind_the_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(email="ana@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "wrong", forwarded="6.6.6.6, 198.51.100.66")
    assert _log_in(client, PASSWORD, forwarded="198.51.100.66").status_code == 429
    # Ana, at home, comes through the same proxy: she is not the one guessing.
    assert _log_in(client, PASSWORD, forwarded="203.0.113.5").status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.66"}


def test_a_forged_header_at_log_in_is_no_error(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(email="ana@example.com")
    response = _log_in(client, "wrong", forwarded="<script>")
    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == PROXY
