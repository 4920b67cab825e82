"""Sign-up and password reset answer the same whether an email has an account: the owner is emailed instead."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from clinic.accounts.models import User
from tests.factories import PASSWORD, ClientFactory

SIGN_UP = {"first_name": "Nora", "last_name": "Quinn", "phone": "07700 900555", "date_of_birth": "1990-04-02",
           "password1": "lotus-blossom-77", "password2": "lotus-blossom-77"}


def _answer(response) -> tuple:
    """What a visitor can observe: the status, the redirects on the way and the page (minus its CSRF token)."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return response.status_code, response.redirect_chain, page


@pytest.fixture
def owner():
    return ClientFactory(email="chloe@example.com", first_name="Chloe")


def _sign_up(client, email: str, capture):
    with capture(execute=True):
        return client.post(reverse("accounts:signup") + "?next=/book/", {**SIGN_UP, "email": email}, follow=True)


def test_sign_up_answers_the_same_for_a_taken_and_a_new_address(client, owner, mailoutbox,
                                                                 django_capture_on_commit_callbacks):
    taken = _sign_up(client, "Chloe@Example.com", django_capture_on_commit_callbacks)
    client.cookies.clear()
    new = _sign_up(client, "nora@example.com", django_capture_on_commit_callbacks)
    assert _answer(taken) == _answer(new)
    assert taken.redirect_chain == [(reverse("accounts:signup_done"), 302)]
    assert "Check your email" in new.content.decode()


def test_a_taken_address_changes_nothing_and_tells_its_owner(client, owner, mailoutbox,
                                                             django_capture_on_commit_callbacks):
    _sign_up(client, "CHLOE@example.com", django_capture_on_commit_callbacks)
    assert list(User.objects.all()) == [owner]
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD) and owner.first_name == "Chloe"
    assert "_auth_user_id" not in client.session
    [mail] = mailoutbox
    assert mail.to == ["chloe@example.com"]
    assert mail.subject == "Someone tried to sign up with your email address"
    assert reverse("accounts:login") in mail.body and reverse("accounts:password_reset") in mail.body
    assert "/accounts/verify/" not in mail.body


def test_a_new_address_gets_the_confirmation_link_and_no_session(client, mailoutbox,
                                                                 django_capture_on_commit_callbacks):
    _sign_up(client, "nora@example.com", django_capture_on_commit_callbacks)
    assert User.objects.filter(email="nora@example.com").exists()
    assert "_auth_user_id" not in client.session
    [mail] = mailoutbox
    assert mail.to == ["nora@example.com"] and "/accounts/verify/" in mail.body


def test_password_reset_answers_the_same_whether_the_email_exists(client, owner, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    answers = []
    for email in ("chloe@example.com", "nobody@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("accounts:password_reset"), {"email": email}, follow=True)
        answers.append(_answer(response))
    assert answers[0] == answers[1]
    assert answers[0][1] == [(reverse("accounts:password_reset_done"), 302)]
    assert [m.to for m in mailoutbox] == [["chloe@example.com"]]
