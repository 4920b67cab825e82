"""On SQLite (no append-only trigger) the audit log is a hash chain: an event changed, deleted or inserted outside
the app is detected and named, by a function, ``manage.py audit_verify`` and the manager's page."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from clinic.audit.models import AuditEvent
from clinic.audit.services import audit_chain_verify, audit_record
from tests.factories import ClientFactory

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite",
                                 reason="PostgreSQL refuses changes with a trigger (tests/core/test_audit_log.py)")


@pytest.fixture
def events(practitioner_user, client_user):
    """Five reads of Chloe's record, recorded the way the app records them."""
    return [audit_record(actor=practitioner_user, action="intake.view", obj=client_user, subject=client_user)
            for _ in range(5)]


@sqlite_only
def test_events_recorded_by_the_app_verify(events):
    report = audit_chain_verify()
    assert (report.ok, report.checked, report.broken_id) == (True, 5, None)
    assert all(len(event.chain) == 64 for event in AuditEvent.objects.all())


@sqlite_only
def test_an_edited_event_is_named(events):
    AuditEvent.objects.filter(pk=events[2].pk).update(action="intake.submit")  # someone rewrote history

    report = audit_chain_verify()

    assert (report.ok, report.broken_id, report.checked) == (False, events[2].pk, 2)
    assert f"#{events[2].pk}" in report.summary


@sqlite_only
def test_an_edited_reader_is_detected(events, manager_user):
    AuditEvent.objects.filter(pk=events[1].pk).update(actor=manager_user)

    assert audit_chain_verify().broken_id == events[1].pk


@sqlite_only
def test_a_deleted_event_is_detected_at_the_one_after_it(events):
    AuditEvent.objects.filter(pk=events[2].pk).delete()

    assert audit_chain_verify().broken_id == events[3].pk


@sqlite_only
def test_an_event_inserted_in_the_middle_is_named(practitioner_user, client_user):
    first = audit_record(actor=practitioner_user, action="intake.view", obj=client_user, subject=client_user)
    with connection.cursor() as cursor:  # leave a gap in the ids, as if rows had been removed
        cursor.execute("UPDATE sqlite_sequence SET seq = seq + 5 WHERE name = 'audit_auditevent'")
    last = audit_record(actor=practitioner_user, action="intake.view", obj=client_user, subject=client_user)
    # A forger copies a real row, hash included, into the gap: an alibi that "she only viewed it".
    forged = AuditEvent.objects.create(pk=first.pk + 2, at=first.at, actor=practitioner_user, action="intake.view",
                                       object_type=first.object_type, object_id=first.object_id,
                                       subject=client_user, chain=last.chain)

    report = audit_chain_verify()

    assert (report.ok, report.broken_id) == (False, forged.pk)


@sqlite_only
def test_a_row_written_outside_the_app_at_the_end_is_detected(events, client_user):
    forged = AuditEvent.objects.create(action="intake.view", object_type="accounts.user",
                                       object_id=str(client_user.pk))
    assert audit_chain_verify().broken_id == forged.pk


@sqlite_only
def test_the_command_says_intact_or_names_the_event(events, capsys):
    call_command("audit_verify")
    assert "intact: 5 events checked" in capsys.readouterr().out

    AuditEvent.objects.filter(pk=events[0].pk).update(ip_address="10.0.0.9")
    with pytest.raises(CommandError, match=f"event #{events[0].pk}"):
        call_command("audit_verify")


@sqlite_only
def test_the_managers_page_shows_the_state_of_the_log(events, login, manager_user):
    page = login(manager_user).get(reverse("core:manage")).content.decode()
    assert "The audit log is intact" in page

    AuditEvent.objects.filter(pk=events[4].pk).delete()
    AuditEvent.objects.filter(pk=events[3].pk).update(object_id="999")
    page = login(manager_user).get(reverse("core:manage")).content.decode()
    assert f"tampered with at event #{events[3].pk}" in page


@sqlite_only
def test_ipv6_addresses_are_hashed_as_stored(practitioner_user, client_user, rf):
    request = rf.get("/", REMOTE_ADDR="2001:0DB8:0000:0000:0000:0000:0000:0001")
    audit_record(actor=practitioner_user, action="intake.view", obj=client_user, subject=client_user,
                 request=request)
    assert audit_chain_verify().ok


@sqlite_only
def test_the_migration_links_events_written_before_the_chain():
    from clinic.audit.chain import chain_rebuild

    client = ClientFactory()
    for _ in range(3):  # rows as they were before the chain existed
        AuditEvent.objects.create(action="intake.view", object_type="accounts.user", object_id=str(client.pk))
    assert not audit_chain_verify().ok

    assert chain_rebuild(AuditEvent) == 3
    assert audit_chain_verify().ok


@pytest.mark.postgres_only
def test_on_postgresql_the_trigger_guards_the_log_and_the_check_says_so(events, capsys):
    assert audit_chain_verify().ok
    call_command("audit_verify")
    assert "append-only (a PostgreSQL trigger refuses changes and deletions)" in capsys.readouterr().out
