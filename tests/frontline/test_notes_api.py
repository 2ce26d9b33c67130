"""Notes over HTTP: roles, other workspaces, photos served as images only, uploads bounded."""

from __future__ import annotations

import hashlib
import io

from PIL import Image
from tests.conftest import login, make_workspace
from tests.frontline.helpers import NOT_PHOTOS, add_journey, image, photo_with_exif, png_declaring

from doorstep.accounts import sessions as login_sessions


def _signed(client, person) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set(login_sessions.COOKIE, person.secret)
    client.headers["X-CSRF-Token"] = person.csrf


def test_the_whole_round_by_role(client, database, workspace) -> None:
    add_journey(database, "default")
    rider = login(client, database, workspace, "frontline", handle="rider-wang")
    filed = client.post("/api/v1/notes", json={"text": "汤洒了，餐箱没有隔板 <script>x</script>", "stage": "delivered"})
    assert filed.status_code == 201, filed.text
    note = filed.json()
    assert (note["author"], note["mine"], note["stage"], note["status"], note["language"]) == (
        "rider-wang", True, "delivered", "new", "zh")
    assert "spillage" in note["themes"] and note["text"].endswith("<script>x</script>")  # JSON keeps text as text
    note_id = note["id"]
    assert client.post(f"/api/v1/notes/{note_id}/status", json={"status": "heard"}).status_code == 403
    refused = client.post("/api/v1/notes", json={"text": "x", "stage": "nowhere"})
    assert refused.status_code == 422 and "stage" in refused.json()["error"]["message"]

    boss = login(client, database, workspace, "exec", handle="ceo")
    assert client.get("/api/v1/notes").json()["total"] == 1
    assert client.post("/api/v1/notes", json={"text": "I saw it too"}).status_code == 403
    assert client.post(f"/api/v1/notes/{note_id}/votes").status_code == 403
    assert boss.role == "exec"

    login(client, database, workspace, "cs", handle="cs-li")
    assert client.post(f"/api/v1/notes/{note_id}/votes").json()["votes"] == 1
    assert client.post(f"/api/v1/notes/{note_id}/votes").json()["votes"] == 1  # idempotent
    answered = client.post(f"/api/v1/notes/{note_id}/status", json={"status": "acting", "reply": "新餐箱本周配发"})
    assert answered.status_code == 200
    assert (answered.json()["status"], answered.json()["status_changed_by"]) == ("acting", "cs-li")
    assert client.post(f"/api/v1/notes/{note_id}/status", json={"status": "new"}).status_code == 422

    _signed(client, rider)
    seen = client.get(f"/api/v1/notes/{note_id}").json()
    assert (seen["reply"], seen["status"], seen["votes"], seen["voted"], seen["mine"]) == (
        "新餐箱本周配发", "acting", 1, False, True)
    assert client.post(f"/api/v1/notes/{note_id}/votes").json()["votes"] == 2  # the author's own +1 counts once
    mine = client.get("/api/v1/notes", params={"mine": "true", "status": "acting", "theme": "spillage"}).json()
    assert [n["id"] for n in mine["notes"]] == [note_id]
    assert client.get("/api/v1/notes", params={"status": "done"}).json()["total"] == 0

    client.cookies.clear()
    client.headers.pop("X-CSRF-Token")
    key_vote = client.post(f"/api/v1/notes/{note_id}/votes", headers=workspace.headers)
    assert key_vote.status_code == 403 and "API key is not a person" in key_vote.json()["error"]["message"]
    by_key = client.post("/api/v1/notes", headers=workspace.headers, json={"text": "👍"})
    assert by_key.status_code == 201 and (by_key.json()["author"], by_key.json()["themes"]) == (None, [])


def test_another_workspaces_notes_answer_404(client, database, workspace) -> None:
    theirs = login(client, database, workspace, "frontline", handle="rider-a")
    note_id = client.post("/api/v1/notes", json={"text": "Gate code changed at block 7"}).json()["id"]
    photo = client.post(f"/api/v1/notes/{note_id}/photos", files={"photo": ("p.png", image(), "image/png")}).json()
    make_workspace(database, "other", timezone="UTC")
    for role in ("frontline", "cs", "admin", "exec"):
        login(client, database, "other", role)
        assert client.get(f"/api/v1/notes/{note_id}").status_code == 404, role
        assert client.get(photo["url"]).status_code == 404, role
        assert client.get("/api/v1/notes").json()["total"] == 0, role
        if role != "exec":
            assert client.post(f"/api/v1/notes/{note_id}/votes").status_code == 404, role
            attempt = client.post(f"/api/v1/notes/{note_id}/photos", files={"photo": ("p.png", image(), "image/png")})
            assert attempt.status_code == 404, role
        if role in ("cs", "admin"):
            assert client.post(f"/api/v1/notes/{note_id}/status", json={"status": "done"}).status_code == 404
    _signed(client, theirs)
    untouched = client.get(f"/api/v1/notes/{note_id}").json()
    assert (untouched["votes"], untouched["status"], len(untouched["photos"])) == (0, "new", 1)


