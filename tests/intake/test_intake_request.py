"""Intake requests: an email with a signed, expiring link that opens the intake only for that client."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clinic.notifications.models import Message
from clinic.notifications.services import message_send
from intake import services
from intake.models import IntakeRequest, IntakeSubmission
from tests.factories import AppointmentFactory, ClientFactory, UserFactory
from tests.intake.helpers import submit_intake, valid_answers


def _send(client, **kwargs):
    return services.intake_request_send(client=client, **kwargs)


def test_it_emails_a_link_and_no_answers(db, client_user, django_capture_on_commit_callbacks):
    submit_intake(client_user, valid_answers(products="Secret serum", pregnancy="pregnant"))
    IntakeRequest.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        _send(client_user)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["chloe@example.com"]
    assert "/intake/link/" in message.body
    for private in ("Secret serum", "regnan", "Botox", "migraine"):
        assert private not in message.body
    assert Message.objects.get(params__request_id=IntakeRequest.objects.get().pk).state == "sent"


def test_the_email_names_the_appointment_in_the_clinic_zone(db, client_user, django_capture_on_commit_callbacks):
    from tests.factories import PractitionerFactory, local

    practitioner = PractitionerFactory()
    location = practitioner.locations.first()
    appointment = AppointmentFactory(client=client_user, practitioner=practitioner,
                                     starts_at=local(location, 2027, 7, 1, 10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        _send(client_user, appointment=appointment)
    assert "Thursday 1 July 2027, 10:00 (BST)" in mail.outbox[0].body


def test_the_email_uses_the_visits_own_zone_not_the_workers(db, client_user, django_capture_on_commit_callbacks):
    from tests.factories import LocationFactory, PractitionerFactory, local

    location = LocationFactory(time_zone="America/New_York")
    practitioner = PractitionerFactory(location=location)
    appointment = AppointmentFactory(client=client_user, practitioner=practitioner,
                                     starts_at=local(location, 2027, 7, 1, 10, 0))
    with timezone.override("Europe/London"), django_capture_on_commit_callbacks(execute=True):
        _send(client_user, appointment=appointment)
    assert "Thursday 1 July 2027, 10:00 (EDT)" in mail.outbox[0].body


def test_a_double_click_does_not_send_twice(db, client_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _send(client_user)
        with pytest.raises(services.IntakeError):
            _send(client_user)
    assert len(mail.outbox) == 1


def test_a_delivery_runs_once_even_if_the_task_is_redelivered(db, client_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = _send(client_user)
    message = Message.objects.get(params__request_id=request.pk)
    assert message_send(message_id=message.pk) is False
    assert len(mail.outbox) == 1


def test_only_client_accounts_get_links(db):
    with pytest.raises(services.IntakeError):
        _send(UserFactory(role="front_desk"))


def test_the_link_opens_the_questionnaire_for_its_client(login, client_user):
    token = services.intake_link_token(client=client_user)
    c = login(client_user)
    response = c.get(reverse("intake:link", args=[token]))
    assert response["Location"] == reverse("intake:step", args=[1])
    assert IntakeSubmission.objects.filter(client=client_user, status="draft").exists()


def test_logged_out_the_link_leads_to_login_then_back(client, client_user):
    url = reverse("intake:link", args=[services.intake_link_token(client=client_user)])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=" in response["Location"]
    assert not IntakeSubmission.objects.exists()


def test_someone_elses_link_is_404_and_creates_nothing(login, client_user, other_client):
    url = reverse("intake:link", args=[services.intake_link_token(client=client_user)])
    assert login(other_client).get(url).status_code == 404
    assert not IntakeSubmission.objects.exists()


def test_an_expired_link_sends_the_client_to_their_own_page(login, client_user):
    with time_machine.travel(timezone.now() - timedelta(days=15)):
        token = services.intake_link_token(client=client_user)  # links last 14 days by default
    response = login(client_user).get(reverse("intake:link", args=[token]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("intake:my_intake")
    assert "That link has expired" in response.content.decode()


def test_a_tampered_link_is_refused(login, client_user, other_client):
    token = services.intake_link_token(client=other_client)
    forged = f"{client_user.pk}:" + token.split(":", 1)[1]
    response = login(client_user).get(reverse("intake:link", args=[forged]))
    assert response["Location"] == reverse("intake:my_intake")
    assert not IntakeSubmission.objects.exists()


def test_with_a_sent_intake_the_link_asks_to_check_it(login, client_user):
    submit_intake(client_user)
    c = login(client_user)
    response = c.get(reverse("intake:link", args=[services.intake_link_token(client=client_user)]))
    assert response["Location"] == reverse("intake:my_intake")
    assert not IntakeSubmission.objects.filter(status="draft").exists()


def test_the_front_desk_can_chase_a_missing_intake(login, front_desk_user, django_capture_on_commit_callbacks):
    chloe = ClientFactory()
    c = login(front_desk_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(reverse("intake:request_send", args=[chloe.pk]), {"next": "/desk/"})
    assert response["Location"] == "/desk/"
    assert len(mail.outbox) == 1
    assert IntakeRequest.objects.get().sent_by == front_desk_user


def test_clients_cannot_send_requests(login, client_user, other_client):
    assert login(client_user).post(reverse("intake:request_send", args=[other_client.pk])).status_code == 403


def test_an_external_next_is_ignored(login, front_desk_user):
    chloe = ClientFactory()
    response = login(front_desk_user).post(reverse("intake:request_send", args=[chloe.pk]),
                                           {"next": "https://evil.example/"})
    assert response["Location"] == reverse("accounts:landing")
