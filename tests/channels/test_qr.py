"""QR codes as a phone reads them: decode the PNG we print, redraw and decode the SVG."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from doorstep.channels.qr import QUIET_ZONE, format_for, qr_png, qr_svg, render
from doorstep.errors import InvalidInput

SVG = "{http://www.w3.org/2000/svg}"
URLS = [
    "http://testserver/o/abcdefghijklmnopqrstuvwxyz012345",
    "https://nps.example.com/s/Zx9_-Qk3vT7mN2pL8rW4yB6cD1fH5jK0?ref=F-000123",
    "https://nps.example.com/o/AbCdEfGhIjKlMnOpQrStUvWx?ref=%E8%AE%A2%E5%8D%95-42&lang=zh",
]


def decode(image: Image.Image) -> list[zxingcpp.Result]:
    return [r for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def png_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


def rasterise_svg(data: bytes) -> tuple[Image.Image, ET.Element]:
    """Draw segno's path (M x y, then h/m moves in module units) as pixels, as a viewer would."""
    root = ET.fromstring(data)  # well-formed XML, or this raises
    group = root.find(f"{SVG}g")
    assert group is not None
    [scale] = re.findall(r"scale\((\d+)\)", group.get("transform", ""))
    [line] = [p for p in group.iter(f"{SVG}path") if p.get("class") == "qrline"]
    width = int(root.get("width", "0")) // int(scale)
    image = Image.new("L", (width, width), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([-\d.\s]+)", line.get("d", "")):
        numbers = [float(n) for n in args.split()]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:  # h: a run of dark modules on the row y - 0.5
            length = numbers[0]
            draw.rectangle([x, int(y), x + length - 1, int(y)], fill=0)
            x += length
    return image.resize((width * 8, width * 8), Image.Resampling.NEAREST), root


@pytest.mark.parametrize("url", URLS)
def test_the_png_holds_exactly_the_url(url: str) -> None:
    image = png_image(qr_png(url))
    [result] = decode(image)
    assert result.text == url
    assert result.ec_level in ("M", "Q", "H")  # at least M: a smudged receipt still scans


def test_the_png_has_a_white_quiet_zone_of_four_modules() -> None:
    scale = 5
    image = png_image(qr_png(URLS[0], scale=scale)).convert("L")
    width, height = image.size
    assert width == height and width % scale == 0
    margin = QUIET_ZONE * scale
    border = [image.getpixel((x, y)) for x in range(width) for y in range(height)
              if x < margin or y < margin or x >= width - margin or y >= height - margin]
    assert set(border) == {255}
    assert image.getpixel((margin, margin)) == 0  # the finder pattern starts right after it


def test_scale_sizes_the_print() -> None:
    small = png_image(qr_png(URLS[0], scale=2)).size[0]
    big = png_image(qr_png(URLS[0], scale=10)).size[0]
    assert big == small * 5
    with pytest.raises(InvalidInput) as too_big:
        qr_png(URLS[0], scale=41)
    assert too_big.value.problem.field == "scale"
    with pytest.raises(InvalidInput):
        qr_svg(URLS[0], scale=0)


@pytest.mark.parametrize("url", URLS)
def test_the_svg_is_xml_and_draws_the_same_url(url: str) -> None:
    data = qr_svg(url, scale=4, title="Receipts <north> & co")
    assert data.startswith(b"<?xml")
    image, root = rasterise_svg(data)
    assert root.tag == f"{SVG}svg"
    assert root.findtext(f"{SVG}title") == "Receipts <north> & co"  # escaped in the file, intact once parsed
    assert b"<north>" not in data
    [result] = decode(image)
    assert result.text == url


def test_render_and_format_by_extension() -> None:
    assert render(URLS[0], "png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert render(URLS[0], "svg").startswith(b"<?xml")
    assert format_for("receipt.png") == "png"
    assert format_for("/tmp/Go-Live.SVG") == "svg"
    for bad, shown in (("receipt.jpg", "'.jpg'"), ("receipt", "no extension"), ("a.png.txt", "'.txt'")):
        with pytest.raises(InvalidInput) as exc:
            format_for(bad)
        assert shown in str(exc.value) and ".png or .svg" in str(exc.value)


def test_a_url_too_long_for_any_qr_code_is_refused_clearly() -> None:
    with pytest.raises(InvalidInput) as exc:
        qr_png("https://x.example/" + "a" * 3000)
    assert exc.value.problem.field == "url"
    assert "too long" in str(exc.value)
    with pytest.raises(InvalidInput):
        qr_svg("")
