"""The rules of notes, at the service layer: votes, answers, who may, photos kept or refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select
from tests.conftest import make_person, make_workspace
from tests.frontline.helpers import NOT_PHOTOS, add_journey, image, photo_with_exif, png_declaring

from doorstep.accounts.services import get_workspace
from doorstep.errors import Conflict, Forbidden, InvalidInput, NotFound
from doorstep.frontline import services as notes
from doorstep.frontline.models import FrontlineNote, NotePhoto, NoteVote
from doorstep.frontline.photos import (
    CHUNK,
    PHOTO_LIMIT,
    PhotoRefused,
    PhotoTooLarge,
    prepare_photo,
    read_photo,
    sniff,
)


def _note(database, clock, *, author: int | None, text: str = "Riders wait 20 minutes at the counter") -> int:
    with database.write() as s:
        ws = get_workspace(session=s, slug="default")
        return notes.create_note(session=s, workspace=ws, text=text, author_id=author, now=clock()).id


def _count(database, model) -> int:
    with database.read() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_vote_counts_once_per_person_the_authors_too(database, workspace, clock) -> None:
    author = make_person(database, "default", "frontline", handle="rider-a")
    colleague = make_person(database, "default", "frontline", handle="rider-b")
    cs = make_person(database, "default", "cs", handle="cs-li")
    note_id = _note(database, clock, author=author)
    for voter in (author, author, colleague, colleague, colleague, cs):
        with database.write() as s:
            ws = get_workspace(session=s, slug="default")
            counted = notes.vote(session=s, workspace=ws, note_id=note_id, user_id=voter,
                                 role="cs" if voter == cs else "frontline", now=clock()).votes
    assert counted == 3
    assert _count(database, NoteVote) == 3
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")
        assert s.get_one(FrontlineNote, note_id).votes == 3
        seen_by = {uid: notes.note_public(session=s, workspace=ws, note_id=note_id, viewer_id=uid)["voted"]
                   for uid in (author, colleague)}
        fresh = make_person(database, "default", "frontline", handle="rider-c")
        assert notes.note_public(session=s, workspace=ws, note_id=note_id, viewer_id=fresh)["voted"] is False
    assert seen_by == {author: True, colleague: True}


def test_who_may_not_vote(database, workspace, clock) -> None:
    boss = make_person(database, "default", "exec", handle="ceo")
    note_id = _note(database, clock, author=None)
    with database.write() as s:
        ws = get_workspace(session=s, slug="default")
        with pytest.raises(Forbidden, match="exec"):
            notes.vote(session=s, workspace=ws, note_id=note_id, user_id=boss, role="exec")
        with pytest.raises(Forbidden, match="API key is not a person"):
            notes.vote(session=s, workspace=ws, note_id=note_id, user_id=None, role="admin")
    assert _count(database, NoteVote) == 0


def test_status_moves_replies_and_who_may(database, workspace, clock) -> None:
    author = make_person(database, "default", "frontline", handle="rider-a")
    cs = make_person(database, "default", "cs", handle="cs-li")
    note_id = _note(database, clock, author=author)

    def answer(status: str, reply: str | None = None, role: str = "cs") -> tuple[str, str | None, object]:
        with database.write() as s:
            ws = get_workspace(session=s, slug="default")
            note = notes.change_status(session=s, workspace=ws, note_id=note_id, status=status, reply=reply,
                                       role=role, by_user_id=cs if role == "cs" else author, now=clock())
            return note.status, note.reply, note.status_changed_at

    with pytest.raises(Forbidden, match="frontline"):
        answer("heard", role="frontline")
    with pytest.raises(Forbidden):
        answer("done", role="exec")
    assert answer("heard", "  We have it: more riders from Monday.\r\n ") == (
        "heard", "We have it: more riders from Monday.", clock.now)
    clock.advance(hours=1)
    assert answer("done")[:2] == ("done", "We have it: more riders from Monday.")  # None keeps the reply
    clock.advance(hours=1)
    assert answer("acting", "It came back: on it again.")[:2] == ("acting", "It came back: on it again.")
    before = clock.now
    clock.advance(hours=1)
    assert answer("acting", "It came back: on it again.")[2] == before  # the same answer again changes nothing
    with pytest.raises(InvalidInput) as refused:
        answer("new")
    assert refused.value.problem.field == "status"
    with pytest.raises(InvalidInput) as too_long:
        answer("done", "x" * (notes.MAX_TEXT + 1))
    assert too_long.value.problem.field == "reply"
    with database.write() as s:  # the low-level setter refuses the way back too
        note = s.get_one(FrontlineNote, note_id)
        with pytest.raises(Conflict, match="not back to new"):
            notes.set_status(session=s, note=note, status="new")
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")
        seen = notes.note_public(session=s, workspace=ws, note_id=note_id, viewer_id=author)
    assert (seen["status"], seen["reply"], seen["status_changed_by"], seen["mine"]) == (
        "acting", "It came back: on it again.", "cs-li", True)


def test_the_author_sees_the_reply_in_their_own_list(database, workspace, clock) -> None:
    author = make_person(database, "default", "frontline", handle="rider-a")
    other = make_person(database, "default", "frontline", handle="rider-b")
    mine = _note(database, clock, author=author, text="The east gate is locked after 22:00")
    _note(database, clock, author=other, text="Soup lids are loose")
    with database.write() as s:
        ws = get_workspace(session=s, slug="default")
        notes.change_status(session=s, workspace=ws, note_id=mine, status="heard", reply="Asked the estate for a code",
                            role="admin", by_user_id=None, now=clock())
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")
        page = notes.list_notes(session=s, workspace=ws, viewer_id=author, author_id=author)
    assert page.total == 1
    [shown] = page.notes
    assert (shown["id"], shown["reply"], shown["status"], shown["mine"]) == (
        mine, "Asked the estate for a code", "heard", True)


def test_listing_filters_and_pages_newest_first(database, workspace, clock) -> None:
    add_journey(database, "default")
    make_workspace(database, "other", timezone="UTC")
    with database.write() as s:
        ws = get_workspace(session=s, slug="default")
        other = get_workspace(session=s, slug="other")
        ids = []
        for text, stage in [("汤洒了一路", "delivered"), ("出餐太慢了，等了二十分钟", "prepared"),
                            ("The soup spilled all over the bag", None)]:
            clock.advance(minutes=5)
            ids.append(notes.create_note(session=s, workspace=ws, text=text, stage_key=stage, now=clock()).id)
        notes.create_note(session=s, workspace=other, text="汤洒了", now=clock())
        notes.set_status(session=s, note=s.get_one(FrontlineNote, ids[1]), status="heard")
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")

        def listed(**kwargs: object) -> list[int]:
            return [n["id"] for n in notes.list_notes(session=s, workspace=ws, **kwargs).notes]  # type: ignore[arg-type]

        assert listed() == ids[::-1]
        assert listed(limit=2, offset=1) == [ids[1], ids[0]]
        assert listed(status="heard") == [ids[1]]
        assert listed(stage="prepared") == [ids[1]]
        assert listed(theme="spillage") == [ids[2], ids[0]]
        assert listed(theme="spill") == []  # a key, not a substring of one
        assert notes.list_notes(session=s, workspace=ws, theme="spillage").total == 2
        with pytest.raises(InvalidInput) as refused:
            listed(stage="nowhere")
    assert refused.value.problem.field == "stage"


@pytest.mark.parametrize("text", ["👍", "🙏🏽🙏🏽", "😡🍜"])
def test_an_emoji_alone_is_a_note(database, workspace, clock, text) -> None:
    add_journey(database, "default")
    note_id = _note(database, clock, author=None, text=text)
    with database.read() as s:
        note = s.get_one(FrontlineNote, note_id)
        assert (note.text, note.language, note.themes, note.stage_id) == (text, None, [], None)


@pytest.mark.parametrize("text", ["", "   ", "\u200d\ufe0f", "\x00\x00"])
def test_a_note_without_anything_to_see_is_refused(database, workspace, clock, text) -> None:
    with database.write() as s:
        ws = get_workspace(session=s, slug="default")
        with pytest.raises(InvalidInput) as refused:
            notes.create_note(session=s, workspace=ws, text=text, now=clock())
    assert refused.value.problem.field == "text"
    assert _count(database, FrontlineNote) == 0


# --- photos -------------------------------------------------------------------------


def _attach(database, clock, note_id: int, data: bytes, *, role: str = "frontline", user: int | None = None):
    with database.write() as s:
        ws = get_workspace(session=s, slug="default")
        photo = notes.add_photo(session=s, workspace=ws, note_id=note_id, stream=io.BytesIO(data), role=role,
                                user_id=user, now=clock())
        return photo.content_type, photo.size, photo.sha256


def test_photos_are_typed_by_their_bytes(database, workspace, clock) -> None:
    import hashlib

    author = make_person(database, "default", "frontline", handle="rider-a")
    note_id = _note(database, clock, author=author)
    got = {kind: _attach(database, clock, note_id, image(kind), user=author) for kind in ("PNG", "JPEG", "WEBP")}
    assert {k: v[0] for k, v in got.items()} == {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
    with database.read() as s:
        stored = {p.content_type: p.data for p in s.scalars(select(NotePhoto))}
    for kind, (content_type, size, sha256) in got.items():
        data = stored[content_type]  # size and SHA-256 are those of the bytes kept (re-encoded)
        assert (size, sha256) == (len(data), hashlib.sha256(data).hexdigest()), kind
        assert Image.open(io.BytesIO(data)).format == kind


@pytest.mark.parametrize("kind", sorted(NOT_PHOTOS))
def test_html_svg_and_gif_are_never_kept(database, workspace, clock, kind) -> None:
    author = make_person(database, "default", "frontline", handle="rider-a")
    note_id = _note(database, clock, author=author)
    with pytest.raises(PhotoRefused) as refused:
        _attach(database, clock, note_id, NOT_PHOTOS[kind], user=author)
    assert refused.value.reason == "type" and refused.value.looks_like == kind
    assert "JPEG, PNG or WebP" in str(refused.value) and kind in str(refused.value)
    assert _count(database, NotePhoto) == 0


@pytest.mark.parametrize("size", [PHOTO_LIMIT, 20 * 1024 * 1024 + 1], ids=["20MB", "20MiB+1"])
def test_a_20_mb_photo_is_refused_and_nothing_is_written(database, workspace, clock, size) -> None:
    author = make_person(database, "default", "frontline", handle="rider-a")
    note_id = _note(database, clock, author=author)
    big = image("PNG") + b"\0" * (size - len(image("PNG")))
    with pytest.raises(PhotoTooLarge) as refused:
        _attach(database, clock, note_id, big, user=author)
    assert refused.value.http_status == 413 and refused.value.problem.field == "photo"
    assert "must be smaller than 20 MB" in str(refused.value)
    assert _count(database, NotePhoto) == 0


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_a_photo_loses_its_metadata_and_stays_upright(kind: str) -> None:
    sent = photo_with_exif((40, 20), orientation=6, kind=kind)  # 6: "turn 90° clockwise to show"
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(0x8825)  # the GPS is there before
    kept = prepare_photo(io.BytesIO(sent))
    back = Image.open(io.BytesIO(kept.data))
    assert (back.format, back.size) == (kind, (20, 40))  # rotated into the pixels
    assert dict(back.getexif()) == {} and not {"exif", "xmp", "comment", "XML:com.adobe.xmp"} & set(back.info)
    for secret in (b"GPS", b"PhoneMaker", b"SERIAL-0042", b"home of a customer", b"Exif"):
        assert secret not in kept.data, secret
    assert back.convert("RGB").getpixel((10, 20)) == pytest.approx((200, 80, 40), abs=6)


def test_a_broken_photo_is_refused_and_nothing_is_written(database, workspace, clock) -> None:
    author = make_person(database, "default", "frontline", handle="rider-a")
    note_id = _note(database, clock, author=author)
    whole = image("JPEG", (64, 48))
    for broken in (whole[: len(whole) // 2], b"\xff\xd8\xff\xe0" + b"\0" * 200, image("PNG")[:40]):
        with pytest.raises(PhotoRefused) as refused:
            _attach(database, clock, note_id, broken, user=author)
        assert refused.value.reason == "broken" and refused.value.problem.field == "photo"
        assert "does not decode" in str(refused.value)
    assert _count(database, NotePhoto) == 0


def test_too_many_pixels_is_refused_before_decoding(database, workspace, clock) -> None:
    author = make_person(database, "default", "frontline", handle="rider-a")
    note_id = _note(database, clock, author=author)
    # A 300-byte file that would decode to 7.5 GB (Pillow's own bound), and one past ours.
    for bomb in (png_declaring(50_000, 50_000), png_declaring(10_000, 6_000)):
        with pytest.raises(PhotoRefused) as refused:
            _attach(database, clock, note_id, bomb, user=author)
        assert refused.value.reason == "pixels" and "too large in pixels" in str(refused.value)
    assert "(10000 × 6000; at most 50 megapixels)" in str(refused.value)
    assert _count(database, NotePhoto) == 0
    with pytest.raises(PhotoRefused) as small:  # the bound is a parameter
        prepare_photo(io.BytesIO(image("PNG", (40, 30))), max_pixels=40 * 30 - 1)
    assert "(40 × 30; at most 0.001199 megapixels)" in str(small.value)
    assert prepare_photo(io.BytesIO(image("PNG", (40, 30))), max_pixels=40 * 30).size > 0


def test_only_the_author_cs_or_an_admin_adds_photos_and_at_most_five(database, workspace, clock) -> None:
    author = make_person(database, "default", "frontline", handle="rider-a")
    colleague = make_person(database, "default", "frontline", handle="rider-b")
    note_id = _note(database, clock, author=author)
    with pytest.raises(Forbidden):
        _attach(database, clock, note_id, image(), user=colleague)
    with pytest.raises(Forbidden):
        _attach(database, clock, note_id, image(), role="exec")
    _attach(database, clock, note_id, image(), role="cs")
    for _ in range(4):
        _attach(database, clock, note_id, image(), user=author)
    with pytest.raises(PhotoRefused) as full:
        _attach(database, clock, note_id, image(), user=author)
    assert full.value.reason == "count"
    assert _count(database, NotePhoto) == 5
    make_workspace(database, "other", timezone="UTC")
    with database.write() as s:
        other = get_workspace(session=s, slug="other")
        with pytest.raises(NotFound):
            notes.add_photo(session=s, workspace=other, note_id=note_id, stream=io.BytesIO(image()), role="admin",
                            user_id=None)


class Endless(io.RawIOBase):
    """An upload that never ends, counting what was read of it."""

    def __init__(self, head: bytes) -> None:
        self.head, self.taken = head, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert size > 0, "read everything at once"
        chunk = (self.head[self.taken:] + b"\0" * size)[:size]
        self.taken += len(chunk)
        return chunk


def test_an_upload_is_read_in_chunks_and_left_at_the_limit() -> None:
    stream = Endless(image("JPEG"))
    with pytest.raises(PhotoTooLarge):
        read_photo(stream)  # type: ignore[arg-type]
    assert PHOTO_LIMIT <= stream.taken < PHOTO_LIMIT + CHUNK
    wrong = Endless(b"<html>")
    with pytest.raises(PhotoRefused):
        read_photo(wrong)  # type: ignore[arg-type]
    assert wrong.taken == 16  # refused on its first bytes; the rest is never read
    kind, data = read_photo(io.BytesIO(image("PNG")), limit=len(image("PNG")) + 1)
    assert (kind, data) == ("image/png", image("PNG"))


@pytest.mark.parametrize(("head", "kind"), [
    (b"\xff\xd8\xff\xe0\0\x10JFIF", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png"),
    (b"RIFF\x24\0\0\0WEBPVP8 ", "image/webp"),
    (b"RIFF\x24\0\0\0WEBPXXXX", None),  # RIFF and WEBP but no known chunk
    (b"RIFF\x24\0\0\0WAVEfmt ", None),
    (b"\x89PNG\r\n", None),  # cut short
    (b"\0\0\0\x18ftypheic", None),
    (b"%PDF-1.7", None),
])
def test_sniff(head: bytes, kind: str | None) -> None:
    assert sniff(head) == kind
