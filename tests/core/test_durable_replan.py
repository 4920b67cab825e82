"""A change of when messages go is re-planned even if the broker is down when the manager saves: the need is
recorded with the change, and the beat's dispatcher re-plans until it is done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.forms.models import model_to_dict
from django.urls import reverse
from kombu.exceptions import OperationalError

from booking import services
from booking.notifications import messages_replan_if_requested
from booking.tasks import replan_messages
from clinic.core.models import ClinicSettings
from clinic.notifications.models import Message, MessageKind, MessageState
from clinic.notifications.tasks import dispatch_messages
from tests import factories
from tests.factories import local

URL = reverse("core:settings")
# Sunday 22 March 2026, 09:00 in London (GMT); the session is on Friday 27 March, 10:00.
SUNDAY = datetime(2026, 3, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def appointment(client_user, django_capture_on_commit_callbacks):
    london = factories.LocationFactory(time_zone="Europe/London")
    practitioner = factories.PractitionerFactory(location=london)
    with time_machine.travel(SUNDAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        return services.appointment_book(client=client_user, service=practitioner.services.get(),
                                         practitioner=practitioner, starts_at=local(london, 2026, 3, 27, 10, 0),
                                         location=london)


def _reminders(appointment) -> list[timedelta]:
    return [appointment.starts_at - due for due in Message.objects.filter(
        appointment=appointment, kind=MessageKind.REMINDER, state=MessageState.PENDING)
        .order_by("due_at").values_list("due_at", flat=True)]


def _settings_form(**changes) -> dict:
    data = {key: value for key, value in model_to_dict(ClinicSettings.load()).items() if value is not None}
    return {**data, **changes}


def _save_with_the_broker_down(login, manager_user, capture, **changes):
    refused = OperationalError("Error 111 connecting to redis:6379. Connection refused.")
    # The patch outlives the capture: the on-commit hand-over runs (and fails) when the capture ends.
    with mock.patch.object(replan_messages, "delay", side_effect=refused) as delay, \
            time_machine.travel(SUNDAY + timedelta(hours=1), tick=False), capture(execute=True):
        response = login(manager_user).post(URL, _settings_form(**changes))
    assert delay.called  # the fast path was tried, and lost
    return response


def test_a_change_saved_while_the_broker_is_down_is_replanned_by_the_beat(
        login, manager_user, appointment, django_capture_on_commit_callbacks):
    assert _reminders(appointment) == [timedelta(hours=48), timedelta(hours=2)]

    response = _save_with_the_broker_down(login, manager_user, django_capture_on_commit_callbacks,
                                          reminder_hours="24")

    assert response.status_code == 302  # the manager's change is saved, no error page
    assert ClinicSettings.load().reminder_hours == "24"
    assert ClinicSettings.load().messages_replan_requested_at == SUNDAY + timedelta(hours=1)
    assert _reminders(appointment) == [timedelta(hours=48), timedelta(hours=2)]  # not yet moved

    with time_machine.travel(SUNDAY + timedelta(hours=1, minutes=1), tick=False):
        dispatch_messages()  # the beat's next minute, with the broker back

    assert _reminders(appointment) == [timedelta(hours=24)]
    assert ClinicSettings.load().messages_replan_requested_at is None  # done: later minutes do nothing


def test_the_beat_keeps_trying_until_the_replan_succeeds(login, manager_user, appointment,
                                                         django_capture_on_commit_callbacks):
    _save_with_the_broker_down(login, manager_user, django_capture_on_commit_callbacks, reminder_hours="24")

    with time_machine.travel(SUNDAY + timedelta(hours=1, minutes=1), tick=False), \
            mock.patch("booking.notifications.messages_replan_all", side_effect=RuntimeError("database busy")):
        dispatch_messages()  # the re-plan fails this minute; the dispatch still runs
    assert ClinicSettings.load().messages_replan_requested_at is not None

    with time_machine.travel(SUNDAY + timedelta(hours=1, minutes=2), tick=False):
        dispatch_messages()
    assert _reminders(appointment) == [timedelta(hours=24)]
    assert ClinicSettings.load().messages_replan_requested_at is None


def test_a_change_made_during_a_replan_is_not_forgotten(appointment):
    first, second = SUNDAY, SUNDAY + timedelta(minutes=5)
    ClinicSettings.objects.update(messages_replan_requested_at=first)

    def another_change_meanwhile(**kwargs):
        ClinicSettings.objects.update(messages_replan_requested_at=second)
        return 1

    with mock.patch("booking.notifications.messages_replan_all", side_effect=another_change_meanwhile):
        messages_replan_if_requested(now=SUNDAY + timedelta(minutes=6))

    assert ClinicSettings.load().messages_replan_requested_at == second  # re-planned again next minute


def test_saving_other_settings_keeps_a_pending_replan(login, manager_user, appointment,
                                                      django_capture_on_commit_callbacks):
    _save_with_the_broker_down(login, manager_user, django_capture_on_commit_callbacks, reminder_hours="24")

    with time_machine.travel(SUNDAY + timedelta(hours=1, minutes=1), tick=False):
        response = login(manager_user).post(URL, _settings_form(name="Lotus Clinic Islington"))

    assert response.status_code == 302
    assert ClinicSettings.load().messages_replan_requested_at == SUNDAY + timedelta(hours=1)


def test_with_the_broker_up_the_change_is_replanned_at_once_and_the_record_cleared(
        login, manager_user, appointment, django_capture_on_commit_callbacks):
    with time_machine.travel(SUNDAY + timedelta(hours=1), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        login(manager_user).post(URL, _settings_form(reminder_hours="24"))

    assert _reminders(appointment) == [timedelta(hours=24)]
    assert ClinicSettings.load().messages_replan_requested_at is None


def test_new_check_in_sessions_are_recorded_for_the_beat_too(login, manager_user, django_capture_on_commit_callbacks):
    from tests.intake.test_settings import VALID as INTAKE_SETTINGS

    refused = OperationalError("Connection refused.")
    with mock.patch.object(replan_messages, "delay", side_effect=refused), \
            time_machine.travel(SUNDAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = login(manager_user).post(reverse("intake:settings"),
                                            {**INTAKE_SETTINGS, "reassess_at_sessions": "6, 12"})

    assert response.status_code == 302
    assert ClinicSettings.load().messages_replan_requested_at == SUNDAY
