"""Who may read a client's clinical record: the one rule every clinical page, export and write asks.

The clinic chooses the policy (``ClinicSettings.clinical_access``):

- "care" (the default): a practitioner sees the clients she has treated or is booked to treat, that is any
  appointment with her that was not cancelled, past or future. Staff granted ``can_view_clinical`` have no
  sessions of their own, so they see nobody by default.
- "whole_clinic": everyone with the clinical capability sees every client.

Either way an emergency opening (``BreakGlassAccess``, with a stated reason, audited) opens one client's record
to one person for a limited time.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from booking.models import Appointment, AppointmentStatus
from clinic.accounts.models import Role
from clinic.accounts.permissions import Cap, has_cap
from clinic.audit.models import BreakGlassAccess
from clinic.core.models import ClinicalAccess, ClinicSettings


def _whole_clinic(clinic: ClinicSettings | None) -> bool:
    return (clinic or ClinicSettings.load()).clinical_access == ClinicalAccess.WHOLE_CLINIC


def may_see_client(user, client, *, clinic: ClinicSettings | None = None) -> bool:
    """True if ``user`` may read (and, with the writing capability, write) ``client``'s clinical record."""
    if not has_cap(user, Cap.VIEW_CLINICAL) or getattr(client, "role", None) != Role.CLIENT:
        return False
    if _whole_clinic(clinic):
        return True
    in_care = (Appointment.objects.filter(client=client, practitioner__user=user)
               .exclude(status=AppointmentStatus.CANCELLED).exists())
    return in_care or break_glass_open_until(user, client) is not None


def break_glass_open_until(user, client) -> datetime | None:
    """When ``user``'s emergency access to ``client``'s record ends, or None if none is open."""
    access = (BreakGlassAccess.objects.filter(actor=user, client=client, expires_at__gt=timezone.now())
              .order_by("-expires_at").only("expires_at").first())
    return access.expires_at if access else None


def visible_to(user, queryset: QuerySet, *, client_field: str = "client",
               clinic: ClinicSettings | None = None) -> QuerySet:
    """``queryset`` narrowed to rows whose client ``user`` may see (for lists: the review queue)."""
    if not has_cap(user, Cap.VIEW_CLINICAL):
        return queryset.none()
    if _whole_clinic(clinic):
        return queryset
    in_care = Appointment.objects.filter(client=OuterRef(client_field), practitioner__user=user).exclude(
        status=AppointmentStatus.CANCELLED)
    opened = BreakGlassAccess.objects.filter(client=OuterRef(client_field), actor=user,
                                             expires_at__gt=timezone.now())
    return queryset.filter(Exists(in_care) | Exists(opened))
