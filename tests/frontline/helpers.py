"""Small real images and a workspace with a journey, for the notes tests."""

from __future__ import annotations

import io

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
