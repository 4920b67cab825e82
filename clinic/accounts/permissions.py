"""The clinic's permission scheme: one capability, one set of roles.

Every view states the capability it needs (``@require(Cap.X)`` or ``CapabilityRequiredMixin``);
``tests/accounts/test_role_matrix.py`` checks the whole role x page matrix.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .models import Role

if TYPE_CHECKING:
    from .models import User

C, P, F, M = Role.CLIENT, Role.PRACTITIONER, Role.FRONT_DESK, Role.MANAGER


class Cap(enum.Enum):
    """Capabilities, each granted to a fixed set of roles (``cap.roles``).

    The enum value is a serial number, not the role set: members with equal values would be
    aliases (VIEW_CLINICAL would *be* VIEW_OWN_SCHEDULE, and `can_view_clinical` would open both).
    """

    def __new__(cls, roles: frozenset):
        member = object.__new__(cls)
        member._value_ = len(cls.__members__) + 1
        member.roles = roles
        return member

    BOOK_ONLINE = frozenset({C})  # a client's own bookings, intake, progress
    VIEW_OWN_SCHEDULE = frozenset({P})  # a practitioner's day and review queue
    VIEW_CLINICAL = frozenset({P})  # intake answers, treatment notes (plus `can_view_clinical`)
    WRITE_CLINICAL = frozenset({P})  # assessments, treatment notes, reviews
    VIEW_CALENDAR = frozenset({P, F, M})  # the clinic calendar, day sheet, client directory
    MANAGE_APPOINTMENTS = frozenset({F, M})  # phone bookings, reschedules, check-in, waitlist
    VIEW_INTAKE_STATUS = frozenset({P, F, M})  # missing / draft / submitted / reviewed, flags exist
    READ_OUTBOX = frozenset({F, M})  # the local email outbox (embedded default)
    MANAGE_CLINIC = frozenset({M})  # clinic settings, staff accounts, services, hours
    MANAGE_MESSAGES = frozenset({F, M})  # the message log: see failed messages, resend


def has_cap(user: User | Any, cap: Cap) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if cap is Cap.VIEW_CLINICAL and getattr(user, "can_view_clinical", False):
        return user.role != Role.CLIENT
    return user.role in cap.roles


def require(cap: Cap) -> Callable:
    """View decorator: anonymous users go to login, the wrong role gets 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_cap(request.user, cap):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_cap = cap  # type: ignore[attr-defined]
        return wrapper

    return decorator


class CapabilityRequiredMixin(AccessMixin):
    required_cap: Cap

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_cap(request.user, self.required_cap):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
