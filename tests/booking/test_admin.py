"""The manager's schedule editor opens, and appointments there are view-only (changes go through services)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from booking.models import AppointmentStatus
from tests.factories import AppointmentFactory, UserFactory


@pytest.fixture
def admin_client(login):
    return login(UserFactory(role="manager", is_staff=True, is_superuser=True))


@pytest.mark.parametrize("model", ["location", "service", "practitioner", "timeoff", "appointment", "course"])
def test_changelists_open(admin_client, practitioner, model):
    AppointmentFactory(practitioner=practitioner)
    assert admin_client.get(reverse(f"admin:booking_{model}_changelist")).status_code == 200


def test_appointments_cannot_be_edited_but_can_be_cancelled(admin_client, practitioner):
    appointment = AppointmentFactory(practitioner=practitioner)
    assert admin_client.get(reverse("admin:booking_appointment_add")).status_code == 403
    admin_client.post(reverse("admin:booking_appointment_changelist"),
                      {"action": "cancel_selected", "_selected_action": [appointment.pk],
                       "confirm": "yes", "reason": "Clinic closure"})
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED and appointment.late_cancellation is False
