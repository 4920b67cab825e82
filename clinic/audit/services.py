from __future__ import annotations

from django.conf import settings
from django.db import models

from .models import AuditEvent


def client_ip(request) -> str | None:
    """The client's address; behind TRUSTED_PROXY_COUNT proxies, the one they recorded (never a
    spoofable left-most X-Forwarded-For entry)."""
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [ip.strip() for ip in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if ip.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


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
