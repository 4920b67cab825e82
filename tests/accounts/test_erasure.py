"""A client asks for erasure, the manager confirms: her upcoming sessions are cancelled without a word to the erased
address, her details are anonymised, the clinical records are kept for the retention period and then purged."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from booking.models import AppointmentStatus
from clinic.accounts import rights
from clinic.accounts.models import ErasureRequest, ErasureStatus
from clinic.accounts.tasks import purge_erased_clients
from clinic.audit.models import AuditEvent
from clinic.core.models import ClinicSettings
from clinic.notifications.models import Message, MessageKind, MessageState
from clinic.notifications.services import messages_dispatch
from frontdesk.models import EntryStatus
from intake import services as intake_services
from intake.models import ConsentRecord, IntakeSubmission, TreatmentNote, TreatmentNoteVersion
from tests.factories import AppointmentFactory, PractitionerFactory
from tests.frontdesk.factories import WaitlistEntryFactory
from tests.intake.helpers import submit_intake

NOW = "2026-03-10 10:00Z"  # a Tuesday


@pytest.fixture(autouse=True)
def _tuesday_morning():
    """Frozen before the other fixtures build the record, so every date in it is fixed."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def practitioner():
    return PractitionerFactory()


@pytest.fixture
def history(client_user, practitioner):
    """Chloe's record: an intake, a past session with an amended note, an upcoming session, a waitlist entry."""
    now = timezone.now()
    past = AppointmentFactory(client=client_user, practitioner=practitioner, starts_at=now - timedelta(days=7),
                              status=AppointmentStatus.COMPLETED)
    intake_services.treatment_note_save(appointment=past, practitioner=practitioner.user, data={"needle_count": 10})
    intake_services.treatment_note_save(appointment=past, practitioner=practitioner.user, data={"needle_count": 12})
    upcoming = AppointmentFactory(client=client_user, practitioner=practitioner, starts_at=now + timedelta(days=5))
    entry = WaitlistEntryFactory(client=client_user, service=upcoming.service, location=upcoming.location)
    submission = submit_intake(client_user)
    return {"past": past, "upcoming": upcoming, "entry": entry, "submission": submission}


def _confirmed(client_user, manager_user, django_capture_on_commit_callbacks) -> ErasureRequest:
    erasure = rights.erasure_request_create(client=client_user, reason="Moving abroad")
    with django_capture_on_commit_callbacks(execute=True):
        rights.erasure_request_decide(erasure=erasure, actor=manager_user, confirm=True, note="ok")
    erasure.refresh_from_db()
    return erasure


def test_the_client_asks_from_her_profile_with_a_confirmation_and_a_reason(login, client_user):
    web = login(client_user)
    assert reverse("accounts:erasure_request") in web.get(reverse("accounts:profile")).content.decode()
    page = web.get(reverse("accounts:erasure_request"))
    assert b"Your upcoming appointments are cancelled" in page.content and b"8 years" in page.content

    refused = web.post(reverse("accounts:erasure_request"), {"reason": "Moving abroad"})
    assert b"Please tick the box to confirm." in refused.content and b"Moving abroad" in refused.content
    assert not ErasureRequest.objects.exists()

    web.post(reverse("accounts:erasure_request"), {"reason": "Moving abroad", "confirm": "on"})
    erasure = ErasureRequest.objects.get()
    assert (erasure.client, erasure.status, erasure.reason) == (client_user, ErasureStatus.REQUESTED, "Moving abroad")
    assert AuditEvent.objects.filter(action="client.erasure_requested", subject=client_user).count() == 1
    assert b"erasure-pending" in web.get(reverse("accounts:profile")).content
    again = web.post(reverse("accounts:erasure_request"), {"confirm": "on"}, follow=True)
    assert ErasureRequest.objects.count() == 1 and again.status_code == 200


def test_the_manager_sees_the_requests_and_confirms_one(login, client_user, manager_user, front_desk_user, history,
                                                        django_capture_on_commit_callbacks):
    erasure = rights.erasure_request_create(client=client_user, reason="Moving abroad")
    assert login(front_desk_user).get(reverse("accounts:erasure_list")).status_code == 403
    web = login(manager_user)
    listing = web.get(reverse("accounts:erasure_list")).content.decode()
    assert "Chloe Martin" in listing and "Moving abroad" in listing

    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(reverse("accounts:erasure_decide", args=[erasure.pk]), {"decision": "confirm"})

    assert response.status_code == 302
    erasure.refresh_from_db()
    assert erasure.status == ErasureStatus.COMPLETED and erasure.decided_by == manager_user
    assert "Chloe" not in web.get(reverse("accounts:erasure_list")).content.decode()


