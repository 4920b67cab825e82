"""The editor's mass-cancel confirmation lists each session at its location's wall-clock time."""

from __future__ import annotations

from django.urls import reverse

from clinic.accounts.roles import grant_manager_rights
from tests import factories
from tests.factories import local


def test_the_mass_cancel_confirmation_shows_new_york_times(login, manager_user):
    grant_manager_rights(manager_user)
    new_york = factories.LocationFactory(name="SoHo", time_zone="America/New_York")
    practitioner = factories.PractitionerFactory(location=new_york)
    session = factories.AppointmentFactory(practitioner=practitioner, starts_at=local(new_york, 2030, 12, 10, 10, 0))
    response = login(manager_user).post(reverse("admin:booking_appointment_changelist"),
                                        {"action": "cancel_selected", "_selected_action": [session.pk]})
    assert "Tue 10 Dec 2030, 10:00" in response.content.decode()  # not 15:00, London's time
