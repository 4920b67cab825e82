"""The in-app outbox: sign-in links are for their recipient's eyes only (QA pass)."""

from django.urls import reverse

from clinic.core.models import OutboxEmail

LINK = "https://clinic.example/accounts/password/reset/abc/def/"


def _emails():
    secret = OutboxEmail.objects.create(from_email="a@b.example", to="ana@example.com", subject="Reset your password",
                                        body=f"Set a new password: {LINK}", sensitive=True)
    plain = OutboxEmail.objects.create(from_email="a@b.example", to="chloe@example.com", subject="Booking confirmed",
                                       body="See you on Tuesday.")
    return secret, plain


def test_front_desk_sees_who_got_a_sign_in_link_but_not_the_link(db, login, front_desk_user):
    secret, plain = _emails()
    desk = login(front_desk_user)
    html = desk.get(reverse("core:outbox_detail", args=[secret.pk])).content.decode()
    assert "ana@example.com" in html and "Reset your password" in html
    assert LINK not in html
    assert "only the person it was sent to can read it" in html
    assert "See you on Tuesday." in desk.get(reverse("core:outbox_detail", args=[plain.pk])).content.decode()


def test_a_manager_cannot_read_a_sign_in_email_either(db, login, manager_user):
    secret, _plain = _emails()
    assert LINK not in login(manager_user).get(reverse("core:outbox_detail", args=[secret.pk])).content.decode()
