"""Charts for e-mail: small inline SVG built here, no JavaScript, no fonts, no requests.

A brief travels by e-mail and is kept for years, so its charts are plain SVG elements
with every label escaped (stage names, team names come from users). Each chart has
its figures in the text beside it as well, for mail clients that do not draw SVG.

Executives read it on a phone. A chart scales down to the column (``max-width:100%``)
and its text with it, and e-mail allows no media query to swap in a narrower drawing:
so the charts are drawn :data:`WIDTH` wide with text large enough to stay at 9–10 px in
the ~300 px column of a phone (at 560 wide with 10 px labels it was 5 px), and a date
axis labels only as many points as fit side by side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

FONT = "Arial,'PingFang SC','Microsoft YaHei',sans-serif"
INK, MUTED, GRID = "#1f2328", "#57606a", "#d0d7de"
BLUE, BAND, RED, ORANGE, GREEN = "#1f6feb", "#c8dcfb", "#cf222e", "#d97706", "#1a7f37"
WIDTH = 400
AXIS, LABEL, FIGURE = 13, 14, 13  # font sizes: axis ticks and dates, bar labels, figures


@dataclass(frozen=True)
class TrendPoint:
    label: str
    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # drawn as |value|
    text: str  # the figure printed at the end of the bar
    color: str = RED


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, body: str, *, size: int = 11, fill: str = MUTED, anchor: str = "start",
          weight: str = "normal") -> str:
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-family="{FONT}" font-size="{size}" fill="{fill}" '
            f'text-anchor="{anchor}" font-weight="{weight}">{escape(body)}</text>')


def text_width(body: str, size: float) -> float:
    """About how wide a label is drawn: a Chinese character is square, a Latin one ~0.6 of it."""
    return sum(size if ord(ch) > 0x2E7F else 0.6 * size for ch in body)


def fit(body: str, size: float, room: float) -> str:
    """The label, cut with "…" to fit ``room`` pixels."""
    if text_width(body, size) <= room:
        return body
    while body and text_width(body + "…", size) > room:
        body = body[:-1]
    return body + "…"


def _ticks(low: float, high: float) -> list[float]:
    span = max(high - low, 1.0)
    step = next(s for s in (5, 10, 20, 25, 50) if span / s <= 5)
    first = math.floor(low / step) * step
    return [first + i * step for i in range(int((high - first) / step) + 2) if first + i * step <= high + 1e-9]


def trend_svg(points: Sequence[TrendPoint], *, title: str, width: int = WIDTH, height: int = 200) -> Markup:
    """NPS over time: the 95% interval as a band, the score as a line, the last point marked."""
    known = [p for p in points if p.value is not None]
    left, right, top, bottom = 44.0, 16.0, 16.0, 30.0
    if not known:
        return Markup(f'<svg role="img" width="{width}" height="40" '  # noqa: S704 - the title is escaped
                      f'viewBox="0 0 {width} 40"><title>{escape(title)}</title>'
                      f'{_text(width / 2, 24, "—", anchor="middle")}</svg>')
    values = [v for p in known for v in (p.value, p.low, p.high) if v is not None]
    low = max(-100.0, math.floor(min(values) / 10) * 10 - 5)
    high = min(100.0, math.ceil(max(values) / 10) * 10 + 5)
    ticks = _ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (plot_w * i / (len(points) - 1) if len(points) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (high - v) / (high - low)

    parts = [f'<svg role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto">', f"<title>{escape(title)}</title>"]
    for tick in ticks:
        parts.append(f'<line x1="{_n(left)}" x2="{_n(width - right)}" y1="{_n(y(tick))}" y2="{_n(y(tick))}" '
                     f'stroke="{GRID}" stroke-width="{2 if tick == 0 else 1}"/>')
        parts.append(_text(left - 6, y(tick) + 4, f"{tick:+.0f}" if tick else "0", size=AXIS, anchor="end"))
    # Runs of consecutive points with data: a week without answers is a gap, not a zero.
    runs: list[list[int]] = []
    for i, p in enumerate(points):
        if p.value is None:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        banded = [i for i in run if points[i].low is not None and points[i].high is not None]
        if len(banded) > 1:
            upper = " ".join(f"{_n(x(i))},{_n(y(points[i].high or 0))}" for i in banded)
            lower = " ".join(f"{_n(x(i))},{_n(y(points[i].low or 0))}" for i in reversed(banded))
            parts.append(f'<polygon points="{upper} {lower}" fill="{BAND}" stroke="none"/>')
        if len(run) > 1:
            line = " ".join(f"{_n(x(i))},{_n(y(points[i].value or 0))}" for i in run)
            parts.append(f'<polyline points="{line}" fill="none" stroke="{BLUE}" stroke-width="2.5"/>')
    for i, p in enumerate(points):
        if p.value is not None:
            last = i == len(points) - 1
            parts.append(f'<circle cx="{_n(x(i))}" cy="{_n(y(p.value))}" r="{4.5 if last else 3}" '
                         f'fill="{BLUE if last else "#ffffff"}" stroke="{BLUE}" stroke-width="2"/>')
            if last:
                parts.append(_text(x(i) - 8, y(p.value) - 9, f"{p.value:+.1f}", size=FIGURE + 1, fill=INK,
                                   anchor="end", weight="bold"))
    # Every k-th date, counted back from the last (the one that matters), so that none overlap.
    widest = max(text_width(p.label, AXIS) for p in points) + 10
    spacing = plot_w / (len(points) - 1) if len(points) > 1 else plot_w
    every = max(1, math.ceil(widest / spacing))
    for i, p in enumerate(points):
        if (len(points) - 1 - i) % every:
            continue
        if i == len(points) - 1 and len(points) > 1:
            # Ends at the right edge instead of centred under the point: a centred date overran it.
            parts.append(_text(x(i) + right - 2, height - 8, p.label, size=AXIS, anchor="end"))
        else:
            parts.append(_text(x(i), height - 8, p.label, size=AXIS, anchor="middle"))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label and title went through escape()


def bars_svg(bars: Sequence[Bar], *, title: str, width: int = WIDTH, label_width: int = 150) -> Markup:
    """Horizontal bars, longest first as given: what each driver costs, how late each stage runs."""
    row, top = 28, 4
    height = top * 2 + row * max(len(bars), 1)
    scale = max((abs(b.value) for b in bars), default=1.0) or 1.0
    plot = width - label_width - 8 - max((text_width(b.text, FIGURE) for b in bars), default=0)
    parts = [f'<svg role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto">', f"<title>{escape(title)}</title>"]
    for i, bar in enumerate(bars):
        y = top + i * row
        label = fit(bar.label, LABEL, label_width - 12)
        parts.append(_text(label_width - 8, y + 19, label, size=LABEL, fill=INK, anchor="end"))
        length = max(2.0, plot * abs(bar.value) / scale)
        parts.append(f'<rect x="{label_width}" y="{y + 6}" width="{_n(length)}" height="17" rx="2" '
                     f'fill="{escape(bar.color)}"/>')
        parts.append(_text(label_width + length + 5, y + 19, bar.text, size=FIGURE, fill=INK))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label and title went through escape()
