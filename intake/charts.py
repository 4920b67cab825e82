"""Server-rendered line charts (inline SVG, no JavaScript) for the progress page."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# Colour-blind-friendly palette (Okabe-Ito), one per series.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#999999", "#000000", "#F0E442",
           "#882255"]
# Colour alone does not tell lines apart (colour blindness, a print in black and white, two lines on the same
# values): each series also has its own dash pattern and point marker.
DASHES = ["", "8 4", "2 3", "10 3 2 3", "4 4", "12 4 2 4 2 4", "1 5", "6 2", "14 6", "3 6"]
MARKERS = ["circle", "square", "triangle", "diamond", "triangle-down", "cross", "circle-open", "square-open",
           "triangle-open", "diamond-open"]
# Lines that share values would hide each other: each series is moved by a few units (at most SPREAD in all).
SPREAD = 12.0
MAX_OFFSET_STEP = 3.0

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 56
# The first and last points sit this far inside the plot, so their x labels are not cut off.
INSET = 52
MAX_X_LABELS = 4
# Width of one character of chart text in viewBox units at the largest font the page uses (19 units on a phone,
# where the 640-unit viewBox is drawn about 360 px wide): margins are sized from it so no label is clipped.
CHAR_WIDTH = 11.4
LABEL_GAP = 6


def text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


@dataclass
class Series:
    label: str
    colour: str
    points: list[tuple[float, float, str]]  # (x, y, value text); missing values are left out
    dash: str = ""
    marker: str = "circle"

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in self.points)

    @property
    def filled(self) -> bool:
        return not self.marker.endswith("-open")

    @property
    def markers(self) -> list[tuple[str, str]]:
        """(SVG path, value text) for each point, in the series' marker shape."""
        return [(marker_path(self.marker, x, y), value) for x, y, value in self.points]

    @property
    def legend_marker(self) -> str:
        return marker_path(self.marker, 14, 6, size=4)


def marker_path(shape: str, x: float, y: float, size: float = 4.5) -> str:
    """An SVG path drawing a point marker of this shape centred on (x, y)."""
    s = size
    base = shape.removesuffix("-open")
    if base == "square":
        return f"M{x - s:.1f},{y - s:.1f}h{2 * s:.1f}v{2 * s:.1f}h{-2 * s:.1f}z"
    if base == "triangle":
        return f"M{x:.1f},{y - s * 1.2:.1f}L{x + s * 1.1:.1f},{y + s * 0.8:.1f}L{x - s * 1.1:.1f},{y + s * 0.8:.1f}z"
    if base == "triangle-down":
        return f"M{x:.1f},{y + s * 1.2:.1f}L{x + s * 1.1:.1f},{y - s * 0.8:.1f}L{x - s * 1.1:.1f},{y - s * 0.8:.1f}z"
    if base == "diamond":
        return f"M{x:.1f},{y - s * 1.3:.1f}L{x + s:.1f},{y:.1f}L{x:.1f},{y + s * 1.3:.1f}L{x - s:.1f},{y:.1f}z"
    if base == "cross":
        return f"M{x - s:.1f},{y - s:.1f}L{x + s:.1f},{y + s:.1f}M{x - s:.1f},{y + s:.1f}L{x + s:.1f},{y - s:.1f}"
    # a circle, as two arcs
    return f"M{x - s:.1f},{y:.1f}a{s:.1f},{s:.1f} 0 1,0 {2 * s:.1f},0a{s:.1f},{s:.1f} 0 1,0 {-2 * s:.1f},0"


@dataclass
class Chart:
    title: str
    series: list[Series]
    x_labels: list[tuple[float, str, str]]  # (x, line 1, line 2)
    y_ticks: list[tuple[float, str]]
    guides: list[tuple[float, str]] = field(default_factory=list)  # dashed threshold lines, labelled outside
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    bottom_edge: int = HEIGHT - BOTTOM
    table_head: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)

    @property
    def y_tick_x(self) -> int:
        return self.left - LABEL_GAP

    @property
    def guide_label_x(self) -> int:
        return self.right_edge + LABEL_GAP

    @property
    def x_label_y1(self) -> int:
        return self.bottom_edge + 20

    @property
    def x_label_y2(self) -> int:
        return self.bottom_edge + 42


def _x(index: int, count: int, left: int, right_edge: int) -> float:
    span = right_edge - left - 2 * INSET
    if count == 1:
        return left + INSET + span / 2
    return left + INSET + span * index / (count - 1)


def _y(value: float, y_max: float) -> float:
    span = HEIGHT - TOP - BOTTOM
    return TOP + span * (1 - value / y_max)


def line_chart(*, title: str, x_labels: list[tuple[str, str]], series: dict[str, list[float | None]],
               y_max: float, y_ticks: list[tuple[float, str]], guides: list[tuple[float, str]] = (),
               fmt=lambda v: f"{v:g}", left: int = LEFT) -> Chart:
    """Lay out a chart: one x position per time point, each series a polyline through its values.

    The margins grow to fit the longest y tick label on the left and the threshold labels on the right, so
    neither is clipped nor drawn over the data."""
    count = len(x_labels)
    left = max(left, math.ceil(max((text_width(t) for _, t in y_ticks), default=0) + 2 * LABEL_GAP))
    right = max(RIGHT, math.ceil(max((text_width(t) for _, t in guides), default=0) + 2 * LABEL_GAP))
    right_edge = WIDTH - right
    step = min(MAX_OFFSET_STEP, SPREAD / (len(series) - 1)) if len(series) > 1 else 0.0
    laid_out = []
    for index, (label, values) in enumerate(series.items()):
        offset = (index - (len(series) - 1) / 2) * step
        points = [(_x(i, count, left, right_edge), _y(v, y_max) + offset, fmt(v))
                  for i, v in enumerate(values) if v is not None]
        laid_out.append(Series(label, PALETTE[index % len(PALETTE)], points, dash=DASHES[index % len(DASHES)],
                               marker=MARKERS[index % len(MARKERS)]))
    head = [" ".join(x) for x in x_labels]
    # Past MAX_X_LABELS points, label every k-th (and the last) so the words never overlap.
    every = -(-count // MAX_X_LABELS)
    shown = [(i, label) for i, label in enumerate(x_labels) if i % every == 0 or i == count - 1]
    rows = [[label] + ["—" if v is None else fmt(v) for v in values] for label, values in series.items()]
    return Chart(
        title=title, series=laid_out,
        x_labels=[(_x(i, count, left, right_edge), a, b) for i, (a, b) in shown], left=left, right_edge=right_edge,
        y_ticks=[(_y(v, y_max), text) for v, text in y_ticks],
        guides=[(_y(v, y_max), text) for v, text in guides],
        table_head=head, table_rows=rows,
    )
