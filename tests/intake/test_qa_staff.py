"""Regressions found by using the practitioner's pages as clinic staff would (QA pass)."""

import pytest
import time_machine
from django.urls import reverse

from tests.factories import PractitionerFactory


@pytest.fixture
def practitioner(db):
    return PractitionerFactory()


@time_machine.travel("2026-06-10 07:00Z")
@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01"])
def test_my_day_falls_back_to_today_for_an_out_of_range_date(login, practitioner, typed):
    response = login(practitioner.user).get(reverse("intake:practitioner_day"), {"date": typed})
    assert response.status_code == 200
    assert response.context["day"].isoformat() == "2026-06-10"


def test_sending_the_questionnaire_link_twice_explains_instead_of_failing(login, practitioner):
    from django.contrib.messages import get_messages

    from intake.models import IntakeRequest
    from tests.factories import ClientFactory

    chloe = ClientFactory()
    c = login(practitioner.user)
    url = reverse("intake:request_send", args=[chloe.pk])
    c.post(url, {"next": "/intake/reviews/"})
    response = c.post(url, {"next": "/intake/reviews/"})
    assert response.status_code == 302
    assert IntakeRequest.objects.filter(client=chloe).count() == 1
    assert "a moment ago" in " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_a_tampered_appointment_id_on_the_questionnaire_link_is_ignored(login, practitioner):
    from intake.models import IntakeRequest
    from tests.factories import ClientFactory

    chloe = ClientFactory()
    response = login(practitioner.user).post(reverse("intake:request_send", args=[chloe.pk]),
                                             {"appointment": "abc"})
    assert response.status_code == 302
    assert IntakeRequest.objects.get(client=chloe).appointment is None


def test_a_no_show_session_cannot_get_a_treatment_note(login, practitioner):
    from datetime import timedelta

    from django.utils import timezone

    from booking.models import AppointmentStatus
    from intake.models import TreatmentNote
    from tests.factories import AppointmentFactory, ClientFactory

    missed = AppointmentFactory(practitioner=practitioner, client=ClientFactory(),
                                starts_at=timezone.now() - timedelta(hours=2), status=AppointmentStatus.NO_SHOW)
    url = reverse("intake:treatment_note", args=[missed.pk])
    c = login(practitioner.user)
    page = c.get(url)
    assert page.context["form"] is None
    assert "no-show: there is no treatment to note" in page.content.decode()
    response = c.post(url, {"needle_count": 40, "reactions": ["none"]})
    assert response["Location"] == url
    assert not TreatmentNote.objects.exists()
