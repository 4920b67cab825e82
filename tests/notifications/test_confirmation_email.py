from __future__ import annotations

from tests import factories
from tests.factories import local
from tests.helpers import submit_blank_intake


def test_it_confirms_a_booking_to_the_client(frozen, london, client_user, book, mailoutbox, emails):
    book(client_user, local(london, 2026, 3, 25, 10, 0))

    assert len(emails()) == 1
    email = emails()[0]
    assert email.to == ["chloe@example.com"]
    assert email.subject == "Booking confirmed: Wed 25 Mar, 10:00 (GMT)"
    assert "Dear Chloe," in email.body
    assert "Wednesday 25 March 2026, 10:00 (GMT)" in email.body
    assert "until 11:00" in email.body
    assert "Facial acupuncture follow-up with Ana Silva" in email.body
    assert "Islington" in email.body and "12 Willow Walk" in email.body


def test_it_sends_an_html_alternative_with_the_same_details(frozen, london, client_user, book, mailoutbox, emails):
    book(client_user, local(london, 2026, 3, 25, 10, 0))

    html, mimetype = emails()[0].alternatives[0]
    assert mimetype == "text/html"
    assert "Wednesday 25 March 2026, 10:00 (GMT)" in html
    assert "Ana Silva" in html


def test_it_states_the_cancellation_policy_and_where_to_change_it(frozen, london, client_user, book, emails):
    book(client_user, local(london, 2026, 3, 25, 10, 0))

    body = emails()[0].body
    assert "cancel online up to 24 hours before the start: https://clinic.example/book/my/" in body
    assert "020 7946 0999" in body  # the location's phone


def test_it_asks_a_new_client_to_complete_the_intake(frozen, london, client_user, book, mailoutbox, emails):
    appointment = book(client_user, local(london, 2026, 3, 25, 10, 0))

    assert appointment.is_first_visit
    assert "/intake/" in emails()[0].body
    assert "questionnaire" in emails()[0].body


def test_it_does_not_ask_for_an_intake_already_submitted(frozen, london, client_user, book, mailoutbox, emails):
    submit_blank_intake(client_user)
    book(client_user, local(london, 2026, 3, 25, 10, 0))

    assert "/intake/" not in emails()[0].body


def test_it_does_not_ask_a_returning_client_for_an_intake(frozen, london, client_user, practitioner, book,
                                                          mailoutbox, emails):
    factories.AppointmentFactory(client=client_user, practitioner=practitioner,
                                 starts_at=local(london, 2026, 3, 2, 10, 0), status="completed")
    book(client_user, local(london, 2026, 3, 25, 10, 0))

    assert "/intake/" not in emails()[0].body


def test_it_keeps_names_readable_in_the_plain_text(frozen, london, book, mailoutbox, emails):
    client = factories.ClientFactory(first_name="Siobhán O'Brien & Co")
    book(client, local(london, 2026, 3, 25, 10, 0))

    assert "Dear Siobhán O'Brien & Co," in emails()[0].body
    assert "O&#x27;Brien &amp; Co" in emails()[0].alternatives[0][0]  # escaped in HTML only
