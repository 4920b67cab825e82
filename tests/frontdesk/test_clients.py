"""The client directory: search, profile with visits, counts, intake status (never answers), preferences."""

from __future__ import annotations

import time_machine
from django.urls import reverse

from booking.models import AppointmentStatus
from clinic.audit.models import AuditEvent
from intake.models import IntakeRequest
from tests.factories import ClientFactory

from .conftest import at
from .factories import QuickClientFactory
from .intake_states import SECRET, submitted

URL = reverse("frontdesk:clients")
MONDAY = at(2026, 3, 2, 8, 0)


def test_it_searches_by_name_email_or_phone(desk, clinic):
    chloe = ClientFactory(first_name="Chloe", last_name="Martin", email="chloe@example.com", phone="07700 900101")
    ClientFactory(first_name="Oscar", last_name="Other", phone="020 7946 0000")
    for query in ("chlo", "martin", "CHLOE@EXAMPLE", "07700 900101", "07700900101"):
        assert [c.pk for c in desk.get(URL, {"q": query}).context["results"]] == [chloe.pk], query
    assert desk.get(URL, {"q": "nobody"}).context["results"] == []


def test_without_a_search_it_lists_clients_alphabetically_page_by_page(desk, clinic):
    for name in ("Zed", "Abe", "Moe"):
        ClientFactory(last_name=name)
    names = [c.last_name for c in desk.get(URL).context["results"]]
    assert names == ["Abe", "Moe", "Zed"]


def test_live_search_returns_the_table_only(desk, clinic):
    ClientFactory(first_name="Chloe")
    html = desk.get(URL, {"q": "chloe"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="client-table"' in html and "<html" not in html


@time_machine.travel(MONDAY, tick=False)
def test_the_directory_query_count_does_not_grow(desk, clinic, appointment, django_assert_max_num_queries):
    for day in range(9, 16):
        appointment(at(2026, 3, day, 10), client=QuickClientFactory())
    with django_assert_max_num_queries(10):
        response = desk.get(URL)
    assert sum(1 for c in response.context["results"] if c.next_visit) == 7


@time_machine.travel(MONDAY, tick=False)
def test_the_profile_shows_contact_visits_counts_and_preferences(desk, clinic, appointment, front_desk_user):
    chloe = ClientFactory(first_name="Chloe", last_name="Martin", phone="07700 900101", sms_reminders=True,
                          marketing_ok=False)
    submitted(chloe, review_flag=True)
    upcoming = appointment(at(2026, 3, 9, 10), client=chloe)
    appointment(at(2026, 2, 2, 10), client=chloe, status=AppointmentStatus.NO_SHOW)
    appointment(at(2026, 2, 9, 10), client=chloe, status=AppointmentStatus.CANCELLED, late_cancellation=True)
    appointment(at(2026, 2, 16, 10), client=chloe, status=AppointmentStatus.COMPLETED)
    response = desk.get(reverse("frontdesk:client", args=[chloe.pk]))
    summary = response.context["summary"]
    assert summary.upcoming == [upcoming] and len(summary.past) == 3
    assert (summary.no_shows, summary.late_cancellations) == (1, 1)
    html = response.content.decode()
    assert "07700 900101" in html and chloe.email in html
    assert "Text message reminders: <strong>Yes</strong>" in html and "News and offers: <strong>No</strong>" in html
    assert "Flags to review" in html
    assert SECRET not in html  # intake status, never the answers or the flag's reason
    assert AuditEvent.objects.filter(actor=front_desk_user, action="frontdesk.client_view", subject=chloe).exists()


def test_staff_accounts_are_not_in_the_directory(desk, clinic):
    assert desk.get(reverse("frontdesk:client", args=[clinic.ana.user.pk])).status_code == 404


@time_machine.travel(MONDAY, tick=False)
def test_send_intake_reminder_emails_the_client_a_link(desk, clinic, appointment, front_desk_user, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    nina = ClientFactory(first_name="Nina")
    first_visit = appointment(at(2026, 3, 9, 10), client=nina, is_first_visit=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(reverse("frontdesk:client_intake_reminder", args=[nina.pk]), follow=True)
    request = IntakeRequest.objects.get(client=nina)
    assert (request.appointment, request.sent_by) == (first_visit, front_desk_user)
    assert [m.to for m in mailoutbox] == [[nina.email]]
    assert f"Intake reminder emailed to {nina.full_name}" in response.content.decode()


@time_machine.travel(MONDAY, tick=False)
def test_chase_intake_from_the_calendar_names_that_appointment(desk, clinic, appointment):
    nina = ClientFactory()
    later = appointment(at(2026, 3, 16, 10), client=nina)
    appointment(at(2026, 3, 9, 10), client=nina)
    back = f"{reverse('frontdesk:calendar')}?date=2026-03-16"
    response = desk.post(reverse("frontdesk:client_intake_reminder", args=[nina.pk]),
                         {"appointment": later.pk, "next": back})
    assert response["Location"] == back
    assert IntakeRequest.objects.get(client=nina).appointment == later


def test_a_practitioner_may_read_the_directory_but_not_send_reminders(login, clinic):
    nina = ClientFactory()
    practitioner = login(clinic.ana.user)
    assert practitioner.get(reverse("frontdesk:client", args=[nina.pk])).status_code == 200
    assert practitioner.post(reverse("frontdesk:client_intake_reminder", args=[nina.pk])).status_code == 403
    assert not IntakeRequest.objects.exists()
