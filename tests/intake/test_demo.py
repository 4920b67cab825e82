"""The demo data: Chloe mid-course with a chart, Emma waiting for review with a flag, Priya missing."""

import pytest

from clinic.core import demo
from intake.models import IntakeSubmission, Reassessment, TreatmentNote
from intake.selectors import intake_statuses


@pytest.fixture
def users(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # seven demo logins, fast
    demo.seed()
    from clinic.accounts.models import User

    return {u.email: u for u in User.objects.all()}


def test_the_demo_clients_have_the_intakes_the_story_needs(users):
    chloe, emma, priya = users["client@demo.clinic"], users["emma@demo.clinic"], users["priya@demo.clinic"]
    statuses = intake_statuses(client_ids=[chloe.pk, emma.pk, priya.pk])
    assert statuses[chloe.pk].status == "reviewed"
    assert statuses[emma.pk].status == "submitted" and statuses[emma.pk].needs_review
    assert statuses[priya.pk].status == "missing"
    completed = chloe.appointments.filter(status="completed").count()
    assert TreatmentNote.objects.filter(appointment__client=chloe).count() == completed
    assert Reassessment.objects.filter(client=chloe).count() == 2


def test_seeding_twice_changes_nothing(users):
    counts = (IntakeSubmission.objects.count(), TreatmentNote.objects.count(), Reassessment.objects.count())
    demo.seed()
    assert (IntakeSubmission.objects.count(), TreatmentNote.objects.count(), Reassessment.objects.count()) == counts



@pytest.mark.parametrize("moment", ["2026-12-01T09:00Z", "2026-12-06T23:50Z"])  # a Tuesday; late on a Sunday
def test_the_demo_shows_the_screening_gate(db, settings, moment):
    """Oliver said Botox two days ago after booking: his next session is a clinical conflict, he is asked to
    rearrange, and the first date he may book is after the wait."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from clinic.accounts.models import User
    from clinic.notifications.models import Message, MessageKind
    from intake.gate import screening_conflicts, screening_verdict

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(moment, tick=False):
        demo.seed()
        oliver = User.objects.get(email="oliver@demo.clinic")
        conflicts = screening_conflicts()
        assert [a.client for a, _verdict in conflicts] == [oliver]
        assert Message.objects.filter(kind=MessageKind.SCREENING_CONFLICT, recipient=oliver).count() == 1
        verdict = screening_verdict(client=oliver, service=conflicts[0][0].service, day=timezone.localdate())
        assert verdict.earliest == timezone.localdate() + timedelta(days=12)
