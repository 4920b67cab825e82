"""With SECURE_SSL_REDIRECT on (production), the health check still answers plain-HTTP probes."""

from unittest import mock

import pytest


@pytest.fixture
def https_redirect(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.REDIS_URL = "redis://127.0.0.1:6399/0"  # nothing listens there: the broker is down


def test_a_plain_http_probe_sees_the_broker_outage_not_a_redirect(client, https_redirect):
    with mock.patch("redis.Redis.ping", side_effect=ConnectionError):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_pages_still_redirect_to_https(client, https_redirect):
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
