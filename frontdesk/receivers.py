"""Signal receivers, connected in ``FrontdeskConfig.ready``."""

from __future__ import annotations


def on_slot_freed(sender, appointment_id: int, **kwargs) -> None:
    """booking sends this after a cancellation commits: hand the freed time to the waitlist."""
    from .tasks import offer_freed_slot

    offer_freed_slot.delay(appointment_id)
