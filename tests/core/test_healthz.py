import pytest
from django.db import connection


def test_it_reports_the_database(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True, "vendor": connection.vendor}
    assert "broker" not in body["checks"]
    assert "no-cache" in response["Cache-Control"]


def test_it_reports_a_dead_broker_as_503(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


@pytest.mark.skipif(not __import__("os").environ.get("REDIS_URL"), reason="REDIS_URL not set (CI sets it)")
def test_it_pings_the_real_broker(client, settings):
    response = client.get("/healthz")
    assert response.json()["checks"]["broker"]["ok"] is True
