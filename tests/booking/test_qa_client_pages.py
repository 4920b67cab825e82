"""QA regressions found by using the booking pages as a client would."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from booking.forms import format_start
from tests.booking.conftest import review_url
from tests.factories import AppointmentFactory, ServiceFactory, local
from tests.intake.helpers import fill_draft, submit_intake

pytestmark = pytest.mark.usefixtures("now")


def test_the_course_form_prefills_its_start_date_in_a_form_the_date_picker_shows(login, client_user, practitioner,
                                                                                   service):
    # <input type="date"> only understands 2026-06-02; the en-GB "02/06/2026" left the box empty.
    html = login(client_user).get(reverse("booking:course", args=[service.slug])).content.decode()
    assert 'name="first_day" value="2026-06-02"' in html


def test_the_course_form_keeps_the_typed_start_date_after_an_error(login, client_user, practitioner, service):
    url = reverse("booking:course", args=[service.slug])
    response = login(client_user).get(url, {"practitioner": practitioner.pk, "first_day": "2026-06-08",
                                            "at": "10:00", "sessions": "4"})  # no weekday chosen
    html = response.content.decode()
    assert "Please choose at least one weekday." in html
    assert 'name="first_day" value="2026-06-08"' in html


@pytest.fixture
def follow_up(location, practitioner):
    follow_up = ServiceFactory(name="Follow-up", slug="follow-up", duration_minutes=45,
                               is_initial_consultation=False)
    practitioner.services.add(follow_up)
    return follow_up


def test_a_new_visitor_sees_the_initial_consultation_first(client, service, follow_up, clinic_settings):
    # Ordered by duration the 60 min initial consultation came after the 45 min follow-up.
    clinic_settings.first_visit_must_be_initial = True
    clinic_settings.save()
    services = list(client.get(reverse("booking:start")).context["services"])
    assert services[0] == service
    home = client.get(reverse("core:home")).content.decode()
    assert home.index('<h3 class="h6">Initial consultation') < home.index('<h3 class="h6">Follow-up')
    assert "First visit" in home


def test_a_returning_client_sees_treatments_by_length(login, client_user, service, follow_up, practitioner,
                                                      location):
    AppointmentFactory(client=client_user, practitioner=practitioner, service=service,
                       starts_at=local(location, 2026, 6, 9, 10))
    services = list(login(client_user).get(reverse("booking:start")).context["services"])
    assert services == [follow_up, service]


def test_my_appointments_reminds_a_new_client_to_fill_in_the_questionnaire(login, client_user, practitioner,
                                                                           service, location):
    AppointmentFactory(client=client_user, practitioner=practitioner, service=service,
                       starts_at=local(location, 2026, 6, 9, 10))
    response = login(client_user).get(reverse("booking:my_appointments"))
    html = response.content.decode()
    assert "Before your visit on Tuesday 9 June: your questionnaire" in html
    assert reverse("intake:my_intake") in html


def test_my_appointments_says_continue_for_a_started_questionnaire(login, client_user, practitioner, service,
                                                                   location):
    AppointmentFactory(client=client_user, practitioner=practitioner, service=service,
                       starts_at=local(location, 2026, 6, 9, 10))
    fill_draft(client_user, steps=2)
    html = login(client_user).get(reverse("booking:my_appointments")).content.decode()
    assert "Continue the questionnaire" in html


def test_my_appointments_does_not_nag_once_the_questionnaire_is_sent(login, client_user, practitioner, service,
                                                                     location):
    AppointmentFactory(client=client_user, practitioner=practitioner, service=service,
                       starts_at=local(location, 2026, 6, 9, 10))
    submit_intake(client_user)
    html = login(client_user).get(reverse("booking:my_appointments")).content.decode()
    assert 'data-testid="intake-prompt"' not in html


def test_the_confirmation_asks_for_the_questionnaire_only_if_it_is_not_sent(login, client_user, practitioner,
                                                                            service, location):
    appointment = AppointmentFactory(client=client_user, practitioner=practitioner, service=service,
                                     starts_at=local(location, 2026, 6, 9, 10), is_first_visit=True)
    c = login(client_user)
    url = reverse("booking:booked", args=[appointment.pk])
    assert 'data-testid="intake-prompt"' in c.get(url).content.decode()
    submit_intake(client_user)
    assert 'data-testid="intake-prompt"' not in c.get(url).content.decode()


def test_confirming_after_the_session_expired_comes_back_to_the_same_slot(client, practitioner, service, location):
    # The form posts to the bare review URL; the login link used to lose the chosen slot.
    start = local(location, 2026, 6, 9, 10)
    data = {"practitioner": practitioner.pk, "location": location.pk, "start": format_start(start)}
    response = client.post(reverse("booking:review", args=[service.slug]), data)
    assert response.status_code == 302
    next_url = parse_qs(urlparse(response["Location"]).query)["next"][0]
    assert next_url == review_url(service, practitioner, location, start)
    assert client.get(next_url).status_code == 200


def test_the_review_warns_when_the_time_cannot_be_changed_online_afterwards(login, client_user, practitioner,
                                                                            service, location, clinic_settings):
    # NOW is Monday 1 June 09:00; minimum notice 12 h, change window 48 h.
    clinic_settings.minimum_notice_hours = 12
    clinic_settings.cancellation_window_hours = 48
    clinic_settings.save()
    c = login(client_user)
    soon = c.get(review_url(service, practitioner, location, local(location, 2026, 6, 2, 10))).content.decode()
    assert "less than 48 hours away, so once it is booked it can no longer be changed" in soon
    later = c.get(review_url(service, practitioner, location, local(location, 2026, 6, 3, 10))).content.decode()
    assert 'data-testid="late-window-note"' not in later


def test_moving_to_a_time_inside_the_window_warns_first(login, client_user, practitioner, service, location,
                                                        clinic_settings):
    clinic_settings.minimum_notice_hours = 12
    clinic_settings.cancellation_window_hours = 48
    clinic_settings.save()
    appointment = AppointmentFactory(client=client_user, practitioner=practitioner, service=service,
                                     starts_at=local(location, 2026, 6, 10, 10))
    url = reverse("booking:reschedule_confirm", args=[appointment.pk])
    c = login(client_user)
    soon = c.get(url, {"start": format_start(local(location, 2026, 6, 2, 10))}).content.decode()
    assert "after the move it can no longer be changed" in soon
    later = c.get(url, {"start": format_start(local(location, 2026, 6, 4, 10))}).content.decode()
    assert 'data-testid="late-window-note"' not in later
