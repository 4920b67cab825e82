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
