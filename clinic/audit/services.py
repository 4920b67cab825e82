from __future__ import annotations

from datetime import timedelta

from django.db import models, transaction
from django.utils import timezone

from clinic.core.http import client_ip

from .chain import ChainReport, chain_enabled, chain_hash, chain_previous, chain_verify
from .models import AuditEvent, BreakGlassAccess

# An emergency opening lasts long enough for one consultation, not for the rest of the week.
BREAK_GLASS_MINUTES = 60
# A few words, not "x": the reason is what the manager reads when checking the opening afterwards.
BREAK_GLASS_MIN_REASON = 20


class BreakGlassError(Exception):
    """A user-facing reason an emergency opening was refused (``.message``)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def audit_record(*, actor, action: str, obj: models.Model, subject=None, request=None) -> AuditEvent:
    """Append one audit row. Call it in the same transaction as the read or write it records."""
    event = AuditEvent(
        at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        subject=subject,
        ip_address=client_ip(request),
    )
    if not chain_enabled():
        event.save()
        return event
    # BEGIN IMMEDIATE (or the enclosing write transaction) holds SQLite's write lock from here to the commit:
    # no other event can be linked to the same predecessor.
    with transaction.atomic():
        event.chain = chain_hash(previous=chain_previous(AuditEvent), event=event)
        event.save()
    return event


def audit_chain_verify() -> ChainReport:
    """Walk the audit log and name the first event changed, deleted or inserted outside the app (SQLite);
    on PostgreSQL the trigger refuses such changes in the first place."""
    return chain_verify(AuditEvent)


def break_glass_open(*, actor, client, reason: str, request=None) -> BreakGlassAccess:
    """Open one client's clinical record to ``actor`` for BREAK_GLASS_MINUTES, outside the care relationship.

    The reason is stored with the opening and the opening is audited in the same transaction, so an opening
    without its trace cannot exist."""
    from clinic.accounts.models import Role
    from clinic.accounts.permissions import Cap, has_cap

    if not has_cap(actor, Cap.VIEW_CLINICAL):
        raise BreakGlassError("Only staff who may read clinical records can open one in an emergency.")
    if getattr(client, "role", None) != Role.CLIENT:
        raise BreakGlassError("Only a client's record can be opened.")
    reason = " ".join((reason or "").split())
    if len(reason) < BREAK_GLASS_MIN_REASON:
        raise BreakGlassError(f"Please say why you need this record now, in at least {BREAK_GLASS_MIN_REASON} "
                              "characters. The reason is kept with the opening and the manager reads it.")
    now = timezone.now()
    with transaction.atomic():
        access = BreakGlassAccess.objects.create(actor=actor, client=client, reason=reason, created_at=now,
                                                 expires_at=now + timedelta(minutes=BREAK_GLASS_MINUTES))
        audit_record(actor=actor, action="record.break_glass", obj=access, subject=client, request=request)
    return access
