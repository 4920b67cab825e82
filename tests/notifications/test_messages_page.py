"""The staff's Messages page: what went, what waits, what failed, and "send again" for the front desk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from clinic.audit.models import AuditEvent
from clinic.notifications.models import Channel, Message, MessageKind, MessageState
from tests import factories
from tests.factories import local

from .conftest import MONDAY_23_MARCH

LIST = reverse("notifications:list")


def _message(recipient, *, state=MessageState.SENT, kind=MessageKind.REMINDER, due_at=MONDAY_23_MARCH,
             appointment=None, **fields) -> Message:
    if state == MessageState.SENT:
        fields.setdefault("sent_at", due_at)
    return Message.objects.create(key=f"test:{Message.objects.count()}:{recipient.pk}:{kind}", kind=kind,
                                  recipient=recipient, due_at=due_at, state=state, appointment=appointment,
                                  for_starts_at=appointment.starts_at if appointment else None, **fields)


def _rows(response) -> list[Message]:
    return list(response.context["page"].object_list)


# --- Who may see it ------------------------------------------------------------------------------

@pytest.mark.parametrize("user", ["front_desk_user", "manager_user"])
def test_front_desk_and_managers_see_the_list(request, frozen, login, client_user, user):
    _message(client_user)

    response = login(request.getfixturevalue(user)).get(LIST)

    assert response.status_code == 200
    assert "Chloe Martin" in response.content.decode()


@pytest.mark.parametrize("user", ["practitioner_user", "client_user"])
def test_practitioners_and_clients_are_refused(request, login, user):
    assert login(request.getfixturevalue(user)).get(LIST).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(LIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_navigation_links_to_it_for_the_front_desk_only(login, front_desk_user, practitioner_user):
    assert LIST in login(front_desk_user).get(reverse("core:home")).content.decode()
    assert LIST not in login(practitioner_user).get(reverse("core:home")).content.decode()


def test_the_manage_page_links_to_it(login, manager_user):
    assert LIST in login(manager_user).get(reverse("core:manage")).content.decode()


# --- What a row shows ----------------------------------------------------------------------------

def test_a_row_shows_kind_channel_recipient_session_and_state(frozen, login, front_desk_user, client_user,
                                                             appointment):
    _message(client_user, state=MessageState.FAILED, channel=Channel.SMS, appointment=appointment,
             attempts=5, last_error="ConnectionRefusedError: provider down")

    html = login(front_desk_user).get(LIST).content.decode()

    assert "Reminder" in html and "Text message" in html
    assert f'href="{reverse("frontdesk:client", args=[client_user.pk])}">Chloe Martin</a>' in html
    assert "Facial acupuncture follow-up" in html
    assert "Wed 25 Mar 2026, 10:00 GMT" in html  # the session, in its location's zone
    assert '<span class="badge text-bg-danger">Failed</span>' in html
    assert "ConnectionRefusedError: provider down" in html
    assert reverse("notifications:resend", args=[Message.objects.get().pk]) in html


def test_due_times_are_shown_in_the_clinic_zone_across_the_clock_change(login, front_desk_user, client_user):
    # London: GMT until 01:00 UTC on Sunday 29 March 2026, BST (UTC+1) after.
    _message(client_user, due_at=datetime(2026, 3, 28, 9, 0, tzinfo=UTC))
    _message(client_user, due_at=datetime(2026, 3, 29, 9, 0, tzinfo=UTC))

    html = login(front_desk_user).get(f"{LIST}?state=all").content.decode()

    assert "Sat 28 Mar 2026, 09:00" in html
    assert "Sun 29 Mar 2026, 10:00" in html


def test_a_session_elsewhere_is_shown_in_its_own_locations_zone(frozen, login, front_desk_user, client_user):
    new_york = factories.LocationFactory(name="SoHo", time_zone="America/New_York")
    practitioner = factories.PractitionerFactory(location=new_york)
    # Tuesday 10 March 2026: New York is on EDT (UTC-4) since Sunday 8 March, London still on GMT.
    session = factories.AppointmentFactory(client=client_user, practitioner=practitioner,
                                           starts_at=local(new_york, 2026, 3, 10, 9, 30))
    _message(client_user, appointment=session, due_at=session.starts_at - timedelta(hours=48))

    html = login(front_desk_user).get(f"{LIST}?state=all").content.decode()

    assert "Tue 10 Mar 2026, 09:30 EDT" in html
    assert "SoHo" in html


def test_the_page_never_shows_what_a_message_said(frozen, london, login, front_desk_user, client_user, book,
                                                  mailoutbox):
    book(client_user, local(london, 2026, 3, 25, 10, 0))
    confirmation = next(m for m in mailoutbox if m.subject.startswith("Booking confirmed"))

    html = login(front_desk_user).get(LIST).content.decode()

    assert "Booking confirmation" in html  # the row is there...
    assert confirmation.subject not in html  # ...but not its subject or any of its text
    assert "Dear Chloe" not in html
    assert "cancel online up to 24 hours" in confirmation.body
    assert "cancel online up to 24 hours" not in html


# --- Filters -------------------------------------------------------------------------------------

def test_the_failed_tab_shows_only_failed_messages(frozen, login, front_desk_user, client_user):
    failed = _message(client_user, state=MessageState.FAILED)
    _message(client_user, state=MessageState.SENT)
    _message(client_user, state=MessageState.PENDING, due_at=MONDAY_23_MARCH + timedelta(days=1))
    _message(client_user, state=MessageState.CANCELLED)

    response = login(front_desk_user).get(f"{LIST}?state=failed")

    assert _rows(response) == [failed]


@pytest.mark.parametrize(("tab", "states"), [
    ("waiting", {MessageState.PENDING, MessageState.QUEUED, MessageState.SENDING}),
    ("sent", {MessageState.SENT}),
    ("cancelled", {MessageState.CANCELLED}),
    ("all", set(MessageState.values)),
])
def test_each_tab_shows_its_states(frozen, login, front_desk_user, client_user, tab, states):
    for state in MessageState.values:
        _message(client_user, state=state)

    response = login(front_desk_user).get(f"{LIST}?state={tab}")

    assert {m.state for m in _rows(response)} == states


def test_by_default_failed_messages_come_first_then_what_fell_due_lately(frozen, login, front_desk_user,
                                                                         client_user):
    recent = _message(client_user, due_at=MONDAY_23_MARCH - timedelta(hours=1))
    old_failure = _message(client_user, state=MessageState.FAILED, due_at=MONDAY_23_MARCH - timedelta(days=30))
    _message(client_user, due_at=MONDAY_23_MARCH - timedelta(days=30))  # long done: not shown
    _message(client_user, state=MessageState.PENDING, due_at=MONDAY_23_MARCH + timedelta(days=3))  # not yet

    response = login(front_desk_user).get(LIST)

    assert _rows(response) == [old_failure, recent]
    assert "Needs attention" in response.content.decode()


def test_an_unknown_tab_shows_the_default_view(frozen, login, front_desk_user, client_user):
    failed = _message(client_user, state=MessageState.FAILED)

    response = login(front_desk_user).get(f"{LIST}?state=nonsense")

    assert response.status_code == 200
    assert _rows(response) == [failed]


def test_a_search_finds_messages_by_name_or_email(frozen, login, front_desk_user, client_user, other_client):
    chloes = _message(client_user)
    _message(other_client)
    desk = login(front_desk_user)

    assert _rows(desk.get(LIST, {"q": "chloe martin"})) == [chloes]
    assert _rows(desk.get(LIST, {"q": "CHLOE@example"})) == [chloes]
    assert _rows(desk.get(LIST, {"q": "Nobody"})) == []


def test_a_search_keeps_the_tab_and_the_tabs_keep_the_search(frozen, login, front_desk_user, client_user):
    _message(client_user, state=MessageState.FAILED)
    _message(client_user, state=MessageState.SENT)

    response = login(front_desk_user).get(LIST, {"q": "Chloe", "state": "failed"})

    assert [m.state for m in _rows(response)] == [MessageState.FAILED]
    html = response.content.decode()
    assert 'name="state" value="failed"' in html
    assert 'href="?q=Chloe&amp;state=sent"' in html


def test_it_shows_fifty_a_page(frozen, login, front_desk_user, client_user):
    for _ in range(55):
        _message(client_user, state=MessageState.FAILED)
    desk = login(front_desk_user)

    assert len(_rows(desk.get(f"{LIST}?state=failed"))) == 50
    assert len(_rows(desk.get(f"{LIST}?state=failed&page=2"))) == 5


@pytest.mark.parametrize("count", [1, 60])
def test_the_page_takes_the_same_few_queries_however_many_messages(frozen, login, front_desk_user, london,
                                                                    practitioner, django_assert_max_num_queries,
                                                                    count):
    for hour in range(count):
        client = factories.ClientFactory()
        session = factories.AppointmentFactory(client=client, practitioner=practitioner,
                                               starts_at=local(london, 2026, 3, 30, 8, 0) + timedelta(hours=2 * hour))
        _message(client, appointment=session, state=MessageState.FAILED if hour % 2 else MessageState.SENT)
    desk = login(front_desk_user)

    # clinic settings, session, user, the count for the pages, the tab counts, and the rows (recipient,
    # service and location joined in): 6 for one message or sixty.
    with django_assert_max_num_queries(6):
        response = desk.get(f"{LIST}?state=all")
    assert len(_rows(response)) == min(count, 50)


# --- Send again ----------------------------------------------------------------------------------

@pytest.fixture
def failed_confirmation(frozen, london, client_user, book, mailoutbox):
    """Chloe's real booking confirmation, as if the mail server had refused it five times."""
    appointment = book(client_user, local(london, 2026, 3, 25, 10, 0))
    mailoutbox.clear()
    message = Message.objects.get(key=f"confirmation:{appointment.pk}")
    Message.objects.filter(pk=message.pk).update(state=MessageState.FAILED, attempts=5, sent_at=None,
                                                 last_error="ConnectionRefusedError: mail server down")
    return message


