from __future__ import annotations

import time_machine

from booking import services
from booking.models import AppointmentStatus
from tests.factories import local


def _complete(appointment, actor, run_on_commit):
    for status in (AppointmentStatus.ARRIVED, AppointmentStatus.COMPLETED):
        appointment = run_on_commit(services.appointment_set_status, appointment=appointment, status=status,
                                    actor=actor)
    return appointment


def test_it_sends_the_aftercare_note_when_the_session_is_completed(appointment, london, practitioner,
                                                                   run_on_commit, mailoutbox):
    with time_machine.travel(local(london, 2026, 3, 25, 11, 5), tick=False):
        _complete(appointment, practitioner.user, run_on_commit)

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["chloe@example.com"]
    assert email.subject == "Aftercare after your facial acupuncture"
    for advice in ("No make-up for about 12 hours", "saunas, hot baths and swimming pools",
                   "drink plenty of water", "No exfoliants, scrubs or acid products for 48 hours",
                   "Use sunscreen", "fade within a few days", "Please call 020 7946 0999"):
        assert advice in email.body
        assert advice in email.alternatives[0][0]
    assert email.attachments == []  # nothing to put in a calendar


def test_checking_in_alone_sends_no_aftercare(appointment, london, practitioner, run_on_commit, mailoutbox):
    with time_machine.travel(local(london, 2026, 3, 25, 9, 55), tick=False):
        run_on_commit(services.appointment_set_status, appointment=appointment, status=AppointmentStatus.ARRIVED,
                      actor=practitioner.user)

    assert mailoutbox == []


def test_a_no_show_gets_no_aftercare(appointment, london, front_desk_user, run_on_commit, mailoutbox):
    with time_machine.travel(local(london, 2026, 3, 25, 10, 30), tick=False):
        run_on_commit(services.appointment_set_status, appointment=appointment, status=AppointmentStatus.NO_SHOW,
                      actor=front_desk_user)

    assert mailoutbox == []


def test_aftercare_goes_out_once_even_if_the_task_runs_twice(appointment, london, practitioner, run_on_commit,
                                                             mailoutbox):
    from booking.tasks import send_appointment_notification

    with time_machine.travel(local(london, 2026, 3, 25, 11, 5), tick=False):
        _complete(appointment, practitioner.user, run_on_commit)
        send_appointment_notification.delay(appointment.pk, "aftercare", appointment.starts_at.isoformat())

    assert len(mailoutbox) == 1
