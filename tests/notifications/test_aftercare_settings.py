"""Aftercare as the clinic shapes it: the manager's text per service, the practitioner's addition on the
treatment note (with the email's state shown beside it), and the client's choice not to get it."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from booking import services
from booking.models import AppointmentStatus, Service
from clinic.accounts.roles import grant_manager_rights
from clinic.notifications.models import Message, MessageKind, MessageState
from clinic.notifications.services import messages_dispatch
from intake.models import TreatmentNote
from tests import factories
from tests.factories import local

NOTE = {"face_points": "LI20, ST3", "body_points": "LU7", "needle_count": 40, "retention_minutes": 25,
        "reactions": ["none"], "notes": "Calm session."}
ADDITION = "A cold compress tonight helps with the small mark near your jaw."


@pytest.fixture
def london():
    return factories.LocationFactory(name="Islington", phone="020 7946 0999", time_zone="Europe/London")


@pytest.fixture
def service():
    return factories.ServiceFactory(name="Facial acupuncture", duration_minutes=60)


@pytest.fixture
def practitioner(london, service):
    return factories.PractitionerFactory(location=london, services=[service], user__first_name="Ana")


@pytest.fixture
def session(practitioner, london, client_user):
    """Chloe's session on Wednesday 25 March 2026, 10:00-11:00 London (GMT)."""
    return factories.AppointmentFactory(client=client_user, practitioner=practitioner,
                                        starts_at=local(london, 2026, 3, 25, 10, 0))


@pytest.fixture
def complete(django_capture_on_commit_callbacks):
    """``complete(appointment, actor)``: check the client in and mark the session completed."""

    def _complete(appointment, actor):
        for status in (AppointmentStatus.ARRIVED, AppointmentStatus.COMPLETED):
            with django_capture_on_commit_callbacks(execute=True):
                appointment = services.appointment_set_status(appointment=appointment, status=status, actor=actor)
        return appointment

    return _complete


