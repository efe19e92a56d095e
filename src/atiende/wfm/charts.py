"""Server-side SVG line/step charts (no JavaScript): numbers in, coordinates out.

The template ``wfm/_chart.html`` draws what :func:`line_chart` returns; only numbers and
translated labels reach it, so nothing user-written is ever placed in the SVG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

WIDTH = 900
HEIGHT = 240
PAD_L, PAD_R, PAD_T, PAD_B = 44, 40, 12, 28
# SVG presentation attributes, not CSS: the CSP forbids inline styles, and the shell's
# stylesheet belongs to the web app.
COLORS = {
    "history": "#8a94a6",
    "forecast": "#1f6feb",
    "required": "#d1242f",
    "coverage": "#1a7f37",
}


@dataclass(frozen=True)
class Series:
    label: Any  # a translated label
    values: Sequence[float | None]
    css: str  # "history", "forecast", "required", "coverage", ...
    offset: int = 0  # where the series starts on the shared x axis
    step: bool = False


def line_chart(
    series: Sequence[Series], *, start: datetime, interval_minutes: int, ticks: int = 7, zone: Any = None
) -> dict[str, Any]:
    n = max((s.offset + len(s.values) for s in series), default=0)
    values = [float(v) for s in series for v in s.values if v is not None]
    top = max(values, default=0.0)
    integers = bool(values) and all(v.is_integer() for v in values)
    if integers:  # agent counts: whole-number ticks
        top = float(max(1, math.ceil(top / 4)) * 4)
    else:
        top = top * 1.1 if top > 0 else 1.0
    w = WIDTH - PAD_L - PAD_R
    h = HEIGHT - PAD_T - PAD_B

    def x(i: float) -> float:
        return round(PAD_L + (i / max(n - 1, 1)) * w, 1)

    def y(v: float) -> float:
        return round(PAD_T + h - (v / top) * h, 1)

    lines = []
    for s in series:
        pts: list[str] = []
        for j, v in enumerate(s.values):
            if v is None:
                continue
            i = s.offset + j
            if s.step and pts:
                pts.append(f"{x(i)},{pts[-1].split(',')[1]}")
            pts.append(f"{x(i)},{y(float(v))}")
        lines.append(
            {
                "label": s.label,
                "css": s.css,
                "color": COLORS.get(s.css, "#444"),
                "dash": "4 3" if s.css == "forecast" else "",
                "points": " ".join(pts),
            }
        )
    y_ticks = [
        {"y": y(top * k / 4), "label": f"{top * k / 4:.0f}" if integers or top >= 8 else f"{top * k / 4:.1f}"}
        for k in range(5)
    ]
    x_ticks = []
    if n > 1:
        for k in range(ticks + 1):
            i = round(k * (n - 1) / ticks)
            at = start + timedelta(minutes=interval_minutes * i)
            if zone is not None:
                at = at.astimezone(zone)
            x_ticks.append({"x": x(i), "label": at.strftime("%d/%m %H:%M")})
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "lines": lines,
        "y_ticks": y_ticks,
        "x_ticks": x_ticks,
        "x0": PAD_L,
        "x1": WIDTH - PAD_R,
        "y0": PAD_T + h,
        "y1": PAD_T,
    }
