"""Who may see what: the role matrix of every intake page, the client's 404 for others' data, no-store."""

import dataclasses

import pytest
from django.urls import reverse

from clinic.accounts.models import Role
from clinic.audit.services import break_glass_open
from intake.selectors import IntakeStatus
from tests.factories import AppointmentFactory, ClientFactory, PractitionerFactory, UserFactory
from tests.intake.helpers import fill_draft, submit_intake, valid_answers

C, P, F, M = Role.CLIENT, Role.PRACTITIONER, Role.FRONT_DESK, Role.MANAGER
CLINICAL = "clinical-desk"  # a front-desk account with "may read clinical answers"


@pytest.fixture
def world(db):
    chloe = ClientFactory(first_name="Chloe", last_name="Martin")
    submission = submit_intake(chloe, valid_answers(pregnancy="pregnant", products="Secret serum"))
    practitioner = PractitionerFactory()
    appointment = AppointmentFactory(client=chloe, practitioner=practitioner)
    users = {C: chloe, P: practitioner.user, F: UserFactory(role=F), M: UserFactory(role=M),
             CLINICAL: UserFactory(role=F, can_view_clinical=True)}
    # Staff granted clinical reading have no sessions of their own: under the default care policy they read a
    # client's record through an emergency opening (the policy itself: tests/intake/test_care_relationship.py).
    break_glass_open(actor=users[CLINICAL], client=chloe, reason="Covering the front desk clinical checks today")
    return {"chloe": chloe, "submission": submission, "appointment": appointment, "users": users,
            "flag": submission.flags.get()}


# name -> (args from the world, roles that get 200); other logged-in roles get 403.
PAGES = {
    "intake:my_intake": (lambda w: [], {C}),
    "intake:my_progress": (lambda w: [], {C}),
    "intake:my_reassess": (lambda w: [], {C}),
    "intake:submission": (lambda w: [w["submission"].pk], {C}),
    "intake:practitioner_day": (lambda w: [], {P}),
    "intake:review_queue": (lambda w: [], {P}),
    "intake:review": (lambda w: [w["submission"].pk], {P, CLINICAL}),
    "intake:export": (lambda w: [w["submission"].pk], {P, CLINICAL}),
    "intake:client_record": (lambda w: [w["chloe"].pk], {P, CLINICAL}),
    "intake:client_record_export": (lambda w: [w["chloe"].pk], {P, CLINICAL}),
    "intake:client_progress": (lambda w: [w["chloe"].pk], {P, CLINICAL}),
    "intake:treatment_note": (lambda w: [w["appointment"].pk], {P, CLINICAL}),
    "intake:client_reassess": (lambda w: [w["chloe"].pk], {P}),
    "intake:health_check": (lambda w: [w["appointment"].pk], {C}),
    "intake:health_check_answers": (lambda w: [w["appointment"].pk], {P, CLINICAL}),
    "intake:settings": (lambda w: [], {M}),
}
ROLES = [C, P, F, M, CLINICAL]
CASES = [(name, role) for name in PAGES for role in ROLES]


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_each_role_gets_the_expected_answer(client, world, name, role):
    args, allowed = PAGES[name]
    client.force_login(world["users"][role], backend="clinic.accounts.backends.EmailBackend")
    response = client.get(reverse(name, args=args(world)))
    assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize("name", list(PAGES))
def test_anonymous_visitors_are_sent_to_login(client, world, name):
    response = client.get(reverse(name, args=PAGES[name][0](world)))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", list(PAGES))
def test_every_intake_page_is_never_cached(client, world, name):
    args, allowed = PAGES[name]
    role = sorted(allowed)[0]
    client.force_login(world["users"][role], backend="clinic.accounts.backends.EmailBackend")
    response = client.get(reverse(name, args=args(world)))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_the_steps_check_and_consent_pages_are_never_cached(login, client_user):
    fill_draft(client_user)
    c = login(client_user)
    for url in (reverse("intake:step", args=[1]), reverse("intake:check"), reverse("intake:consent")):
        assert "no-store" in c.get(url)["Cache-Control"]


def test_a_client_reading_another_clients_intake_gets_404(login, world):
    other = ClientFactory()
    response = login(other).get(reverse("intake:submission", args=[world["submission"].pk]))
    assert response.status_code == 404


def test_a_client_sees_their_own_answers(login, world):
    html = login(world["chloe"]).get(reverse("intake:submission", args=[world["submission"].pk])).content.decode()
    assert "Secret serum" in html


def test_the_practitioner_sees_answers_and_flags(login, world):
    html = login(world["users"][P]).get(reverse("intake:review", args=[world["submission"].pk])).content.decode()
    assert "Secret serum" in html
    assert "Pregnancy" in html


def test_a_front_desk_with_clinical_access_reads_but_cannot_write(login, world):
    c = login(world["users"][CLINICAL])
    html = c.get(reverse("intake:review", args=[world["submission"].pk])).content.decode()
    assert "Secret serum" in html
    assert "Save and mark reviewed" not in html
    assert c.post(reverse("intake:assessment_save", args=[world["submission"].pk]), {}).status_code == 403
    assert c.post(reverse("intake:flag_clear", args=[world["flag"].pk])).status_code == 403


@pytest.mark.parametrize("role", [C, F, M])
def test_only_practitioners_write_clinical_records(login, world, role):
    c = login(world["users"][role])
    assert c.post(reverse("intake:assessment_save", args=[world["submission"].pk]), {}).status_code == 403
    assert c.post(reverse("intake:mark_reviewed", args=[world["submission"].pk])).status_code == 403
    assert c.post(reverse("intake:flag_clear", args=[world["flag"].pk])).status_code == 403
    assert c.post(reverse("intake:treatment_note", args=[world["appointment"].pk]), {}).status_code == 403


def test_the_status_the_front_desk_gets_carries_no_answers():
    fields = {f.name for f in dataclasses.fields(IntakeStatus)}
    assert fields == {"status", "has_flags", "needs_review", "submission_id", "blocked_until", "last_requested_at"}


def test_a_draft_is_not_readable_by_practitioners(login, world):
    draft = fill_draft(ClientFactory(), steps=2)
    assert login(world["users"][P]).get(reverse("intake:review", args=[draft.pk])).status_code == 404


def test_staff_pages_for_a_non_client_are_404(login, world):
    response = login(world["users"][P]).get(reverse("intake:client_record", args=[world["users"][F].pk]))
    assert response.status_code == 404


def test_the_admin_does_not_expose_answers(admin_client, world):
    from django.contrib import admin

    from intake.models import IntakeSubmission, Reassessment, TreatmentNote

    for model in (IntakeSubmission, TreatmentNote, Reassessment):
        assert not admin.site.is_registered(model)