def test_confirming_anonymises_her_and_closes_the_account(client_user, manager_user, history,
                                                          django_capture_on_commit_callbacks):
    erasure = _confirmed(client_user, manager_user, django_capture_on_commit_callbacks)

    client_user.refresh_from_db()
    assert client_user.full_name == f"Erased client #{client_user.pk}"
    assert client_user.email == f"erased-{client_user.pk}@erased.invalid"
    assert (client_user.phone, client_user.date_of_birth) == ("", None)
    assert not client_user.has_usable_password() and not client_user.is_active
    assert erasure.erased_at == timezone.now()
    assert erasure.retain_until.year == 2034  # the default 8 years


def test_her_upcoming_sessions_are_cancelled_and_nothing_is_sent_to_her(client_user, manager_user, history,
                                                                        django_capture_on_commit_callbacks):
    mail.outbox.clear()
    _confirmed(client_user, manager_user, django_capture_on_commit_callbacks)

    history["upcoming"].refresh_from_db()
    history["entry"].refresh_from_db()
    assert history["upcoming"].status == AppointmentStatus.CANCELLED
    assert history["entry"].status == EntryStatus.REMOVED
    # No cancellation notice, reminder or anything else waits for her, and nothing went out.
    assert not Message.objects.filter(recipient=client_user, state__in=[MessageState.PENDING,
                                                                        MessageState.QUEUED]).exists()
    assert not Message.objects.filter(recipient=client_user, kind=MessageKind.CANCELLED).exists()
    messages_dispatch()
    assert mail.outbox == []


def test_a_staff_cancellation_without_erasure_does_email_her(client_user, front_desk_user, history,
                                                             django_capture_on_commit_callbacks):
    """The control for the test above: the erasure is what keeps the cancellation notice from going."""
    from booking.services import appointment_cancel

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=history["upcoming"], actor=front_desk_user, by_staff=True)
    assert [m.to for m in mail.outbox] == [["chloe@example.com"]]


def test_clinical_and_audit_records_are_kept_after_erasure(client_user, manager_user, history,
                                                           django_capture_on_commit_callbacks):
    _confirmed(client_user, manager_user, django_capture_on_commit_callbacks)

    assert IntakeSubmission.objects.filter(client=client_user).count() == 1
    assert ConsentRecord.objects.filter(client=client_user).count() == 1
    assert TreatmentNote.objects.filter(appointment=history["past"]).count() == 1
    assert TreatmentNoteVersion.objects.filter(note__appointment=history["past"]).count() == 1
    actions = list(AuditEvent.objects.filter(subject=client_user).values_list("action", flat=True))
    assert "client.erasure_requested" in actions and "client.erased" in actions
    assert "intake.submit" in actions  # the earlier trail stays


def test_her_session_ends(login, client_user, manager_user, django_capture_on_commit_callbacks):
    web = login(client_user)
    _confirmed(client_user, manager_user, django_capture_on_commit_callbacks)
    response = web.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_declined_request_changes_nothing_and_says_why(login, client_user, manager_user, history):
    erasure = rights.erasure_request_create(client=client_user)
    login(manager_user).post(reverse("accounts:erasure_decide", args=[erasure.pk]),
                             {"decision": "decline", "note": "Unpaid invoice dispute"})
    erasure.refresh_from_db()
    client_user.refresh_from_db()
    assert erasure.status == ErasureStatus.DECLINED and erasure.decision_note == "Unpaid invoice dispute"
    assert client_user.email == "chloe@example.com" and client_user.is_active
    assert AuditEvent.objects.filter(action="client.erasure_declined", subject=client_user).exists()
    assert b"Unpaid invoice dispute" in login(client_user).get(reverse("accounts:profile")).content


def test_a_second_decision_is_a_message_not_a_second_erasure(login, client_user, manager_user,
                                                             django_capture_on_commit_callbacks):
    erasure = _confirmed(client_user, manager_user, django_capture_on_commit_callbacks)
    with pytest.raises(rights.RightsError, match="already been decided"):
        rights.erasure_request_decide(erasure=erasure, actor=manager_user, confirm=False)
    response = login(manager_user).post(reverse("accounts:erasure_decide", args=[erasure.pk]),
                                        {"decision": "confirm"}, follow=True)
    assert b"already been decided" in response.content
    assert AuditEvent.objects.filter(action="client.erased").count() == 1


