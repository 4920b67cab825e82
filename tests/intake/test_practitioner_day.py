"""The practitioner's landing page: today's sessions in the clinic's zone with intake status and links."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from booking.models import AppointmentStatus
from clinic.core.models import ClinicSettings
from intake import services
from intake.models import TreatmentNote
from tests.factories import AppointmentFactory, ClientFactory, LocationFactory, PractitionerFactory
from tests.intake.helpers import submit_intake, valid_answers

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")


@pytest.fixture
def practitioner(db):
    return PractitionerFactory()


def _at(practitioner, when, **kwargs):
    return AppointmentFactory(practitioner=practitioner, starts_at=when,
                              client=kwargs.pop("client", None) or ClientFactory(), **kwargs)


def _day(c, **params):
    return c.get(reverse("intake:practitioner_day"), params)


@time_machine.travel("2026-06-10 07:00Z")
def test_it_lists_todays_sessions_with_intake_status_and_links(login, practitioner):
    chloe = ClientFactory(first_name="Chloe", last_name="Martin")
    appointment = _at(practitioner, datetime(2026, 6, 10, 10, 0, tzinfo=LONDON), client=chloe)
    submission = submit_intake(chloe, valid_answers(epilepsy="yes"))
    response = _day(login(practitioner.user))
    html = response.content.decode()
    assert "Chloe Martin" in html and "10:00" in html
    assert "Flags to review" in html
    assert reverse("intake:review", args=[submission.pk]) in html
    # 08:00 in London, the session is at 10:00: the note is offered once it has started.
    assert reverse("intake:treatment_note", args=[appointment.pk]) not in html


@time_machine.travel("2026-06-10 07:00Z")
def test_other_days_other_practitioners_and_cancellations_are_not_listed(login, practitioner):
    _at(practitioner, datetime(2026, 6, 11, 10, 0, tzinfo=LONDON))
    _at(practitioner, datetime(2026, 6, 10, 11, 0, tzinfo=LONDON), status=AppointmentStatus.CANCELLED)
    _at(PractitionerFactory(), datetime(2026, 6, 10, 12, 0, tzinfo=LONDON))
    assert _day(login(practitioner.user)).context["rows"] == []


@time_machine.travel("2026-10-25 12:00Z")
def test_the_day_follows_the_clinic_zone_on_the_autumn_clock_change(login, practitioner):
    # 25 Oct 2026 in London lasts 25 hours: 24 Oct 23:00 UTC to 26 Oct 00:00 UTC.
    early = _at(practitioner, datetime(2026, 10, 25, 0, 30, tzinfo=LONDON))  # 24 Oct 23:30 UTC
    late = _at(practitioner, datetime(2026, 10, 25, 23, 30, tzinfo=LONDON))
    _at(practitioner, datetime(2026, 10, 26, 1, 0, tzinfo=LONDON))
    _at(practitioner, datetime(2026, 10, 24, 22, 0, tzinfo=LONDON))
    response = _day(login(practitioner.user))
    assert [r["appointment"] for r in response.context["rows"]] == [early, late]
    assert [r["local_start"].strftime("%H:%M") for r in response.context["rows"]] == ["00:30", "23:30"]


@time_machine.travel("2026-03-08 15:00Z")
def test_the_day_follows_the_clinic_zone_on_the_spring_clock_change_in_new_york(login, practitioner):
    ClinicSettings.objects.filter(pk=1).update(time_zone="America/New_York")
    location = LocationFactory(time_zone="America/New_York")
    ny = PractitionerFactory(location=location)
    # 8 Mar 2026 in New York lasts 23 hours; 23:30 EDT is 03:30 UTC the next day.
    late = _at(ny, datetime(2026, 3, 8, 23, 30, tzinfo=NEW_YORK))
    _at(ny, datetime(2026, 3, 9, 1, 0, tzinfo=NEW_YORK))
    response = _day(login(ny.user))
    assert [r["appointment"] for r in response.context["rows"]] == [late]
    assert "23:30" in response.content.decode()


@time_machine.travel("2026-06-10 07:00Z")
def test_another_day_can_be_opened(login, practitioner):
    tomorrow = _at(practitioner, datetime(2026, 6, 11, 9, 0, tzinfo=LONDON))
    response = _day(login(practitioner.user), date="2026-06-11")
    assert [r["appointment"] for r in response.context["rows"]] == [tomorrow]
    assert _day(login(practitioner.user), date="not-a-date").status_code == 200


@time_machine.travel("2026-06-10 07:00Z")
def test_a_written_note_and_a_due_reassessment_are_shown(login, practitioner):
    chloe = ClientFactory()
    for month, day in [(5, 13), (5, 20), (5, 27), (6, 3)]:  # four completed sessions: today is the fifth
        _at(practitioner, datetime(2026, month, day, 10, 0, tzinfo=LONDON), client=chloe,
            status=AppointmentStatus.COMPLETED)
    today = _at(practitioner, datetime(2026, 6, 10, 10, 0, tzinfo=LONDON), client=chloe)
    TreatmentNote.objects.create(appointment=today, practitioner=practitioner.user, needle_count=40)
    row = _day(login(practitioner.user)).context["rows"][0]
    assert row["note"] is not None
    assert row["reassess_due"] == 5
    html = _day(login(practitioner.user)).content.decode()
    assert "re-assess at session 5" in html and "note written" in html


def test_an_account_without_a_practitioner_profile_sees_an_explanation(login, db):
    from tests.factories import UserFactory

    html = _day(login(UserFactory(role="practitioner"))).content.decode()
    assert "not linked to a practitioner profile" in html


@pytest.mark.parametrize("count", [2, 12])
def test_the_number_of_queries_does_not_grow_with_the_day(login, practitioner, django_assert_num_queries, count):
    with time_machine.travel("2026-06-10 06:00Z"):
        for index in range(count):
            client = ClientFactory()
            # 80 minutes apart: a session and its buffer never overlap (PostgreSQL refuses that)
            _at(practitioner, datetime(2026, 6, 10, 7, 0, tzinfo=LONDON) + timedelta(minutes=80 * index),
                client=client)
            if index % 2:
                services.intake_mark_reviewed(submission=submit_intake(client, valid_answers(diabetes="yes")),
                                              practitioner=practitioner.user)
            else:  # today is their fifth session: a re-assessment is in view, so its query runs too
                for week in range(1, 5):
                    _at(practitioner, datetime(2026, 6, 10, 7, 0, tzinfo=LONDON) + timedelta(minutes=80 * index)
                        - timedelta(weeks=week), client=client, status=AppointmentStatus.COMPLETED)
        c = login(practitioner.user)
        # session, user, clinic settings, practitioner, appointments (+ client, room, note joins),
        # submissions, flags, reminders, the clients' counted sessions, intake settings (read once for the whole
        # request), re-assessments; the screening gate for the badges (current intakes, their flags, approvals)
        # and for each session (the same three, and open health checks)
        with django_assert_num_queries(18):
            response = _day(c)
    assert len(response.context["rows"]) == count
