"""Server-side charts for the case dashboard: the geometry of a small line chart, drawn as inline SVG by
``cases/dash_chart.html`` (no JavaScript, no CDN). Values are percentages (0–100) or None for an empty month,
which leaves a gap in the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

WIDTH, HEIGHT = 600, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 30


@dataclass
class ChartPoint:
    x: float
    y: float | None
    label: str
    value: str


@dataclass
class LineChart:
    """One series over the months: ``segments`` are polylines (gaps split them), ``points`` the dots."""

    key: str
    title: str
    description: str
    points: list[ChartPoint] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    grid: list[tuple[float, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_x: int = WIDTH - RIGHT
    base_y: int = HEIGHT - BOTTOM


def _y(value: Decimal) -> float:
    value = min(max(float(value), 0.0), 100.0)
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / 100), 1)


def line_chart(
    *,
    key: str,
    title: str,
    description: str,
    series: list[tuple[str, Decimal | None, str]],
    suffix: str = "%",
) -> LineChart:
    """``series`` is [(x label, value in % or None, value as shown)]."""
    chart = LineChart(key=key, title=title, description=description)
    chart.grid = [(_y(Decimal(v)), f"{v}{suffix}") for v in (0, 25, 50, 75, 100)]
    n = len(series)
    span = WIDTH - LEFT - RIGHT
    current: list[str] = []
    for i, (label, value, shown) in enumerate(series):
        x = round(LEFT + (span * (i + 0.5) / n if n else 0), 1)
        y = None if value is None else _y(value)
        chart.points.append(ChartPoint(x=x, y=y, label=label, value=shown))
        if y is None:
            if current:
                chart.segments.append(" ".join(current))
            current = []
        else:
            current.append(f"{x},{y}")
    if current:
        chart.segments.append(" ".join(current))
    return chart
