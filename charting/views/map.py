"""The session's point map: marked by its practitioner on the face and body diagrams, read by clinicians.

The page is a plain form (a checkbox per point and side, a number per line or wrinkle, hidden inputs for needles
tapped on the drawing) that ``static/charting/map.js`` enhances with clickable markers and a live total; without
JavaScript it works as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from booking.models import Appointment, AppointmentStatus
from clinic.accounts.models import Role
from clinic.accounts.permissions import Cap, has_cap, require
from clinic.audit.services import BREAK_GLASS_MINUTES, audit_record
from intake import access
from intake.models import Assessment
from intake.selectors import course_session
from intake.services import consent_withdrawn, session_started

from .. import map_selectors, services
from .. import points as catalogue
from ..models import PlanMap, PointMap


def chart_view(cap: Cap) -> Callable:
    """``@require(cap)`` with no-store caching, and 404 for clients: charts are the clinician's record, and a client
    is not told whether one exists (hers or anyone's)."""

    def decorator(view: Callable) -> Callable:
        guarded = never_cache(require(cap)(view))

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.is_authenticated and request.user.role == Role.CLIENT:
                raise Http404("Charts are not shown to clients.")
            return guarded(request, *args, **kwargs)

        wrapper.required_cap = cap  # type: ignore[attr-defined]
        return wrapper

    return decorator


def not_in_care(request, client):
    """The 404 for a record outside the care relationship, with the emergency way in (as the intake pages)."""
    return render(request, "intake/not_in_care.html", {"client_id": client.pk, "minutes": BREAK_GLASS_MINUTES},
                  status=404)


# -- reading the posted form -----------------------------------------------------------------------------------

def _number(text: str) -> int | float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) < 1e6 else None  # NaN and huge numbers: unreadable


def posted_map(post) -> tuple[dict, list[str]]:
    """The map as the form sent it (``point`` = "ST3:L", ``needle`` = "front:120.5:80", ``region_<key>`` = count,
    ``retention_minutes``) and the problems reading it. What was typed is kept either way."""
    problems = []
    points = []
    for value in post.getlist("point"):
        code, _, side = value.partition(":")
        points.append({"code": code, "side": side})
    needles = []
    for value in post.getlist("needle"):
        view, _, rest = value.partition(":")
        x, _, y = rest.partition(":")
        nx, ny = _number(x), _number(y)
        if nx is None or ny is None:
            problems.append("A local needle could not be read: tap on the drawing to place it again.")
            continue
        needles.append({"view": view, "x": nx, "y": ny})
    typed: dict[str, str] = {}
    for region in catalogue.REGIONS:
        text = post.get(f"region_{region.key}", "").strip()
        typed[region.key] = text
        if not text:
            continue
        if not text.isdigit() or len(text) > 3:
            problems.append(f"{region.label}: give a whole number of needles.")
            continue
        needles.append({"region": region.key, "count": int(text)})
    retention_text = post.get("retention_minutes", "").strip()
    retention = None
    if retention_text:
        if retention_text.isdigit() and len(retention_text) <= 3:
            retention = int(retention_text)
        else:
            problems.append("Retention time is a whole number of minutes.")
    based_on_text = post.get("based_on", "")
    based_on = int(based_on_text) if based_on_text.isdigit() and len(based_on_text) < 6 else None
    return ({"points": points, "local_needles": needles, "retention_minutes": retention, "based_on": based_on,
             "typed_regions": typed, "retention_text": retention_text}, problems)


# -- what the page shows ------------------------------------------------------------------------------------

def marked_codes(points: list[dict]) -> list[str]:
    """The marked points in words, a bilateral point needled on both sides once: "ST3 both sides", "LU7 left"."""
    sides: dict[str, set[str]] = {}
    for p in points:
        if isinstance(p, dict):
            sides.setdefault(str(p.get("code")), set()).add(str(p.get("side", "")))
    words = []
    for code, marked in sides.items():
        if len(marked) == 2:
            words.append(f"{code} both sides")
        else:
            side = catalogue.SIDE_LABELS.get(next(iter(marked)), "")
            words.append(f"{code} {side}" if side else code)
    return words


