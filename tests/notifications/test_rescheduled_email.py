from __future__ import annotations

from booking import services
from tests.factories import local


def test_it_tells_the_client_the_old_and_the_new_time(frozen, london, client_user, book, run_on_commit,
                                                      mailoutbox, emails):
    appointment = book(client_user, local(london, 2026, 3, 25, 10, 0))
    mailoutbox.clear()

    run_on_commit(services.appointment_reschedule, appointment=appointment, actor=client_user,
                  starts_at=local(london, 2026, 3, 26, 14, 0))

    assert len(emails()) == 1
    email = emails()[0]
    assert email.to == ["chloe@example.com"]
    assert email.subject == "Your appointment has moved to Thu 26 Mar, 14:00 (GMT)"
    assert "Was:     Wednesday 25 March 2026, 10:00 (GMT)  (no longer booked)" in email.body
    assert "When:    Thursday 26 March 2026, 14:00 (GMT)" in email.body
    assert "<s>Wednesday 25 March 2026, 10:00 (GMT)</s>" in email.alternatives[0][0]


def test_each_move_sends_its_own_email(frozen, london, client_user, book, run_on_commit, mailoutbox, emails):
    appointment = book(client_user, local(london, 2026, 3, 25, 10, 0))
    for day in (26, 27):
        run_on_commit(services.appointment_reschedule, appointment=appointment, actor=client_user,
                      starts_at=local(london, 2026, 3, day, 11, 0))

    subjects = [email.subject for email in emails()]
    assert subjects == ["Booking confirmed: Wed 25 Mar, 10:00 (GMT)",
                        "Your appointment has moved to Thu 26 Mar, 11:00 (GMT)",
                        "Your appointment has moved to Fri 27 Mar, 11:00 (GMT)"]
    assert "Was:     Thursday 26 March 2026, 11:00 (GMT)" in emails()[2].body


def test_moving_a_booking_awaiting_email_confirmation_sends_nothing(frozen, london, book, run_on_commit,
                                                                     mailoutbox, emails):
    unverified = _unverified_client()
    appointment = book(unverified, local(london, 2026, 3, 25, 10, 0))
    run_on_commit(services.appointment_reschedule, appointment=appointment, actor=unverified,
                  starts_at=local(london, 2026, 3, 26, 14, 0))

    assert appointment.status == "pending"
    assert emails() == []


def _unverified_client():
    from tests.factories import ClientFactory

    return ClientFactory(email_verified_at=None)
