"""The manager's message settings (/manage/settings/ and the intake settings): clear errors, and a change
of timing moves the messages already planned for upcoming sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.urls import reverse

from booking import services
from booking.models import AppointmentStatus
from booking.tasks import replan_messages
from clinic.core.models import ClinicSettings
from clinic.notifications.models import Message, MessageKind, MessageState
from tests import factories
from tests.core.test_clinic_settings import _form
from tests.factories import local
from tests.intake.test_settings import VALID as INTAKE_SETTINGS

URL = reverse("core:settings")
MESSAGE_FIELDS = ["reminder_hours", "intake_nudge_hours_before", "aftercare_delay_minutes",
                  "course_checkin_hours_before"]
# Sunday 22 March 2026, 09:00 in London (GMT).
SUNDAY = datetime(2026, 3, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def book(practitioner, london, client_user, django_capture_on_commit_callbacks):
    """Chloe books Friday 27 March 2026, 10:00 London (five days ahead) through the real service."""

    def _book():
        with time_machine.travel(SUNDAY, tick=False), django_capture_on_commit_callbacks(execute=True):
            return services.appointment_book(client=client_user, service=practitioner.services.get(),
                                             practitioner=practitioner, starts_at=local(london, 2026, 3, 27, 10, 0),
                                             location=london)

    return _book


def _pending(appointment, kind: str) -> list[timedelta]:
    """How long before the session each pending message of ``kind`` is due."""
    return [appointment.starts_at - due for due in Message.objects.filter(
        appointment=appointment, kind=kind, state=MessageState.PENDING).order_by("due_at")
        .values_list("due_at", flat=True)]


# --- The page --------------------------------------------------------------------------------------

def test_the_message_settings_are_grouped_with_their_explanations(login, manager_user):
    html = login(manager_user).get(URL).content.decode()
    group = html[html.index('data-testid="settings-messages"'):html.index("</fieldset>",
                                                                       html.index('data-testid="settings-messages"'))]
    assert "Messages to clients" in group
    for name in MESSAGE_FIELDS:
        assert f'name="{name}"' in group
    assert "e.g. 48, 2" in group
    assert "time to add a personal note" in group
    assert reverse("intake:settings") in group  # which sessions get a check-in is set there


def test_every_setting_is_on_the_page(login, manager_user):
    response = login(manager_user).get(URL)
    html = response.content.decode()
    for name in response.context["form"].fields:
        assert f'name="{name}"' in html, name


@pytest.mark.parametrize(("typed", "error"), [
    ("48, abc", "Use whole hours separated by commas, e.g. 48, 2."),
    ("0", "Each reminder must be between 1 and 336 hours (14 days) before the session."),
    ("48, 2, 1, 3, 5", "At most 4 reminders per session."),
    ("400", "Each reminder must be between 1 and 336 hours (14 days) before the session."),
])
def test_bad_reminder_times_are_explained_and_kept(login, manager_user, typed, error):
    with mock.patch.object(replan_messages, "delay") as replan:
        response = login(manager_user).post(URL, _form(reminder_hours=typed, name="Kept name"))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].errors["reminder_hours"] == [error]
    assert f'value="{typed}"' in html
    assert 'value="Kept name"' in html
    assert "Nothing was saved" in html
    clinic = ClinicSettings.load()
    assert (clinic.reminder_hours, clinic.name) == ("48, 2", "Lotus Facial Acupuncture")
    replan.assert_not_called()


@pytest.mark.parametrize(("field", "typed", "error"), [
    ("intake_nudge_hours_before", "0", "Ensure this value is greater than or equal to 1."),
    ("aftercare_delay_minutes", "-5", "Ensure this value is greater than or equal to 0."),
    ("aftercare_delay_minutes", "soon", "Enter a whole number."),
    ("course_checkin_hours_before", "9999", "Ensure this value is less than or equal to 336."),
])
def test_bad_message_timings_are_explained_and_kept(login, manager_user, field, typed, error):
    response = login(manager_user).post(URL, _form(**{field: typed}))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [error]
    assert f'value="{typed}"' in response.content.decode()
    assert getattr(ClinicSettings.load(), field) == getattr(ClinicSettings(), field)  # the default, unchanged


def test_no_reminders_at_all_is_allowed(login, manager_user):
    login(manager_user).post(URL, _form(reminder_hours=""))
    assert ClinicSettings.load().reminder_offsets == []


def test_only_a_manager_may_change_them(login, front_desk_user):
    with mock.patch.object(replan_messages, "delay") as replan:
        response = login(front_desk_user).post(URL, _form(reminder_hours="24"))
    assert response.status_code == 403
    assert ClinicSettings.load().reminder_hours == "48, 2"
    replan.assert_not_called()


# --- Re-planning -----------------------------------------------------------------------------------

def test_new_reminder_times_move_the_planned_reminders(login, manager_user, book,
                                                       django_capture_on_commit_callbacks):
    appointment = book()
    assert _pending(appointment, MessageKind.REMINDER) == [timedelta(hours=48), timedelta(hours=2)]

    with time_machine.travel(SUNDAY + timedelta(hours=1), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        response = login(manager_user).post(URL, _form(reminder_hours="24"))

    assert response.status_code == 302
    assert _pending(appointment, MessageKind.REMINDER) == [timedelta(hours=24)]
    cancelled = Message.objects.filter(appointment=appointment, kind=MessageKind.REMINDER,
                                       state=MessageState.CANCELLED)
    assert sorted(appointment.starts_at - m.due_at for m in cancelled) == [timedelta(hours=2), timedelta(hours=48)]


def test_a_new_aftercare_delay_moves_the_planned_aftercare(login, manager_user, book,
                                                           django_capture_on_commit_callbacks):
    appointment = book()
    with time_machine.travel(SUNDAY + timedelta(hours=1), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        login(manager_user).post(URL, _form(aftercare_delay_minutes=120))
    aftercare = Message.objects.get(appointment=appointment, kind=MessageKind.AFTERCARE)
    assert (aftercare.state, aftercare.due_at) == (MessageState.PENDING, appointment.ends_at + timedelta(hours=2))


@pytest.mark.parametrize(("field", "value"), [("reminder_hours", "24"), ("intake_nudge_hours_before", 48),
                                              ("aftercare_delay_minutes", 30), ("course_checkin_hours_before", 24)])
def test_each_timing_change_replans_once_after_commit(login, manager_user, django_capture_on_commit_callbacks,
                                                      field, value):
    c = login(manager_user)
    with mock.patch.object(replan_messages, "delay") as replan:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            c.post(URL, _form(**{field: value}))
            replan.assert_not_called()  # not before the new settings are committed
        for callback in callbacks:
            callback()
    replan.assert_called_once_with()


@pytest.mark.parametrize("changes", [{"name": "Jade Skin Clinic"}, {"cancellation_window_hours": 48},
                                     {"reminder_hours": "2,48"}, {}])
def test_other_changes_do_not_replan(login, manager_user, django_capture_on_commit_callbacks, changes):
    with mock.patch.object(replan_messages, "delay") as replan, django_capture_on_commit_callbacks(execute=True):
        response = login(manager_user).post(URL, _form(**changes))
    assert response.status_code == 302
    replan.assert_not_called()


# --- Intake settings: which sessions get a course check-in -----------------------------------------

def test_new_check_in_sessions_move_the_planned_check_ins(login, manager_user, client_user, practitioner, book,
                                                          django_capture_on_commit_callbacks):
    for week in range(1, 5):  # four sessions done: the one booked next is the fifth
        factories.AppointmentFactory(client=client_user, practitioner=practitioner,
                                     starts_at=SUNDAY - timedelta(weeks=week), status=AppointmentStatus.COMPLETED)
    appointment = book()
    assert _pending(appointment, MessageKind.COURSE_CHECKIN) == [timedelta(hours=48)]  # default: sessions 5, 10

    with time_machine.travel(SUNDAY + timedelta(hours=1), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        response = login(manager_user).post(reverse("intake:settings"),
                                            {**INTAKE_SETTINGS, "reassess_at_sessions": "6, 12"})

    assert response.status_code == 302
    assert _pending(appointment, MessageKind.COURSE_CHECKIN) == []
    assert Message.objects.get(appointment=appointment, kind=MessageKind.COURSE_CHECKIN).state == \
        MessageState.CANCELLED


def test_intake_waits_alone_do_not_replan(login, manager_user, django_capture_on_commit_callbacks):
    c = login(manager_user)
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("intake:settings"), {**INTAKE_SETTINGS, "reassess_at_sessions": "5, 10"})
    with mock.patch.object(replan_messages, "delay") as replan, django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("intake:settings"), {**INTAKE_SETTINGS, "reassess_at_sessions": "10,5",
                                            "botox_wait_days": 60})
    replan.assert_not_called()
