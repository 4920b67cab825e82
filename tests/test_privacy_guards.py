"""Health data stays where it belongs: never in emails, front-desk pages or logs; never another client's.

The intake answers below carry markers no page, email or log line has any reason to contain. Flag
reasons come from the real screening rules (epilepsy, pacemaker), so they are clinical text too.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from booking import services as booking_services
from booking.forms import format_start
from booking.models import Appointment, AppointmentStatus, Course
from clinic.notifications.services import messages_dispatch
from frontdesk.models import EntryStatus
from frontdesk.services import waitlist_entry_add
from intake import services as intake_services
from intake.models import IntakeFlag
from tests import factories
from tests.factories import local
from tests.intake.helpers import questionnaire, submit_intake, valid_answers

# Monday 23 March 2026, 09:00 UTC (GMT in London).
MONDAY = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)

SECRETS = {
    "products": "Zorbulon night serum",
    "recent_treatments": "Quixotine peel at Vexmoor spa",
    "concern_notes": "Blotchy patch behind the left ear since Glimmerfest",
    "goal_notes": "Feel ready for my Thrunbury wedding",
    "other_conditions": "Klabberton syndrome",
    "medication_list": "Wexaparin 40 mg daily",
    "allergy_list": "Plumbicillin gives me hives",
}


def _secret_answers(q=None) -> dict:
    q = q or questionnaire()
    flagged = {"epilepsy": "yes", "pacemaker": "yes", "takes_medication": "yes", "has_allergies": "yes"}
    return valid_answers(q, **{k: v for k, v in {**flagged, **SECRETS}.items() if k in q.questions})


def _clinical_texts(client) -> list[str]:
    reasons = list(IntakeFlag.objects.filter(submission__client=client).values_list("reason", flat=True))
    assert reasons, "the test intake should raise flags"
    return [*SECRETS.values(), *reasons]


def _leaks(text: str, needles) -> list[str]:
    return [n for n in needles if n.lower() in text.lower()]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://clinic.example"


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def london():
    return factories.LocationFactory(name="Islington", time_zone="Europe/London")


@pytest.fixture
def practitioner(london):
    return factories.PractitionerFactory(location=london, user__first_name="Ana", user__last_name="Silva")


@pytest.fixture
def service(practitioner):
    return practitioner.services.get()


@pytest.fixture
def chloe(client_user):
    """Chloe with a submitted intake full of markers and two review flags."""
    submit_intake(client_user, _secret_answers())
    return client_user


def _book(client, practitioner, service, london, starts_at, capture) -> Appointment:
    with capture(execute=True):
        return booking_services.appointment_book(client=client, service=service, practitioner=practitioner,
                                                 starts_at=starts_at, location=london, actor=client)


# --- (a) emails ---------------------------------------------------------------------------------

def test_no_email_ever_contains_intake_answers_or_flag_reasons(
        frozen, chloe, other_client, practitioner, service, london, front_desk_user, login,
        django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    submit_intake(other_client, _secret_answers())
    appointment = _book(chloe, practitioner, service, london, local(london, 2026, 3, 25, 10, 0), capture)
    later = _book(chloe, practitioner, service, london, local(london, 2026, 3, 24, 14, 0), capture)
    with capture(execute=True):
        waitlist_entry_add(client=other_client, service=service, location=london, actor=other_client)

    frozen.move_to(local(london, 2026, 3, 23, 10, 0))  # 48 hours before: the first reminder is due
    messages_dispatch()

    with capture(execute=True):
        intake_services.intake_request_send(client=chloe, appointment=appointment, actor=front_desk_user)
    frozen.shift(timedelta(minutes=5))  # past the request throttle
    desk = login(front_desk_user)
    with capture(execute=True):
        desk.post(reverse("frontdesk:client_intake_reminder", args=[chloe.pk]))
        desk.post(reverse("frontdesk:appointment_cancel", args=[appointment.pk]),
                  {"reason": "Client unwell"})  # cancellation email, and a waitlist offer to Oscar

    frozen.move_to(local(london, 2026, 3, 24, 15, 30))
    with capture(execute=True):
        desk.post(reverse("frontdesk:appointment_status", args=[later.pk]), {"status": AppointmentStatus.ARRIVED})
        desk.post(reverse("frontdesk:appointment_status", args=[later.pk]), {"status": AppointmentStatus.COMPLETED})
    frozen.shift(timedelta(hours=1))  # aftercare goes an hour after the session is completed
    messages_dispatch()

    subjects = " | ".join(m.subject for m in mail.outbox)
    for kind in ("Booking confirmed", "Reminder", "Your questionnaire", "Appointment cancelled",
                 "A time has opened up", "aftercare note"):  # every kind of email really went out
        assert kind in subjects
    needles = _clinical_texts(chloe) + _clinical_texts(other_client)
    for message in mail.outbox:
        parts = [message.subject, message.body, *(content for content, _ in getattr(message, "alternatives", []))]
        parts += [a[1] for a in message.attachments if isinstance(a, tuple) and isinstance(a[1], str)]
        assert _leaks("\n".join(parts), needles) == [], message.subject


# --- (b) front-desk pages -----------------------------------------------------------------------

def test_front_desk_pages_never_show_answers_or_flag_reasons(
        frozen, chloe, practitioner, service, london, front_desk_user, login, django_capture_on_commit_callbacks):
    appointment = _book(chloe, practitioner, service, london, local(london, 2026, 3, 25, 10, 0),
                        django_capture_on_commit_callbacks)
    desk = login(front_desk_user)
    day = "2026-03-25"
    pages = [
        reverse("frontdesk:clients"),
        f"{reverse('frontdesk:clients')}?q=Chloe",
        reverse("frontdesk:client", args=[chloe.pk]),
        f"{reverse('frontdesk:calendar')}?date={day}&location={london.pk}",
        f"{reverse('frontdesk:calendar')}?date={day}&location={london.pk}&view=week",
        f"{reverse('frontdesk:day_sheet')}?date={day}&location={london.pk}",
        reverse("frontdesk:appointment", args=[appointment.pk]),
    ]
    needles = _clinical_texts(chloe)
    for url in pages:
        response = desk.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert _leaks(content, needles) == [], url
        assert "Martin" in content, url  # the page really shows Chloe, so the check means something


# --- (c) logs -----------------------------------------------------------------------------------

def test_logs_of_a_booking_an_intake_and_a_review_hold_no_names_emails_or_answers(
        frozen, caplog, client, practitioner, service, london, django_capture_on_commit_callbacks):
    caplog.set_level(logging.INFO)
    zoe = factories.ClientFactory(first_name="Zephyrine", last_name="Quillfeather", email="zephyrine.q@example.org",
                                  phone="07700 900777")
    start = local(london, 2026, 3, 25, 10, 0)
    client.force_login(zoe, backend="clinic.accounts.backends.EmailBackend")
    review = reverse("booking:review", args=[service.slug])
    query = {"practitioner": practitioner.pk, "location": london.pk, "start": format_start(start)}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(review, query)
    assert response.status_code == 302
    assert Appointment.objects.filter(client=zoe).exists()

    with django_capture_on_commit_callbacks(execute=True):
        submission = submit_intake(zoe, _secret_answers())
    client.force_login(practitioner.user, backend="clinic.accounts.backends.EmailBackend")
    page = client.get(reverse("intake:review", args=[submission.pk])).content.decode()
    # The control: the practitioner does see the answers, so the markers really are stored and rendered.
    assert SECRETS["medication_list"] in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("intake:mark_reviewed", args=[submission.pk]))
        client.get(reverse("intake:export", args=[submission.pk]))

    assert caplog.records, "the journey should log something (ids), or this test proves nothing"
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    needles = ["zephyrine", "quillfeather", "example.org", "07700 900777", *_clinical_texts(zoe)]
    assert _leaks(logged, needles) == []


# --- (d) other clients' objects -----------------------------------------------------------------

@pytest.fixture
def oscars_things(frozen, other_client, practitioner, service, london):
    appointment = factories.AppointmentFactory(client=other_client, practitioner=practitioner,
                                               starts_at=local(london, 2026, 3, 26, 11, 0))
    course = Course.objects.create(client=other_client, service=service, practitioner=practitioner, sessions=3,
                                   description="weekly")
    appointment.course = course
    appointment.save(update_fields=["course"])
    submission = submit_intake(other_client, _secret_answers())
    entry = waitlist_entry_add(client=other_client, service=service, location=london, actor=other_client)
    return {"appointment": appointment, "course": course, "submission": submission, "entry": entry}


@pytest.mark.parametrize(("method", "name", "key"), [
    ("get", "booking:booked", "appointment"),
    ("get", "booking:appointment_ics", "appointment"),
    ("get", "booking:reschedule", "appointment"),
    ("get", "booking:reschedule_confirm", "appointment"),
    ("post", "booking:reschedule_confirm", "appointment"),
    ("get", "booking:cancel", "appointment"),
    ("post", "booking:cancel", "appointment"),
    ("get", "booking:course_booked", "course"),
    ("get", "booking:course_ics", "course"),
    ("get", "intake:submission", "submission"),
    ("post", "frontdesk:waitlist_leave", "entry"),
])
def test_a_client_gets_404_for_another_clients_objects(login, client_user, oscars_things, method, name, key):
    obj = oscars_things[key]
    response = getattr(login(client_user), method)(reverse(name, args=[obj.pk]), {"reason": "x"})

    assert response.status_code == 404
    assert "Oscar" not in response.content.decode()


def test_refused_changes_leave_the_other_clients_objects_alone(login, client_user, oscars_things):
    chloe = login(client_user)
    chloe.post(reverse("booking:cancel", args=[oscars_things["appointment"].pk]))
    chloe.post(reverse("frontdesk:waitlist_leave", args=[oscars_things["entry"].pk]))

    oscars_things["appointment"].refresh_from_db()
    oscars_things["entry"].refresh_from_db()
    assert oscars_things["appointment"].status == AppointmentStatus.BOOKED
    assert oscars_things["entry"].status == EntryStatus.WAITING


def test_the_signed_intake_link_only_opens_the_logged_in_clients_own_intake(login, client_user, other_client):
    token = intake_services.intake_link_token(client=other_client)
    response = login(client_user).get(reverse("intake:link", args=[token]))

    assert response.status_code == 404


# --- the in-app outbox (embedded default) -------------------------------------------------------

def test_front_desk_cannot_read_a_practitioners_password_reset_link_in_the_outbox(
        settings, client, practitioner, front_desk_user, login, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "clinic.core.mail.OutboxEmailBackend"  # what the embedded default runs
    from clinic.core.models import OutboxEmail

    with django_capture_on_commit_callbacks(execute=True):  # the reset email is a message of the outbox
        client.post(reverse("accounts:password_reset"), {"email": practitioner.user.email})  # anyone may ask
    email = OutboxEmail.objects.get(to=practitioner.user.email)
    assert "/accounts/password/reset/" in email.body  # the control: the link is in the stored email

    page = login(front_desk_user).get(reverse("core:outbox_detail", args=[email.pk]))

    assert page.status_code in (403, 404) or "/accounts/password/reset/" not in page.content.decode()