def test_a_photo_is_served_as_the_image_it_is_and_nothing_else(client, database, workspace) -> None:
    login(client, database, workspace, "frontline", handle="rider-a")
    note_id = client.post("/api/v1/notes", json={"text": "Box crushed at the hub"}).json()["id"]
    # A PNG sent as "photo.jpg", image/jpeg: stored and served as what its bytes are.
    sent = client.post(f"/api/v1/notes/{note_id}/photos", files={"photo": ("photo.jpg", image("PNG"), "image/jpeg")})
    assert sent.status_code == 201, sent.text
    assert sent.json()["content_type"] == "image/png"
    got = client.get(sent.json()["url"])
    assert got.status_code == 200 and got.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert (len(got.content), hashlib.sha256(got.content).hexdigest()) == (sent.json()["size"], sent.json()["sha256"])
    assert got.headers["etag"] == f'"{sent.json()["sha256"]}"'
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert got.headers["content-disposition"].startswith("inline;")
    assert client.get(f"{sent.json()['url'][:-1]}999").status_code == 404
    listed = client.get(f"/api/v1/notes/{note_id}").json()["photos"]
    assert [p["id"] for p in listed] == [sent.json()["id"]]


def test_a_photo_comes_back_without_its_gps_upright(client, database, workspace) -> None:
    login(client, database, workspace, "frontline", handle="rider-a")
    note_id = client.post("/api/v1/notes", json={"text": "Left at the door as asked"}).json()["id"]
    sent_bytes = photo_with_exif((40, 20), orientation=6)
    assert Image.open(io.BytesIO(sent_bytes)).getexif().get_ifd(0x8825)[1] == "N"  # GPSLatitudeRef
    sent = client.post(f"/api/v1/notes/{note_id}/photos", files={"photo": ("IMG_0042.jpg", sent_bytes, "image/jpeg")})
    assert sent.status_code == 201, sent.text
    got = client.get(sent.json()["url"])
    served = Image.open(io.BytesIO(got.content))
    assert (got.headers["content-type"], served.format, served.size) == ("image/jpeg", "JPEG", (20, 40))
    assert dict(served.getexif()) == {} and served.getexif().get_ifd(0x8825) == {}
    assert b"Exif" not in got.content and b"PhoneMaker" not in got.content and b"SERIAL-0042" not in got.content
    assert (len(got.content), hashlib.sha256(got.content).hexdigest()) == (sent.json()["size"], sent.json()["sha256"])


def test_a_broken_photo_or_a_bomb_is_refused_with_what_is_wrong(client, database, workspace) -> None:
    login(client, database, workspace, "frontline", handle="rider-a")
    note_id = client.post("/api/v1/notes", json={"text": "Box crushed at the hub"}).json()["id"]
    whole = image("JPEG", (64, 48))
    cut = client.post(f"/api/v1/notes/{note_id}/photos", files={"photo": ("p.jpg", whole[:-40], "image/jpeg")})
    assert cut.status_code == 422
    assert "its first bytes say JPEG, but it does not decode" in cut.json()["error"]["message"]
    bomb = client.post(f"/api/v1/notes/{note_id}/photos",
                       files={"photo": ("p.png", png_declaring(10_000, 6_000), "image/png")})
    assert bomb.status_code == 422
    assert "the photo is too large in pixels (10000 × 6000; at most 50 megapixels)" in bomb.json()["error"]["message"]
    assert client.get(f"/api/v1/notes/{note_id}").json()["photos"] == []


def test_pages_scripts_and_gifs_are_refused_whatever_they_are_called(client, database, workspace) -> None:
    login(client, database, workspace, "frontline", handle="rider-a")
    note_id = client.post("/api/v1/notes", json={"text": "Box crushed at the hub"}).json()["id"]
    for kind, data in NOT_PHOTOS.items():
        sent = client.post(f"/api/v1/notes/{note_id}/photos", files={"photo": ("photo.jpg", data, "image/jpeg")})
        assert sent.status_code == 422, kind
        message = sent.json()["error"]["message"]
        assert "JPEG, PNG or WebP" in message and kind in message, message
    assert client.get(f"/api/v1/notes/{note_id}").json()["photos"] == []


