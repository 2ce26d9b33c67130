"""QR codes for print: a survey link on a courier's receipt or a go-live meeting's slide.

Pure functions from a URL to the bytes of a PNG or an SVG file, drawn by segno
(pure Python, no imaging library). Sized for paper rather than for a screen:

- error correction at least M (15 % of the symbol may be smudged or folded);
  segno raises it to Q or H when that fits in the same symbol size, which costs
  nothing and helps a crumpled receipt;
- the quiet zone of four modules the standard asks for, so a phone finds the code
  even when the receipt prints something right next to it;
- ``scale`` pixels per module: the default 8 gives a 3.7 cm square for a typical
  60-character link at 300 dpi; a thermal receipt printer (203 dpi) wants 6 or more.
"""

from __future__ import annotations

import io
from pathlib import PurePath
from typing import TYPE_CHECKING, Literal

from doorstep.errors import InvalidInput

if TYPE_CHECKING:  # segno is imported when a code is drawn: `doorstep qr --help` reads only the limits
    import segno

Format = Literal["png", "svg"]

CONTENT_TYPES: dict[str, str] = {"png": "image/png", "svg": "image/svg+xml"}
DEFAULT_SCALE = 8
MAX_SCALE = 40  # 40 px a module is already a poster; beyond that it is a typo
QUIET_ZONE = 4  # modules of white around the code (ISO/IEC 18004)
DARK = "#000"  # pure black on white: thermal printers have no grey


def _symbol(url: str) -> segno.QRCode:
    import segno
    from segno import DataOverflowError

    if not url:
        raise InvalidInput("a QR code needs a URL", field="url")
    try:
        # Never a Micro QR: many phone camera apps cannot read them.
        return segno.make_qr(url, error="m", boost_error=True)
    except DataOverflowError:
        raise InvalidInput(f"a {len(url):,}-character URL is too long for a QR code", field="url") from None


def _check_scale(scale: int) -> int:
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= MAX_SCALE:
        raise InvalidInput(f"scale must be a whole number from 1 to {MAX_SCALE}", field="scale")
    return scale


def qr_png(url: str, *, scale: int = DEFAULT_SCALE) -> bytes:
    """A black-on-white PNG of ``url`` with a four-module quiet zone."""
    out = io.BytesIO()
    _symbol(url).save(out, kind="png", scale=_check_scale(scale), border=QUIET_ZONE, dark=DARK, light="#fff")
    return out.getvalue()


def qr_svg(url: str, *, scale: int = DEFAULT_SCALE, title: str | None = None) -> bytes:
    """A standalone SVG document of ``url`` (XML declaration, namespace, white background);
    ``title`` becomes its accessible name. Vector: it stays sharp at any print size."""
    out = io.BytesIO()
    _symbol(url).save(
        out,
        kind="svg",
        scale=_check_scale(scale),
        border=QUIET_ZONE,
        dark=DARK,
        light="#fff",
        xmldecl=True,
        svgns=True,
        title=title,  # segno escapes it
        encoding="utf-8",
    )
    return out.getvalue()


def render(url: str, kind: Format, *, scale: int = DEFAULT_SCALE, title: str | None = None) -> bytes:
    """The code in the given format."""
    if kind == "png":
        return qr_png(url, scale=scale)
    if kind == "svg":
        return qr_svg(url, scale=scale, title=title)
    raise InvalidInput(f"QR codes come as png or svg, not '{kind}'", field="format")


def format_for(path: str) -> Format:
    """The format a file name asks for, by its extension (``receipt.PNG`` → png)."""
    suffix = PurePath(path).suffix.lower().lstrip(".")
    if suffix == "png":
        return "png"
    if suffix == "svg":
        return "svg"
    shown = f"'.{suffix}'" if suffix else "no extension"
    raise InvalidInput(f"the output file must end in .png or .svg (got {shown})", field="--out")
