"""The pre-visit health check: each answer raises the right flag for that session, waits come from the clinic's
current settings held against the session's date, the client answers only her own upcoming sessions, every read
and write is audited, and the reminder links to it without naming anything clinical."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from booking.models import AppointmentStatus
from booking.notifications import appointment_message_build
from clinic.audit.models import AuditEvent
from clinic.notifications.models import Channel, Message, MessageKind
from intake import healthcheck
from intake.models import FlagLevel, HealthCheck, IntakeSettings
from tests.factories import AppointmentFactory, LocationFactory, PractitionerFactory, local
from tests.intake.helpers import health_check_post

# Monday 1 June 2026, 09:00 in London; the session is on Wednesday 3 June at 10:00, two days away.
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
DNT, REVIEW, NOTE = FlagLevel.DO_NOT_TREAT, FlagLevel.REVIEW, FlagLevel.NOTE

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def london(db):
    return LocationFactory(name="Islington", time_zone="Europe/London")


@pytest.fixture
def session(london, client_user):
    practitioner = PractitionerFactory(location=london)
    return AppointmentFactory(client=client_user, practitioner=practitioner,
                              starts_at=local(london, 2026, 6, 3, 10, 0))


def _submit(session, **overrides) -> HealthCheck:
    return healthcheck.health_check_submit(appointment=session, answers=health_check_post(**overrides),
                                           submitted_by=session.client, via=HealthCheck.Via.ONLINE)


def _flags(session) -> list[tuple[str, str]]:
    return [(f.code, f.level) for f in healthcheck.health_check_flags(appointment=session)]


@pytest.mark.parametrize(("answers", "expected"), [
    ({}, []),
    ({"acute_illness": "yes"}, [("acute_illness", DNT)]),
    ({"skin_infection": "yes"}, [("skin_infection", DNT)]),
    ({"medicines": ["anticoagulants"]}, [("anticoagulants", REVIEW)]),
    ({"medicines": ["isotretinoin"]}, [("isotretinoin", DNT)]),
    ({"medicines": ["other"], "other_medicine": "Something new"}, [("new_medicine", NOTE)]),
    ({"pregnancy": "yes"}, [("pregnancy", REVIEW)]),  # as the intake treats pregnancy
    ({"pregnancy": "maybe"}, [("pregnancy", REVIEW)]),
    ({"acute_illness": "yes", "medicines": ["anticoagulants", "other"], "other_medicine": "X"},
     [("acute_illness", DNT), ("anticoagulants", REVIEW), ("new_medicine", NOTE)]),
], ids=["all-clear", "cold", "cold-sore", "blood-thinner", "isotretinoin", "other-medicine", "pregnant",
        "might-be-pregnant", "several"])
def test_each_answer_raises_its_flag_for_that_session(session, answers, expected):
    _submit(session, **answers)
    assert _flags(session) == expected


def test_without_a_health_check_there_are_no_flags(session):
    assert healthcheck.health_check_flags(appointment=session) == []


def test_a_procedure_wait_comes_from_the_current_setting_and_counts_to_the_session_date(session):
    IntakeSettings.objects.filter(pk=IntakeSettings.load().pk).update(botox_wait_days=14)
    _submit(session, procedures="yes", botox_date="2026-05-25")
    flag, = healthcheck.health_check_flags(appointment=session)
    assert (flag.code, flag.level, flag.until) == ("botox_date", DNT, date(2026, 6, 8))

    # The manager shortens the wait: the flag follows at once. Over by the session (3 June) though not by
    # today (1 June): only a note, because it is the session's date that counts.
    IntakeSettings.objects.filter(pk=IntakeSettings.load().pk).update(botox_wait_days=9)
    flag, = healthcheck.health_check_flags(appointment=session)
    assert (flag.code, flag.level) == ("botox_date", NOTE)


def test_each_procedure_uses_its_own_setting(session):
    waits = IntakeSettings.load()
    _submit(session, procedures="yes", filler_date="2026-05-25", thread_lift_date="2026-05-25",
            laser_date="2026-05-25", peel_date="2026-05-25", microdermabrasion_date="2026-05-25",
            facelift_date="2026-05-25")
    untils = {f.code: f.until for f in healthcheck.health_check_flags(appointment=session)}
    start = date(2026, 5, 25)
    assert untils == {"filler_date": start + timedelta(days=waits.filler_wait_days),
                      "thread_lift_date": start + timedelta(days=waits.thread_lift_wait_days),
                      "laser_date": start + timedelta(days=waits.laser_wait_days),
                      "peel_date": start + timedelta(days=waits.peel_wait_days),
                      "microdermabrasion_date": start + timedelta(days=waits.microdermabrasion_wait_days),
                      "facelift_date": start + timedelta(days=waits.facelift_wait_days)}


def test_a_practitioners_review_clears_the_flags_until_the_answers_change(session):
    check = _submit(session, acute_illness="yes")
    practitioner = session.practitioner.user
    assert healthcheck.health_check_review(health_check=check, practitioner=practitioner,
                                           seen_submitted_at=check.submitted_at)
    assert _flags(session) == []
    _submit(session, skin_infection="yes")  # new answers need a new look
    assert _flags(session) == [("skin_infection", DNT)]


def test_a_review_of_answers_that_changed_since_is_refused(session, frozen):
    seen = _submit(session, acute_illness="yes")
    frozen.shift(60)
    _submit(session, acute_illness="yes", pregnancy="yes")
    with pytest.raises(healthcheck.HealthCheckError, match="changed after you opened"):
        healthcheck.health_check_review(health_check=seen, practitioner=session.practitioner.user,
                                        seen_submitted_at=seen.submitted_at)
    assert len(_flags(session)) == 2


def test_the_service_refuses_wrong_answers_with_a_plain_message(session):
    with pytest.raises(healthcheck.HealthCheckError, match="Nothing was saved"):
        _submit(session, procedures="yes")  # which treatment, and when?
    with pytest.raises(healthcheck.HealthCheckError, match="future"):
        _submit(session, procedures="yes", botox_date="2026-06-02")
    with pytest.raises(healthcheck.HealthCheckError, match="not both"):
        _submit(session, medicines=["none", "isotretinoin"])
    assert not HealthCheck.objects.exists()


def test_the_service_refuses_a_cancelled_or_checked_in_session(session):
    session.status = AppointmentStatus.ARRIVED
    session.save()
    with pytest.raises(healthcheck.HealthCheckError, match="checked in"):
        _submit(session)
    session.status = AppointmentStatus.CANCELLED
    session.save()
    with pytest.raises(healthcheck.HealthCheckError, match="cancelled"):
        _submit(session)
    assert not HealthCheck.objects.exists()


# -- the client's page ---------------------------------------------------------------------------------

def _url(session) -> str:
    return reverse("intake:health_check", args=[session.pk])


def test_the_client_answers_and_is_thanked(login, session, client_user):
    c = login(client_user)
    page = c.get(_url(session))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    response = c.post(_url(session), health_check_post(pregnancy="maybe"))
    assert response["Location"] == _url(session)
    check = HealthCheck.objects.get(appointment=session)
    assert (check.via, check.submitted_by, check.answers["pregnancy"]) == ("online", client_user, "maybe")
    assert check.flags == [{"code": "pregnancy", "level": "review", "reason": "Health check: might be pregnant",
                            "until": None}]
    html = c.get(_url(session)).content.decode()
    assert "Thank you" in html and "Update my answers" in html


def test_a_slip_is_shown_and_what_was_typed_is_kept(login, session, client_user):
    response = login(client_user).post(_url(session), health_check_post(procedures="yes", acute_illness="yes",
                                                                         botox_date="2026-07-01"))
    assert response.status_code == 200
    assert "This date is in the future" in response.content.decode()
    assert response.context["form"].data["acute_illness"] == "yes"
    assert not HealthCheck.objects.exists()


def test_another_clients_appointment_is_not_found(login, session, other_client):
    c = login(other_client)
    assert c.get(_url(session)).status_code == 404
    assert c.post(_url(session), health_check_post()).status_code == 404
    assert not HealthCheck.objects.exists()


@pytest.mark.parametrize(("status", "starts", "message"), [
    (AppointmentStatus.CANCELLED, (2026, 6, 3, 10), "was cancelled"),
    (AppointmentStatus.COMPLETED, (2026, 5, 29, 10), "already taken place"),
    (AppointmentStatus.BOOKED, (2026, 6, 8, 10), "opens 3 days before"),
], ids=["cancelled", "past", "too-early"])
def test_a_session_it_cannot_be_answered_for_says_why(login, london, client_user, status, starts, message):
    appointment = AppointmentFactory(client=client_user, practitioner=PractitionerFactory(location=london),
                                     starts_at=local(london, *starts), status=status)
    c = login(client_user)
    page = c.get(_url(appointment))
    assert page.status_code == 200 and message in page.content.decode()
    c.post(_url(appointment), health_check_post())
    assert not HealthCheck.objects.exists()


def test_reads_and_writes_are_audited_without_the_answers(login, session, client_user):
    c = login(client_user)
    c.post(_url(session), health_check_post(acute_illness="yes"))
    c.get(_url(session))
    check = HealthCheck.objects.get()
    practitioner = session.practitioner.user
    login(practitioner).get(reverse("intake:health_check_answers", args=[session.pk]))
    rows = list(AuditEvent.objects.filter(object_type="intake.healthcheck").order_by("id")
                .values_list("action", "actor", "subject", "object_id"))
    assert rows == [("health_check.submit", client_user.pk, client_user.pk, str(check.pk)),
                    ("health_check.view", client_user.pk, client_user.pk, str(check.pk)),
                    ("health_check.view", practitioner.pk, client_user.pk, str(check.pk))]


# -- the reminder ------------------------------------------------------------------------------------

def test_the_reminder_carries_the_link_and_nothing_clinical(session, settings):
    settings.SITE_URL = "https://clinic.example"
    _submit(session, skin_infection="yes", medicines=["isotretinoin"], pregnancy="yes")
    message = Message.objects.create(key="test:reminder", kind=MessageKind.REMINDER, channel=Channel.EMAIL,
                                     recipient=session.client, appointment=session,
                                     for_starts_at=session.starts_at, params={"hours": 48}, due_at=NOW)
    outgoing = appointment_message_build(message)
    link = f"https://clinic.example/intake/health-check/{session.pk}/"
    line = "Before your visit, please answer a short health check (1 minute):"
    assert f"{line} {link}" in outgoing.text
    assert line in outgoing.html and f'href="{link}"' in outgoing.html
    everything = "\n".join([outgoing.subject, outgoing.text, outgoing.html, outgoing.sms]).lower()
    for word in ("cold sore", "isotretinoin", "pregnan", "infection", "do not treat", "flag"):
        assert word not in everything
