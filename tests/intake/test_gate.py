"""The screening gate's verdict (``intake.gate``): judged live for the session's date with the clinic's current
settings, cleared flags stay cleared, services declare which flags apply, and old intakes must be renewed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from intake import gate, services
from intake.models import IntakeFlag, IntakeSettings
from tests.factories import AppointmentFactory, ClientFactory, PractitionerFactory, ServiceFactory, local
from tests.intake.helpers import in_care_of, submit_intake, valid_answers

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday
TODAY = date(2026, 12, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _settings(**values) -> None:
    IntakeSettings.load()
    IntakeSettings.objects.filter(pk=1).update(**values)


def _client_with(**answers):
    client = ClientFactory(first_name="Chloe")
    submit_intake(client, valid_answers(**answers))
    return client


def _verdict(client, day: date, service=None):
    return gate.screening_verdict(client=client, service=service or ServiceFactory(), day=day)


def test_botox_two_days_ago_blocks_until_the_wait_is_over():
    client = _client_with(botox_date="2026-11-29")

    verdict = _verdict(client, TODAY)

    assert verdict.blocked and verdict.stops
    assert verdict.earliest == date(2026, 12, 13)  # 29 Nov + 14 days
    assert "Sunday 13 December 2026" in verdict.client_message
    assert "13 Dec 2026" in verdict.staff_message
    assert "Botox" in " ".join(verdict.clinical_reasons)
    for text in (verdict.client_message, verdict.staff_message):
        assert "botox" not in text.lower()
    assert not _verdict(client, date(2026, 12, 13)).blocked  # the first day after the wait is fine


def test_waits_come_from_the_current_settings_not_those_at_submission():
    client = _client_with(botox_date="2026-11-29")
    _settings(botox_wait_days=30)

    assert _verdict(client, date(2026, 12, 20)).blocked
    assert _verdict(client, TODAY).earliest == date(2026, 12, 29)
    assert IntakeFlag.objects.get(code="botox_date").until == date(2026, 12, 13)  # stored as it was, not used


def test_a_wait_longer_than_a_year_still_blocks():
    procedure = TODAY - timedelta(days=400)
    client = _client_with(facelift_date=procedure.isoformat())
    _settings(facelift_wait_days=500)

    verdict = _verdict(client, TODAY)

    assert verdict.blocked and verdict.earliest == procedure + timedelta(days=500)


def test_a_procedure_after_the_session_date_does_not_stop_that_session():
    client = _client_with(botox_date="2026-11-29")

    assert not _verdict(client, date(2026, 11, 25)).blocked


def test_a_do_not_treat_flag_without_end_blocks_until_a_practitioner_clears_it():
    client = _client_with(blood_pressure="uncontrolled")
    verdict = _verdict(client, TODAY + timedelta(days=200))
    assert verdict.blocked and verdict.earliest is None
    assert "contact us" in verdict.client_message and "pressure" not in verdict.client_message

    services.intake_flag_clear(flag=IntakeFlag.objects.get(code="blood_pressure"),
                               practitioner=in_care_of(client))

    assert not _verdict(client, TODAY).blocked


def test_a_cleared_wait_stays_cleared_even_when_the_settings_lengthen_it():
    client = _client_with(botox_date="2026-11-29")
    services.intake_flag_clear(flag=IntakeFlag.objects.get(code="botox_date"), practitioner=in_care_of(client))
    _settings(botox_wait_days=60)

    assert not _verdict(client, TODAY).blocked


def test_a_service_without_facial_needling_ignores_the_flags_it_does_not_declare():
    client = _client_with(botox_date="2026-11-29", blood_pressure="uncontrolled")
    body_only = ServiceFactory(name="Body acupuncture", screening_codes=["blood_pressure"])
    facial = ServiceFactory()

    assert _verdict(client, TODAY, facial).blocking_codes == ("blood_pressure", "botox_date")
    assert _verdict(client, TODAY, body_only).blocking_codes == ("blood_pressure",)
    services.intake_flag_clear(flag=IntakeFlag.objects.get(code="blood_pressure"),
                               practitioner=in_care_of(client))
    assert not _verdict(client, TODAY, body_only).blocked  # the Botox wait does not apply to it
    assert _verdict(client, TODAY, facial).blocked


def test_needs_review_lets_the_client_book_but_holds_the_session_until_reviewed():
    client = _client_with(migraines="recent")
    verdict = _verdict(client, TODAY)
    assert not verdict.blocked and verdict.needs_review and verdict.holds_session
    assert verdict.session_problem(first_name="Chloe") == (
        "A practitioner must review Chloe's questionnaire before Chloe can be checked in.")

    services.intake_mark_reviewed(submission=client.intake_submissions.get(), practitioner=in_care_of(client))

    assert not _verdict(client, TODAY).holds_session


def test_an_intake_older_than_the_clinic_allows_must_be_renewed():
    client = ClientFactory()
    with time_machine.travel(datetime(2025, 11, 20, 10, 0, tzinfo=UTC), tick=False):
        submit_intake(client, valid_answers())

    assert not _verdict(client, date(2026, 11, 20)).renewal_due  # twelve months to the day
    verdict = _verdict(client, TODAY)
    assert verdict.renewal_due and not verdict.blocked and verdict.holds_session
    assert "more than 12 months old" in verdict.session_problem(first_name="Ann")
    _settings(intake_valid_months=24)
    assert not _verdict(client, TODAY).renewal_due


def test_no_intake_no_verdict_against_the_session():
    assert not _verdict(ClientFactory(), TODAY).holds_session


def test_the_bulk_verdicts_agree_and_take_a_fixed_number_of_queries(django_assert_num_queries):
    practitioner = PractitionerFactory()
    location = practitioner.locations.get()
    clients = [_client_with(botox_date="2026-11-29"), _client_with(), _client_with(migraines="recent")]
    sessions = [AppointmentFactory(client=c, practitioner=practitioner,
                                   starts_at=local(location, 2026, 12, day, 9 + 2 * index))
                for index, c in enumerate(clients) for day in (3, 14)]
    sessions = [type(a).objects.select_related("service", "location").get(pk=a.pk) for a in sessions]

    # the current intakes, their flags, the settings, the approvals, open health checks
    with django_assert_num_queries(5):
        verdicts = gate.screening_verdicts(appointments=sessions)

    assert [verdicts[a.pk].stops for a in sessions] == [True, False, False, False, False, False]
    assert [verdicts[a.pk].needs_review for a in sessions] == [False, False, False, False, True, True]
    for a in sessions:
        assert verdicts[a.pk] == gate.appointment_verdict(appointment=a)
