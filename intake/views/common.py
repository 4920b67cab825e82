"""What every intake view shares: capability check plus ``Cache-Control: no-store``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.views.decorators.cache import never_cache

from clinic.accounts.permissions import Cap, require


def intake_view(cap: Cap) -> Callable:
    """``@require(cap)`` with no-store caching: intake pages hold health data, so no browser or proxy
    may keep a copy (the back button after logout must not show answers)."""

    def decorator(view: Callable) -> Callable:
        wrapped = never_cache(require(cap)(view))
        wrapped.required_cap = cap  # type: ignore[attr-defined]
        return wrapped

    return decorator


def age_on(born: date | None, today: date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


