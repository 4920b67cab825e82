"""The screening gate, as booking sees it: a hook the intake app fills in (``IntakeConfig.ready``).

Booking must work without the intake (a clinic that screens on paper), so it never imports it: the
services ask ``verdict()`` and get None when no gate is registered. The intake's ``intake.gate`` decides;
booking only enforces what it says, on every path that books, moves or checks in a session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, Protocol


class Verdict(Protocol):
    """What booking reads of the intake's verdict (``intake.gate.Verdict``)."""

    blocked: bool  # a "do not treat" flag or an unexpired wait covers this date
    stops: bool  # blocked and no practitioner approved the date (``override``)
    earliest: date | None
    needs_review: bool
    renewal_due: bool
    client_message: str
    staff_message: str
    override: Any

    def session_problem(self, *, first_name: str, status: str = "arrived") -> str | None:
        """Why the session cannot move to ``status`` (check-in, start, completion), for the desk; None if it may."""


_verdict: Callable[..., Verdict] | None = None
_verdicts: Callable[..., dict[int, Verdict]] | None = None


def register(*, verdict: Callable[..., Verdict], verdicts: Callable[..., dict[int, Verdict]]) -> None:
    global _verdict, _verdicts
    _verdict, _verdicts = verdict, verdicts


def verdict(*, client, service, day: date, appointment=None) -> Verdict | None:
    """The gate's verdict on a session of ``service`` for ``client`` on the local date ``day`` (None: no gate)."""
    if _verdict is None:
        return None
    return _verdict(client=client, service=service, day=day, appointment=appointment)


def verdicts(*, appointments: Iterable) -> dict[int, Verdict]:
    """Verdicts for many sessions by appointment pk, in a fixed number of queries (empty: no gate)."""
    if _verdicts is None:
        return {}
    return _verdicts(appointments=appointments)
