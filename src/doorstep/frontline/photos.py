"""Photos on frontline notes: what is accepted, read within bounds, and stored.

A photo is accepted only when its first bytes say JPEG, PNG or WebP. The upload's file
name and declared type are never looked at: they are whatever the sender says, and a
page or a script renamed ``photo.jpg`` must not come back as one. It is read in chunks
up to the limit (never the whole upload into memory first) and refused as soon as it
passes it. What is stored is the bytes, the sniffed type, the size and the SHA-256.

Serving (doorstep.api.frontline) sends the sniffed type with ``nosniff`` and a CSP that
forbids everything, so even a file that is an image and something else at once (a
polyglot) can only ever be shown as an image.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import BinaryIO, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstep.db import utcnow
from doorstep.errors import InvalidInput
from doorstep.frontline.models import FrontlineNote, NotePhoto

# "Under 20 MB", in the decimal megabytes phones and people count in: a photo of
# 20,000,000 bytes or more is refused (so is one of 20 MiB). A phone photo is 2–8 MB.
PHOTO_LIMIT = 20_000_000
LIMIT_TEXT = "20 MB"
MAX_PHOTOS = 5  # per note: evidence, not an album (and a bound on what one note can store)
CHUNK = 64 * 1024
SNIFF_BYTES = 16

PhotoType = Literal["image/jpeg", "image/png", "image/webp"]
ACCEPTED: tuple[PhotoType, ...] = ("image/jpeg", "image/png", "image/webp")


class PhotoRefused(InvalidInput):
    """A photo that is not kept: not JPEG/PNG/WebP, too large, empty, or one too many.

    ``reason`` is "type", "size", "empty" or "count" (the pages word each in both
    languages); ``looks_like`` names what a refused file seems to be, when we can tell.
    """

    def __init__(self, message: str, *, reason: str, looks_like: str | None = None) -> None:
        super().__init__(message, field="photo")
        self.reason = reason
        self.looks_like = looks_like


class PhotoTooLarge(PhotoRefused):
    http_status = 413


def sniff(head: bytes) -> PhotoType | None:
    """The image type the first bytes announce, or None when they are not JPEG, PNG or WebP."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 16 and head[:4] == b"RIFF" and head[8:12] == b"WEBP" and head[12:16] in (b"VP8 ", b"VP8L",
                                                                                                b"VP8X"):
        return "image/webp"
    return None


def looks_like(head: bytes) -> str | None:
    """What a refused file seems to be, to say so in the message (a guess, never trusted)."""
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc", b"heim", b"heis"):
        return "HEIC"
    if head.startswith(b"%PDF"):
        return "PDF"
    if head.startswith(b"BM"):
        return "BMP"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<svg", b"<?xml")):
        return "SVG/XML"
    if text.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<")):
        return "HTML"
    return None


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def too_large(size: int | None = None) -> PhotoTooLarge:
    """The refusal of a photo past the limit (``size``: what the upload was, when known)."""
    seen = f" (this one is {'at least ' if size is None else ''}{_megabytes(size or PHOTO_LIMIT)})"
    return PhotoTooLarge(f"a photo must be smaller than {LIMIT_TEXT}{seen}", reason="size")


def read_photo(stream: BinaryIO, *, limit: int = PHOTO_LIMIT) -> tuple[PhotoType, bytes]:
    """The photo's type and bytes, read in chunks; refused as soon as the first bytes are not
    an accepted type, or as soon as it reaches ``limit`` bytes (what was read is dropped)."""
    head = stream.read(SNIFF_BYTES)
    if not head:
        raise PhotoRefused("the photo is empty", reason="empty")
    kind = sniff(head)
    if kind is None:
        seems = looks_like(head)
        what = f"this file looks like {seems}" if seems else "this file is not one of them"
        raise PhotoRefused(f"a photo must be a JPEG, PNG or WebP image ({what})", reason="type", looks_like=seems)
    parts = [head]
    size = len(head)
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size >= limit:
            raise too_large()  # stop here: the rest of the upload is never read
        parts.append(chunk)
    return kind, b"".join(parts)


def attach_photo(
    *, session: Session, note: FrontlineNote, stream: BinaryIO, now: dt.datetime | None = None
) -> NotePhoto:
    """Store a photo on ``note`` (the caller has checked the note is theirs to add to).

    The count is checked before the upload is read; nothing is written unless the whole
    photo is accepted.
    """
    held = session.scalar(select(func.count()).select_from(NotePhoto).where(NotePhoto.note_id == note.id)) or 0
    if held >= MAX_PHOTOS:
        raise PhotoRefused(f"a note holds at most {MAX_PHOTOS} photos", reason="count")
    kind, data = read_photo(stream)
    photo = NotePhoto(note_id=note.id, content_type=kind, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                      data=data, created_at=now or utcnow())
    session.add(photo)
    session.flush()
    return photo


def photo_bytes(*, session: Session, note_id: int, photo_id: int) -> tuple[str, bytes, str] | None:
    """(content type, bytes, sha256) of one photo of ``note_id``, or None."""
    row = session.execute(
        select(NotePhoto.content_type, NotePhoto.data, NotePhoto.sha256)
        .where(NotePhoto.id == photo_id, NotePhoto.note_id == note_id)
    ).first()
    return None if row is None else (row[0], row[1], row[2])
