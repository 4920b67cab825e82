from __future__ import annotations

from booking import services
from tests.factories import local


def test_it_tells_the_client_which_appointment_was_cancelled(frozen, london, client_user, book, run_on_commit,
                                                             mailoutbox, emails):
    appointment = book(client_user, local(london, 2026, 3, 25, 10, 0))
    mailoutbox.clear()

    run_on_commit(services.appointment_cancel, appointment=appointment, actor=client_user,
                  reason="Feeling unwell with migraines")

    assert len(emails()) == 1
    email = emails()[0]
    assert email.to == ["chloe@example.com"]
    assert email.subject == "Appointment cancelled: Wed 25 Mar, 10:00 (GMT)"
    assert "has been cancelled" in email.body
    assert "Wednesday 25 March 2026, 10:00 (GMT)" in email.body
    assert "https://clinic.example/book/" in email.body


def test_it_never_repeats_the_reason_given(frozen, london, client_user, book, run_on_commit, mailoutbox, emails):
    appointment = book(client_user, local(london, 2026, 3, 25, 10, 0))
    run_on_commit(services.appointment_cancel, appointment=appointment, actor=client_user,
                  reason="Feeling unwell with migraines")

    for email in emails():
        assert "migraine" not in email.body.lower()
        assert "migraine" not in email.alternatives[0][0].lower()
        assert "migraine" not in email.attachments[0][1].lower()


def test_a_late_cancellation_by_the_clinic_is_still_emailed(frozen, london, client_user, book, run_on_commit,
                                                            front_desk_user, mailoutbox, emails):
    appointment = book(client_user, local(london, 2026, 3, 24, 10, 0))  # tomorrow: inside the 24 h window
    mailoutbox.clear()

    run_on_commit(services.appointment_cancel, appointment=appointment, actor=front_desk_user, by_staff=True)

    assert [email.subject for email in emails()] == ["Appointment cancelled: Tue 24 Mar, 10:00 (GMT)"]


def test_a_hold_released_for_an_unconfirmed_address_sends_nothing(frozen, london, book, run_on_commit, mailoutbox):
    from tests.factories import ClientFactory

    stranger = ClientFactory(email_verified_at=None, email="maybe-not-theirs@example.com")
    book(stranger, local(london, 2026, 3, 25, 10, 0))
    frozen.move_to(local(london, 2026, 3, 26, 12, 0))  # three days later, never confirmed

    assert run_on_commit(services.appointments_release_unconfirmed) == 1
    assert mailoutbox == []  # that address never heard of the booking, and it may be someone else's
