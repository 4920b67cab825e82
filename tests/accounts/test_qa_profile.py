"""QA regressions on "My details" and sign-up: dates a browser can show, and the same rules as sign-up."""

from datetime import date

import time_machine
from django.urls import reverse

from tests.factories import ClientFactory

VALID_SIGNUP = {
    "first_name": "Nora", "last_name": "Quinn", "email": "nora@example.com", "phone": "07700 900555",
    "date_of_birth": "1990-04-02", "password1": "lotus-blossom-77", "password2": "lotus-blossom-77",
}


def _profile_data(user, **changes) -> dict:
    data = {"first_name": user.first_name, "last_name": user.last_name, "phone": user.phone,
            "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else "",
            "email_reminders": "on"}
    data.update(changes)
    return data


def test_the_profile_shows_the_saved_date_of_birth_in_a_form_the_date_picker_accepts(login):
    # <input type="date"> only understands 1985-04-12; "12/04/1985" showed an empty box.
    chloe = ClientFactory(date_of_birth=date(1985, 4, 12))
    html = login(chloe).get(reverse("accounts:profile")).content.decode()
    assert 'value="1985-04-12"' in html


def test_saving_the_profile_keeps_the_date_of_birth(login):
    chloe = ClientFactory(date_of_birth=date(1985, 4, 12))
    c = login(chloe)
    c.post(reverse("accounts:profile"), _profile_data(chloe, sms_reminders="on"))
    chloe.refresh_from_db()
    assert chloe.date_of_birth == date(1985, 4, 12)
    assert chloe.sms_reminders


@time_machine.travel("2026-11-25 12:00Z", tick=False)
def test_the_profile_rejects_a_date_of_birth_in_the_future(login):
    chloe = ClientFactory(date_of_birth=date(1985, 4, 12))
    c = login(chloe)
    response = c.post(reverse("accounts:profile"), _profile_data(chloe, date_of_birth="2999-01-01"))
    assert response.status_code == 200
    assert "Date of birth must be in the past." in response.content.decode()
    chloe.refresh_from_db()
    assert chloe.date_of_birth == date(1985, 4, 12)


def test_the_profile_explains_each_communication_preference_and_links_to_password_change(login):
    html = login(ClientFactory()).get(reverse("accounts:profile")).content.decode()
    assert "Confirmations and changes are always emailed" in html
    assert "We never share your details" in html
    assert reverse("accounts:password_change") in html


def test_signup_keeps_the_typed_date_of_birth_when_another_field_is_wrong(client):
    response = client.post(reverse("accounts:signup"), {**VALID_SIGNUP, "password2": "something-else-1"})
    assert response.status_code == 200
    assert 'value="1990-04-02"' in response.content.decode()


def test_signup_offers_log_in_instead_without_losing_the_chosen_time(client):
    next_url = "/book/service/initial/review/?practitioner=1&location=1&start=2026-06-08T09:00Z"
    html = client.get(reverse("accounts:signup"), {"next": next_url}).content.decode()
    assert "/accounts/login/?next=/book/service/initial/review/%3Fpractitioner%3D1" in html


def test_signup_reassures_a_visitor_coming_from_a_booking_that_the_time_is_kept(client):
    html = client.get(reverse("accounts:signup"), {"next": "/book/service/initial/review/?start=x"}).content.decode()
    assert 'data-testid="slot-kept"' in html
    assert 'data-testid="slot-kept"' not in client.get(reverse("accounts:signup")).content.decode()
