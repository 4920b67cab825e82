"""Compact point maps inside other apps' pages (the treatment note, the client record), without those views
knowing about charting: the pages that include these have already checked who may read the record."""

from __future__ import annotations

from django import template

from ..map_selectors import point_maps_of
from ..models import PointMap
from ..views.map import map_context

register = template.Library()


def _compact(point_map: PointMap) -> dict:
    shown = map_context(points=point_map.points, local_needles=point_map.local_needles,
                        retention_minutes=point_map.retention_minutes)
    shown["compact_views"] = [v for v in shown["views"] if v["key"] in ("front", "body") and v["has_marks"]]
    return shown


@register.inclusion_tag("charting/_map_card.html")
def point_map_card(appointment, can_write: bool = False) -> dict:
    """The session's map on its treatment note: small diagrams and codes, and the way to the full map."""
    point_map = PointMap.objects.filter(appointment=appointment).first()
    return {"appointment": appointment, "point_map": point_map, "can_write": can_write,
            **(_compact(point_map) if point_map else {})}


@register.inclusion_tag("charting/_client_maps.html")
def client_point_maps(client, limit: int = 10) -> dict:
    """The client's recent maps on her record: the latest drawn small, every one as its codes (one query)."""
    maps = point_maps_of(client=client, limit=limit)
    return {"client": client, "latest": _compact(maps[0]) if maps else None, "maps": [
        {"point_map": m, **map_context(points=m.points, local_needles=m.local_needles,
                                       retention_minutes=m.retention_minutes)} for m in maps]}
