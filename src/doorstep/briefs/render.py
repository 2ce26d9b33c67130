"""A brief's content as a self-contained page (HTML) or as Markdown.

The page is what is stored and shown on the web: inline styles, inline SVG charts, no
script, no web font, no image or stylesheet fetched from anywhere; the only URLs are
links back to Doorstep built from ``base_url``. The e-mailed page (:func:`render_email`)
is the same page with each chart as a PNG attached by Content-ID instead of SVG, which
most mail clients do not draw (see :mod:`doorstep.briefs.raster`). Every text that came from a person (comments,
notes, names of stages, teams and workspaces) goes through Jinja's autoescape.
Rendering reads only the content dict, never the database, so a stored brief can be
rendered again and say the same thing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup

from doorstep.briefs import charts, raster
from doorstep.web.i18n import normalise, t

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates" / "brief"

_html = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# Markdown is not HTML: user text goes through the ``md`` filter instead (one line, no tags).
_text = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=False,  # noqa: S701 - see above
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_text.filters["md"] = lambda value: _markdown_safe(value)


def _markdown_safe(value: object) -> str:
    """User text inside Markdown: one line, and no HTML a Markdown viewer would render."""
    text = " ".join(str(value or "").split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def brief_language(locale: str | None) -> str:
    return normalise(locale) or "en"


class Formats:
    """Numbers and names as a reader of ``lang`` expects them."""

    def __init__(self, lang: str, timezone: str) -> None:
        self.lang = lang
        self.zh = lang == "zh-CN"
        self.timezone = timezone

    def name(self, entry: dict[str, Any] | None) -> str:
        if not entry:
            return "—"
        return str((entry.get("name_zh") if self.zh else None) or entry.get("name") or entry.get("key") or "—")

    @staticmethod
    def nps(value: float | None) -> str:
        return "—" if value is None else f"{value:+.1f}"

    @staticmethod
    def points(value: float | None) -> str:
        return "—" if value is None else f"{abs(value):.1f}"

    @staticmethod
    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f}%"

    @staticmethod
    def share(value: float | None) -> str:
        return "—" if value is None else f"{100 * value:.0f}%"

    def minutes(self, value: float | None) -> str:
        if value is None:
            return "—"
        if abs(value) >= 2880:
            return f"{value / 1440:.1f} 天" if self.zh else f"{value / 1440:.1f} d"
        if abs(value) >= 120:
            return f"{value / 60:.1f} 小时" if self.zh else f"{value / 60:.1f} h"
        return f"{value:.0f} 分钟" if self.zh else f"{value:.0f} min"

    def day(self, iso: str) -> str:
        day = dt.date.fromisoformat(iso[:10])
        return f"{day.month}月{day.day}日" if self.zh else day.strftime("%-d %b")

    def span(self, period: dict[str, str]) -> str:
        start, last = dt.date.fromisoformat(period["start"]), dt.date.fromisoformat(period["last_day"])
        if self.zh:
            first = f"{start.year}年{start.month}月{start.day}日"
            return f"{first} – {last.year}年{last.month}月{last.day}日" if last.year != start.year else \
                f"{first} – {last.month}月{last.day}日"
        first = start.strftime("%-d %b %Y" if start.year != last.year else "%-d %b")
        return f"{first} – {last.strftime('%-d %b %Y')}"

    def theme(self, names: dict[str, dict[str, Any]], key: str) -> str:
        entry = names.get(key)
        return self.name({"key": key, **entry}) if entry else key

    def moment(self, iso: str | None) -> str:
        if not iso:
            return "—"
        from doorstep.timeutil import zone

        local = dt.datetime.fromisoformat(iso).astimezone(zone(self.timezone))
        return local.strftime("%Y-%m-%d %H:%M")


# Each chart's title, the alt text of its image in e-mail.
CHART_TITLES = {"trend": "brief.trend_title", "drivers": "brief.drivers_title", "lateness": "brief.ops_title"}


def _charts(content: dict[str, Any], fmt: Formats, lang: str) -> dict[str, Markup | None]:
    points = [
        charts.TrendPoint(fmt.day(p["start"]), p["nps"], *(p["ci95"] or (None, None))) for p in content["trend"]
    ]
    trend = charts.trend_svg(points, title=t(lang, "brief.trend_title"))
    bars = []
    for group in content["groups"]:
        for entry in ([group["stage"]] if group["stage"] else []) + group["themes"]:
            if entry["nps_impact"] is not None and entry["nps_impact"] < 0:
                color = charts.RED if entry["kind"] == "stage" else charts.ORANGE
                bars.append(charts.Bar(fmt.name(entry), entry["nps_impact"], f"−{fmt.points(entry['nps_impact'])}",
                                       color))
    bars.sort(key=lambda b: b.value)
    drivers = charts.bars_svg(bars[:8], title=t(lang, "brief.drivers_title")) if bars else None
    late = [
        charts.Bar(fmt.name(s), 100 * (s["late_rate"] or 0), f"{100 * (s['late_rate'] or 0):.0f}%", charts.ORANGE)
        for s in content["ops"]["stages"]
        if s["late_rate"] is not None
    ]
    lateness = charts.bars_svg(late, title=t(lang, "brief.ops_title")) if late else None
    return {"trend": trend, "drivers": drivers, "lateness": lateness}


def _links(content: dict[str, Any], base_url: str, brief_id: int | None) -> dict[str, Any]:
    base = base_url.rstrip("/")
    slug = quote(content["workspace"]["slug"], safe="")
    period = content["period"]
    last_day = period["last_day"]

    def verbatims(**params: str) -> str:
        return f"{base}/w/{slug}/verbatims?" + urlencode({**params, "since": period["start"], "until": last_day})

    return {
        "dashboard": f"{base}/w/{slug}?" + urlencode({"since": period["start"], "until": last_day}),
        "inbox": f"{base}/inbox",
        "brief": f"{base}/briefs/{brief_id}" if brief_id is not None else None,
        "theme": lambda key: verbatims(theme=key),
        "stage": lambda key: verbatims(stage=key),
    }


def _page(content: dict[str, Any], lang: str, fmt: Formats, shown: dict[str, Markup | None], base_url: str,
          brief_id: int | None) -> str:
    return _html.get_template("brief.html").render(
        c=content, lang=lang, t=partial(t, lang), f=fmt, charts=shown, links=_links(content, base_url, brief_id),
    )


def render_html(content: dict[str, Any], *, base_url: str, brief_id: int | None = None,
                lang: str | None = None) -> str:
    """The self-contained page (see the module docstring), in the brief's language or in ``lang``.

    Every name in the content carries both languages, so the same stored figures and quotes
    can be read in the other language: only our words change, never what the brief said."""
    lang = brief_language(lang or content.get("locale"))
    fmt = Formats(lang, content["workspace"]["timezone"])
    return _page(content, lang, fmt, _charts(content, fmt, lang), base_url, brief_id)


@dataclass(frozen=True)
class EmailPage:
    """The page as e-mailed: ``html`` refers to each of ``images`` by ``cid:``."""

    html: str
    images: tuple[raster.ChartImage, ...]


def render_email(content: dict[str, Any], *, base_url: str, brief_id: int | None = None,
                 cid_domain: str = "doorstep.invalid") -> EmailPage:
    """The page of :func:`render_html` with every chart as ``<img src="cid:…">`` and its PNG,
    rasterised from the same SVG. A chart that cannot be rasterised stays SVG (logged)."""
    lang = brief_language(content.get("locale"))
    fmt = Formats(lang, content["workspace"]["timezone"])
    shown: dict[str, Markup | None] = {}
    images: list[raster.ChartImage] = []
    for name, svg in _charts(content, fmt, lang).items():
        image = None if svg is None else raster.chart_image(
            str(svg), name=name, alt=t(lang, CHART_TITLES[name]), cid_domain=cid_domain)
        shown[name] = svg if image is None else image.img()
        if image is not None:
            images.append(image)
    return EmailPage(_page(content, lang, fmt, shown, base_url, brief_id), tuple(images))


def render_markdown(content: dict[str, Any], *, base_url: str, brief_id: int | None = None) -> str:
    """The same brief as Markdown (chat messages, a wiki page, a terminal)."""
    lang = brief_language(content.get("locale"))
    fmt = Formats(lang, content["workspace"]["timezone"])
    return _text.get_template("brief_md.txt").render(
        c=content, lang=lang, t=partial(t, lang), f=fmt, links=_links(content, base_url, brief_id)
    )


def brief_title(content: dict[str, Any], lang: str | None = None) -> str:
    """"Weekly brief · Dumpling Express · 16 – 22 Nov 2026", in the brief's language or in ``lang``."""
    lang = brief_language(lang or content.get("locale"))
    fmt = Formats(lang, content["workspace"]["timezone"])
    kind = content["period"]["kind"]
    label = t(lang, "brief.weekly") if kind == "week" else t(lang, "brief.monthly")
    return t(lang, "brief.subject", kind=label, workspace=content["workspace"]["name"],
             span=fmt.span(content["period"]))