def _dispatch(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        messages_dispatch()


def _aftercare_emails() -> list:
    return [m for m in mail.outbox if "aftercare note" in m.subject]


def _note_url(appointment) -> str:
    return reverse("intake:treatment_note", args=[appointment.pk])


def test_an_addition_written_before_the_email_goes_is_in_it(login, session, london, practitioner, complete,
                                                            django_capture_on_commit_callbacks):
    with time_machine.travel(local(london, 2026, 3, 25, 11, 5), tick=False):
        complete(session, practitioner.user)  # the clinic's default delay: 60 minutes
    c = login(practitioner.user)
    with time_machine.travel(local(london, 2026, 3, 25, 11, 20), tick=False):
        page = c.get(_note_url(session)).content.decode()
        assert "Added to the aftercare email" in page
        assert "Aftercare email:</strong> will be sent at 12:05" in page
        response = c.post(_note_url(session), {**NOTE, "aftercare_addition": ADDITION})
        assert response.status_code == 302
    assert TreatmentNote.objects.get(appointment=session).aftercare_addition == ADDITION
    assert _aftercare_emails() == []

    with time_machine.travel(local(london, 2026, 3, 25, 12, 6), tick=False):
        _dispatch(django_capture_on_commit_callbacks)

    [email] = _aftercare_emails()
    html = email.alternatives[0][0]
    for text in ("No make-up for about 12 hours", "drink plenty of water", "Use sunscreen", ADDITION):
        assert text in email.body
        assert text in html
    assert re.search(r"^A few simple steps help your skin make the most of the treatment:$", email.body, re.MULTILINE)
    assert Message.objects.get(appointment=session, kind=MessageKind.AFTERCARE).state == MessageState.SENT


def test_after_it_is_sent_the_note_page_says_a_new_addition_will_not_reach_the_client(
        login, session, london, practitioner, complete, django_capture_on_commit_callbacks):
    with time_machine.travel(local(london, 2026, 3, 25, 11, 5), tick=False):
        complete(session, practitioner.user)
    with time_machine.travel(local(london, 2026, 3, 25, 12, 7), tick=False):
        _dispatch(django_capture_on_commit_callbacks)
    with time_machine.travel(local(london, 2026, 3, 25, 15, 0), tick=False):
        c = login(practitioner.user)
        c.post(_note_url(session), {**NOTE, "aftercare_addition": "Too late for the email."})
        page = c.get(_note_url(session)).content.decode()
        _dispatch(django_capture_on_commit_callbacks)
    assert "sent at 12:07 — additions written now are not included" in page
    assert len(_aftercare_emails()) == 1
    assert "Too late for the email." not in _aftercare_emails()[0].body


def test_the_send_time_is_the_locations_wall_clock_not_the_clinics(login, client_user, complete):
    new_york = factories.LocationFactory(name="SoHo", time_zone="America/New_York")
    practitioner = factories.PractitionerFactory(location=new_york)
    # Saturday 7 March 2026, the day before New York's clocks go forward; the clinic is in London.
    session = factories.AppointmentFactory(client=client_user, practitioner=practitioner,
                                           starts_at=local(new_york, 2026, 3, 7, 13, 0))
    with time_machine.travel(local(new_york, 2026, 3, 7, 14, 5), tick=False):
        complete(session, practitioner.user)
        page = login(practitioner.user).get(_note_url(session)).content.decode()
    assert "will be sent at 15:05" in page  # 20:05 in London


def test_a_client_who_opted_out_gets_no_aftercare(login, session, london, practitioner, client_user, complete,
                                                  django_capture_on_commit_callbacks):
    client_user.care_messages = False
    client_user.save(update_fields=["care_messages"])
    with time_machine.travel(local(london, 2026, 3, 25, 11, 5), tick=False):
        complete(session, practitioner.user)
        page = login(practitioner.user).get(_note_url(session)).content.decode()
    assert "not being sent (the client chose not to get aftercare emails)" in page

    with time_machine.travel(local(london, 2026, 3, 25, 12, 6), tick=False):
        _dispatch(django_capture_on_commit_callbacks)

    assert _aftercare_emails() == []
    message = Message.objects.get(appointment=session, kind=MessageKind.AFTERCARE)
    assert message.state == MessageState.CANCELLED
    assert "opted out" in message.last_error


def test_a_session_without_an_aftercare_email_shows_no_state(login, session, london, practitioner):
    with time_machine.travel(local(london, 2026, 3, 25, 10, 10), tick=False):
        page = login(practitioner.user).get(_note_url(session)).content.decode()
    assert "Added to the aftercare email" in page
    assert 'data-testid="aftercare-status"' not in page


def test_a_cancelled_aftercare_email_says_why(login, session, london, practitioner, complete):
    with time_machine.travel(local(london, 2026, 3, 25, 11, 5), tick=False):
        complete(session, practitioner.user)
    Message.objects.filter(appointment=session).update(state=MessageState.CANCELLED,
                                                       last_error="The session did not take place.")
    with time_machine.travel(local(london, 2026, 3, 25, 11, 30), tick=False):
        page = login(practitioner.user).get(_note_url(session)).content.decode()
    assert "not being sent (the session did not take place)" in page


def test_a_too_long_addition_is_refused_and_kept(login, session, london, practitioner):
    typed = "Drink water. " * 100  # 1,300 characters
    with time_machine.travel(local(london, 2026, 3, 25, 11, 0), tick=False):
        response = login(practitioner.user).post(_note_url(session), {**NOTE, "aftercare_addition": typed})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please keep it under 1,000 characters" in html
    assert typed.strip() in html
    assert not TreatmentNote.objects.exists()


# --- The manager's text per service ----------------------------------------------------------------

CUSTOM = """Thank you for your session today.

- Keep your face out of hot water until tomorrow.
- Sleep on your back tonight if you can.

Call us if anything worries you."""


def _service_form(service: Service, **changes) -> dict:
    data = {"name": service.name, "slug": service.slug, "description": service.description,
            "duration_minutes": service.duration_minutes, "buffer_after_minutes": service.buffer_after_minutes,
            "price": str(service.price), "is_active": "on", "bookable_online": "on", "new_clients_allowed": "on",
            "requires_intake": "on", "aftercare_note": service.aftercare_note}
    data.update(changes)
    return data


def test_the_service_editor_has_an_aftercare_email_section(login, manager_user, service):
    grant_manager_rights(manager_user)  # the locked-down "Clinic managers" group, not a superuser
    html = login(manager_user).get(reverse("admin:booking_service_change", args=[service.pk])).content.decode()
    assert "Aftercare email" in html
    assert "how long after is set in the clinic settings" in html
    assert "No make-up for about 12 hours" in html  # the default text, ready to edit


def test_the_managers_text_is_what_the_email_says(login, manager_user, service, session, london, practitioner,
                                                  complete, django_capture_on_commit_callbacks):
    grant_manager_rights(manager_user)
    typed = CUSTOM.replace("\n", "\r\n")  # as a browser sends a textarea
    response = login(manager_user).post(reverse("admin:booking_service_change", args=[service.pk]),
                                        _service_form(service, aftercare_note=typed))
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.aftercare_note == CUSTOM

    with time_machine.travel(local(london, 2026, 3, 25, 11, 5), tick=False):
        complete(session, practitioner.user)
    with time_machine.travel(local(london, 2026, 3, 25, 12, 6), tick=False):
        _dispatch(django_capture_on_commit_callbacks)

    [email] = _aftercare_emails()
    html = email.alternatives[0][0]
    for line in ("Thank you for your session today.", "- Keep your face out of hot water until tomorrow.",
                 "- Sleep on your back tonight if you can.", "Call us if anything worries you."):
        assert re.search(rf"^{re.escape(line)}$", email.body, re.MULTILINE), line
    assert re.search(r"<li[^>]*>\s*Sleep on your back tonight if you can\.\s*</li>", html)
    for paragraph in ("Thank you for your session today.", "Call us if anything worries you."):
        assert re.search(rf"<p[^>]*>\s*{re.escape(paragraph)}\s*</p>", html), paragraph
    assert "No make-up for about 12 hours" not in email.body  # the default is replaced, not added to
