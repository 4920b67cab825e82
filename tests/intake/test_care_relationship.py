"""Who may read a client's clinical record: by default only a practitioner who treated her or is booked to; a
"whole clinic" policy is an explicit choice; anyone else opens one record in an emergency, with a reason, audited.

Ana treats Mine; Ben treats Theirs. Every clinical page and export answers Ana 404 for Theirs, exactly as for a
record that does not exist, until the clinic chooses "whole clinic" or Ana breaks the glass.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.forms.models import model_to_dict
from django.urls import reverse

from booking.models import AppointmentStatus
from clinic.audit.models import AuditEvent, BreakGlassAccess
from clinic.audit.services import BreakGlassError, break_glass_open
from clinic.core.models import ClinicSettings
from intake import services
from intake.access import may_see_client, visible_to
from intake.models import IntakeSubmission
from tests.factories import AppointmentFactory, ClientFactory, PractitionerFactory, UserFactory
from tests.intake.helpers import submit_intake, valid_answers

NOW = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)  # a Monday morning: the care rule must not depend on the day
REASON = "Client arrived in pain and Ben is off sick today"


@pytest.fixture
def frozen():
    # The emergency opening lasts 60 minutes from "now": every row below is written at this frozen instant.
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(frozen):
    ana, ben = PractitionerFactory(), PractitionerFactory()
    mine = ClientFactory(first_name="Mine", last_name="Client")
    theirs = ClientFactory(first_name="Theirs", last_name="Client")
    answers = valid_answers(pregnancy="pregnant", products="Secret serum")
    mine_sub, theirs_sub = submit_intake(mine, answers), submit_intake(theirs, answers)
    past = {"starts_at": NOW - timedelta(days=7), "status": AppointmentStatus.COMPLETED}
    return {
        "ana": ana.user, "ben": ben.user, "mine": mine, "theirs": theirs,
        "mine_sub": mine_sub, "theirs_sub": theirs_sub,
        "mine_visit": AppointmentFactory(client=mine, practitioner=ana, **past),
        "theirs_visit": AppointmentFactory(client=theirs, practitioner=ben, **past),
    }


def _whole_clinic():
    ClinicSettings.objects.filter(pk=1).update(clinical_access="whole_clinic")


# name -> the url arguments for "mine" (own client) or "theirs" (another practitioner's client).
READ_PAGES = {
    "intake:review": lambda w, who: [w[f"{who}_sub"].pk],
    "intake:export": lambda w, who: [w[f"{who}_sub"].pk],
    "intake:client_record": lambda w, who: [w[who].pk],
    "intake:client_record_export": lambda w, who: [w[who].pk],
    "intake:client_progress": lambda w, who: [w[who].pk],
    "intake:treatment_note": lambda w, who: [w[f"{who}_visit"].pk],
    "intake:client_reassess": lambda w, who: [w[who].pk],
}
WRITE_ACTIONS = {
    "intake:mark_reviewed": lambda w, who: [w[f"{who}_sub"].pk],
    "intake:assessment_save": lambda w, who: [w[f"{who}_sub"].pk],
    "intake:flag_clear": lambda w, who: [w[f"{who}_sub"].flags.get().pk],
}


@pytest.mark.parametrize("name", list(READ_PAGES))
def test_a_practitioner_reads_her_own_clients_record(login, world, name):
    response = login(world["ana"]).get(reverse(name, args=READ_PAGES[name](world, "mine")))
    assert response.status_code == 200


@pytest.mark.parametrize("name", list(READ_PAGES))
def test_another_practitioners_client_is_not_found(login, world, name):
    response = login(world["ana"]).get(reverse(name, args=READ_PAGES[name](world, "theirs")))
    assert response.status_code == 404
    assert b"Secret serum" not in response.content
    assert not AuditEvent.objects.filter(actor=world["ana"], subject=world["theirs"]).exists()


@pytest.mark.parametrize("name", list(READ_PAGES))
def test_with_the_whole_clinic_policy_every_practitioner_reads_every_record(login, world, name):
    _whole_clinic()
    response = login(world["ana"]).get(reverse(name, args=READ_PAGES[name](world, "theirs")))
    assert response.status_code == 200


@pytest.mark.parametrize("name", list(WRITE_ACTIONS))
def test_she_cannot_review_or_clear_flags_for_a_client_outside_her_care(login, world, name):
    response = login(world["ana"]).post(reverse(name, args=WRITE_ACTIONS[name](world, "theirs")), {})
    assert response.status_code == 404
    submission = IntakeSubmission.objects.get(pk=world["theirs_sub"].pk)
    assert submission.reviewed_at is None
    assert not hasattr(submission, "assessment")
    assert submission.flags.get().cleared_at is None


@pytest.mark.parametrize("name", ["intake:mark_reviewed", "intake:flag_clear"])
def test_she_reviews_and_clears_flags_for_her_own_client(login, world, name):
    response = login(world["ana"]).post(reverse(name, args=WRITE_ACTIONS[name](world, "mine")))
    assert response.status_code == 302
    submission = IntakeSubmission.objects.get(pk=world["mine_sub"].pk)
    assert submission.reviewed_at is not None or submission.flags.get().cleared_at is not None


def test_the_service_refuses_a_write_outside_the_care_relationship(world):
    # A script or a stale form that skips the page still meets the rule.
    with pytest.raises(services.IntakeError, match="not open to you"):
        services.intake_mark_reviewed(submission=world["theirs_sub"], practitioner=world["ana"])
    with pytest.raises(services.IntakeError):
        services.intake_flag_clear(flag=world["theirs_sub"].flags.get(), practitioner=world["ana"])
    with pytest.raises(services.IntakeError):
        services.reassessment_record(client=world["theirs"], recorded_by=world["ana"], answers={})
    assert IntakeSubmission.objects.get(pk=world["theirs_sub"].pk).reviewed_at is None


def test_a_booked_first_visit_opens_the_record_and_a_cancelled_one_does_not(world):
    newcomer, cancelled = ClientFactory(), ClientFactory()
    ana = world["ana"].practitioner
    AppointmentFactory(client=newcomer, practitioner=ana, starts_at=NOW + timedelta(days=3))
    AppointmentFactory(client=cancelled, practitioner=ana, status=AppointmentStatus.CANCELLED)
    assert may_see_client(world["ana"], newcomer)
    assert not may_see_client(world["ana"], cancelled)


def test_the_review_queue_lists_only_her_clients_even_for_the_whole_clinic(login, world):
    for client, practitioner in ((world["mine"], world["ana"]), (world["theirs"], world["ben"])):
        AppointmentFactory(client=client, practitioner=practitioner.practitioner, starts_at=NOW + timedelta(days=2))
    response = login(world["ana"]).get(reverse("intake:review_queue") + "?all=1")
    assert [r["appointment"].client for r in response.context["rows"]] == [world["mine"]]


def test_staff_allowed_to_read_clinical_answers_follow_the_same_policy(login, world):
    desk = UserFactory(role="front_desk", can_view_clinical=True)
    url = reverse("intake:review", args=[world["mine_sub"].pk])
    assert login(desk).get(url).status_code == 404  # no sessions of her own: nobody is in her care
    _whole_clinic()
    assert login(desk).get(url).status_code == 200


def test_outside_her_care_the_record_page_offers_the_emergency_way_in(login, world):
    response = login(world["ana"]).get(reverse("intake:client_record", args=[world["theirs"].pk]))
    assert response.status_code == 404
    assert reverse("intake:break_glass", args=[world["theirs"].pk]) in response.content.decode()
    page = login(world["ana"]).get(reverse("intake:break_glass", args=[world["theirs"].pk])).content.decode()
    assert "Open the record for 60 minutes" in page and "shown to the manager" in page


def test_breaking_the_glass_needs_a_reason_and_keeps_what_was_typed(login, world):
    c = login(world["ana"])
    response = c.post(reverse("intake:break_glass", args=[world["theirs"].pk]), {"reason": "urgent"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "at least 20 characters" in html
    assert "urgent" in html  # what she typed is still in the box
    assert not BreakGlassAccess.objects.exists()
    assert c.get(reverse("intake:client_record", args=[world["theirs"].pk])).status_code == 404


def test_breaking_the_glass_opens_one_record_for_an_hour_and_is_audited(login, world, frozen, settings):
    settings.STAFF_IDLE_MINUTES = 24 * 60  # the idle sign-out is not under test: only the hour of the opening
    c = login(world["ana"])
    response = c.post(reverse("intake:break_glass", args=[world["theirs"].pk]), {"reason": REASON})
    assert response["Location"] == reverse("intake:client_record", args=[world["theirs"].pk])
    opening = BreakGlassAccess.objects.get()
    assert (opening.actor, opening.client, opening.reason) == (world["ana"], world["theirs"], REASON)
    assert opening.expires_at == NOW + timedelta(minutes=60)
    assert AuditEvent.objects.filter(action="record.break_glass", actor=world["ana"], subject=world["theirs"],
                                     object_id=str(opening.pk)).count() == 1

    for name, args in READ_PAGES.items():
        assert c.get(reverse(name, args=args(world, "theirs"))).status_code == 200, name
    # Every read during the opening is in the audit log as usual.
    actions = set(AuditEvent.objects.filter(actor=world["ana"], subject=world["theirs"]).values_list("action",
                                                                                                   flat=True))
    assert {"intake.view", "intake.export", "intake.view_record", "intake.export_record", "progress.view"} <= actions
    # One record, not every record: another client outside her care stays closed.
    stranger = ClientFactory()
    AppointmentFactory(client=stranger, practitioner=world["ben"].practitioner)
    assert c.get(reverse("intake:client_record", args=[stranger.pk])).status_code == 404

    frozen.shift(timedelta(minutes=59))
    assert c.get(reverse("intake:client_record", args=[world["theirs"].pk])).status_code == 200
    frozen.shift(timedelta(minutes=2))
    assert c.get(reverse("intake:client_record", args=[world["theirs"].pk])).status_code == 404
    assert c.get(reverse("intake:export", args=[world["theirs_sub"].pk])).status_code == 404


def test_the_emergency_opening_is_refused_to_staff_without_clinical_access(world):
    desk = UserFactory(role="front_desk")
    with pytest.raises(BreakGlassError):
        break_glass_open(actor=desk, client=world["theirs"], reason=REASON)
    with pytest.raises(BreakGlassError):
        break_glass_open(actor=world["ana"], client=world["ben"], reason=REASON)  # staff are not clients
    assert not BreakGlassAccess.objects.exists()


def test_an_opening_counts_only_for_the_person_who_opened_it(world):
    break_glass_open(actor=world["ana"], client=world["theirs"], reason=REASON)
    other = PractitionerFactory().user
    assert may_see_client(world["ana"], world["theirs"])
    assert not may_see_client(other, world["theirs"])
    assert list(visible_to(other, IntakeSubmission.objects.all())) == []


def test_the_manager_chooses_the_policy_on_the_settings_form(login, world, manager_user):
    clinic = ClinicSettings.load()
    assert clinic.clinical_access == "care"  # the default
    data = {k: v for k, v in model_to_dict(clinic).items() if v is not None and k != "id"}
    data["clinical_access"] = "whole_clinic"
    page = login(manager_user).get(reverse("core:settings")).content.decode()
    assert "treated or is booked to treat" in page  # the help text says what each choice means
    response = login(manager_user).post(reverse("core:settings"), data)
    assert response.status_code == 302
    assert ClinicSettings.load().clinical_access == "whole_clinic"