def test_send_again_puts_a_failed_message_back_in_line_now(failed_confirmation, login, front_desk_user,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        login(front_desk_user).post(reverse("notifications:resend", args=[failed_confirmation.pk]))

    failed_confirmation.refresh_from_db()
    assert failed_confirmation.state == MessageState.PENDING
    assert failed_confirmation.attempts == 0
    assert failed_confirmation.due_at == MONDAY_23_MARCH
    assert failed_confirmation.last_error == ""


def test_send_again_sends_the_confirmation(failed_confirmation, login, front_desk_user, mailoutbox,
                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(front_desk_user).post(reverse("notifications:resend", args=[failed_confirmation.pk]),
                                               follow=True)

    assert [m.subject for m in mailoutbox] == ["Booking confirmed: Wed 25 Mar, 10:00 (GMT)"]
    assert mailoutbox[0].to == ["chloe@example.com"]
    failed_confirmation.refresh_from_db()
    assert failed_confirmation.state == MessageState.SENT
    assert "The booking confirmation to Chloe Martin will be sent again within a minute." in (
        response.content.decode())


def test_a_message_not_needed_is_checked_again_when_sent(failed_confirmation, login, front_desk_user, mailoutbox,
                                                        run_on_commit, django_capture_on_commit_callbacks):
    from booking import services as booking_services

    run_on_commit(booking_services.appointment_cancel, appointment=failed_confirmation.appointment,
                  actor=front_desk_user, by_staff=True)
    failed_confirmation.refresh_from_db()
    Message.objects.filter(pk=failed_confirmation.pk).update(state=MessageState.CANCELLED)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(front_desk_user).post(reverse("notifications:resend", args=[failed_confirmation.pk]),
                                               follow=True)

    assert "will be sent again within a minute if it still applies." in response.content.decode()
    assert mailoutbox == []  # the session is cancelled: confirming it now would be wrong
    assert Message.objects.get(pk=failed_confirmation.pk).state == MessageState.CANCELLED


def test_send_again_is_in_the_audit_log(failed_confirmation, login, manager_user, client_user):
    login(manager_user).post(reverse("notifications:resend", args=[failed_confirmation.pk]))

    event = AuditEvent.objects.get(action="message.resend")
    assert event.actor == manager_user
    assert event.object_id == str(failed_confirmation.pk)
    assert event.subject == client_user


@pytest.mark.parametrize("state", [MessageState.PENDING, MessageState.QUEUED, MessageState.SENDING])
def test_a_message_still_waiting_is_not_sent_twice(frozen, login, front_desk_user, client_user, mailoutbox,
                                                   django_capture_on_commit_callbacks, state):
    message = _message(client_user, state=state, due_at=MONDAY_23_MARCH + timedelta(hours=2), attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = login(front_desk_user).post(reverse("notifications:resend", args=[message.pk]), follow=True)

    assert "This message is already waiting to be sent." in response.content.decode()
    message.refresh_from_db()
    assert (message.state, message.attempts, message.due_at) == (state, 1, MONDAY_23_MARCH + timedelta(hours=2))
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action="message.resend").exists()


def test_send_again_returns_to_the_same_filtered_page(failed_confirmation, login, front_desk_user):
    back = f"{LIST}?state=failed&q=Chloe"

    response = login(front_desk_user).post(reverse("notifications:resend", args=[failed_confirmation.pk]),
                                           {"next": back})

    assert response.status_code == 302
    assert response["Location"] == back


def test_send_again_never_returns_to_another_site(failed_confirmation, login, front_desk_user):
    response = login(front_desk_user).post(reverse("notifications:resend", args=[failed_confirmation.pk]),
                                           {"next": "https://evil.example/"})

    assert response["Location"] == LIST


def test_send_again_of_an_unknown_message_is_not_found(login, front_desk_user):
    assert login(front_desk_user).post(reverse("notifications:resend", args=[999999])).status_code == 404


def test_send_again_only_answers_a_post(failed_confirmation, login, front_desk_user):
    response = login(front_desk_user).get(reverse("notifications:resend", args=[failed_confirmation.pk]))

    assert response.status_code == 405
    failed_confirmation.refresh_from_db()
    assert failed_confirmation.state == MessageState.FAILED


@pytest.mark.parametrize("user", ["practitioner_user", "client_user"])
def test_only_the_front_desk_and_managers_can_send_again(request, failed_confirmation, login, user):
    response = login(request.getfixturevalue(user)).post(
        reverse("notifications:resend", args=[failed_confirmation.pk]))

    assert response.status_code == 403
    failed_confirmation.refresh_from_db()
    assert failed_confirmation.state == MessageState.FAILED


def test_the_send_again_button_asks_first(failed_confirmation, login, front_desk_user):
    html = login(front_desk_user).get(f"{LIST}?state=failed").content.decode()

    assert 'data-confirm="Send this message again?"' in html  # static/js/clinic.js asks: no inline handler
    assert f'name="next" value="{LIST}?state=failed"' in html


def test_a_text_kept_in_the_outbox_is_not_called_sent(frozen, login, front_desk_user, client_user, settings):
    settings.SMS_BACKEND = settings.SMS_OUTBOX_BACKEND  # no text message provider configured
    _message(client_user, channel=Channel.SMS)

    html = login(front_desk_user).get(f"{LIST}?state=sent").content.decode()

    assert "Kept in the outbox, not sent" in html and "kept in the outbox" in html
    assert ">Sent</span>" not in html


def test_a_text_sent_by_a_provider_is_called_sent(frozen, login, front_desk_user, client_user, settings):
    settings.SMS_BACKEND = "clinic.notifications.sms.TwilioSmsBackend"
    _message(client_user, channel=Channel.SMS)

    html = login(front_desk_user).get(f"{LIST}?state=sent").content.decode()

    assert "Kept in the outbox" not in html and ">Sent</span>" in html


# --- Admin ---------------------------------------------------------------------------------------

def test_the_admin_lists_messages_but_cannot_change_them(frozen, login, client_user):
    message = _message(client_user, state=MessageState.FAILED)
    admin = login(factories.UserFactory(role="manager", is_staff=True, is_superuser=True))

    listing = admin.get(reverse("admin:notifications_message_changelist"), {"state__exact": "failed"})
    assert listing.status_code == 200
    assert message.key in listing.content.decode()
    assert admin.get(reverse("admin:notifications_message_add")).status_code == 403
    admin.post(reverse("admin:notifications_message_change", args=[message.pk]), {"state": "sent"})
    admin.post(reverse("admin:notifications_message_delete", args=[message.pk]), {"post": "yes"})
    message.refresh_from_db()
    assert message.state == MessageState.FAILED
