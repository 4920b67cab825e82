"""The screening gate on every path that books or moves a session: a client whose questionnaire says Botox two
days ago cannot be booked before the wait is over, online or at the desk, unless a practitioner approved the
date; then the booking's history names the approval, and the approval is in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from booking import services
from booking.forms import format_start
from booking.models import Appointment, AppointmentEvent, BookedVia, Course
from clinic.audit.models import AuditEvent
from frontdesk.forms import slot_value
from frontdesk.models import WaitlistOffer
from frontdesk.services import OfferUnavailable, waitlist_entry_add, waitlist_offer_accept
from intake.services import IntakeError, screening_override_grant
from tests.factories import AppointmentFactory, ClientFactory, LocationFactory, PractitionerFactory, ServiceFactory
from tests.factories import local as local_at
from tests.intake.helpers import in_care_of, submit_intake, valid_answers

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 1 December, 09:00 in London
CLIENT_SAYS = "the earliest we can offer this treatment is Sunday 13 December 2026"
DESK_SAYS = "Screening: no treatment before 13 Dec 2026; a practitioner can approve an exception."

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def setup(db):
    location = LocationFactory(name="Islington clinic")
    service = ServiceFactory(name="Facial acupuncture", slug="facial")
    ana = PractitionerFactory(location=location, services=[service], user__first_name="Ana")
    chloe = ClientFactory(first_name="Chloe", last_name="Martin")
    submit_intake(chloe, valid_answers(botox_date="2026-11-29"))  # 14-day wait: nothing before 13 December

    def at(day: int, hh: int = 10):
        return local_at(location, 2026, 12, day, hh)

    return location, service, ana, chloe, at


def _as(user) -> Client:
    browser = Client()
    browser.force_login(user, backend="clinic.accounts.backends.EmailBackend")
    return browser


def _link(start) -> str:
    """How a time appears in the slot links of a page."""
    return urlencode({"start": format_start(start)})


def _events(appointment) -> list[dict]:
    return list(AppointmentEvent.objects.filter(appointment=appointment).values_list("details", flat=True))


def test_online_review_refuses_a_blocked_date_even_when_posted_directly(setup):
    location, service, ana, chloe, at = setup
    page = _as(chloe)
    data = {"practitioner": ana.pk, "location": location.pk, "start": format_start(at(3))}
    url = reverse("booking:review", args=[service.slug])

    shown = page.get(url, data).content.decode()
    posted = page.post(url, data)

    assert CLIENT_SAYS in shown
    assert posted.status_code == 200 and CLIENT_SAYS in posted.content.decode()
    assert not Appointment.objects.filter(client=chloe).exists()
    assert page.post(url, {**data, "start": format_start(at(14))}).status_code == 302  # after the wait: booked
    assert Appointment.objects.filter(client=chloe).count() == 1


def test_the_week_page_starts_at_the_earliest_safe_date_and_says_why(setup):
    location, service, ana, chloe, at = setup
    url = reverse("booking:times", args=[service.slug])
    query = {"location": location.pk, "practitioner": ana.pk}

    page = _as(chloe).get(url, query).content.decode()
    asked_earlier = _as(chloe).get(url, {**query, "week": "2026-12-02"}).content.decode()
    public = Client().get(url, query).content.decode()

    assert 'data-testid="screening-banner"' in page and CLIENT_SAYS in page
    assert "7 Dec – 13 Dec 2026" in page  # the week of the earliest date (a Sunday)
    assert _link(at(3)) not in page and _link(at(11)) not in page
    assert "week=2026-12-14" in page  # the next free times, just after the wait
    assert "7 Dec – 13 Dec 2026" in asked_earlier  # an earlier week is not offered
    assert _link(at(14)) in _as(chloe).get(url, {**query, "week": "2026-12-14"}).content.decode()
    assert "screening-banner" not in public and _link(at(2)) in public  # nobody signed in: no gate


def test_online_reschedule_refuses_a_blocked_date(setup):
    location, service, ana, chloe, at = setup
    session = AppointmentFactory(client=chloe, practitioner=ana, service=service, location=location,
                                 starts_at=at(14))
    page = _as(chloe)

    opened = page.get(reverse("booking:reschedule", args=[session.pk])).content.decode()
    # Asked for the week of the 3rd, the page opens on the first week the gate allows.
    listing = page.get(reverse("booking:reschedule", args=[session.pk]), {"week": "2026-12-03"}).content.decode()
    response = page.post(reverse("booking:reschedule_confirm", args=[session.pk]), {"start": format_start(at(3))})

    assert CLIENT_SAYS in opened and "14 Dec – 20 Dec 2026" in opened  # the session's own week
    assert CLIENT_SAYS in listing and _link(at(3)) not in listing and "7 Dec – 13 Dec 2026" in listing
    assert CLIENT_SAYS in response.content.decode()
    session.refresh_from_db()
    assert session.starts_at == at(14)
    assert not AppointmentEvent.objects.filter(appointment=session).exists()


@pytest.mark.parametrize("via", [BookedVia.ONLINE, BookedVia.PHONE])
def test_a_course_is_refused_as_a_whole_when_one_date_is_blocked(setup, via):
    location, service, ana, chloe, at = setup

    with pytest.raises(services.CourseNotBooked) as refused:
        services.course_book(client=chloe, service=service, practitioner=ana, location=location,
                             starts=[at(10), at(17), at(24)], description="weekly on Thursday at 10:00",
                             actor=chloe, via=via)

    assert (CLIENT_SAYS if via == BookedVia.ONLINE else DESK_SAYS) in refused.value.message
    assert not Course.objects.exists() and not Appointment.objects.exists()


def test_the_desk_cannot_book_a_blocked_date_by_phone_until_a_practitioner_approves_it(setup, front_desk_user):
    location, service, ana, chloe, at = setup
    desk = _as(front_desk_user)
    data = {"client": chloe.pk, "location": location.pk, "service": service.pk, "date": "2026-12-03",
            "practitioner": "", "slot": slot_value(ana.pk, at(3)), "confirm": "1"}

    refused = desk.post(reverse("frontdesk:book"), data)

    assert refused.status_code == 200 and DESK_SAYS in refused.content.decode()
    assert "Book anyway" not in refused.content.decode()  # not the desk's call
    assert not Appointment.objects.exists()

    override = screening_override_grant(client=chloe, day=at(3).date(), practitioner=ana.user,
                                        reason="GP confirmed; needling avoids the forehead")
    booked = desk.post(reverse("frontdesk:book"), data)

    assert booked.status_code == 302
    appointment = Appointment.objects.get(client=chloe)
    assert _events(appointment) == [{"via": "phone", "starts_at": at(3).isoformat(),
                                     "screening_override": override.pk}]


def test_an_approval_is_for_its_date_only(setup):
    location, service, ana, chloe, at = setup
    screening_override_grant(client=chloe, day=at(3).date(), practitioner=ana.user, reason="GP agreed")

    with pytest.raises(services.ScreeningBlocked):
        services.appointment_book(client=chloe, service=service, practitioner=ana, starts_at=at(4),
                                  location=location, via=BookedVia.PHONE)
    with pytest.raises(services.ScreeningBlocked):  # online, the client cannot use it: the desk books exceptions
        services.appointment_book(client=chloe, service=service, practitioner=ana, starts_at=at(3),
                                  location=location)


def test_the_desk_cannot_move_a_session_onto_a_blocked_date_until_approved(setup, front_desk_user):
    location, service, ana, chloe, at = setup
    session = AppointmentFactory(client=chloe, practitioner=ana, service=service, location=location,
                                 starts_at=at(14))
    desk = _as(front_desk_user)
    data = {"date": "2026-12-03", "practitioner": "", "slot": slot_value(ana.pk, at(3)), "confirm": "1"}
    url = reverse("frontdesk:appointment_move", args=[session.pk])

    refused = desk.post(url, data)
    dropped = desk.post(url, data, HTTP_ACCEPT="application/json")

    assert DESK_SAYS in refused.content.decode()
    assert dropped.status_code == 409 and dropped.json()["message"] == DESK_SAYS
    session.refresh_from_db()
    assert session.starts_at == at(14) and not _events(session)

    override = screening_override_grant(client=chloe, day=at(3).date(), practitioner=ana.user, reason="GP agreed")
    assert desk.post(url, data).status_code == 302
    session.refresh_from_db()
    assert session.starts_at == at(3)
    assert _events(session)[0]["screening_override"] == override.pk


def test_a_time_freed_on_a_blocked_date_is_offered_to_the_next_client_instead(setup,
                                                                            django_capture_on_commit_callbacks):
    location, service, ana, chloe, at = setup
    waitlist_entry_add(client=chloe, service=service, location=location, actor=chloe)  # first in line
    olivia = ClientFactory(first_name="Olivia")
    waitlist_entry_add(client=olivia, service=service, location=location, actor=olivia)
    freed = AppointmentFactory(practitioner=ana, service=service, location=location, starts_at=at(3))
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=freed, actor=None, by_staff=True)

    assert list(WaitlistOffer.objects.values_list("entry__client__first_name", flat=True)) == ["Olivia"]


def test_a_time_freed_after_the_wait_is_offered_to_her(setup, django_capture_on_commit_callbacks):
    location, service, ana, chloe, at = setup
    waitlist_entry_add(client=chloe, service=service, location=location, actor=chloe)
    freed = AppointmentFactory(practitioner=ana, service=service, location=location, starts_at=at(14))
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=freed, actor=None, by_staff=True)

    assert WaitlistOffer.objects.filter(entry__client=chloe).exists()


def test_a_waitlist_offer_on_a_blocked_date_cannot_be_accepted(setup, django_capture_on_commit_callbacks):
    """An offer made before the client's questionnaire said Botox (the gate now stops the date): accepting it is
    refused by the booking service, as every path is."""
    from frontdesk.models import WaitlistOpening

    location, service, ana, chloe, at = setup
    entry = waitlist_entry_add(client=chloe, service=service, location=location, actor=chloe)
    freed = AppointmentFactory(practitioner=ana, service=service, location=location, starts_at=at(3))
    services.appointment_cancel(appointment=freed, actor=None, by_staff=True)
    opening = WaitlistOpening.objects.create(source_appointment=freed, location=location, practitioner=ana,
                                             starts_at=freed.starts_at, free_until=freed.blocked_until)
    offer = WaitlistOffer.objects.create(opening=opening, entry=entry, expires_at=freed.starts_at)

    with pytest.raises(OfferUnavailable) as refused:
        waitlist_offer_accept(offer=offer)

    assert CLIENT_SAYS in refused.value.message and "botox" not in refused.value.message.lower()
    assert not Appointment.objects.filter(client=chloe).exists()


def test_an_approval_needs_a_practitioner_and_a_reason_and_is_audited(setup, front_desk_user):
    location, service, ana, chloe, at = setup
    day = at(3).date()
    with pytest.raises(IntakeError):
        screening_override_grant(client=chloe, day=day, practitioner=front_desk_user, reason="Client insists")
    with pytest.raises(IntakeError):
        screening_override_grant(client=chloe, day=day, practitioner=ana.user, reason="  ")
    with pytest.raises(IntakeError):  # nothing to approve after the wait
        screening_override_grant(client=chloe, day=at(14).date(), practitioner=ana.user, reason="Just in case")

    response = _as(ana.user).post(reverse("intake:screening_override", args=[chloe.pk]),
                                  {"day": "2026-12-03", "reason": "GP confirmed"})
    forbidden = _as(front_desk_user).post(reverse("intake:screening_override", args=[chloe.pk]),
                                          {"day": "2026-12-03", "reason": "Client insists"})

    assert response.status_code == 302 and forbidden.status_code == 403
    override = chloe.screening_overrides.get()
    assert (override.day, override.granted_by, override.reason, override.flag_codes) == (
        day, ana.user, "GP confirmed", ["botox_date"])
    event = AuditEvent.objects.get(action="intake.screening_override")
    assert (event.actor, event.object_id) == (ana.user, str(override.pk))
    in_care_of(chloe, ana)  # the review page opens for clients in her care
    review = _as(ana.user).get(reverse("intake:review", args=[chloe.intake_submissions.get().pk])).content.decode()
    assert "approved by" in review and "GP confirmed" in review


def test_the_wait_is_judged_on_the_session_date_not_today(setup):
    location, service, ana, chloe, at = setup
    with time_machine.travel(NOW + timedelta(days=20), tick=False):  # the wait is long over by now
        booked = services.appointment_book(client=chloe, service=service, practitioner=ana, starts_at=at(22),
                                           location=location, via=BookedVia.PHONE)
    assert booked.pk
