"""An intake sent after sessions were booked: the sessions it now rules out are listed for the desk as "clinical
conflicts", the client is asked to rearrange (nothing clinical in the message) and nothing is cancelled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking import services
from booking.models import AppointmentStatus, BookedVia
from clinic.notifications.models import Message, MessageKind, MessageState
from clinic.notifications.services import messages_dispatch
from tests.factories import ClientFactory
from tests.intake.helpers import submit_intake, valid_answers

from .conftest import at

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 1 December, 09:00 in London
DESK_SAYS = "Screening: no treatment before 13 Dec 2026; a practitioner can approve an exception."
CLINICAL = ["botox", "pressure", "wait", "injection", "flag", "screening", "contraindicat"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _as(user) -> Client:
    browser = Client()
    browser.force_login(user, backend="clinic.accounts.backends.EmailBackend")
    return browser


def _booked_then_botox(appointment, days=(3, 14), hour=10):
    chloe = ClientFactory(first_name="Chloe", last_name="Martin")
    sessions = [appointment(at(2026, 12, day, hour), client=chloe) for day in days]
    submit_intake(chloe, valid_answers(botox_date="2026-11-29"))  # no facial acupuncture before 13 December
    return chloe, sessions


def test_an_intake_after_booking_lists_the_conflict_and_asks_the_client_to_rearrange(
        clinic, appointment, front_desk_user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        chloe, (blocked, fine) = _booked_then_botox(appointment)

    message = Message.objects.get(kind=MessageKind.SCREENING_CONFLICT)
    assert (message.appointment, message.recipient, message.state) == (blocked, chloe, MessageState.SENT)
    blocked.refresh_from_db()
    fine.refresh_from_db()
    assert blocked.status == fine.status == AppointmentStatus.BOOKED  # nothing cancelled silently
    email, = mailoutbox
    assert email.subject == "Please contact us to rearrange your session"
    assert "Please contact us to rearrange your session on Thursday 3 December 2026, 10:00" in email.body
    assert reverse("booking:my_appointments") in email.body
    text = "\n".join([email.subject, email.body, email.alternatives[0][0]]).lower()
    assert [word for word in CLINICAL if word in text] == []

    page = _as(front_desk_user).get(reverse("frontdesk:clinical_conflicts")).content.decode()
    assert f'data-testid="conflict-{blocked.pk}"' in page and f"conflict-{fine.pk}" not in page
    assert "Chloe Martin" in page and DESK_SAYS in page and "Botox" not in page
    assert f"{reverse('frontdesk:appointment_move', args=[blocked.pk])}?date=2026-12-13" in page


def test_a_second_intake_does_not_message_the_client_twice(clinic, appointment):
    chloe, _sessions = _booked_then_botox(appointment)
    submit_intake(chloe, valid_answers(botox_date="2026-11-29"))

    assert Message.objects.filter(kind=MessageKind.SCREENING_CONFLICT).count() == 1


def test_a_conflict_leaves_the_list_once_the_session_is_moved_past_the_wait(clinic, appointment, front_desk_user):
    chloe, (blocked, _fine) = _booked_then_botox(appointment)

    services.appointment_reschedule(appointment=blocked, starts_at=at(2026, 12, 15, 11), actor=front_desk_user,
                                    by_staff=True)
    messages_dispatch()

    page = _as(front_desk_user).get(reverse("frontdesk:clinical_conflicts")).content.decode()
    assert "No clinical conflicts." in page
    message = Message.objects.get(kind=MessageKind.SCREENING_CONFLICT)
    assert message.state == MessageState.CANCELLED  # rendered as things are when it goes: no longer needed


def test_an_intake_with_nothing_against_the_sessions_raises_no_conflict(clinic, appointment, front_desk_user):
    chloe = ClientFactory()
    appointment(at(2026, 12, 3, 10), client=chloe)
    submit_intake(chloe, valid_answers(migraines="recent"))  # needs review: bookable, not a conflict

    assert not Message.objects.filter(kind=MessageKind.SCREENING_CONFLICT).exists()
    page = _as(front_desk_user).get(reverse("frontdesk:clinical_conflicts")).content.decode()
    assert "No clinical conflicts." in page


def test_the_page_takes_the_same_queries_for_one_or_many_conflicts(clinic, appointment, front_desk_user):
    desk = _as(front_desk_user)
    _booked_then_botox(appointment, days=(3,))
    desk.get(reverse("frontdesk:clinical_conflicts"))  # warm the session and settings caches
    with CaptureQueriesContext(connection) as one:
        desk.get(reverse("frontdesk:clinical_conflicts"))
    for hour in (9, 11, 13):
        _booked_then_botox(appointment, days=(4, 7), hour=hour)
    with CaptureQueriesContext(connection) as many:
        page = desk.get(reverse("frontdesk:clinical_conflicts")).content.decode()

    assert page.count('data-testid="conflict-') == 7
    assert len(many) == len(one)


def test_only_the_desk_and_the_manager_see_the_page(clinic, front_desk_user, manager_user, practitioner_user,
                                                    client_user):
    url = reverse("frontdesk:clinical_conflicts")
    for user in (front_desk_user, manager_user):
        page = _as(user).get(url)
        assert page.status_code == 200 and f'href="{url}"' in page.content.decode()  # and in the menu
    for user in (practitioner_user, client_user):
        assert _as(user).get(url).status_code in (403, 404)


def test_the_reminder_of_a_blocked_session_asks_the_client_to_contact_us(clinic, mailoutbox,
                                                                          django_capture_on_commit_callbacks):
    chloe = ClientFactory(first_name="Chloe")
    session = services.appointment_book(client=chloe, service=clinic.follow_up, practitioner=clinic.ana,
                                        starts_at=at(2026, 12, 3, 11), location=clinic.location,
                                        via=BookedVia.PHONE, overrides=["first_visit"])
    submit_intake(chloe, valid_answers(botox_date="2026-11-29"))

    with time_machine.travel(at(2026, 12, 1, 11, 1), tick=False), django_capture_on_commit_callbacks(execute=True):
        messages_dispatch()

    reminder = next(m for m in mailoutbox if m.subject.startswith("Reminder:"))
    assert "Please contact us before your visit: we need to agree the date of this session with you." in reminder.body
    assert "Please contact us before your visit" in reminder.alternatives[0][0]
    assert [word for word in CLINICAL if word in reminder.body.lower()] == []
    assert session.messages.filter(kind=MessageKind.SCREENING_CONFLICT, state=MessageState.SENT).exists()
