"""The charts' own layout, drawn for real (resvg, the e-mail's rasteriser): nothing is cut off."""

from __future__ import annotations

import io

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