def test_an_upload_too_large_is_refused_before_it_is_read(client, database, workspace) -> None:
    login(client, database, workspace, "frontline", handle="rider-a")
    note_id = client.post("/api/v1/notes", json={"text": "Box crushed at the hub"}).json()["id"]
    # The declared length decides: the 413 comes before a byte of the body is parsed.
    huge = client.post(f"/api/v1/notes/{note_id}/photos", files={"photo": ("p.png", image(), "image/png")},
                       headers={"Content-Length": str(25_000_000)})
    assert huge.status_code == 413
    assert huge.json()["error"]["message"].endswith("a photo must be smaller than 20 MB (this one is 25.0 MB)")

    def chunks():  # type: ignore[no-untyped-def]
        yield b"--b\r\n"

    chunked = client.post(f"/api/v1/notes/{note_id}/photos", content=chunks(),
                          headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert chunked.status_code == 411 and "Content-Length" in chunked.json()["error"]["message"]
    # Just past the limit inside an upload whose framing fits: the service's own count refuses it.
    big = image("PNG") + b"\0" * (20_000_000 - len(image("PNG")))
    sent = client.post(f"/api/v1/notes/{note_id}/photos", files={"photo": ("p.png", big, "image/png")})
    assert sent.status_code == 413 and "smaller than 20 MB" in sent.json()["error"]["message"]
    assert client.get(f"/api/v1/notes/{note_id}").json()["photos"] == []


def test_only_the_author_cs_or_admin_adds_a_photo(client, database, workspace) -> None:
    author = login(client, database, workspace, "frontline", handle="rider-a")
    note_id = client.post("/api/v1/notes", json={"text": "Box crushed at the hub"}).json()["id"]
    login(client, database, workspace, "frontline", handle="rider-b")
    refused = client.post(f"/api/v1/notes/{note_id}/photos", files={"photo": ("p.png", image(), "image/png")})
    assert refused.status_code == 403 and "author" in refused.json()["error"]["message"]
    login(client, database, workspace, "cs", handle="cs-li")
    assert client.post(f"/api/v1/notes/{note_id}/photos",
                       files={"photo": ("p.webp", image("WEBP"), "image/webp")}).status_code == 201
    _signed(client, author)
    assert client.post(f"/api/v1/notes/{note_id}/photos",
                       files={"photo": ("p.jpg", image("JPEG"), "image/jpeg")}).status_code == 201
    kinds = [p["content_type"] for p in client.get(f"/api/v1/notes/{note_id}").json()["photos"]]
    assert kinds == ["image/webp", "image/jpeg"]


# --- taking a +1 back, correcting, deleting ------------------------------------------


def _plain(client, workspace) -> None:  # type: ignore[no-untyped-def]
    """The client with the workspace's admin API key only (no browser session)."""
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)


def test_a_plus_one_is_taken_back_over_the_api(client, database, workspace) -> None:
    rider = login(client, database, workspace, "frontline", handle="rider-a")
    note_id = client.post("/api/v1/notes", json={"text": "Gate 3 is locked after 22:00"}).json()["id"]
    cs = login(client, database, workspace, "cs", handle="cs-li")
    assert client.post(f"/api/v1/notes/{note_id}/votes").json()["votes"] == 1
    _signed(client, rider)
    assert client.post(f"/api/v1/notes/{note_id}/votes").json()["votes"] == 2
    _signed(client, cs)
    taken = client.delete(f"/api/v1/notes/{note_id}/votes")
    assert taken.status_code == 200 and (taken.json()["votes"], taken.json()["voted"]) == (1, False)
    again = client.delete(f"/api/v1/notes/{note_id}/votes")  # idempotent: the rider's vote stays
    assert again.status_code == 200 and again.json()["votes"] == 1

    login(client, database, workspace, "exec", handle="ceo")
    assert client.delete(f"/api/v1/notes/{note_id}/votes").status_code == 403
    _plain(client, workspace)
    by_key = client.delete(f"/api/v1/notes/{note_id}/votes", headers=workspace.headers)
    assert by_key.status_code == 403 and "API key is not a person" in by_key.json()["error"]["message"]
    make_workspace(database, "other", timezone="UTC")
    for role in ("frontline", "cs", "admin"):
        login(client, database, "other", role)
        assert client.delete(f"/api/v1/notes/{note_id}/votes").status_code == 404, role
    _signed(client, rider)
    assert client.delete("/api/v1/notes/999999/votes").status_code == 404
    seen = client.get(f"/api/v1/notes/{note_id}").json()
    assert (seen["votes"], seen["voted"]) == (1, True)


