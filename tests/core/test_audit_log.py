import pytest
from django.db import DatabaseError, transaction

from clinic.audit.models import AuditEvent
from clinic.audit.services import audit_record
from tests.factories import ClientFactory, UserFactory


def test_it_records_who_did_what_to_whose_data(rf):
    practitioner, client = UserFactory(role="practitioner"), ClientFactory()
    request = rf.get("/", REMOTE_ADDR="10.1.2.3")
    event = audit_record(actor=practitioner, action="intake.view", obj=client, subject=client, request=request)
    assert (event.actor, event.action, event.object_type, event.object_id, event.subject, event.ip_address) == \
        (practitioner, "intake.view", "accounts.user", str(client.pk), client, "10.1.2.3")


@pytest.mark.postgres_only
def test_postgres_refuses_to_change_or_delete_audit_rows():
    user = UserFactory()
    event = audit_record(actor=user, action="intake.view", obj=user)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "intake.view"


def test_behind_a_trusted_proxy_it_records_the_clients_address(rf, settings):
    from clinic.audit.services import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_ip(request) == "10.0.0.1"  # no proxy configured: forwarded headers are not trusted
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"  # the address our proxy saw, not the spoofable first one
