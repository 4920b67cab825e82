"""intake_statuses: what the front desk and practitioners see of an intake, in a constant number of queries."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from intake import services
from intake.models import IntakeFlag
from intake.selectors import IntakeStatus, intake_statuses, statuses_for_dates
from tests.factories import ClientFactory
from tests.intake.helpers import fill_draft, in_care_of, submit_intake, valid_answers


def test_no_clients_no_queries(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert intake_statuses(client_ids=[]) == {}


def test_each_state_has_a_status_and_a_label(db):
    missing, drafting, sent, reviewed = ClientFactory.create_batch(4)
    fill_draft(drafting, steps=2)
    submit_intake(sent)
    services.intake_mark_reviewed(submission=submit_intake(reviewed), practitioner=in_care_of(reviewed))

    result = intake_statuses(client_ids=[missing.pk, drafting.pk, sent.pk, reviewed.pk])

    assert {k: v.status for k, v in result.items()} == {
        missing.pk: "missing", drafting.pk: "draft", sent.pk: "submitted", reviewed.pk: "reviewed"}
    assert result[missing.pk].label == "Intake missing"
    assert result[drafting.pk].label == "Intake unfinished"
    assert result[sent.pk].label == "Intake awaiting review"
    assert result[reviewed.pk].label == "Intake reviewed"
    assert not any(s.has_flags or s.needs_review for s in result.values())


def test_an_update_in_progress_keeps_the_sent_status(db):
    client = ClientFactory()
    submit_intake(client)
    services.intake_draft_start(client=client)
    assert intake_statuses(client_ids=[client.pk])[client.pk].status == "submitted"


def test_a_note_flag_shows_as_flags_but_needs_no_review(db):
    client = ClientFactory()
    submit_intake(client, valid_answers(diabetes="yes"))
    status = intake_statuses(client_ids=[client.pk])[client.pk]
    assert status.has_flags and not status.needs_review
    assert status.label == "Intake awaiting review · has flags" and status.badge == "secondary"


def test_a_review_flag_needs_review_until_the_intake_is_reviewed(db):
    client = ClientFactory()
    submission = submit_intake(client, valid_answers(epilepsy="yes"))
    status = intake_statuses(client_ids=[client.pk])[client.pk]
    assert status.needs_review and status.label == "Flags to review"
    assert status.badge == "warning"  # amber: to do before the session; red is for what stops it

    services.intake_mark_reviewed(submission=submission, practitioner=in_care_of(submission.client))
    status = intake_statuses(client_ids=[client.pk])[client.pk]
    assert status.status == "reviewed" and status.has_flags and not status.needs_review
    assert (status.badge, status.label) == ("success", "Intake reviewed · flags noted")  # nothing to do


@time_machine.travel("2026-03-10 09:00Z")
def test_a_wait_needs_review_only_for_sessions_inside_it(db):
    client = ClientFactory()
    submit_intake(client, valid_answers(botox_date="2026-03-05"))  # no treatment before 19 March

    inside = intake_statuses(client_ids=[client.pk], on_date=date(2026, 3, 18))[client.pk]
    after = intake_statuses(client_ids=[client.pk], on_date=date(2026, 3, 19))[client.pk]

    assert inside.needs_review and inside.blocked_until == date(2026, 3, 19)
    assert not after.needs_review and after.has_flags


@time_machine.travel("2026-03-10 09:00Z")
def test_on_date_defaults_to_today_in_the_clinic_zone(db):
    client = ClientFactory()
    submit_intake(client, valid_answers(botox_date="2026-03-05"))
    assert intake_statuses(client_ids=[client.pk])[client.pk].needs_review


def test_a_blocking_flag_still_needs_review_after_the_intake_is_reviewed_until_cleared(db):
    client = ClientFactory()
    submission = submit_intake(client, valid_answers(acute_illness="yes"))
    practitioner = in_care_of(submission.client)
    services.intake_mark_reviewed(submission=submission, practitioner=practitioner)
    assert intake_statuses(client_ids=[client.pk])[client.pk].needs_review

    services.intake_flag_clear(flag=submission.flags.get(), practitioner=practitioner)
    status = intake_statuses(client_ids=[client.pk])[client.pk]
    assert not status.needs_review and not status.has_flags  # cleared flags no longer count


def test_statuses_can_be_judged_per_client_date(db):
    with time_machine.travel("2026-03-10 09:00Z"):
        a, b = ClientFactory.create_batch(2)
        submit_intake(a, valid_answers(botox_date="2026-03-05"))
        submit_intake(b, valid_answers(botox_date="2026-03-05"))
    result = statuses_for_dates({a.pk: date(2026, 3, 12), b.pk: date(2026, 3, 25)})
    assert result[a.pk].needs_review and not result[b.pk].needs_review


def test_the_last_reminder_time_is_reported(db, django_capture_on_commit_callbacks):
    client = ClientFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.intake_request_send(client=client)
    status = intake_statuses(client_ids=[client.pk])[client.pk]
    assert status.last_requested_at is not None
    assert timezone.now() - status.last_requested_at < timedelta(minutes=1)


@pytest.mark.parametrize("count", [2, 25])
def test_it_takes_a_constant_number_of_queries(db, django_assert_num_queries, count):
    clients = ClientFactory.create_batch(count)
    for index, client in enumerate(clients):
        if index % 3 == 0:
            submit_intake(client, valid_answers(epilepsy="yes", diabetes="yes"))
        elif index % 3 == 1:
            fill_draft(client, steps=1)
    # submissions, open flags, last reminders (on_date given, so no clinic-settings read); the screening gate
    # judging the date live: current intakes, their flags, intake settings, approvals
    with django_assert_num_queries(7):
        result = intake_statuses(client_ids=[c.pk for c in clients], on_date=date(2026, 3, 10))
    assert len(result) == count
    assert isinstance(next(iter(result.values())), IntakeStatus)


def test_cleared_flags_are_not_loaded(db):
    client = ClientFactory()
    submission = submit_intake(client, valid_answers(diabetes="yes"))
    IntakeFlag.objects.filter(submission=submission).update(cleared_at=timezone.now())
    assert not intake_statuses(client_ids=[client.pk])[client.pk].has_flags