def test_the_author_corrects_a_new_note_over_the_api(client, database, workspace, clock) -> None:
    add_journey(database, "default")
    rider = login(client, database, workspace, "frontline", handle="rider-a")
    filed = client.post("/api/v1/notes", json={"text": "汤洒了", "stage": "prepared"}).json()
    assert filed["edited_at"] is None
    note_id = filed["id"]
    clock.advance(minutes=5)
    fixed = client.patch(f"/api/v1/notes/{note_id}", json={"text": "The soup spilled <b>again</b>"})
    assert fixed.status_code == 200, fixed.text
    body = fixed.json()
    assert (body["text"], body["language"], body["stage"], body["mine"]) == (
        "The soup spilled <b>again</b>", "en", "prepared", True)  # the stage, omitted, stays
    assert "spillage" in body["themes"] and body["edited_at"].startswith("2026-03-02T09:05")
    moved = client.patch(f"/api/v1/notes/{note_id}", json={"stage": "delivered"}).json()
    assert (moved["stage"], moved["text"]) == ("delivered", "The soup spilled <b>again</b>")
    assert client.patch(f"/api/v1/notes/{note_id}", json={}).json()["edited_at"] == moved["edited_at"]
    for bad, field in (({"text": "   "}, "text"), ({"text": "x" * 2001}, "text"), ({"stage": "nowhere"}, "stage")):
        refused = client.patch(f"/api/v1/notes/{note_id}", json=bad)
        assert refused.status_code == 422 and field in refused.json()["error"]["message"], bad
    assert client.patch(f"/api/v1/notes/{note_id}", json={"delivery": "F-1"}).status_code == 422  # not editable

    for role in ("frontline", "cs", "admin", "exec"):  # someone else, whatever their role
        login(client, database, workspace, role, handle=f"{role}-other")
        refused = client.patch(f"/api/v1/notes/{note_id}", json={"text": "not mine"})
        assert refused.status_code == 403, role
    _plain(client, workspace)
    assert client.patch(f"/api/v1/notes/{note_id}", json={"text": "by key"},
                        headers=workspace.headers).status_code == 403
    make_workspace(database, "other", timezone="UTC")
    for role in ("frontline", "cs", "admin"):
        login(client, database, "other", role)
        assert client.patch(f"/api/v1/notes/{note_id}", json={"text": "x"}).status_code == 404, role

    login(client, database, workspace, "cs", handle="cs-li")
    assert client.post(f"/api/v1/notes/{note_id}/status", json={"status": "heard"}).status_code == 200
    _signed(client, rider)
    late = client.patch(f"/api/v1/notes/{note_id}", json={"text": "Actually it was fine"})
    assert late.status_code == 409 and "heard" in late.json()["error"]["message"]
    assert client.get(f"/api/v1/notes/{note_id}").json()["text"] == "The soup spilled <b>again</b>"


def test_deleting_a_note_over_the_api(client, database, workspace) -> None:
    rider = login(client, database, workspace, "frontline", handle="rider-a")
    own = client.post("/api/v1/notes", json={"text": "Wrong customer's address posted here"}).json()["id"]
    answered = client.post("/api/v1/notes", json={"text": "Riders wait at the counter"}).json()["id"]
    photo = client.post(f"/api/v1/notes/{own}/photos", files={"photo": ("p.png", image(), "image/png")}).json()
    make_workspace(database, "other", timezone="UTC")
    for role in ("frontline", "cs", "admin"):
        login(client, database, "other", role)
        assert client.delete(f"/api/v1/notes/{own}").status_code == 404, role
    for role in ("frontline", "cs", "exec"):
        login(client, database, workspace, role, handle=f"{role}-other")
        assert client.delete(f"/api/v1/notes/{own}").status_code == 403, role
    cs = login(client, database, workspace, "cs", handle="cs-li")
    client.post(f"/api/v1/notes/{answered}/status", json={"status": "acting", "reply": "on it"})

    _signed(client, rider)
    gone = client.delete(f"/api/v1/notes/{own}")
    assert gone.status_code == 204 and gone.content == b""
    assert client.get(f"/api/v1/notes/{own}").status_code == 404
    assert client.get(photo["url"]).status_code == 404
    assert client.delete(f"/api/v1/notes/{own}").status_code == 404  # once
    late = client.delete(f"/api/v1/notes/{answered}")
    assert late.status_code == 409 and "an admin can" in late.json()["error"]["message"]
    _signed(client, cs)
    assert client.delete(f"/api/v1/notes/{answered}").status_code == 403  # CS answers notes, does not remove them
    _plain(client, workspace)
    assert client.delete(f"/api/v1/notes/{answered}", headers=workspace.headers).status_code == 204  # admin key
    assert client.get("/api/v1/notes", headers=workspace.headers).json()["total"] == 0

    entries = client.get("/api/v1/audit", params={"action": "deleted"}, headers=workspace.headers).json()["entries"]
    assert [(e["actor_kind"], e["actor"], e["target"], e["details"]["as"]) for e in entries] == [
        ("key", "api:default", f"frontline_note:{answered}", "admin"),
        ("user", "rider-a", f"frontline_note:{own}", "author"),
    ]
    assert "address" not in str(entries) and "counter" not in str(entries)  # never the text
