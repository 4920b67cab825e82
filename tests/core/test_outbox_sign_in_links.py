"""Sign-in links (email confirmation, password reset, staff invitation) are for their recipient's eyes only.

A manager who could read a practitioner's reset link on /outbox/ could take over her account and read her
clients' clinical answers: the outbox shows who got such an email and when, to nobody its content.
"""

import re

import pytest
from django.urls import reverse

from clinic.core.models import OutboxEmail
from tests.factories import PractitionerFactory

LINK = "https://clinic.example/accounts/password/reset/abc/set-password/"


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.EMAIL_BACKEND = "clinic.core.mail.OutboxEmailBackend"  # the embedded default; pytest-django uses locmem
    settings.OWN_INBOX = True


@pytest.fixture
def ana(db):
    return PractitionerFactory(user__email="ana@example.com").user


@pytest.fixture
def reset_email(ana):
    return OutboxEmail.objects.create(from_email="clinic@example.com", to=ana.email, subject="Reset your password",
                                      body=f"Set a new password: {LINK}", html_body=f'<a href="{LINK}">Reset</a>',
                                      sensitive=True)


@pytest.mark.parametrize("role", ["manager", "front_desk"])
def test_no_staff_member_reads_a_sign_in_link_in_the_outbox(login, reset_email, role, manager_user, front_desk_user):
    staff = login(manager_user if role == "manager" else front_desk_user)
    html = staff.get(reverse("core:outbox_detail", args=[reset_email.pk])).content.decode()
    assert LINK not in html
    assert "Set a new password" not in html
    assert "ana@example.com" in html and "Reset your password" in html  # who got one, and when
    assert "only the person it was sent to can read it" in html
    assert "sign-in link: recipient only" in staff.get(reverse("core:outbox")).content.decode()


def test_the_recipient_reads_her_sign_in_link_in_my_emails(login, ana, reset_email):
    own = login(ana)
    assert "Reset your password" in own.get(reverse("core:my_inbox")).content.decode()
    assert LINK in own.get(reverse("core:my_inbox_detail", args=[reset_email.pk])).content.decode()


def test_a_manager_cannot_open_it_under_my_emails_either(login, reset_email, manager_user):
    assert login(manager_user).get(reverse("core:my_inbox_detail", args=[reset_email.pk])).status_code == 404


def test_a_real_reset_email_is_hidden_from_the_manager_and_read_by_its_recipient(
        client, login, ana, manager_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": ana.email})
    email = OutboxEmail.objects.get(to=ana.email)
    assert email.sensitive
    link = re.search(r"https?://\S+/accounts/\S+", email.body).group(0)
    assert link not in login(manager_user).get(reverse("core:outbox_detail", args=[email.pk])).content.decode()
    assert link in login(ana).get(reverse("core:my_inbox_detail", args=[email.pk])).content.decode()
