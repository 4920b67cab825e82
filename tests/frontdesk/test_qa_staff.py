"""Regressions found by using the front desk's pages as clinic staff would (QA pass)."""

from __future__ import annotations

import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from booking.models import AppointmentStatus

from .conftest import at

MONDAY_NOON = at(2026, 3, 2, 12, 0)


def _buttons(desk, session) -> list[str]:
    response = desk.get(reverse("frontdesk:appointment", args=[session.pk]))
    return [label for _status, label, _css in response.context["actions"]]


@time_machine.travel(MONDAY_NOON, tick=False)
def test_no_show_is_not_offered_before_the_session_starts(desk, clinic, appointment):
    later_today = appointment(at(2026, 3, 2, 15))
    assert _buttons(desk, later_today) == ["Arrived"]
    started = appointment(at(2026, 3, 2, 10))
    assert _buttons(desk, started) == ["Arrived", "No-show"]


@time_machine.travel(MONDAY_NOON, tick=False)
def test_a_stray_no_show_before_the_start_time_is_refused(desk, clinic, appointment):
    later_today = appointment(at(2026, 3, 2, 15))
    response = desk.post(reverse("frontdesk:appointment_status", args=[later_today.pk]), {"status": "no_show"})
    later_today.refresh_from_db()
    assert later_today.status == AppointmentStatus.BOOKED
    assert "has not started yet" in " ".join(str(m) for m in get_messages(response.wsgi_request))


@time_machine.travel(MONDAY_NOON, tick=False)
def test_check_in_is_not_offered_for_a_session_next_week(desk, clinic, appointment):
    next_week = appointment(at(2026, 3, 9, 10))
    assert _buttons(desk, next_week) == []


@time_machine.travel(MONDAY_NOON, tick=False)
def test_the_full_page_has_no_link_to_itself(desk, clinic, appointment):
    session = appointment(at(2026, 3, 2, 15))
    html = desk.get(reverse("frontdesk:appointment", args=[session.pk])).content.decode()
    assert "Full details and history" not in html


def test_the_intake_reminder_is_offered_only_while_the_intake_is_outstanding(desk, clinic):
    from tests.factories import ClientFactory

    from .intake_states import draft, submitted

    missing, drafting, done = ClientFactory(), ClientFactory(), ClientFactory()
    draft(drafting)
    submitted(done, reviewed=True)

    def offered(client) -> bool:
        return "Send intake reminder" in desk.get(reverse("frontdesk:client", args=[client.pk])).content.decode()

    assert (offered(missing), offered(drafting), offered(done)) == (True, True, False)


@time_machine.travel(MONDAY_NOON, tick=False)
def test_a_new_clients_booking_starts_on_the_initial_consultation(desk, clinic, appointment):
    from tests.factories import ClientFactory

    newcomer, regular = ClientFactory(), ClientFactory()
    appointment(at(2026, 2, 23, 10), client=regular, service=clinic.initial)
    first = desk.get(reverse("frontdesk:book"), {"client": newcomer.pk})
    assert first.context["form"].cleaned_data["service"] == clinic.initial
    assert not first.context["first_visit_warning"]
    again = desk.get(reverse("frontdesk:book"), {"client": regular.pk})
    assert again.context["form"].cleaned_data["service"] == clinic.follow_up


@time_machine.travel(MONDAY_NOON, tick=False)
def test_choosing_a_follow_up_for_a_first_visit_warns_the_desk(desk, clinic):
    from tests.factories import ClientFactory

    newcomer = ClientFactory(first_name="Siobhan")
    response = desk.get(reverse("frontdesk:book"), {"client": newcomer.pk, "service": clinic.follow_up.pk})
    assert response.context["first_visit_warning"] is True
    assert 'data-testid="first-visit-warning"' in response.content.decode()


@time_machine.travel(at(2026, 3, 2, 8, 0), tick=False)
def test_accepting_a_waitlist_offer_says_its_yours_once(client, clinic, appointment, front_desk_user,
                                                         django_capture_on_commit_callbacks):
    from booking import services as booking_services
    from frontdesk.models import WaitlistOffer
    from frontdesk.tokens import make_offer_token

    from .factories import QuickClientFactory, WaitlistEntryFactory

    entry = WaitlistEntryFactory(client=QuickClientFactory(first_name="Amy"), location=clinic.location,
                                 service=clinic.follow_up)
    session = appointment(at(2026, 3, 3, 10))
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.appointment_cancel(appointment=session, actor=front_desk_user, reason="Unwell",
                                            by_staff=True)
    offer = WaitlistOffer.objects.get(entry=entry)
    url = reverse("frontdesk:waitlist_offer", args=[make_offer_token(offer)])
    with django_capture_on_commit_callbacks(execute=True):
        html = client.post(url, {"action": "accept"}, follow=True).content.decode()
    assert html.count("It&#x27;s yours") + html.count("It's yours") == 1
