from __future__ import annotations

import time_machine

from booking import services
from booking.models import AppointmentStatus
from tests.factories import local

from .conftest import dispatch_at


def _complete(appointment, actor, run_on_commit):
    for status in (AppointmentStatus.ARRIVED, AppointmentStatus.COMPLETED):
        appointment = run_on_commit(services.appointment_set_status, appointment=appointment, status=status,
                                    actor=actor)
    return appointment


def test_it_sends_the_aftercare_note_an_hour_after_the_session_is_completed(appointment, london, practitioner,
                                                                            run_on_commit, mailoutbox):
    with time_machine.travel(local(london, 2026, 3, 25, 11, 5), tick=False):
        _complete(appointment, practitioner.user, run_on_commit)
    dispatch_at(local(london, 2026, 3, 25, 12, 4))
    assert mailoutbox == []  # the practitioner has an hour to add a personal note

    dispatch_at(local(london, 2026, 3, 25, 12, 5))

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["chloe@example.com"]
    assert email.subject == "Your aftercare note from Lotus Facial Acupuncture"
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

    dispatch_at(local(london, 2026, 3, 25, 12, 0))  # still there, not yet completed: not before the end + 1 h
    assert mailoutbox == []


def test_a_no_show_gets_no_aftercare(appointment, london, front_desk_user, run_on_commit, mailoutbox):
    with time_machine.travel(local(london, 2026, 3, 25, 10, 30), tick=False):
        run_on_commit(services.appointment_set_status, appointment=appointment, status=AppointmentStatus.NO_SHOW,
                      actor=front_desk_user)
    dispatch_at(local(london, 2026, 3, 26, 12, 0))

    assert mailoutbox == []


def test_aftercare_goes_out_once_even_if_the_task_runs_twice(appointment, london, practitioner, run_on_commit,
                                                             mailoutbox):
    from clinic.notifications.models import Message
    from clinic.notifications.services import message_send

    with time_machine.travel(local(london, 2026, 3, 25, 11, 5), tick=False):
        _complete(appointment, practitioner.user, run_on_commit)
    dispatch_at(local(london, 2026, 3, 25, 12, 5))
    message = Message.objects.get(appointment=appointment, kind="aftercare")
    with time_machine.travel(local(london, 2026, 3, 25, 12, 6), tick=False):
        assert message_send(message_id=message.pk) is False  # the task delivered again

    assert len(mailoutbox) == 1
    assert Message.objects.get(pk=message.pk).state == "sent"


def test_without_a_check_in_aftercare_goes_an_hour_after_the_end(london, practitioner, client_user, book,
                                                                 mailoutbox):
    """Nobody marked the session: the aftercare note still follows it (the clinic's fallback)."""
    with time_machine.travel(local(london, 2026, 3, 20, 9, 0), tick=False):
        book(client_user, local(london, 2026, 3, 25, 10, 0))  # 60 minutes, ends 11:00
    mailoutbox.clear()

    dispatch_at(local(london, 2026, 3, 25, 11, 59))
    assert mailoutbox == []
    dispatch_at(local(london, 2026, 3, 25, 12, 0))
    assert [m.subject for m in mailoutbox] == ["Your aftercare note from Lotus Facial Acupuncture"]


def test_a_no_show_marked_by_mistake_still_gets_aftercare_once_completed(appointment, london, practitioner,
                                                                        front_desk_user, run_on_commit, mailoutbox):
    from clinic.notifications.services import message_queue

    message_queue(key=f"aftercare:{appointment.pk}", kind="aftercare", recipient=appointment.client,
                  appointment=appointment, due_at=appointment.ends_at, send_now=False)  # as planned at booking
    with time_machine.travel(local(london, 2026, 3, 25, 10, 20), tick=False):
        for status in (AppointmentStatus.NO_SHOW, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED,
                       AppointmentStatus.COMPLETED):  # "no-show" by mistake, undone: she was in the loo
            appointment = run_on_commit(services.appointment_set_status, appointment=appointment, status=status,
                                        actor=front_desk_user)
    dispatch_at(local(london, 2026, 3, 25, 11, 20))

    assert [m.subject for m in mailoutbox] == ["Your aftercare note from Lotus Facial Acupuncture"]
