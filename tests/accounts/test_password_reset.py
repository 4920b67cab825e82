import re

from django.urls import reverse

from tests.factories import UserFactory


def test_a_user_resets_their_password_by_email(client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email="forgetful@example.com")
    with django_capture_on_commit_callbacks(execute=True):  # the email is a message of the outbox
        client.post(reverse("accounts:password_reset"), {"email": "Forgetful@example.com"})
    assert len(mailoutbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mailoutbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": "a-fresh-start-42", "new_password2": "a-fresh-start-42"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-fresh-start-42")


def test_unknown_emails_get_the_same_answer_and_no_mail(client, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mailoutbox == []


def test_a_user_changes_their_password(client):
    user = UserFactory()
    client.force_login(user, backend="clinic.accounts.backends.EmailBackend")
    response = client.post(reverse("accounts:password_change"), {
        "old_password": "correct-horse-battery-9", "new_password1": "another-lotus-88",
        "new_password2": "another-lotus-88"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-lotus-88")
