"""The brief's charts as PNG for e-mail: the very SVG of :mod:`doorstep.briefs.charts`, rasterised.

Gmail, Outlook (desktop and web), QQ Mail/Foxmail and most webmail do not draw inline
SVG, so the e-mailed brief carries each chart as a PNG attached by Content-ID
(``<img src="cid:…">``); the stored and web page keep the SVG. Both come from the same
SVG string, so both show the same chart.

Rasteriser: resvg through the ``resvg-py`` wheel (MIT; resvg Apache-2.0/MIT), a
self-contained native library: no cairo or other system library, nothing fetched.
Charts are drawn at :data:`SCALE` × their viewBox for sharp (high-DPI) displays, on
white (the page's background, and a transparent PNG turns dark-mode mail unreadable).

Fonts: resvg reads the system's fonts. Labels can be Chinese, and resvg's fallback for
a glyph missing from the first font picks any installed font that has it (often a serif
one, changing face in the middle of a label), so the first installed CJK sans-serif of
:data:`CJK_SANS` (files looked for under :data:`FONT_DIRS`; Debian's
``fonts-noto-cjk`` gives the first) is set for all text by a style sheet given to the
rasteriser; the SVG itself is not changed. Its Latin letters and digits are used too,
so a label mixing both scripts keeps one face.

Fallbacks (the e-mail always goes out; every figure is in the text beside its chart):

* no CJK font found: the system's fonts as resvg finds them; Latin text is drawn,
  Chinese only if some installed font has the glyphs, else it is left out of the image.
  Logged once as a warning naming the Debian package to install.
* no font at all: lines, bands and bars without labels.
* resvg missing or a chart it cannot draw: that chart stays inline SVG in the e-mail
  (as before PNG charts; drawn by Apple Mail and a few others), logged as a warning.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

log = logging.getLogger("doorstep.briefs")

SCALE = 2
SVG_NS = "http://www.w3.org/2000/svg"

# (family, file names of that family as packaged: Debian, Fedora, Arch, Alpine, Adobe's own)
CJK_SANS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Noto Sans CJK SC", ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansCJK-VF.ttc",
                          "NotoSansCJKsc-VF.otf")),
    ("Source Han Sans SC", ("SourceHanSans-Regular.ttc", "SourceHanSansSC-Regular.otf", "SourceHanSans-VF.ttc")),
    ("WenQuanYi Zen Hei", ("wqy-zenhei.ttc",)),
    ("WenQuanYi Micro Hei", ("wqy-microhei.ttc",)),
    ("Droid Sans Fallback", ("DroidSansFallbackFull.ttf", "DroidSansFallback.ttf")),
)
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")

_VIEWBOX = re.compile(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')
# Characters XML 1.0 forbids (a control character typed into a stage name): HTML shrugs
# them off, an XML parser such as resvg's refuses the whole chart.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class ChartImage:
    """One chart as a PNG for an e-mail: ``width`` × ``height`` are CSS pixels (the SVG's
    viewBox); the PNG has :data:`SCALE` times as many."""

    name: str  # trend, drivers, lateness
    cid: str  # Content-ID without the angle brackets
    png: bytes
    width: int
    height: int
    alt: str

    @property
    def filename(self) -> str:
        return f"{self.name}.png"

    def img(self) -> Markup:
        # The width attribute sizes it in Outlook's Word engine; max-width and height:auto
        # shrink it on a phone; display:block avoids the gap under inline images.
        return Markup(  # noqa: S704 - the cid is ours, the alt text is escaped
            f'<img src="cid:{escape(self.cid)}" width="{self.width}" height="{self.height}" alt="{escape(self.alt)}" '
            'style="display:block;max-width:100%;height:auto;border:0;margin:0;">'
        )


@functools.cache
def chart_font() -> str | None:
    """The CJK sans-serif family the charts are drawn with, or None when none is installed."""
    names = {filename: family for family, files in CJK_SANS for filename in files}
    found: dict[str, str] = {}
    for root in FONT_DIRS:
        base = Path(os.path.expanduser(root))
        if not base.is_dir():
            continue
        for _dir, _subdirs, files in os.walk(base):
            for filename in files:
                if filename in names:
                    found.setdefault(names[filename], filename)
    for family, _files in CJK_SANS:
        if family in found:
            log.info("charts in e-mail are drawn with %s (%s)", family, found[family])
            return family
    log.warning("no CJK font found under %s: Chinese labels may be missing from the charts' images in e-mail "
                "(their figures are in the text); install Debian's fonts-noto-cjk", ", ".join(FONT_DIRS))
    return None


def viewbox(svg: str) -> tuple[float, float]:
    """(width, height) of the chart's viewBox; ValueError if it has none (not one of charts.py's)."""
    match = _VIEWBOX.search(svg)
    if match is None:
        raise ValueError("the chart has no viewBox='0 0 W H'")
    return float(match.group(1)), float(match.group(2))


def svg_to_png(svg: str, *, scale: int = SCALE) -> bytes:
    """The chart as PNG, ``scale`` times its viewBox, on white. Raises ImportError without
    resvg-py and ValueError for an SVG resvg cannot read."""
    import resvg_py  # the native library loads on first use, not at import of the briefs

    document = _NOT_XML.sub("", svg)
    if "xmlns=" not in document.split(">", 1)[0]:  # HTML's inline SVG may leave out the namespace; XML may not
        document = document.replace("<svg", f'<svg xmlns="{SVG_NS}"', 1)
    family = chart_font()
    style = f"text{{font-family:'{family}',sans-serif}}" if family else None
    try:
        return bytes(resvg_py.svg_to_bytes(svg_string=document, zoom=scale, background="white", style_sheet=style))
    except Exception as exc:  # ValueError with the parser's message, e.g. "unknown token at 1:1"
        raise ValueError(f"resvg could not draw the chart: {exc}") from exc
    except BaseException as exc:  # a panic in the native code surfaces as pyo3's PanicException
        if type(exc).__name__ != "PanicException":
            raise
        raise ValueError(f"resvg failed on the chart: {exc}") from exc


def chart_image(svg: str, *, name: str, alt: str, cid_domain: str, scale: int = SCALE) -> ChartImage | None:
    """The chart as a :class:`ChartImage`, or None when it cannot be rasterised (the caller
    keeps the SVG; logged)."""
    try:
        width, height = viewbox(svg)
        png = svg_to_png(svg, scale=scale)
    except (ImportError, ValueError) as exc:
        log.warning("the %s chart stays inline SVG in the e-mail: %s", name, exc)
        return None
    digest = hashlib.sha256(png).hexdigest()[:16]
    return ChartImage(name=name, cid=f"{name}.{digest}@{cid_domain}", png=png, width=round(width),
                      height=round(height), alt=alt)
