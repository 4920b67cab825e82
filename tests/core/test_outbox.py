from django.core.mail import EmailMessage
from django.urls import reverse

from clinic.core.mail import OutboxEmailBackend
from clinic.core.models import OutboxEmail


def test_the_backend_stores_messages_with_attachments():
    message = EmailMessage("Hello", "Body text", "clinic@example.com", ["chloe@example.com"])
    message.attach("visit.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    assert OutboxEmailBackend().send_messages([message]) == 1
    stored = OutboxEmail.objects.get()
    assert stored.to == "chloe@example.com"
    assert stored.attachments[0]["filename"] == "visit.ics"
    assert "BEGIN:VCALENDAR" in stored.attachments[0]["content"]


def test_front_desk_reads_the_outbox(login, front_desk_user):
    email = OutboxEmail.objects.create(from_email="a@b", to="chloe@example.com", subject="Reminder", body="See you")
    client = login(front_desk_user)
    assert "Reminder" in client.get(reverse("core:outbox")).content.decode()
    assert "See you" in client.get(reverse("core:outbox_detail", args=[email.pk])).content.decode()


def test_clients_cannot_read_the_outbox(login, client_user):
    email = OutboxEmail.objects.create(from_email="a@b", to="x@example.com", subject="S", body="B")
    client = login(client_user)
    assert client.get(reverse("core:outbox_detail", args=[email.pk])).status_code == 403


def test_sign_in_links_are_marked_sensitive_in_the_outbox(settings, client, practitioner_user,
                                                          django_capture_on_commit_callbacks):
    from clinic.accounts.services import staff_invite_send, verification_email_send
    from tests.factories import ClientFactory

    settings.EMAIL_BACKEND = "clinic.core.mail.OutboxEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):  # sign-in emails are messages of the outbox
        client.post(reverse("accounts:password_reset"), {"email": practitioner_user.email})
        verification_email_send(user=ClientFactory(email_verified_at=None))
        staff_invite_send(user=practitioner_user)
    EmailMessage("Reminder", "See you", "a@b.example", ["c@d.example"]).send()
    assert sorted(OutboxEmail.objects.values_list("subject", "sensitive")) == [
        ("Please confirm your email address", True), ("Reminder", False),
        ("Reset your password", True), ("Your clinic staff account", True)]
