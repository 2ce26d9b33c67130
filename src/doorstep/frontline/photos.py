"""Photos on frontline notes: what is accepted, read within bounds, and stored.

A photo is accepted only when its first bytes say JPEG, PNG or WebP. The upload's file
name and declared type are never looked at: they are whatever the sender says, and a
page or a script renamed ``photo.jpg`` must not come back as one. It is read in chunks
up to the limit (never the whole upload into memory first) and refused as soon as it
passes it.

Then it is decoded (with the one Pillow decoder its first bytes name) and encoded again in
the same format: JPEG at quality 90, PNG, WebP at quality 90 (lossless stays lossless).
That drops every piece of metadata a phone writes into a photo (EXIF with its GPS
position, the phone's make and serial, XMP, comments, text chunks); only the colour
profile is kept. The EXIF orientation is applied to the pixels first, so the picture
stays upright without it. A file that does not decode is refused, and so is one larger
than ``MAX_PIXELS`` (a "decompression bomb": a few kilobytes that decode to gigabytes)
before its pixels are decoded. What is stored is the re-encoded bytes, the sniffed type,
and their size and SHA-256.

Decoding takes a fraction of a second for a phone photo, so the API and the page call
:func:`prepare_photo` before they open the write transaction (on SQLite the one writer
would wait for it otherwise) and hand the prepared photo to the service.

Serving (doorstep.api.frontline) sends the sniffed type with ``nosniff`` and a CSP that
forbids everything, so even a file that is an image and something else at once (a
polyglot) can only ever be shown as an image.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from contextlib import suppress
from dataclasses import dataclass
from typing import BinaryIO, Literal

from PIL import Image, ImageOps
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstep.db import utcnow
from doorstep.errors import InvalidInput, NotFound
from doorstep.frontline.models import FrontlineNote, NotePhoto

# "Under 20 MB", in the decimal megabytes phones and people count in: a photo of
# 20,000,000 bytes or more is refused (so is one of 20 MiB). A phone photo is 2–8 MB.
PHOTO_LIMIT = 20_000_000
LIMIT_TEXT = "20 MB"
MAX_PHOTOS = 5  # per note: evidence, not an album (and a bound on what one note can store)
CHUNK = 64 * 1024
SNIFF_BYTES = 16
# Width × height. 50 megapixels holds a 48 MP phone sensor's full-size photo (8064 × 6048);
# decoded, that is ~150 MB of RGB, which is what one upload may cost us at most.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 90

PhotoType = Literal["image/jpeg", "image/png", "image/webp"]
ACCEPTED: tuple[PhotoType, ...] = ("image/jpeg", "image/png", "image/webp")


class PhotoRefused(InvalidInput):
    """A photo that is not kept: not JPEG/PNG/WebP, too large, empty, one too many, too many
    pixels, or broken.

    ``reason`` is "type", "size", "empty", "count", "pixels" or "broken" (the pages word
    each in both languages); ``looks_like`` names what a refused file seems to be, when we
    can tell.
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


_FORMATS: dict[PhotoType, str] = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_NAMES: dict[PhotoType, str] = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}


def too_many_pixels(width: int, height: int, max_pixels: int = MAX_PIXELS) -> PhotoRefused:
    return PhotoRefused(
        f"the photo is too large in pixels ({width} × {height}; at most {max_pixels / 1_000_000:g} megapixels)",
        reason="pixels")


def strip_metadata(kind: PhotoType, data: bytes, *, max_pixels: int = MAX_PIXELS) -> bytes:
    """``data`` decoded and encoded again as ``kind``, upright and without its metadata.

    Refused (nothing kept) when it is larger than ``max_pixels`` — checked on the header,
    before the pixels are decoded — or when it does not decode as the ``kind`` its first
    bytes announce (cut short, corrupt, or only the magic bytes of one).
    """
    name = _NAMES[kind]
    try:
        # Only the decoder of the sniffed type: a file is never handed to Pillow's other plugins.
        with Image.open(io.BytesIO(data), formats=[_FORMATS[kind]]) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise too_many_pixels(width, height, max_pixels)
            image.load()
            with suppress(Exception):  # an unreadable EXIF block: the pixels stay as they are
                ImageOps.exif_transpose(image, in_place=True)
            return _encode(kind, image, lossless=kind == "image/webp" and data[12:16] == b"VP8L")
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own bound (past 2 × Image.MAX_IMAGE_PIXELS it refuses to open at all).
        raise PhotoRefused(f"the photo is too large in pixels (at most {max_pixels / 1_000_000:g} megapixels)",
                           reason="pixels") from None
    except Exception:  # a malformed file makes Pillow's decoders raise all sorts of errors
        raise PhotoRefused(f"the photo could not be read: its first bytes say {name}, but it does not decode as one "
                           f"(cut short or damaged?)", reason="broken") from None


