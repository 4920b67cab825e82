"""Reads the charting pages share."""

from __future__ import annotations

from collections import defaultdict

from .models import Photo


def photos_by_appointment(client) -> dict[int, list[Photo]]:
    """The client's photos that may be shown (not hidden by a withdrawal), by session, in pose order. One query.
    Callers check that the viewer may see the client; each file they show is audited by the file view."""
    order = {"front": 0, "left": 1, "right": 2, "close_up": 3}
    grouped: dict[int, list[Photo]] = defaultdict(list)
    for photo in Photo.objects.filter(client=client, hidden_at=None).order_by("taken_at", "id"):
        grouped[photo.appointment_id].append(photo)
    return {pk: sorted(photos, key=lambda p: order.get(p.pose, 9)) for pk, photos in grouped.items()}
