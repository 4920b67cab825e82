"""The manager's admin editor (not a superuser): schedule set-up with clear messages (QA pass)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from booking.models import TimeOff
from clinic.accounts.roles import grant_manager_rights
from tests.factories import AppointmentFactory, PractitionerFactory

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def manager(manager_user):
    grant_manager_rights(manager_user)
    return manager_user


def _time_off(practitioner, start: str, end: str) -> dict:
    return {"practitioner": practitioner.pk, "location": practitioner.locations.first().pk,
            "starts_at_0": "2026-12-10", "starts_at_1": start, "ends_at_0": "2026-12-10", "ends_at_1": end,
            "reason": "Training"}


def test_time_off_ending_before_it_starts_is_refused_in_plain_words(login, manager):
    practitioner = PractitionerFactory()
    response = login(manager).post(reverse("admin:booking_timeoff_add"), _time_off(practitioner, "17:00", "09:00"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "The time off must end after it starts." in html
    assert "Constraint" not in html
    assert not TimeOff.objects.exists()


def test_working_hours_ending_before_they_start_are_refused_in_plain_words(login, manager):
    practitioner = PractitionerFactory()
    url = reverse("admin:booking_practitioner_change", args=[practitioner.pk])
    c = login(manager)
    form = c.get(url).context["adminform"].form
    # Files (the profile photo) are not posted back by a browser unless chosen again.
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list) and k != "photo"}
    data.update({"user": practitioner.user_id, "services": [s.pk for s in practitioner.services.all()],
                 "locations": [loc.pk for loc in practitioner.locations.all()], "is_active": "on",
                 "calendar_colour": "#3f6b57"})
    for prefix in ("working_hours", "breaks", "time_off"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update({"working_hours-TOTAL_FORMS": "1", "working_hours-0-location": practitioner.locations.first().pk,
                 "working_hours-0-weekday": "0", "working_hours-0-start": "17:00", "working_hours-0-end": "09:00"})
    response = c.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200, response.get("Location")
    assert "The end of the shift must be after its start." in html
    assert "Constraint" not in html


def test_time_off_over_booked_sessions_warns_the_manager(login, manager):
    practitioner = PractitionerFactory()
    AppointmentFactory(practitioner=practitioner, starts_at=datetime(2026, 12, 10, 10, 0, tzinfo=LONDON))
    response = login(manager).post(reverse("admin:booking_timeoff_add"), _time_off(practitioner, "09:00", "17:00"))
    assert response.status_code == 302
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "1 booked session(s) fall inside this time off" in text


def _cancel_action(c, appointment, **extra):
    return c.post(reverse("admin:booking_appointment_changelist"),
                  {"action": "cancel_selected", "_selected_action": [appointment.pk], **extra})


def test_mass_cancel_in_the_editor_asks_for_confirmation_and_a_reason_first(login, manager):
    from booking.models import AppointmentStatus

    session = AppointmentFactory(starts_at=datetime(2030, 12, 10, 10, 0, tzinfo=LONDON))
    c = login(manager)
    response = _cancel_action(c, session)
    assert response.status_code == 200
    assert "Yes, cancel 1 appointment(s)" in response.content.decode()
    _cancel_action(c, session, confirm="yes", reason="")
    session.refresh_from_db()
    assert session.status == AppointmentStatus.BOOKED

    response = _cancel_action(c, session, confirm="yes", reason="Practitioner ill")
    session.refresh_from_db()
    assert response.status_code == 302
    assert (session.status, session.cancel_reason) == (AppointmentStatus.CANCELLED, "Practitioner ill")


def test_the_manager_cannot_edit_an_appointment_in_the_editor(login, manager):
    session = AppointmentFactory(starts_at=datetime(2030, 12, 10, 10, 0, tzinfo=LONDON))
    url = reverse("admin:booking_appointment_change", args=[session.pk])
    c = login(manager)
    assert c.get(url).status_code == 200  # view only
    before = session.starts_at
    c.post(url, {"starts_at_0": "2030-12-11", "starts_at_1": "10:00"})
    session.refresh_from_db()
    assert session.starts_at == before


def test_the_clinic_settings_row_can_be_neither_duplicated_nor_deleted(login, manager):
    from clinic.core.models import ClinicSettings

    settings_row = ClinicSettings.load()
    c = login(manager)
    assert c.get(reverse("admin:core_clinicsettings_add")).status_code == 403
    assert c.get(reverse("admin:core_clinicsettings_delete", args=[settings_row.pk])).status_code == 403
    assert c.get(reverse("admin:core_clinicsettings_change", args=[settings_row.pk])).status_code == 200


def test_a_new_practitioner_account_is_picked_by_name_when_adding_the_profile(login, manager):
    from tests.factories import ClientFactory, UserFactory

    ivy = UserFactory(role="practitioner", first_name="Ivy", last_name="Chen")
    ClientFactory(first_name="Not", last_name="Staff")
    form = login(manager).get(reverse("admin:booking_practitioner_add")).context["adminform"].form
    labels = [label for _value, label in form.fields["user"].choices]
    assert "Ivy Chen" in labels
    assert "Not Staff" not in labels
    assert list(form.fields["user"].queryset) == [ivy]
