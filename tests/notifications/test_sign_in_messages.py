"""Sign-in emails (address confirmation, staff invitation, password reset) go through the message outbox: the
same dispatcher, retries, failure state and "send again" as every other message, their link made when they are
sent (no token in the database), their content never shown to staff."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from clinic.accounts import services
from clinic.core.mail import SENSITIVE_HEADER
from clinic.notifications.models import Channel, Message, MessageKind, MessageState
from clinic.notifications.services import BACKOFF, MAX_ATTEMPTS, messages_dispatch
from tests.factories import ClientFactory, UserFactory

from .conftest import MONDAY_23_MARCH, dispatch_at

REFUSING = "tests.notifications.failing_backend.RefusingBackend"
LINK = re.compile(r"https://clinic\.example(/accounts/(?:verify|password/reset)/\S+/)")


@pytest.fixture
def nina():
    return ClientFactory(first_name="Nina", last_name="Novak", email="nina@example.com", email_verified_at=None)


def _all_stored_text() -> str:
    """Every column of every message row, as the database holds it."""
    return repr(list(Message.objects.values()))


def test_a_confirmation_email_is_a_message_sent_by_the_dispatcher(frozen, nina, mailoutbox, run_on_commit):
    run_on_commit(services.verification_email_send, user=nina)

    message = Message.objects.get()
    assert (message.kind, message.channel, message.recipient, message.state) == (
        MessageKind.VERIFY_EMAIL, Channel.EMAIL, nina, MessageState.SENT)
    assert message.params == {}
    [email] = mailoutbox
    assert email.to == ["nina@example.com"] and email.subject == "Please confirm your email address"
    assert email.extra_headers[SENSITIVE_HEADER] == "1"  # the in-app outbox hides it from staff
    link = LINK.search(email.body).group(1)
    assert link.split("/")[-2] not in _all_stored_text()  # the token was made at send time, never stored


def test_the_link_made_at_send_time_works(frozen, client, nina, mailoutbox, run_on_commit):
    run_on_commit(services.verification_email_send, user=nina)

    client.get(LINK.search(mailoutbox[0].body).group(1))

    nina.refresh_from_db()
    assert nina.email_verified


def test_a_mail_server_outage_delays_a_confirmation_instead_of_losing_it(frozen, settings, nina, mailoutbox,
                                                                         run_on_commit):
    settings.EMAIL_BACKEND = REFUSING
    run_on_commit(services.verification_email_send, user=nina)

    message = Message.objects.get()
    assert (message.state, message.attempts) == (MessageState.PENDING, 1)
    assert message.due_at == MONDAY_23_MARCH + BACKOFF[0]
    assert "ConnectionRefusedError" in message.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    assert dispatch_at(message.due_at) == 1
    message.refresh_from_db()
    assert message.state == MessageState.SENT and len(mailoutbox) == 1


def test_after_the_last_retry_it_fails_for_staff_to_send_again(frozen, settings, nina, login, front_desk_user,
                                                              mailoutbox, run_on_commit):
    settings.EMAIL_BACKEND = REFUSING
    run_on_commit(services.verification_email_send, user=nina)
    message = Message.objects.get()
    for _ in range(MAX_ATTEMPTS - 1):
        message.refresh_from_db()
        dispatch_at(message.due_at)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (MessageState.FAILED, MAX_ATTEMPTS)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    desk = login(front_desk_user)
    page = desk.get(reverse("notifications:list"), {"state": "failed"}).content.decode()
    assert "Email address confirmation" in page and "Nina Novak" in page and "Send again" in page
    response = run_on_commit(desk.post, path=reverse("notifications:resend", args=[message.pk]))
    assert response.status_code == 302, response

    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert LINK.search(mailoutbox[0].body)  # a fresh link, made for this sending


def test_staff_see_that_a_sign_in_email_went_never_what_it_said(frozen, nina, login, front_desk_user, manager_user,
                                                               mailoutbox, run_on_commit):
    run_on_commit(services.verification_email_send, user=nina)
    run_on_commit(services.password_reset_send, user=front_desk_user)
    sent_bodies = [email.body for email in mailoutbox]
    assert len(sent_bodies) == 2

    for staff in (front_desk_user, manager_user):
        page = login(staff).get(reverse("notifications:list"), {"state": "all"}).content.decode()
        assert "Email address confirmation" in page and "Password reset" in page
        assert "/accounts/verify/" not in page and "/accounts/password/reset/" not in page
        assert not any(line.strip() and line.strip() in page for body in sent_bodies
                       for line in body.splitlines() if "http" in line)


def test_the_reset_form_queues_one_message_for_a_known_address_and_none_otherwise(frozen, client, mailoutbox,
                                                                                  django_capture_on_commit_callbacks):
    user = UserFactory(email="forgetful@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "Forgetful@example.com"})
        client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})

    message = Message.objects.get()
    assert (message.kind, message.recipient, message.state) == (MessageKind.PASSWORD_RESET, user, MessageState.SENT)
    [email] = mailoutbox
    assert email.subject == "Reset your password" and email.extra_headers[SENSITIVE_HEADER] == "1"
    link = LINK.search(email.body).group(1)
    assert link.split("/")[-2] not in _all_stored_text()
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": "a-fresh-start-42", "new_password2": "a-fresh-start-42"})
    user.refresh_from_db()
    assert user.check_password("a-fresh-start-42")


def test_a_staff_invitation_is_a_message_with_a_link_to_choose_a_password(frozen, mailoutbox, run_on_commit):
    colleague = UserFactory(role="front_desk", email="new.colleague@example.com")
    colleague.set_unusable_password()  # as staff_create leaves a new colleague
    colleague.save()

    run_on_commit(services.staff_invite_send, user=colleague)

    message = Message.objects.get()
    assert (message.kind, message.state) == (MessageKind.STAFF_INVITE, MessageState.SENT)
    assert "/accounts/password/reset/" in mailoutbox[0].body
    assert mailoutbox[0].extra_headers[SENSITIVE_HEADER] == "1"


def test_a_confirmation_for_an_address_confirmed_meanwhile_is_not_sent(frozen, settings, nina, mailoutbox,
                                                                      run_on_commit):
    settings.EMAIL_BACKEND = REFUSING
    run_on_commit(services.verification_email_send, user=nina)
    nina.email_verified_at = MONDAY_23_MARCH  # confirmed with an earlier link while this one waited
    nina.save()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    dispatch_at(MONDAY_23_MARCH + BACKOFF[0])

    message = Message.objects.get()
    assert message.state == MessageState.CANCELLED and mailoutbox == []


def test_the_dispatcher_sends_one_whose_first_hand_over_was_lost(frozen, nina, mailoutbox):
    services.verification_email_send(user=nina)  # committed, but the on-commit hand-over never ran
    assert mailoutbox == []

    assert messages_dispatch() == 1

    assert Message.objects.get().state == MessageState.SENT and len(mailoutbox) == 1
