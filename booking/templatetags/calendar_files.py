"""Template filters for showing calendar (.ics) attachments to staff."""

from __future__ import annotations

from django import template

from booking.ics import ics_events

register = template.Library()


@register.filter
def calendar_events(attachment: dict) -> list[dict]:
    """``{% for event in attachment|calendar_events %}``: the events of a text/calendar attachment."""
    if not str(attachment.get("mimetype", "")).startswith("text/calendar"):
        return []
    return ics_events(attachment.get("content") or "")
