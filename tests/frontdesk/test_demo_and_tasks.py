"""The demo waitlist and the periodic task that lapses offers."""

from __future__ import annotations

from django.core.management import call_command

from clinic.celery import app
from frontdesk.models import EntryStatus, WaitlistEntry


def test_the_demo_has_clients_waiting_once(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    entries = WaitlistEntry.objects.filter(status=EntryStatus.WAITING)
    assert sorted(e.client.email for e in entries) == ["hannah@demo.clinic", "oliver@demo.clinic"]


def test_offers_are_lapsed_on_a_schedule():
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert schedule["frontdesk.tasks.expire_waitlist_offers"] <= 300
