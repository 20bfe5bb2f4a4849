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


def stacked(series: list[tuple[int, ...]], labels: list[str], names: tuple[str, ...] = ()) -> Chart:
    """Several series stacked in each bar, the first at the bottom; series i is drawn with
    kind "abc…"[i] (its colour in the stylesheet) and named `names[i]` in its tooltip."""
    totals = [sum(values) for values in series]
    peak = max(totals, default=0) or 1
    step = WIDTH / max(len(series), 1)
    drawn = []
    for i, (values, label) in enumerate(zip(series, labels)):
        x, w, top = round(i * step, 2), round(max(step * 0.8, 1), 2), float(HEIGHT)
        for k, value in enumerate(values):
            h = value * HEIGHT / peak
            top -= h
            name = f" {names[k]}" if k < len(names) else ""
            drawn.append(Bar(x, round(top, 2), w, round(h, 2), f"{label}:{name} {value}", "abcdef"[k]))
    return Chart(drawn, len(series), max(totals, default=0))