def map_context(*, points: list[dict], local_needles: list[dict], retention_minutes, typed_regions=None,
                retention_text: str | None = None, editable: bool = False) -> dict:
    """The diagrams with their marks, the searchable list and the line counts, for a map's content."""
    marked = {(p.get("code"), p.get("side", "")) for p in points if isinstance(p, dict)}
    counts = {n["region"]: n.get("count") for n in local_needles if isinstance(n, dict) and "region" in n}
    tapped = [n for n in local_needles if isinstance(n, dict) and "view" in n]
    views = []
    for view in catalogue.VIEWS:
        picture = catalogue.drawing(view)
        spots = [{"spot": s, "on": (s.code, s.side) in marked, "label_y": round(s.y - 5.5, 1),
                  "label": f"{s.code} {catalogue.SIDE_LABELS[s.side]}".strip()} for s in catalogue.spots(view)]
        lines = []
        if view != catalogue.BODY:
            for region in catalogue.REGIONS:
                path = catalogue.region_path(view, region)
                if path:
                    lines.append({"region": region, "path": path, "count": counts.get(region.key) or 0})
        views.append({"key": view, "drawing": picture, "spots": spots, "lines": lines,
                      "needles": [n for n in tapped if n["view"] == view],
                      "has_marks": any(s["on"] for s in spots) or any(n["view"] == view for n in tapped)})
    rows = [{"point": p, "sides": [{"side": side, "key": f"{p.code}:{side}" if side else p.code,
                                     "label": catalogue.SIDE_LABELS[side] or "midline",
                                     "on": (p.code, side) in marked} for side in p.sides],
             "on": any((p.code, side) in marked for side in p.sides)} for p in catalogue.POINTS]
    typed_regions = typed_regions or {}
    regions = [{"region": r, "count": counts.get(r.key) or 0,
                "typed": typed_regions.get(r.key, str(counts.get(r.key) or ""))} for r in catalogue.REGIONS]
    return {
        "views": views, "regions": regions, "tapped": tapped,
        "point_groups": [("Face", [r for r in rows if r["point"].region == "face"]),
                         ("Body", [r for r in rows if r["point"].region == "body"])],
        "total": services.needle_total(points=[p for p in points if isinstance(p, dict)],
                                       local_needles=[n for n in local_needles
                                                      if isinstance(n, dict) and type(n.get("count", 1)) is int]),
        "retention_minutes": retention_minutes,
        "retention_text": retention_text if retention_text is not None else (retention_minutes or ""),
        "marked_codes": marked_codes(points),
        "lines_text": "; ".join(f"{r['region'].label} × {r['count']}" for r in regions if r["count"]),
        "editable": editable, "max_needles": services.MAX_NEEDLES,
    }


