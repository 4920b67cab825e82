"""Progress over a course: pattern scores and concern severity charted from the data (inline SVG)."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from clinic.accounts.permissions import Cap
from clinic.audit.services import audit_record

from .. import access, selectors
from ..charts import line_chart
from ..definitions import questionnaire_current
from ..questionnaire import Questionnaire
from .common import intake_view
from .practitioner import _client_or_404, _not_in_care

# The words the pattern names are built from, in plain language, for clients reading their own chart.
TCM_WORDS = [
    ("Qi", "The body's energy, which keeps things moving and holds them in place."),
    ("Yin and yang", "The two sides of the body's balance: yin cools and moistens, yang warms and drives."),
    ("Damp and phlegm", "Fluids that the body does not move well, felt as heaviness, puffiness or thick skin."),
]


def _charts(client) -> dict:
    points = selectors.progress_timeline(client=client)
    questionnaire = Questionnaire.of(questionnaire_current())
    x_labels = [(p.label, timezone.localtime(p.at).strftime("%-d %b")) for p in points]
    pattern_series = {p["label"]: [point.scores.get(p["key"]) for point in points] for p in questionnaire.patterns}
    concern_series = {q["label"]: [point.concerns.get(q["key"]) for point in points]
                      for q in questionnaire.concerns if any(point.concerns.get(q["key"]) for point in points)}
    severity = questionnaire.severity_labels
    context = {"points": points, "patterns_chart": None, "concerns_chart": None,
               "glossary": TCM_WORDS + [(p["label"], p["about"]) for p in questionnaire.patterns]}
    if points:
        context["patterns_chart"] = line_chart(
            title="TCM pattern scores (0-100)", x_labels=x_labels, series=pattern_series, y_max=100,
            y_ticks=[(v, str(v)) for v in (0, 20, 40, 60, 80, 100)],
            guides=[(settings.INTAKE_PATTERN_PRESENT, "present"), (settings.INTAKE_PATTERN_TENDENCY, "tendency")],
            fmt=lambda v: f"{v:g}")
        if concern_series:
            context["concerns_chart"] = line_chart(
                title="Skin concerns (severity)", x_labels=x_labels, series=concern_series,
                y_max=max(severity), y_ticks=sorted(severity.items()), fmt=lambda v: severity.get(int(v), str(v)),
                left=112)
    return context


@intake_view(Cap.BOOK_ONLINE)
def my_progress(request):
    client = request.user
    audit_record(actor=client, action="progress.view", obj=client, subject=client, request=request)
    return render(request, "intake/progress.html", {**_charts(client), "client": client, "for_client": True,
                                                    "reassess_due": selectors.reassessment_due(client=client)})


@intake_view(Cap.VIEW_CLINICAL)
def client_progress(request, client_id: int):
    client = _client_or_404(client_id)
    if not access.may_see_client(request.user, client, clinic=request.clinic):
        return _not_in_care(request, client)
    audit_record(actor=request.user, action="progress.view", obj=client, subject=client, request=request)
    return render(request, "intake/progress.html", {**_charts(client), "client": client, "for_client": False,
                                                    "reassess_due": selectors.reassessment_due(client=client),
                                                    "tongue_pulse": selectors.tongue_pulse_course(client=client)})
