"""The charts' own layout, drawn for real (resvg, the e-mail's rasteriser): nothing is cut off."""

from __future__ import annotations

import io
import itertools

from PIL import Image

from doorstep.briefs import charts, raster


def _dark_columns(png: bytes) -> list[int]:
    """x of every pixel column that holds text-dark ink."""
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    pixels = image.load()
    assert pixels is not None
    return [x for x in range(width) if any(pixels[x, y] < 140 for y in range(height))]


def test_the_last_date_of_the_trend_fits_inside_the_chart() -> None:
    # Chinese dates are the widest labels the brief draws under the trend.
    points = [charts.TrendPoint(f"12月{day}日", 20.0 + day % 7, 10.0, 35.0) for day in range(10, 26, 2)]
    svg = str(charts.trend_svg(points, title="NPS"))
    png = raster.svg_to_png(svg, scale=1)
    width = Image.open(io.BytesIO(png)).size[0]
    dark = _dark_columns(png)
    assert dark, "the chart drew no text"
    # Ink reaching the last columns means the label was cut off by the edge.
    assert max(dark) < width - 1, f"ink at x={max(dark)} of {width}: the last label runs off the chart"
    # And the last label is still drawn near the right edge, under its point.
    assert max(dark) > width - 40


PHONE_COLUMN = 300  # px: the brief's column on a 390 px phone, which the chart scales down to


def _smallest_text_on_a_phone(svg: str) -> float:
    import re

    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))  # type: ignore[union-attr]
    sizes = [float(v) for v in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes, "no text"
    return min(sizes) * min(1.0, PHONE_COLUMN / width)


def test_chart_text_stays_readable_on_a_phone() -> None:
    points = [charts.TrendPoint(f"11月{day}日", 10.0 + day % 5, 0.0, 20.0) for day in range(1, 27)]
    bars = [charts.Bar("骑手态度与服务规范（夜间配送）", -12.5, "−12.5"), charts.Bar("Packaging", -3.0, "−3.0")]
    for svg in (str(charts.trend_svg(points, title="NPS")), str(charts.bars_svg(bars, title="drivers"))):
        assert _smallest_text_on_a_phone(svg) >= 9.0


def test_dates_under_the_trend_do_not_overlap_and_the_last_is_always_shown() -> None:
    import re

    points = [charts.TrendPoint(f"12月{day}日", 20.0, 10.0, 30.0) for day in range(1, 27)]
    svg = str(charts.trend_svg(points, title="NPS"))
    dates = [(float(x), label) for x, label in re.findall(r'<text x="([\d.]+)"[^>]*>(12月\d+日)</text>', svg)]
    assert dates[-1][1] == "12月26日"
    assert 3 <= len(dates) < len(points)
    centres = sorted(x for x, _ in dates[:-1])  # the last one is right-aligned, not centred
    assert all(b - a >= charts.text_width("12月26日", charts.AXIS) for a, b in itertools.pairwise(centres))


def test_long_bar_labels_are_cut_to_fit() -> None:
    svg = str(charts.bars_svg([charts.Bar("Implementation engineer responsiveness", -5.0, "−5.0")], title="d"))
    assert "…" in svg and "responsiveness" not in svg