def _encode(kind: PhotoType, image: Image.Image, *, lossless: bool) -> bytes:
    # The colour profile is kept (without it a phone's wide-gamut photo looks dull); of the
    # rest of image.info only a PNG's transparency is part of the picture. Everything else
    # (exif, xmp, comment, dpi, text chunks) is left behind on purpose: nothing is passed on
    # unless named here (JPEG's encoder would otherwise copy a comment from image.info).
    kept = {k: image.info[k] for k in ("icc_profile", "transparency") if image.info.get(k) is not None}
    image.info = {k: v for k, v in kept.items() if k == "transparency"}
    options: dict[str, object] = {}
    if "icc_profile" in kept:
        options["icc_profile"] = kept["icc_profile"]
    if kind == "image/jpeg":
        options |= {"quality": JPEG_QUALITY}
    elif kind == "image/webp":
        options |= {"lossless": True} if lossless else {"quality": JPEG_QUALITY}
    out = io.BytesIO()
    image.save(out, _FORMATS[kind], **options)
    return out.getvalue()


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo read, checked and cleaned, ready to store: what :func:`prepare_photo` returns."""

    content_type: PhotoType
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def prepare_photo(stream: BinaryIO, *, limit: int = PHOTO_LIMIT, max_pixels: int = MAX_PIXELS) -> PreparedPhoto:
    """Read (within ``limit`` bytes), type, decode and re-encode an upload; raises PhotoRefused."""
    kind, data = read_photo(stream, limit=limit)
    clean = strip_metadata(kind, data, max_pixels=max_pixels)
    return PreparedPhoto(content_type=kind, data=clean, sha256=hashlib.sha256(clean).hexdigest())


def check_room(*, session: Session, note: FrontlineNote) -> None:
    """Refuse a photo to a note that holds ``MAX_PHOTOS`` already. Alone, an early answer
    (before an upload is read): only :func:`attach_photo`, which counts under the note's
    lock, decides."""
    held = session.scalar(select(func.count()).select_from(NotePhoto).where(NotePhoto.note_id == note.id)) or 0
    if held >= MAX_PHOTOS:
        raise PhotoRefused(f"a note holds at most {MAX_PHOTOS} photos", reason="count")


def attach_photo(
    *, session: Session, note: FrontlineNote, stream: BinaryIO | PreparedPhoto, now: dt.datetime | None = None
) -> NotePhoto:
    """Store a photo on ``note`` (the caller has checked the note is theirs to add to).

    ``stream`` is the upload, or a photo :func:`prepare_photo` made of it already (what the
    API and the page pass, to decode outside the write transaction). The count is checked
    before an upload is read; nothing is written unless the whole photo is accepted.

    The note's row is locked first, until the transaction ends, so uploads to one note
    count and insert in turn: on PostgreSQL ten at once would otherwise count the same few
    photos and most be kept (7 or 8 of 10, tests/frontline/test_notes_races.py). The lock is
    ``FOR NO KEY UPDATE``, the one an UPDATE of the row takes: foreign-key checks (a vote's
    row) do not wait for it; a vote's increment on the same note does, as for any update.
    Under READ COMMITTED the count after the lock sees every photo the previous holder
    committed. SQLite renders no lock and needs none: its writers already take turns
    (doorstep.db.Database.write).
    """
    locked = session.scalar(
        select(FrontlineNote.id).where(FrontlineNote.id == note.id).with_for_update(key_share=True)
    )
    if locked is None:
        raise NotFound(f"no note {note.id}")
    check_room(session=session, note=note)
    photo_in = stream if isinstance(stream, PreparedPhoto) else prepare_photo(stream)
    photo = NotePhoto(note_id=note.id, content_type=photo_in.content_type, size=photo_in.size,
                      sha256=photo_in.sha256, data=photo_in.data, created_at=now or utcnow())
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
