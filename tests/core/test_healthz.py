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


def test_messages_left_waiting_mean_the_beat_or_worker_is_down(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from clinic.notifications.models import Message
    from tests.factories import ClientFactory

    settings.REDIS_URL = ""
    assert client.get("/healthz").json()["checks"]["messages"] == {"ok": True, "overdue": 0, "stalled": 0}
    Message.objects.create(key="late", kind="reminder", recipient=ClientFactory(),
                           due_at=timezone.now() - timedelta(minutes=11))
    response = client.get("/healthz")
    assert response.status_code == 503
    check = response.json()["checks"]["messages"]
    assert (check["ok"], check["overdue"], check["stalled"]) == (False, 1, 0)
    assert check["reason"].startswith("1 messages are still waiting more than 10 minutes after they were due")
