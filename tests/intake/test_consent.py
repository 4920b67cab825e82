"""Consent: the clinic's versioned text, the typed full name and a tick; we record who, when, IP and version."""

import pytest
import time_machine
from django.urls import reverse

from intake import definitions, services
from intake.models import ConsentRecord, IntakeFlag, IntakeSubmission
from tests.intake.helpers import fill_draft, questionnaire, submit_intake, valid_answers


def _sign(c, name="Chloe Martin", agree=True):
    data = {"full_name": name}
    if agree:
        data["agree"] = "on"
    return c.post(reverse("intake:consent"), data, REMOTE_ADDR="198.51.100.7")


def test_the_consent_page_shows_the_versioned_text(login, client_user):
    c = login(client_user)
    fill_draft(client_user)
    html = c.get(reverse("intake:consent")).content.decode()
    assert "Consent to facial acupuncture" in html
    assert f"Consent text version {definitions.CONSENT['version']}" in html
    assert "Step 11 of 11" in html  # 9 sections (no cycle questions for this client), check, consent


def test_consent_is_not_offered_before_every_step_is_done(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=5)
    assert c.get(reverse("intake:consent"))["Location"] == reverse("intake:check")


@time_machine.travel("2026-05-04 10:30Z", tick=False)
def test_signing_sends_the_intake_and_records_the_consent(login, client_user):
    c = login(client_user)
    draft = fill_draft(client_user)
    response = _sign(c, name="  chloe   MARTIN ")
    submission = IntakeSubmission.objects.get(pk=draft.pk)
    assert response["Location"] == reverse("intake:submission", args=[submission.pk])
    assert submission.status == "submitted" and submission.is_current
    record = ConsentRecord.objects.get(submission=submission)
    assert record.client == client_user
    assert record.typed_name == "chloe MARTIN"
    assert record.ip_address == "198.51.100.7"
    assert record.consent_version.number == definitions.CONSENT["version"]
    assert record.signed_at.isoformat() == "2026-05-04T10:30:00+00:00"


def test_the_typed_name_must_match_the_account(login, client_user):
    c = login(client_user)
    fill_draft(client_user)
    response = _sign(c, name="Someone Else")
    html = response.content.decode()
    assert response.status_code == 200
    assert "The name must match the name on your account: Chloe Martin" in html
    assert 'value="Someone Else"' in html
    assert not ConsentRecord.objects.exists()


def test_the_box_must_be_ticked(login, client_user):
    c = login(client_user)
    fill_draft(client_user)
    response = _sign(c, agree=False)
    assert "Please tick the box to give your consent." in response.content.decode()
    assert IntakeSubmission.objects.get(client=client_user).is_draft


def test_submitting_scores_and_screens_the_answers(db, client_user):
    submission = submit_intake(client_user, valid_answers(signals={"heat": 5}, pregnancy="pregnant"))
    assert submission.scores["heat"] == 100.0 and submission.scores["lung_qi"] == 50.0
    flag = IntakeFlag.objects.get(submission=submission)
    assert flag.code == "pregnancy" and flag.level == "review"


def test_an_incomplete_draft_cannot_be_sent(db, client_user):
    draft = fill_draft(client_user, steps=6)
    with pytest.raises(services.IntakeError) as excinfo:
        services.intake_submit(submission=draft, typed_name="Chloe Martin")
    assert excinfo.value.step == 7
    assert IntakeSubmission.objects.get(pk=draft.pk).is_draft


def test_a_draft_with_an_invalid_stored_answer_is_sent_back_to_that_step(db, client_user):
    draft = fill_draft(client_user)
    IntakeSubmission.objects.filter(pk=draft.pk).update(answers={**draft.answers, "skin_type": "not-a-choice"})
    draft.refresh_from_db()
    with pytest.raises(services.IntakeError) as excinfo:
        services.intake_submit(submission=draft, typed_name="Chloe Martin")
    assert excinfo.value.step == 1


def test_updating_makes_a_new_submission_and_keeps_the_history(login, client_user):
    first = submit_intake(client_user, valid_answers(products="Old routine"))
    c = login(client_user)
    c.post(reverse("intake:start"))
    update = IntakeSubmission.objects.get(client=client_user, status="draft")
    assert update.previous == first
    assert update.answers["products"] == "Old routine"  # pre-filled from the current intake
    assert update.answers != {}

    services.intake_step_save(submission=update, step=1, answers={**{k: update.answers[k] for k in (
        "skin_type", "sensitivity", "sun", "actives", "recent_treatments")}, "products": "New routine"})
    for step in range(2, questionnaire().step_count + 1):
        services.intake_step_save(submission=update, step=step, answers={})
    _sign(c)

    first.refresh_from_db()
    update.refresh_from_db()
    assert not first.is_current and first.status == "submitted"
    assert update.is_current and update.answers["products"] == "New routine"
    assert IntakeSubmission.objects.filter(client=client_user, status="submitted").count() == 2
    html = c.get(reverse("intake:my_intake")).content.decode()
    assert "Earlier versions" in html


def test_a_sent_intake_cannot_be_sent_again(db, client_user):
    submission = submit_intake(client_user)
    with pytest.raises(services.IntakeError, match="already been sent"):
        services.intake_submit(submission=submission, typed_name="Chloe Martin")
