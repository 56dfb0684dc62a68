"""Line charts of benchmark sweeps as standalone SVG: one line per implementation, log scales
where the values span decades. No plotting library: the charts are simple and must render the
same on any machine."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

from .report import human_ns

WIDTH, HEIGHT = 720, 400
LEFT, RIGHT, TOP, BOTTOM = 80, 170, 40, 50
# Distinguishable in light and dark themes alike (a colour-blind-safe palette).
COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#7f7f7f")


def _scale(values: Sequence[float], log: bool) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    if log:
        lo, hi = math.log10(lo), math.log10(hi)
    return (lo, hi) if hi > lo else (lo - 1, hi + 1)


def line_chart(curve: dict[str, Any], labels: dict[str, str], y_key: str, y_title: str) -> str:
    points = [p for p in curve["points"] if p.get(y_key)]
    if not points:
        return ""
    xs = sorted({p["x"] for p in points})
    x_log = curve["axis"] == "size" or (len(xs) > 2 and max(xs) / max(min(xs), 1) >= 16)
    x_lo, x_hi = _scale([float(x) for x in xs], x_log)
    y_lo, y_hi = _scale([float(p[y_key]) for p in points], True)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        v = math.log10(x) if x_log else x
        return LEFT + (v - x_lo) / (x_hi - x_lo) * plot_w

    def py(y: float) -> float:
        return TOP + plot_h - (math.log10(y) - y_lo) / (y_hi - y_lo) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'font-family="sans-serif" font-size="12" role="img">',
        f"<title>{escape(curve['title'])}</title>",
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">'
        f"{escape(curve['title'])}</text>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="#444"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#444"/>',
    ]
    for x in xs:
        out.append(
            f'<text x="{px(x):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{x:,}</text>'
        )
    for exponent in range(math.floor(y_lo), math.ceil(y_hi) + 1):
        y = 10.0**exponent
        if y_lo <= exponent <= y_hi:
            out.append(
                f'<line x1="{LEFT}" y1="{py(y):.1f}" x2="{LEFT + plot_w}" y2="{py(y):.1f}" '
                f'stroke="#ddd"/><text x="{LEFT - 6}" y="{py(y) + 4:.1f}" text-anchor="end">'
                f"{escape(human_ns(y))}</text>"
            )
    axis = curve["axis"] if curve["axis"] != "size" else f"{curve['unit']}s"
    out.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 10}" text-anchor="middle">'
        f"{escape(axis)}</text>"
        f'<text x="16" y="{TOP + plot_h / 2}" transform="rotate(-90 16 {TOP + plot_h / 2})" '
        f'text-anchor="middle">{escape(y_title)}</text>'
    )
    languages = list(dict.fromkeys(p["language"] for p in points))
    for n, language in enumerate(languages):
        colour = COLOURS[n % len(COLOURS)]
        mine = sorted((p for p in points if p["language"] == language), key=lambda p: p["x"])
        path = " ".join(f"{px(p['x']):.1f},{py(p[y_key]):.1f}" for p in mine)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out += [
            f'<circle cx="{px(p["x"]):.1f}" cy="{py(p[y_key]):.1f}" r="3" fill="{colour}"/>'
            for p in mine
        ]
        y = TOP + 14 + n * 18
        out.append(
            f'<rect x="{WIDTH - RIGHT + 14}" y="{y - 9}" width="12" height="3" fill="{colour}"/>'
            f'<text x="{WIDTH - RIGHT + 32}" y="{y}">'
            f"{escape(labels.get(language, language))}</text>"
        )
    out.append("</svg>")
    return "\n".join(out)
