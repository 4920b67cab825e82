"""The progress chart: every line stays distinguishable when lines share values, threshold labels sit outside
the plot, no axis label is clipped on a phone, and clients read what the TCM terms mean."""

import re

from django.conf import settings
from django.urls import reverse

from intake.charts import CHAR_WIDTH, line_chart
from tests.intake.helpers import submit_intake, valid_answers

SEVERITY = [(0, "Not a concern"), (1, "Mild"), (2, "Moderate"), (3, "Severe")]


def _five_concerns_on_the_same_values():
    labels = [("Intake", "1 Dec"), ("Check-in", "15 Dec")]
    series = {f"Concern {n}": [2, 1] for n in range(5)}
    return line_chart(title="Skin concerns", x_labels=labels, series=series, y_max=3, y_ticks=SEVERITY,
                      fmt=lambda v: dict(SEVERITY)[int(v)], left=112)


def test_lines_on_the_same_values_stay_apart_and_look_different():
    chart = _five_concerns_on_the_same_values()

    first_points = [s.points[0][1] for s in chart.series]
    assert len(set(first_points)) == 5  # no line is drawn exactly on top of another
    assert max(first_points) - min(first_points) <= 12  # a hair apart, not a different value
    assert len({s.dash for s in chart.series}) == 5 and len({s.marker for s in chart.series}) == 5


def test_every_line_is_drawn_with_its_dash_and_markers(login, client_user):
    submit_intake(client_user, valid_answers(concerns={k: (2, "1_5y") for k in
                                                       ("acne", "eczema", "rashes", "dullness", "sagging")}))
    html = login(client_user).get(reverse("intake:my_progress")).content.decode()
    concerns = html[html.index("Skin concerns"):]
    for label in ("Acne or breakouts", "Eczema", "Rashes or redness", "Dull or tired-looking skin"):
        group = concerns[concerns.index(f'data-series="{label}"'):]
        group = group[:group.index("</g>")]
        assert "<path" in group  # the marker, even for a single point
    assert concerns.count("stroke-dasharray=") >= 4  # in the legend, one pattern per line but the solid one


def test_threshold_labels_sit_outside_the_plot():
    chart = line_chart(title="TCM pattern scores", x_labels=[("Intake", "1 Dec")], series={"Heat": [45]},
                       y_max=100, y_ticks=[(v, str(v)) for v in (0, 50, 100)],
                       guides=[(settings.INTAKE_PATTERN_PRESENT, "present"),
                               (settings.INTAKE_PATTERN_TENDENCY, "tendency")])

    assert chart.guide_label_x > chart.right_edge  # right of the plot, not on the data
    assert all(x < chart.right_edge for s in chart.series for x, _, _ in s.points)
    assert chart.guide_label_x + len("tendency") * CHAR_WIDTH <= chart.width  # and not cut off either


def test_axis_labels_fit_in_the_view_box_at_the_phone_font_size():
    chart = _five_concerns_on_the_same_values()

    for _, text in chart.y_ticks:
        assert chart.y_tick_x - len(text) * CHAR_WIDTH >= 0, text  # "Not a concern", not "t a concern"
    for x, line1, line2 in chart.x_labels:
        half = max(len(line1), len(line2)) * CHAR_WIDTH / 2
        assert x - half >= 0 and x + half <= chart.width
    assert chart.x_label_y2 <= chart.height


def test_the_rendered_svg_places_the_labels_where_the_layout_says(login, client_user):
    submit_intake(client_user, valid_answers(concerns={"acne": (3, "1_5y")}))
    html = login(client_user).get(reverse("intake:my_progress")).content.decode()

    ticks = re.findall(r'<text x="([\d.]+)" [^>]*data-role="y-tick">([^<]+)</text>', html)
    assert ("Not a concern" in dict((t, x) for x, t in ticks))
    for x, text in ticks:
        assert float(x) - len(text) * CHAR_WIDTH >= 0, text
    guides = re.findall(r'<text x="([\d.]+)" [^>]*text-anchor="start"[^>]*data-role="guide">([^<]+)</text>', html)
    assert {text for _, text in guides} == {"present", "tendency"}


def test_clients_read_what_the_tcm_terms_mean(login, client_user):
    submit_intake(client_user, valid_answers())
    html = login(client_user).get(reverse("intake:my_progress")).content.decode()

    glossary = html[html.index('data-testid="tcm-glossary"'):]
    assert "What the TCM terms mean" in glossary
    assert "Lung qi weakness" in glossary and "The lungs govern the skin" in glossary
    assert "Qi</dt>" in glossary and "energy" in glossary
