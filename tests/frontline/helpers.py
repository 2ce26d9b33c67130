"""Small real images and a workspace with a journey, for the notes tests."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

from doorstep.accounts.services import get_workspace
from doorstep.db import Database
from doorstep.deliveries.services import add_stage

STAGES = (("prepared", "Prepared", "出餐"), ("delivered", "Delivered", "送达"))


def image(kind: str = "PNG", size: tuple[int, int] = (6, 4)) -> bytes:
    """A real, decodable image of ``kind`` (PNG, JPEG, WEBP, GIF)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, kind)
    return buffer.getvalue()


GPS = {1: "N", 2: (31.0, 14.0, 2.5), 3: "E", 4: (121.0, 28.0, 1.0)}  # a door in Shanghai


def photo_with_exif(size: tuple[int, int] = (40, 20), *, orientation: int = 1, kind: str = "JPEG") -> bytes:
    """A photo as a phone writes it: EXIF with the maker, the phone's serial, a GPS position
    and an orientation; a JPEG comment too."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0xA431] = "SERIAL-0042"  # BodySerialNumber
    exif[0x0112] = orientation  # Orientation
    exif[0x8825] = GPS  # GPSInfo
    buffer = io.BytesIO()
    extra = {"comment": b"home of a customer"} if kind == "JPEG" else {}
    Image.new("RGB", size, (200, 80, 40)).save(buffer, kind, exif=exif.tobytes(), **extra)
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb's header)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def add_journey(database: Database, slug: str) -> None:
    with database.write() as session:
        workspace = get_workspace(session=session, slug=slug)
        for key, name, name_zh in STAGES:
            add_stage(session=session, workspace=workspace, key=key, name=name, name_zh=name_zh, target_minutes=15)


# Files that must never be kept as a photo, whatever name or type they are sent with.
NOT_PHOTOS = {
    "HTML": b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>",
    "SVG/XML": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "GIF": image("GIF"),
}
