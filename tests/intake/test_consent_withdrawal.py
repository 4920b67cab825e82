"""A client withdraws her consent: recorded, audited, and her answers stop being used until she consents again."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from clinic.audit.models import AuditEvent
from intake import selectors, services
from intake.models import ConsentRecord, IntakeSubmission
from tests.factories import AppointmentFactory, PractitionerFactory
from tests.intake.helpers import fill_draft, submit_intake

NOW = "2026-03-10 10:00Z"  # a Tuesday


@pytest.fixture(autouse=True)
def _tuesday_morning():
    """Frozen before the other fixtures build the record, so every date in it is fixed."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def practitioner():
    return PractitionerFactory()


@pytest.fixture
def withdrawn(client_user, practitioner):
    """Chloe, booked with the practitioner, sent her intake and then withdrew her consent."""
    AppointmentFactory(client=client_user, practitioner=practitioner)
    submission = submit_intake(client_user)
    services.intake_consent_withdraw(client=client_user, reason="Changed my mind")
    submission.refresh_from_db()
    return submission


def test_the_client_withdraws_from_a_confirmation_page_and_it_is_recorded_and_audited(login, client_user):
    submission = submit_intake(client_user)
    web = login(client_user)
    page = web.get(reverse("intake:consent_withdraw"))
    assert b"Practitioners stop using your answers" in page.content
    assert b"keeps the record" in page.content
    assert "no-store" in page["Cache-Control"]

    response = web.post(reverse("intake:consent_withdraw"), {"reason": "Moving away", "confirm": "on"})

    assert response.status_code == 302
    consent = ConsentRecord.objects.get(submission=submission)
    assert consent.withdrawn_at is not None
    assert consent.withdrawal_reason == "Moving away"
    assert AuditEvent.objects.filter(action="intake.consent_withdraw", subject=client_user).count() == 1
    mine = web.get(reverse("intake:my_intake")).content.decode()
    assert 'data-testid="consent-withdrawn"' in mine
    assert "Update my answers and consent again" in mine


def test_withdrawing_needs_the_confirmation_tick_and_keeps_the_reason_typed(login, client_user):
    submission = submit_intake(client_user)
    response = login(client_user).post(reverse("intake:consent_withdraw"), {"reason": "Privacy"})
    assert response.status_code == 200
    assert b"Please tick the box to confirm." in response.content
    assert b"Privacy" in response.content
    assert ConsentRecord.objects.get(submission=submission).withdrawn_at is None


def test_staff_see_consent_withdrawn_as_the_intake_status(withdrawn, client_user):
    status = selectors.intake_statuses(client_ids=[client_user.pk])[client_user.pk]
    assert status.status == "withdrawn"
    assert status.label == "Consent withdrawn"
    assert not status.is_complete
    assert selectors.intake_badges(status) == [("warning", "Consent withdrawn")]


def test_a_withdrawal_outranks_a_draft_started_since(withdrawn, client_user):
    fill_draft(client_user, steps=1)
    assert selectors.intake_statuses(client_ids=[client_user.pk])[client_user.pk].status == "withdrawn"


def test_the_review_page_shows_a_banner_instead_of_the_answers(login, withdrawn, practitioner):
    page = login(practitioner.user).get(reverse("intake:review", args=[withdrawn.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="consent-withdrawn-banner"' in html
    assert "How would you describe your skin?" not in html  # no question, no answer


def test_the_export_is_refused(login, withdrawn, practitioner):
    response = login(practitioner.user).get(reverse("intake:export", args=[withdrawn.pk]))
    assert response.status_code == 302
    assert response["Content-Type"] != "application/json"
    assert not AuditEvent.objects.filter(action="intake.export").exists()


def test_the_services_refuse_review_and_assessment_whatever_the_page(withdrawn, practitioner):
    with pytest.raises(services.IntakeError, match="withdrawn her consent"):
        services.intake_mark_reviewed(submission=withdrawn, practitioner=practitioner.user)
    with pytest.raises(services.IntakeError, match="withdrawn her consent"):
        services.intake_assessment_save(submission=withdrawn, practitioner=practitioner.user,
                                        data={"assessment": "x"}, mark_reviewed=False)
    withdrawn.refresh_from_db()
    assert withdrawn.reviewed_at is None


def test_mark_reviewed_on_a_withdrawn_intake_is_a_message_not_a_500(login, withdrawn, practitioner):
    response = login(practitioner.user).post(reverse("intake:mark_reviewed", args=[withdrawn.pk]), follow=True)
    assert response.status_code == 200
    assert b"withdrawn her consent" in response.content


def test_sending_the_questionnaire_again_gives_consent_again(login, withdrawn, client_user, practitioner):
    resubmitted = submit_intake(client_user)  # the update starts from her last answers and is signed anew

    assert resubmitted.is_current
    assert resubmitted.consent.withdrawn_at is None
    assert resubmitted.answers == withdrawn.answers
    assert selectors.intake_statuses(client_ids=[client_user.pk])[client_user.pk].status == "submitted"
    page = login(practitioner.user).get(reverse("intake:review", args=[resubmitted.pk]))
    assert b"consent-withdrawn-banner" not in page.content
    # The withdrawn one stays withdrawn: its answers are still not used.
    assert b"consent-withdrawn-banner" in login(practitioner.user).get(
        reverse("intake:review", args=[withdrawn.pk])).content


def test_nothing_to_withdraw_is_a_clear_message(login, client_user):
    with pytest.raises(services.IntakeError, match="no questionnaire with your consent"):
        services.intake_consent_withdraw(client=client_user)
    response = login(client_user).get(reverse("intake:consent_withdraw"), follow=True)
    assert b"There is no questionnaire with your consent to withdraw." in response.content


def test_withdrawing_twice_changes_nothing_the_second_time(withdrawn, client_user):
    first = ConsentRecord.objects.get(submission=withdrawn).withdrawn_at
    with pytest.raises(services.IntakeError):
        services.intake_consent_withdraw(client=client_user)
    assert ConsentRecord.objects.get(submission=withdrawn).withdrawn_at == first
    assert not IntakeSubmission.objects.filter(client=client_user, is_current=True).exists()


def test_the_progress_chart_no_longer_starts_from_the_withdrawn_answers(withdrawn, client_user):
    assert [p.label for p in selectors.progress_timeline(client=client_user)] == []
    submit_intake(client_user)
    assert [p.label for p in selectors.progress_timeline(client=client_user)] == ["Intake"]
