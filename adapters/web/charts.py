"""Bar charts as plain SVG geometry, computed here and drawn by the template: no chart
library, no script, nothing inline the Content-Security-Policy would refuse. One bar per
data point (a day, an hour), so a page shows exactly as many bars as the data has."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Bar", "Chart", "bars", "stacked"]

WIDTH, HEIGHT = 600, 120


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the point's name and value, shown as the bar's tooltip (<title>)
    kind: str = "a"  # which series: its colour comes from the stylesheet


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    points: int
    peak: int
    width: int = WIDTH
    height: int = HEIGHT


def bars(values: list[int], labels: list[str]) -> Chart:
    peak = max(values, default=0) or 1
    step = WIDTH / max(len(values), 1)
    drawn = [Bar(round(i * step, 2), round(HEIGHT - v * HEIGHT / peak, 2), round(step * 0.8, 2),
                 round(v * HEIGHT / peak, 2), f"{label}: {v}") for i, (v, label) in enumerate(zip(values, labels))]
    return Chart(drawn, len(values), max(values, default=0))


def stacked(pairs: list[tuple[int, int]], labels: list[str]) -> Chart:
    """Two series stacked in each bar: the first (`a`) at the bottom, the second (`b`) above."""
    peak = max((a + b for a, b in pairs), default=0) or 1
    step = WIDTH / max(len(pairs), 1)
    drawn = []
    for i, ((a, b), label) in enumerate(zip(pairs, labels)):
        ha, hb = a * HEIGHT / peak, b * HEIGHT / peak
        x, w = round(i * step, 2), round(max(step * 0.8, 1), 2)
        drawn.append(Bar(x, round(HEIGHT - ha, 2), w, round(ha, 2), f"{label}: {a}", "a"))
        drawn.append(Bar(x, round(HEIGHT - ha - hb, 2), w, round(hb, 2), f"{label}: {b}", "b"))
    return Chart(drawn, len(pairs), max((a + b for a, b in pairs), default=0))
