"""Every view, export and change of an intake is in the append-only audit log: who, what, whose, when."""

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import AppointmentStatus
from clinic.audit.models import AuditEvent
from intake import services
from intake.models import IntakeSubmission
from tests.factories import AppointmentFactory, PractitionerFactory
from tests.intake.helpers import fill_draft, post_data, questionnaire, submit_intake, valid_answers


def _events(action):
    return list(AuditEvent.objects.filter(action=action))


@pytest.fixture
def practitioner(db, client_user):
    practitioner = PractitionerFactory()
    AppointmentFactory(client=client_user, practitioner=practitioner)  # booked to treat Chloe: she is in her care
    return practitioner.user


def test_the_clients_own_steps_are_logged(login, client_user):
    c = login(client_user)
    c.post(reverse("intake:start"))
    c.get(reverse("intake:step", args=[1]))
    q = questionnaire()
    c.post(reverse("intake:step", args=[1]), post_data(q.section(1), valid_answers(q)))
    c.get(reverse("intake:check"))
    draft_id = str(IntakeSubmission.objects.get(client=client_user).pk)
    for action in ("intake.start", "intake.view_draft", "intake.draft_save"):
        event = _events(action)[0]
        assert (event.actor, event.subject, event.object_id) == (client_user, client_user, draft_id)
        assert event.object_type == "intake.intakesubmission"


def test_sending_is_logged_with_the_clients_ip(login, client_user):
    c = login(client_user)
    fill_draft(client_user)
    c.post(reverse("intake:consent"), {"full_name": "Chloe Martin", "agree": "on"}, REMOTE_ADDR="192.0.2.44")
    event = _events("intake.submit")[0]
    assert event.actor == client_user and event.ip_address == "192.0.2.44"


def test_the_client_reading_their_intake_is_logged(login, client_user):
    submission = submit_intake(client_user)
    c = login(client_user)
    c.get(reverse("intake:submission", args=[submission.pk]))
    c.get(reverse("intake:my_intake"))
    c.get(reverse("intake:my_progress"))
    assert _events("intake.view")[0].object_id == str(submission.pk)
    assert _events("intake.view_status")[0].actor == client_user
    assert _events("progress.view")[0].subject == client_user


def test_a_practitioner_reading_and_exporting_is_logged(login, client_user, practitioner):
    submission = submit_intake(client_user)
    c = login(practitioner)
    c.get(reverse("intake:review", args=[submission.pk]))
    c.get(reverse("intake:export", args=[submission.pk]))
    c.get(reverse("intake:client_record", args=[client_user.pk]))
    c.get(reverse("intake:client_progress", args=[client_user.pk]))
    for action in ("intake.view", "intake.export", "intake.view_record", "progress.view"):
        event = _events(action)[0]
        assert event.actor == practitioner and event.subject == client_user, action


def test_the_practitioners_changes_are_logged(login, client_user, practitioner):
    submission = submit_intake(client_user, valid_answers(acute_illness="yes"))
    c = login(practitioner)
    c.post(reverse("intake:assessment_save", args=[submission.pk]),
           {"assessment": "Lung heat.", "plan_sessions": 10, "plan_frequency": "weekly", "mark_reviewed": "1"})
    c.post(reverse("intake:flag_clear", args=[submission.flags.get().pk]))
    assert _events("intake.assessment_save")[0].actor == practitioner
    assert _events("intake.review")[0].object_id == str(submission.pk)
    assert _events("intake.flag_clear")[0].object_type == "intake.intakeflag"


def test_treatment_notes_and_reassessments_are_logged(login, client_user, practitioner):
    appointment = AppointmentFactory(client=client_user, practitioner=practitioner.practitioner,
                                     starts_at=timezone.now() - timezone.timedelta(hours=2),
                                     status=AppointmentStatus.COMPLETED)
    c = login(practitioner)
    c.post(reverse("intake:treatment_note", args=[appointment.pk]), {"needle_count": 40, "reactions": ["none"]})
    c.get(reverse("intake:treatment_note", args=[appointment.pk]))
    services.reassessment_record(client=client_user, recorded_by=practitioner,
                                 answers=valid_answers(), appointment=appointment)
    assert _events("treatment_note.save")[0].subject == client_user
    assert _events("treatment_note.view")[0].actor == practitioner
    assert _events("reassessment.save")[0].subject == client_user


def test_requests_links_and_settings_are_logged(login, client_user, front_desk_user, manager_user):
    services.intake_request_send(client=client_user, actor=front_desk_user)
    login(client_user).get(reverse("intake:link", args=[services.intake_link_token(client=client_user)]))
    login(manager_user).post(reverse("intake:settings"), {
        "botox_wait_days": 21, "filler_wait_days": 90, "laser_wait_days": 28, "peel_wait_days": 14,
        "microdermabrasion_wait_days": 14, "facelift_wait_days": 183, "major_event_wait_days": 183,
        "isotretinoin_wait_days": 180, "thread_lift_wait_days": 90,
        "reassess_at_sessions": "5, 10", "request_link_valid_days": 14, "intake_valid_months": 12})
    assert _events("intake.request_send")[0].actor == front_desk_user
    assert _events("intake.link_open")[0].actor == client_user
    assert _events("intake.settings_change")[0].actor == manager_user


def test_audit_rows_hold_ids_and_verbs_never_answers(login, client_user, practitioner):
    submission = submit_intake(client_user, valid_answers(products="Secret serum", pregnancy="pregnant"))
    login(practitioner).get(reverse("intake:review", args=[submission.pk]))
    for event in AuditEvent.objects.all():
        text = " ".join(str(v) for v in (event.action, event.object_type, event.object_id))
        assert "Secret" not in text and "regnan" not in text


def test_nothing_private_is_written_to_the_log(login, client_user, caplog):
    caplog.set_level("DEBUG")
    submit_intake(client_user, valid_answers(products="Secret serum", pregnancy="pregnant",
                                             medication_list="Warfarin", takes_medication="yes"))
    assert "Secret" not in caplog.text and "Warfarin" not in caplog.text and "regnan" not in caplog.text
    assert f"intake {client_user.intake_submissions.get().pk} submitted" in caplog.text
