"""The beat's reminder run: who gets a reminder, when, and for which start."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from booking import notifications, services
from booking.models import AppointmentNotification, AppointmentStatus
from clinic.core.models import ClinicSettings
from tests import factories
from tests.factories import local

from .conftest import submit_intake


def _run_at(when) -> int:
    with time_machine.travel(when, tick=False):
        return notifications.reminders_send_due()


def test_it_reminds_the_client_24_hours_before(appointment, london, mailoutbox):
    assert _run_at(local(london, 2026, 3, 24, 9, 59)) == 0  # 24 h and 1 minute before
    assert _run_at(local(london, 2026, 3, 24, 10, 0)) == 1

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["chloe@example.com"]
    assert mailoutbox[0].subject == "Reminder: your appointment on Wed 25 Mar, 10:00 (GMT)"


def test_it_uses_the_clinics_reminder_setting(appointment, london, mailoutbox):
    ClinicSettings.objects.update(reminder_hours_before=48)

    assert _run_at(local(london, 2026, 3, 23, 10, 0)) == 1


def test_it_catches_up_when_the_scheduler_was_down(appointment, london, mailoutbox):
    assert _run_at(local(london, 2026, 3, 25, 8, 0)) == 1  # the first run in 22 hours


def test_it_sends_nothing_once_the_session_has_started(appointment, london, mailoutbox):
    assert _run_at(local(london, 2026, 3, 25, 10, 0)) == 0


def test_it_sends_once_across_many_runs(appointment, london, mailoutbox):
    start = local(london, 2026, 3, 24, 10, 0)
    for minute in range(0, 30):
        _run_at(start + timedelta(minutes=minute))

    assert len(mailoutbox) == 1


def test_the_reminder_says_what_to_expect_and_the_cancellation_policy(appointment, london, mailoutbox):
    _run_at(local(london, 2026, 3, 24, 10, 0))

    body = mailoutbox[0].body
    assert "What to expect" in body
    assert "arrive 5 to 10 minutes early" in body
    assert "15 to 30 minutes" in body
    assert "Cancellation policy" in body
    assert "cancel online up to 24 hours before the start: https://clinic.example/book/my/" in body
    assert "call us on 020 7946 0999" in body
    assert "email reminders are on in your profile: https://clinic.example/accounts/profile/" in body
    assert mailoutbox[0].attachments == []


def test_a_first_visit_without_intake_gets_the_questionnaire_link(appointment, london, mailoutbox):
    _run_at(local(london, 2026, 3, 24, 10, 0))

    assert "https://clinic.example/intake/" in mailoutbox[0].body
    assert "https://clinic.example/intake/" in mailoutbox[0].alternatives[0][0]


def test_a_first_visit_with_an_intake_gets_no_link(appointment, client_user, london, mailoutbox):
    submit_intake(client_user)
    _run_at(local(london, 2026, 3, 24, 10, 0))

    assert "/intake/" not in mailoutbox[0].body


def test_a_returning_client_gets_no_intake_link(appointment, london, mailoutbox):
    appointment.is_first_visit = False
    appointment.save()
    _run_at(local(london, 2026, 3, 24, 10, 0))

    assert "/intake/" not in mailoutbox[0].body


def test_cancelled_appointments_get_no_reminder(appointment, london, mailoutbox):
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save()

    assert _run_at(local(london, 2026, 3, 24, 10, 0)) == 0


def test_bookings_awaiting_email_confirmation_get_no_reminder(appointment, london, mailoutbox):
    appointment.status = AppointmentStatus.PENDING
    appointment.save()

    assert _run_at(local(london, 2026, 3, 24, 10, 0)) == 0


def test_clients_who_turned_reminders_off_get_none(appointment, client_user, london, mailoutbox):
    client_user.email_reminders = False
    client_user.save()

    assert _run_at(local(london, 2026, 3, 24, 10, 0)) == 0
    assert mailoutbox == []


def test_a_rescheduled_appointment_gets_a_fresh_reminder_for_its_new_time(appointment, london, client_user,
                                                                          front_desk_user, run_on_commit,
                                                                          mailoutbox):
    _run_at(local(london, 2026, 3, 24, 10, 0))
    with time_machine.travel(local(london, 2026, 3, 24, 11, 0), tick=False):
        run_on_commit(services.appointment_reschedule, appointment=appointment, actor=front_desk_user,
                      by_staff=True, starts_at=local(london, 2026, 3, 27, 15, 0))

    assert _run_at(local(london, 2026, 3, 26, 14, 59)) == 0
    assert _run_at(local(london, 2026, 3, 26, 15, 0)) == 1

    subjects = [email.subject for email in mailoutbox]
    assert subjects == ["Reminder: your appointment on Wed 25 Mar, 10:00 (GMT)",
                        "Your appointment has moved to Fri 27 Mar, 15:00 (GMT)",
                        "Reminder: your appointment on Fri 27 Mar, 15:00 (GMT)"]
    assert AppointmentNotification.objects.filter(appointment=appointment, kind="reminder").count() == 2


def test_a_reminder_already_due_goes_to_the_new_time_only(appointment, london, front_desk_user, run_on_commit,
                                                          mailoutbox):
    """Moved before its reminder went out: one reminder, for the new time."""
    with time_machine.travel(local(london, 2026, 3, 23, 9, 0), tick=False):
        run_on_commit(services.appointment_reschedule, appointment=appointment, actor=front_desk_user,
                      by_staff=True, starts_at=local(london, 2026, 3, 25, 15, 0))

    _run_at(local(london, 2026, 3, 24, 10, 0))
    _run_at(local(london, 2026, 3, 24, 15, 0))

    reminders = [email for email in mailoutbox if email.subject.startswith("Reminder")]
    assert [email.subject for email in reminders] == ["Reminder: your appointment on Wed 25 Mar, 15:00 (GMT)"]


def test_one_failing_email_does_not_stop_the_others(london, practitioner, mailoutbox, monkeypatch):
    first, second = (factories.AppointmentFactory(practitioner=practitioner,
                                                  starts_at=local(london, 2026, 3, 25, hour, 0))
                     for hour in (10, 12))
    real = notifications.notification_message

    def flaky(*, appointment, **kwargs):
        if appointment.pk == first.pk:
            raise OSError("mail server refused")
        return real(appointment=appointment, **kwargs)

    monkeypatch.setattr(notifications, "notification_message", flaky)

    assert _run_at(local(london, 2026, 3, 24, 12, 0)) == 1
    assert mailoutbox[0].to == [second.client.email]
