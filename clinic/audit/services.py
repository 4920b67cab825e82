from __future__ import annotations

from django.db import models

from clinic.core.http import client_ip

from .models import AuditEvent


def audit_record(*, actor, action: str, obj: models.Model, subject=None, request=None) -> AuditEvent:
    """Append one audit row. Call it in the same transaction as the read or write it records."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        subject=subject,
        ip_address=client_ip(request),
    )
