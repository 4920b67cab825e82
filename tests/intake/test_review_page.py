"""The practitioner's review page: flags first, pattern bars with their drivers, concerns, goals, the plan."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from booking.models import AppointmentStatus
from intake.definitions import QUESTIONNAIRE
from intake.models import Assessment, IntakeFlag, IntakeSubmission
from tests.factories import AppointmentFactory, ClientFactory, PractitionerFactory
from tests.helpers import AUDIT_CHAIN_QUERIES
from tests.intake.helpers import submit_intake, valid_answers

PLAN = {"assessment": "Lung heat with yin deficiency.", "plan_sessions": 10, "plan_frequency": "weekly",
        "face_points": "LI20, ST3", "body_points": "LU7, LI4", "needle_count": 40}


@pytest.fixture
def chloe(db):
    return ClientFactory(first_name="Chloe", last_name="Martin")


def _treated(client):
    """A practitioner who treated ``client`` long ago: the client is in her care (and "the next session" stays
    each test's own)."""
    practitioner = PractitionerFactory()
    AppointmentFactory(client=client, practitioner=practitioner, status=AppointmentStatus.COMPLETED,
                       starts_at=datetime(2020, 1, 6, 10, tzinfo=ZoneInfo("Europe/London")))
    return practitioner.user


@pytest.fixture
def practitioner(chloe):
    return _treated(chloe)


def _review(c, submission):
    return c.get(reverse("intake:review", args=[submission.pk]))


def test_flags_come_before_the_pattern_bars(login, practitioner, chloe):
    submission = submit_intake(chloe, valid_answers(anticoagulants="yes", diabetes="yes"))
    html = _review(login(practitioner), submission).content.decode()
    assert html.index("Takes blood-thinning medicine") < html.index("TCM patterns")
    assert "Practitioner must review" in html and "Diabetes" in html
    assert "Needs review" in html


def test_each_pattern_has_a_bar_its_score_and_the_answers_behind_it(login, practitioner, chloe):
    submission = submit_intake(chloe, valid_answers(signals={"heat": [4, 5, 1, 3, 2, 4], "lung_qi": 1}))
    response = _review(login(practitioner), submission)
    html = response.content.decode()
    assert 'data-testid="score-heat">54.2<' in html
    assert 'aria-label="Lung and stomach heat: 54.2 out of 100, present"' in html
    assert "My face looks flushed or red</span> (always)" in html
    assert 'data-testid="score-lung_qi">0<' in html
    assert [p.key for p in response.context["patterns"]][0] == "heat"


def test_the_yin_yang_summary_is_shown(login, practitioner, chloe):
    submission = submit_intake(chloe, valid_answers(signals={"yin_deficiency": 5, "yang_deficiency": 1}))
    html = _review(login(practitioner), submission).content.decode()
    assert "Yin is the weaker side" in html


def test_concerns_are_listed_worst_first_with_how_long(login, practitioner, chloe):
    submission = submit_intake(chloe, valid_answers(concerns={"acne": (1, "3_12m"), "fine_lines": (3, "over_5y")}))
    response = _review(login(practitioner), submission)
    assert [(c["label"], c["severity_label"], c["duration_label"]) for c in response.context["concerns"]] == [
        ("Fine lines and wrinkles", "Severe", "More than 5 years"), ("Acne or breakouts", "Mild", "3 to 12 months")]


def test_goals_lifestyle_and_every_answer_are_on_the_page(login, practitioner, chloe):
    submission = submit_intake(chloe, valid_answers(reasons=["self_care"], stress="very_high",
                                                    other_conditions="Mild asthma"))
    html = _review(login(practitioner), submission).content.decode()
    assert "Self-care and stress relief" in html
    assert "Very high" in html
    assert "Mild asthma" in html


@time_machine.travel("2026-03-10 09:00Z")
def test_a_wait_that_blocks_the_next_session_gives_the_earliest_date(login, practitioner, chloe):
    AppointmentFactory(client=chloe, starts_at=datetime(2026, 3, 12, 10, tzinfo=ZoneInfo("Europe/London")))
    submission = submit_intake(chloe, valid_answers(botox_date="2026-03-05"))
    html = _review(login(practitioner), submission).content.decode()
    assert "stop treatment" in html or "stops treatment" in html
    assert "Earliest suitable date: <strong>Thu 19 Mar 2026</strong>" in html


def test_saving_the_plan_and_marking_reviewed(login, practitioner, chloe):
    submission = submit_intake(chloe)
    c = login(practitioner)
    response = c.post(reverse("intake:assessment_save", args=[submission.pk]), {**PLAN, "mark_reviewed": "1"})
    assert response["Location"] == reverse("intake:review", args=[submission.pk])
    submission.refresh_from_db()
    assert submission.reviewed_by == practitioner and submission.reviewed_at is not None
    assessment = Assessment.objects.get(submission=submission)
    assert (assessment.plan_sessions, assessment.needle_count, assessment.face_points) == (10, 40, "LI20, ST3")
    assert "Reviewed" in _review(c, submission).content.decode()


def test_saving_without_marking_reviewed_keeps_it_waiting(login, practitioner, chloe):
    submission = submit_intake(chloe)
    login(practitioner).post(reverse("intake:assessment_save", args=[submission.pk]), PLAN)
    assert IntakeSubmission.objects.get(pk=submission.pk).reviewed_at is None
    assert Assessment.objects.filter(submission=submission).exists()


def test_a_bad_plan_is_explained_and_the_input_kept(login, practitioner, chloe):
    submission = submit_intake(chloe)
    response = login(practitioner).post(reverse("intake:assessment_save", args=[submission.pk]),
                                        {**PLAN, "plan_sessions": "0", "assessment": "My careful notes"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "My careful notes" in html
    assert "Ensure this value is greater than or equal to 1." in html
    assert not Assessment.objects.exists()


def test_the_first_reviewer_wins(login, practitioner, chloe):
    submission = submit_intake(chloe)
    other = _treated(chloe)
    login(practitioner).post(reverse("intake:mark_reviewed", args=[submission.pk]))
    login(other).post(reverse("intake:mark_reviewed", args=[submission.pk]))
    assert IntakeSubmission.objects.get(pk=submission.pk).reviewed_by == practitioner


def test_a_practitioner_clears_a_flag_once_checked(login, practitioner, chloe):
    submission = submit_intake(chloe, valid_answers(skin_infection="yes"))
    flag = submission.flags.get()
    login(practitioner).post(reverse("intake:flag_clear", args=[flag.pk]))
    flag = IntakeFlag.objects.get(pk=flag.pk)
    assert flag.cleared_by == practitioner and flag.cleared_at is not None


def test_an_update_shows_which_answers_changed(login, practitioner, chloe):
    submit_intake(chloe, valid_answers(products="Old routine"))
    update = submit_intake(chloe, valid_answers(products="New routine", diabetes="yes"))
    response = _review(login(practitioner), update)
    assert response.context["changed"] == {"products", "diabetes"}
    assert "2 changed since the previous intake" in response.content.decode()


def test_the_export_is_a_json_copy_with_version_consent_and_answers(login, practitioner, chloe):
    submission = submit_intake(chloe, valid_answers(products="Rosehip oil", diabetes="yes"))
    response = login(practitioner).get(reverse("intake:export", args=[submission.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="intake-{submission.pk}.json"'
    data = json.loads(response.content)
    assert data["questionnaire_version"] == QUESTIONNAIRE["version"]
    assert data["consent"]["typed_name"] == "Chloe Martin"
    assert data["flags"][0]["reason"].startswith("Diabetes")
    assert {"section": "About you and your skin", "question": "Which products do you use on your face most days?",
            "answer": "Rosehip oil"} in data["answers"]


def test_an_older_submission_says_it_was_replaced(login, practitioner, chloe):
    first = submit_intake(chloe)
    submit_intake(chloe)
    html = _review(login(practitioner), first).content.decode()
    assert "an earlier version" in html


def test_the_review_page_reads_in_a_fixed_number_of_queries(login, practitioner, chloe, django_assert_num_queries):
    submission = submit_intake(chloe, valid_answers(diabetes="yes", epilepsy="yes", botox_date=(
        datetime.now().date() - timedelta(days=3)).isoformat()))
    c = login(practitioner)
    # clinic settings, session, user, submission (+ client, version, reviewer, consent), the care relationship,
    # flags, next appointment, assessment, the audit row, history; the screening gate (current intake, its flags,
    # intake settings, approvals for the date) and the approvals listed on the page
    with django_assert_num_queries(15 + AUDIT_CHAIN_QUERIES):
        _review(c, submission)
