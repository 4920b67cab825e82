"""Role x page for every front-desk URL: practitioners view, desk and managers act, clients get 403."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from clinic.accounts.models import Role
from tests.factories import ClientFactory, PractitionerFactory, UserFactory

from .conftest import at

C, P, F, M = Role.CLIENT, Role.PRACTITIONER, Role.FRONT_DESK, Role.MANAGER
VIEW, MANAGE = {P, F, M}, {F, M}

# (url name, needs an appointment / client id, method) -> roles allowed
MATRIX = {
    ("frontdesk:calendar", None, "get"): VIEW,
    ("frontdesk:day_sheet", None, "get"): VIEW,
    ("frontdesk:clients", None, "get"): VIEW,
    ("frontdesk:client", "client", "get"): VIEW,
    ("frontdesk:appointment", "appointment", "get"): VIEW,
    ("frontdesk:book", None, "get"): MANAGE,
    ("frontdesk:client_create", None, "get"): MANAGE,
    ("frontdesk:appointment_move", "appointment", "get"): MANAGE,
    ("frontdesk:appointment_cancel", "appointment", "get"): MANAGE,
    ("frontdesk:appointment_status", "appointment", "post"): MANAGE,
    ("frontdesk:client_intake_reminder", "client", "post"): MANAGE,
    ("frontdesk:waitlist", None, "get"): MANAGE,
    ("frontdesk:waitlist_add", None, "get"): MANAGE,
    ("frontdesk:waitlist_join", None, "get"): {C},
}
CASES = [(key, role) for key in MATRIX for role in (C, P, F, M)]


def _user(role):
    return PractitionerFactory().user if role == P else UserFactory(role=role)


def _url(name, arg, clinic, appointment):
    if arg == "appointment":
        return reverse(name, args=[appointment.pk])
    if arg == "client":
        return reverse(name, args=[appointment.client_id])
    return reverse(name)


@pytest.mark.parametrize(("key", "role"), CASES, ids=[f"{k[0]}-{r}" for k, r in CASES])
@time_machine.travel(at(2026, 3, 2, 8), tick=False)
def test_role_gets_the_expected_answer(client, clinic, appointment, key, role):
    name, arg, method = key
    session = appointment(at(2026, 3, 3, 10))
    client.force_login(_user(role), backend="clinic.accounts.backends.EmailBackend")
    response = getattr(client, method)(_url(name, arg, clinic, session), {"status": "arrived"})
    if role in MATRIX[key]:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("key", list(MATRIX), ids=[k[0] for k in MATRIX])
@time_machine.travel(at(2026, 3, 2, 8), tick=False)
def test_anonymous_visitors_are_sent_to_log_in(client, clinic, appointment, key):
    name, arg, method = key
    response = getattr(client, method)(_url(name, arg, clinic, appointment(at(2026, 3, 3, 10))))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@time_machine.travel(at(2026, 3, 2, 8), tick=False)
def test_a_practitioner_cannot_change_appointments(login, clinic, appointment):
    session = appointment(at(2026, 3, 2, 10))
    practitioner = login(clinic.ana.user)
    assert practitioner.post(reverse("frontdesk:appointment_cancel", args=[session.pk]),
                             {"reason": "x"}).status_code == 403
    session.refresh_from_db()
    assert session.status == "booked"


def test_clients_see_join_the_waitlist_and_staff_do_not(login, clinic):
    client_nav = login(ClientFactory()).get(reverse("core:home")).content.decode()
    assert reverse("frontdesk:waitlist_join") in client_nav
    desk_nav = login(UserFactory(role=F)).get(reverse("core:home")).content.decode()
    assert reverse("frontdesk:waitlist_join") not in desk_nav and reverse("frontdesk:waitlist") in desk_nav


@pytest.mark.parametrize(("role", "expected"), [(C, 403), (P, 403), (F, 302), (M, 302)])
def test_only_the_desk_and_managers_remove_waitlist_entries(client, clinic, role, expected):
    from .factories import WaitlistEntryFactory

    entry = WaitlistEntryFactory(service=clinic.follow_up, location=clinic.location)
    client.force_login(_user(role), backend="clinic.accounts.backends.EmailBackend")
    assert client.post(reverse("frontdesk:waitlist_remove", args=[entry.pk])).status_code == expected


@pytest.mark.parametrize("role", [P, F, M])
def test_staff_cannot_use_the_clients_leave_button(client, clinic, role):
    from .factories import WaitlistEntryFactory

    entry = WaitlistEntryFactory(service=clinic.follow_up, location=clinic.location)
    client.force_login(_user(role), backend="clinic.accounts.backends.EmailBackend")
    assert client.post(reverse("frontdesk:waitlist_leave", args=[entry.pk])).status_code == 403