def test_the_retention_period_is_a_clinic_setting(client_user, manager_user, django_capture_on_commit_callbacks):
    settings_row = ClinicSettings.load()
    settings_row.clinical_retention_years = 10
    settings_row.save()
    erasure = _confirmed(client_user, manager_user, django_capture_on_commit_callbacks)
    assert erasure.retain_until.year == 2036


def test_the_purge_waits_for_the_retention_period_then_deletes_the_clinical_records(
        client_user, other_client, manager_user, practitioner, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False):
        other = submit_intake(other_client)
        past = AppointmentFactory(client=client_user, practitioner=practitioner,
                                  starts_at=timezone.now() - timedelta(days=7), status=AppointmentStatus.COMPLETED)
        intake_services.treatment_note_save(appointment=past, practitioner=practitioner.user,
                                            data={"needle_count": 10})
        intake_services.treatment_note_save(appointment=past, practitioner=practitioner.user,
                                            data={"needle_count": 12})
        submit_intake(client_user)
        erasure = _confirmed(client_user, manager_user, django_capture_on_commit_callbacks)
        audit_rows = AuditEvent.objects.filter(subject=client_user).count()

    with time_machine.travel(erasure.retain_until - timedelta(minutes=1), tick=False):
        assert purge_erased_clients.delay().get() == 0
        assert IntakeSubmission.objects.filter(client=client_user).exists()

    with time_machine.travel(erasure.retain_until + timedelta(hours=1), tick=False):
        assert purge_erased_clients.delay().get() == 1
        assert purge_erased_clients.delay().get() == 0  # idempotent

    assert not IntakeSubmission.objects.filter(client=client_user).exists()
    assert not ConsentRecord.objects.filter(client=client_user).exists()
    assert not TreatmentNote.objects.filter(appointment=past).exists()
    assert not TreatmentNoteVersion.objects.filter(note__appointment=past).exists()
    past.refresh_from_db()  # the (anonymised) appointment history stays
    erasure.refresh_from_db()
    assert erasure.purged_at is not None
    # The audit log is kept whole, with the purge added.
    assert AuditEvent.objects.filter(subject=client_user).count() == audit_rows + 1
    assert AuditEvent.objects.filter(action="client.purged", subject=client_user).count() == 1
    assert IntakeSubmission.objects.filter(pk=other.pk).exists()  # nobody else's


@pytest.mark.postgres_only
def test_on_postgresql_only_the_purge_may_delete_earlier_note_versions(
        client_user, manager_user, practitioner, django_capture_on_commit_callbacks):
    from django.db import DatabaseError, transaction

    with time_machine.travel(NOW, tick=False):
        past = AppointmentFactory(client=client_user, practitioner=practitioner,
                                  starts_at=timezone.now() - timedelta(days=7), status=AppointmentStatus.COMPLETED)
        intake_services.treatment_note_save(appointment=past, practitioner=practitioner.user,
                                            data={"needle_count": 10})
        intake_services.treatment_note_save(appointment=past, practitioner=practitioner.user,
                                            data={"needle_count": 12})
        erasure = _confirmed(client_user, manager_user, django_capture_on_commit_callbacks)
    assert connection.vendor == "postgresql"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TreatmentNoteVersion.objects.filter(note__appointment=past).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(subject=client_user).delete()

    assert rights.clients_purge_due(now=erasure.retain_until + timedelta(days=1)) == 1

    assert not TreatmentNoteVersion.objects.filter(note__appointment=past).exists()
    assert AuditEvent.objects.filter(action="client.purged", subject=client_user).exists()
    # The flag ended with the purge's transaction: the next delete is refused again.
    with time_machine.travel(NOW, tick=False):
        other = AppointmentFactory(practitioner=practitioner, starts_at=timezone.now() - timedelta(days=2),
                                   status=AppointmentStatus.COMPLETED)
        intake_services.treatment_note_save(appointment=other, practitioner=practitioner.user,
                                            data={"needle_count": 10})
        intake_services.treatment_note_save(appointment=other, practitioner=practitioner.user,
                                            data={"needle_count": 11})
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TreatmentNoteVersion.objects.filter(note__appointment=other).delete()


def test_the_manager_sets_the_retention_period_on_the_clinic_settings_form(login, manager_user):
    from tests.core.test_clinic_settings import _form

    web = login(manager_user)
    assert b"keep clinical records of erased clients" in web.get(reverse("core:settings")).content.lower()
    web.post(reverse("core:settings"), _form(clinical_retention_years=10))
    assert ClinicSettings.load().clinical_retention_years == 10
    refused = web.post(reverse("core:settings"), _form(clinical_retention_years=0))
    assert refused.status_code == 200 and ClinicSettings.load().clinical_retention_years == 10
