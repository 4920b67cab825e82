"""The demo gives Chloe's plan its points and her completed sessions maps that agree with their notes."""

from datetime import UTC, datetime

import pytest
import time_machine

from charting.models import PlanMap, PointMap
from clinic.core import demo
from intake.models import TreatmentNote


@pytest.fixture
def users(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # seven demo logins, fast
    demo.seed()
    from clinic.accounts.models import User

    return {u.email: u for u in User.objects.all()}


@time_machine.travel(datetime(2026, 12, 2, 11, 30, tzinfo=UTC), tick=False)
def test_chloes_completed_sessions_have_maps_of_a_facial_protocol(users):
    chloe = users["client@demo.clinic"]
    maps = list(PointMap.objects.filter(appointment__client=chloe).order_by("appointment__starts_at"))
    completed = chloe.appointments.filter(status="completed").count()
    assert completed >= 2 and len(maps) == completed
    assert all(36 <= m.needle_count <= 44 for m in maps)
    assert {"code": "ST3", "side": "L"} in maps[0].points and maps[-1].retention_minutes == 25
    notes = {n.appointment_id: n.needle_count for n in TreatmentNote.objects.filter(appointment__client=chloe)}
    assert [m.needle_count for m in maps] == [notes[m.appointment_id] for m in maps]  # the map and the note agree
    assert PlanMap.objects.get(assessment__submission__client=chloe).needle_count == 36
    demo.seed()
    assert PointMap.objects.count() == len(maps) and PlanMap.objects.count() == 1
