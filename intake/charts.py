"""Server-rendered line charts (inline SVG, no JavaScript) for the progress page."""

from __future__ import annotations

from dataclasses import dataclass, field

# Colour-blind-friendly palette (Okabe-Ito), one per series.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#999999", "#000000", "#F0E442",
           "#882255"]

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 48
# The first and last points sit this far inside the plot, so their x labels are not cut off.
INSET = 52
MAX_X_LABELS = 4


@dataclass
class Series:
    label: str
    colour: str
    points: list[tuple[float, float, str]]  # (x, y, value text); missing values are left out

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in self.points)


@dataclass
class Chart:
    title: str
    series: list[Series]
    x_labels: list[tuple[float, str, str]]  # (x, line 1, line 2)
    y_ticks: list[tuple[float, str]]
    guides: list[tuple[float, str]] = field(default_factory=list)  # dashed threshold lines
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    bottom_edge: int = HEIGHT - BOTTOM
    table_head: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)


def _x(index: int, count: int, left: int) -> float:
    span = WIDTH - left - RIGHT - 2 * INSET
    if count == 1:
        return left + INSET + span / 2
    return left + INSET + span * index / (count - 1)


def _y(value: float, y_max: float) -> float:
    span = HEIGHT - TOP - BOTTOM
    return TOP + span * (1 - value / y_max)


def line_chart(*, title: str, x_labels: list[tuple[str, str]], series: dict[str, list[float | None]],
               y_max: float, y_ticks: list[tuple[float, str]], guides: list[tuple[float, str]] = (),
               fmt=lambda v: f"{v:g}", left: int = LEFT) -> Chart:
    """Lay out a chart: one x position per time point, each series a polyline through its values."""
    count = len(x_labels)
    laid_out = []
    for index, (label, values) in enumerate(series.items()):
        points = [(_x(i, count, left), _y(v, y_max), fmt(v)) for i, v in enumerate(values) if v is not None]
        laid_out.append(Series(label, PALETTE[index % len(PALETTE)], points))
    head = [" ".join(x) for x in x_labels]
    # Past MAX_X_LABELS points, label every k-th (and the last) so the words never overlap.
    step = -(-count // MAX_X_LABELS)
    shown = [(i, label) for i, label in enumerate(x_labels) if i % step == 0 or i == count - 1]
    rows = [[label] + ["—" if v is None else fmt(v) for v in values] for label, values in series.items()]
    return Chart(
        title=title, series=laid_out,
        x_labels=[(_x(i, count, left), a, b) for i, (a, b) in shown], left=left,
        y_ticks=[(_y(v, y_max), text) for v, text in y_ticks],
        guides=[(_y(v, y_max), text) for v, text in guides],
        table_head=head, table_rows=rows,
    )