@chart_view(Cap.VIEW_CLINICAL)
def point_map(request, appointment_id: int):
    """The session's map: its practitioner marks and corrects it; other clinicians read it."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("client", "service", "location", "practitioner__user"), pk=appointment_id)
    if not access.may_see_client(request.user, appointment.client, clinic=request.clinic):
        return not_in_care(request, appointment.client)
    current = PointMap.objects.filter(appointment=appointment).select_related("saved_by").first()
    did_not_happen = appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)
    is_theirs = appointment.practitioner.user_id == request.user.pk
    started = session_started(appointment)
    can_write = has_cap(request.user, Cap.WRITE_CLINICAL) and is_theirs and not did_not_happen and started
    problems: list[str] = []
    start = None
    if request.method == "POST":
        if not can_write:  # the service refuses too; say why on the page rather than with a bare 403
            messages.error(request, "Only the session's practitioner can mark its map, once it has started.")
            return redirect("charting:point_map", appointment.pk)
        data, problems = posted_map(request.POST)
        if not problems:
            try:
                saved = services.point_map_save(
                    appointment=appointment, practitioner=request.user, points=data["points"],
                    local_needles=data["local_needles"], retention_minutes=data["retention_minutes"],
                    based_on=data["based_on"], request=request)
            except services.MapError as exc:
                problems.append(exc.message)
                if isinstance(exc, services.MapChanged):  # saving again corrects the map as it is now
                    current = PointMap.objects.filter(appointment=appointment).select_related("saved_by").first()
            else:
                changed = current is None or saved.version != current.version
                messages.success(request, f"Point map saved: {saved.needle_count} needles." if changed
                                 else "Nothing changed: the map is as it was.")
                return redirect("charting:point_map", appointment.pk)
        content = {k: data[k] for k in ("points", "local_needles", "retention_minutes")}
        shown = map_context(**content, typed_regions=data["typed_regions"], retention_text=data["retention_text"],
                            editable=True)
    elif current is not None:
        shown = map_context(points=current.points, local_needles=current.local_needles,
                            retention_minutes=current.retention_minutes, editable=can_write)
    else:
        start = map_selectors.point_map_start(appointment=appointment) if can_write else None
        shown = map_context(points=start.points if start else [], local_needles=start.local_needles if start else [],
                            retention_minutes=start.retention_minutes if start else None, editable=can_write)
    if current is not None:
        audit_record(actor=request.user, action="point_map.view", obj=current, subject=appointment.client,
                     request=request)
    return render(request, "charting/map.html", {
        **shown, "appointment": appointment, "client": appointment.client, "tz_name": appointment.location.time_zone,
        "point_map": current, "can_write": can_write, "started": started,
        "is_theirs": is_theirs, "did_not_happen": did_not_happen, "problems": problems, "start": start,
        "based_on": current.version if current else 0, "session": course_session(appointment=appointment).number,
        "local_start": appointment.local_starts_at,
        "earlier_versions": [
            {"version": v, **map_context(points=v.points, local_needles=v.local_needles,
                                         retention_minutes=v.retention_minutes)}
            for v in current.earlier_versions.select_related("saved_by")] if current else [],
    }, status=400 if problems else 200)


@chart_view(Cap.VIEW_CLINICAL)
def plan_map(request, assessment_id: int):
    """The course's planned points, beside the assessment's written plan; the first session's map starts here."""
    assessment = get_object_or_404(Assessment.objects.select_related("submission__client"), pk=assessment_id)
    client = assessment.submission.client
    if not access.may_see_client(request.user, client, clinic=request.clinic):
        return not_in_care(request, client)
    current = PlanMap.objects.filter(assessment=assessment).select_related("saved_by").first()
    can_write = has_cap(request.user, Cap.WRITE_CLINICAL) and not consent_withdrawn(assessment.submission)
    problems: list[str] = []
    start = None
    if request.method == "POST":
        if not can_write:
            messages.error(request, "The planned points cannot be changed here.")
            return redirect("charting:plan_map", assessment.pk)
        data, problems = posted_map(request.POST)
        if not problems:
            try:
                saved = services.plan_map_save(
                    assessment=assessment, practitioner=request.user, points=data["points"],
                    local_needles=data["local_needles"], retention_minutes=data["retention_minutes"],
                    request=request)
            except services.MapError as exc:
                problems.append(exc.message)
            else:
                messages.success(request, f"Planned points saved: {saved.needle_count} needles.")
                return redirect("charting:plan_map", assessment.pk)
        shown = map_context(**{k: data[k] for k in ("points", "local_needles", "retention_minutes")},
                            typed_regions=data["typed_regions"], retention_text=data["retention_text"],
                            editable=True)
    elif current is not None:
        shown = map_context(points=current.points, local_needles=current.local_needles,
                            retention_minutes=current.retention_minutes, editable=can_write)
    else:
        planned = map_selectors.plan_points(f"{assessment.face_points}, {assessment.body_points}") if can_write else []
        if planned:
            start = map_selectors.MapStart(planned, [], None, "Started from the points the written plan names: adjust.")
        shown = map_context(points=planned, local_needles=[], retention_minutes=None, editable=can_write)
    if current is not None:
        audit_record(actor=request.user, action="plan_map.view", obj=current, subject=client, request=request)
    return render(request, "charting/map.html", {
        **shown, "plan_for": assessment, "client": client, "tz_name": str(request.clinic.tz), "point_map": current,
        "can_write": can_write, "started": True, "problems": problems, "start": start, "based_on": 0,
    }, status=400 if problems else 200)
