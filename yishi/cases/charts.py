"""Server-side charts for the case dashboard: the geometry of a small line chart, drawn as inline SVG
(``LineChart.body`` inside ``cases/dash_chart.html``; no JavaScript, no CDN). Values are percentages (0–100)
or None for an empty month, which leaves a gap in the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

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

    @property
    def body(self) -> SafeString:
        """The chart's grid, lines and dots as SVG, written here rather than by the template engine: four
        charts of a dozen points, each coordinate localised and escaped there, were a third of the
        dashboard's rendering. Coordinates are numbers; labels and values are escaped."""
        label_x, label_y = self.left - 6, self.base_y + 18
        parts = [
            f'<line x1="{self.left}" x2="{self.right_x}" y1="{y}" y2="{y}" stroke="#dadce0" stroke-width="1"/>'
            f'<text x="{label_x}" y="{y}" dy="4" text-anchor="end" font-size="11" fill="#5f6368">{escape(label)}</text>'
            for y, label in self.grid
        ]
        parts += [
            f'<polyline points="{segment}" fill="none" stroke="#b3261e" stroke-width="2.5" stroke-linejoin="round"/>'
            for segment in self.segments
        ]
        for p in self.points:
            if p.y is not None:
                parts.append(
                    f'<circle cx="{p.x}" cy="{p.y}" r="3.5" fill="#b3261e"><title>{escape(p.label)}：'
                    f"{escape(p.value)}</title></circle>"
                )
            parts.append(
                f'<text x="{p.x}" y="{label_y}" text-anchor="middle" font-size="10" fill="#5f6368">'
                f"{escape(p.label[2:])}</text>"
            )
        return mark_safe("\n".join(parts))


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
