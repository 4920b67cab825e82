"""A client downloads everything the clinic holds about her: a JSON file and a printable page, audited."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.urls import reverse

from clinic.accounts import rights
from clinic.audit.models import AuditEvent
from clinic.notifications.models import Message, MessageKind, MessageState
from tests.factories import AppointmentFactory, PractitionerFactory, local
from tests.frontdesk.factories import WaitlistEntryFactory
from tests.helpers import AUDIT_CHAIN_QUERIES
from tests.intake.helpers import submit_intake

NOW = "2026-03-10 10:00Z"  # a Tuesday


@pytest.fixture
def practitioner():
    return PractitionerFactory(user__first_name="Ana", user__last_name="Lopes")


def _things_of(client, practitioner, *, hour: int = 10):
    """An appointment after the spring clock change, an intake, a message and a waitlist entry."""
    location = practitioner.locations.first()
    appointment = AppointmentFactory(client=client, practitioner=practitioner,
                                     starts_at=local(location, 2026, 3, 31, hour, 0))
    submit_intake(client)
    Message.objects.create(key=f"confirmation:{appointment.pk}", kind=MessageKind.CONFIRMATION, recipient=client,
                           appointment=appointment, due_at=appointment.created_at, state=MessageState.SENT,
                           sent_at=appointment.created_at)
    WaitlistEntryFactory(client=client, service=appointment.service, location=location)
    return appointment


@time_machine.travel(NOW, tick=False)
def test_the_json_file_holds_her_data_in_words_with_local_and_utc_times(login, client_user, practitioner):
    _things_of(client_user, practitioner)

    response = login(client_user).get(reverse("accounts:my_data_json"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["profile"]["email"] == "chloe@example.com"
    [appointment] = data["appointments"]
    assert appointment["practitioner"] == "Ana Lopes"
    assert appointment["starts"]["utc"] == "2026-03-31T09:00:00+00:00"
    assert appointment["starts"]["local"] == "2026-03-31T10:00:00+01:00"
    assert appointment["starts"]["time_zone"] == "Europe/London"
    [questionnaire] = data["questionnaires"]
    skin = next(a for a in questionnaire["answers"] if a["question"] == "How would you describe your skin?")
    assert skin["answer"] and not skin["answer"].isdigit()  # the answer in words, not a code
    [consent] = data["consents"]
    assert consent["typed_name"] == "Chloe Martin" and consent["withdrawn"] is None
    assert [m["about"] for m in data["messages_sent_to_you"]] == ["Booking confirmation"]
    assert data["messages_sent_to_you"][0]["sent"] is not None
    assert [w["status"] for w in data["waitlist"]] == ["Waiting"]
    assert AuditEvent.objects.filter(action="client.data_export", subject=client_user, actor=client_user).count() == 1


@time_machine.travel(NOW, tick=False)
def test_another_clients_data_is_never_included(login, client_user, other_client, practitioner):
    _things_of(client_user, practitioner)
    _things_of(other_client, practitioner, hour=14)

    body = login(client_user).get(reverse("accounts:my_data_json")).content.decode()
    page = login(client_user).get(reverse("accounts:my_data")).content.decode()

    for text in (body, page):
        assert "oscar@example.com" not in text and "Oscar" not in text
    data = json.loads(body)
    assert len(data["appointments"]) == len(data["questionnaires"]) == len(data["consents"]) == 1
    assert len(data["messages_sent_to_you"]) == len(data["waitlist"]) == 1


@time_machine.travel(NOW, tick=False)
def test_the_readable_page_is_printable_audited_and_not_cached(login, client_user, practitioner):
    _things_of(client_user, practitioner)

    page = login(client_user).get(reverse("accounts:my_data"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "Save as PDF" in html
    assert "Tuesday 31 March 2026, 10:00 (BST)" in html
    assert "How would you describe your skin?" in html
    assert AuditEvent.objects.filter(action="client.data_export", subject=client_user).count() == 1


@time_machine.travel(NOW, tick=False)
def test_the_profile_page_links_to_the_download(login, client_user):
    html = login(client_user).get(reverse("accounts:profile")).content.decode()
    assert reverse("accounts:my_data") in html and "Download my data" in html


@pytest.mark.parametrize("role", ["practitioner", "front_desk", "manager"])
def test_staff_have_no_client_data_download(login, role, manager_user, front_desk_user, practitioner_user):
    user = {"practitioner": practitioner_user, "front_desk": front_desk_user, "manager": manager_user}[role]
    assert login(user).get(reverse("accounts:my_data_json")).status_code == 403


@time_machine.travel(NOW, tick=False)
def test_the_export_takes_the_same_queries_however_much_data(client_user, practitioner, django_assert_num_queries):
    _things_of(client_user, practitioner)
    submit_intake(client_user)  # a second questionnaire, with its consent
    AppointmentFactory(client=client_user, practitioner=practitioner)
    # clinic settings, appointments, questionnaires (with consents), their flags, messages, waitlist,
    # check-ins, photo consents, photos (charting); then the audit row (on SQLite inside a savepoint, after
    # reading the previous row's hash for the chain)
    with django_assert_num_queries(9 + 1 + AUDIT_CHAIN_QUERIES):
        data = rights.client_data_export(client=client_user)
    assert len(data["questionnaires"]) == 2 and len(data["appointments"]) == 2
