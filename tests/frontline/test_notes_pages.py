"""/notes on a phone: the form, the list, +1, CS's answer, refusals in the reader's language."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from tests.conftest import login, make_workspace
from tests.frontline.helpers import NOT_PHOTOS, add_journey, image, png_declaring

from doorstep.accounts import sessions as login_sessions
from doorstep.frontline.models import FrontlineNote, NotePhoto

ORIGIN = {"Origin": "http://testserver"}
TEXT = "东区门禁 <script>alert(1)</script> 不让骑手进"


def _post(client, path: str, person, data: dict[str, str], files=None):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": person.csrf, **data}, files=files, headers=ORIGIN,
                       follow_redirects=False)


def _count(database, model) -> int:  # type: ignore[no-untyped-def]
    with database.read() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_rider_files_a_note_with_a_photo_and_sees_the_answer(client, database, workspace) -> None:
    add_journey(database, "default")
    rider = login(client, database, workspace, "frontline", handle="rider-wang")
    page = client.get("/notes?lang=zh")
    assert page.status_code == 200 and "一线反馈" in page.text
    assert re.search(r'<input id="note-photo" type="file" name="photo" accept="image/\*" capture', page.text)
    assert '<option value="delivered">送达</option>' in page.text
    assert "/status" not in page.text  # no answer controls for the frontline
    filed = _post(client, "/notes", rider, {"text": TEXT, "stage": "delivered", "delivery": "", "lang": "zh"},
                  files={"photo": ("IMG_0001.jpg", image("JPEG"), "image/jpeg")})
    assert filed.status_code == 303
    [filed_id] = re.fullmatch(r"/notes\?lang=zh#note-(\d+)", filed.headers["location"]).groups()  # type: ignore[union-attr]
    listed = client.get(filed.headers["location"])
    assert "已提交，谢谢！" in listed.text and f'id="note-{filed_id}"' in listed.text
    again = client.get(filed.headers["location"])  # a reload: the list, without the notice
    assert again.status_code == 200 and "已提交，谢谢！" not in again.text and f'id="note-{filed_id}"' in again.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listed.text and "<script>alert(1)" not in listed.text
    [photo_url] = re.findall(r'<img class="note-photo-img" src="([^"]+)"', listed.text)
    assert client.get(photo_url).headers["content-type"] == "image/jpeg"

    cs = login(client, database, workspace, "cs", handle="cs-li")
    [note_id] = re.findall(r'id="note-(\d+)"', client.get("/notes").text)
    assert f'action="/notes/{note_id}/status"' in client.get("/notes").text
    answered = _post(client, f"/notes/{note_id}/status", cs,
                     {"status": "heard", "reply": "已联系物业 <b>开通</b>", "back": "/notes?status=new&lang=en"})
    assert answered.status_code == 303 and answered.headers["location"] == f"/notes?status=new&lang=en#note-{note_id}"
    voted = _post(client, f"/notes/{note_id}/votes", cs, {"back": "https://evil.example/"})
    assert voted.headers["location"] == f"/notes#note-{note_id}"  # never back to another site

    client.cookies.set(login_sessions.COOKIE, rider.secret)
    client.headers["X-CSRF-Token"] = rider.csrf
    seen = client.get("/notes?lang=en").text
    assert "Reply from cs-li" in seen and "已联系物业 &lt;b&gt;开通&lt;/b&gt;" in seen
    assert 'data-field="status">Heard<' in seen and "Your note" in seen
    assert '<span data-field="votes">1</span>' in seen
    assert f'action="/notes/{note_id}/votes"' in seen and f'action="/notes/{note_id}/status"' not in seen


def test_a_refused_photo_keeps_what_was_typed_and_stores_nothing(client, database, workspace) -> None:
    rider = login(client, database, workspace, "frontline", handle="rider-wang")
    for kind, data in NOT_PHOTOS.items():
        refused = _post(client, "/notes", rider, {"text": "The lift is broken", "delivery": "", "lang": "en"},
                        files={"photo": ("photo.jpg", data, "image/jpeg")})
        assert refused.status_code == 422, kind
        assert f"this file looks like {kind}. Nothing was saved." in refused.text.replace("&lt;", "<")
        assert ">The lift is broken</textarea>" in refused.text
    zh = _post(client, "/notes", rider, {"text": "电梯坏了", "lang": "zh"},
               files={"photo": ("photo.jpg", NOT_PHOTOS["GIF"], "image/jpeg")})
    assert "照片必须是 JPEG、PNG 或 WebP 格式" in zh.text
    broken = _post(client, "/notes", rider, {"text": "电梯坏了", "lang": "zh"},
                   files={"photo": ("photo.jpg", image("JPEG", (64, 48))[:300], "image/jpeg")})
    assert broken.status_code == 422 and "照片无法读取：文件已损坏或不完整" in broken.text
    bomb = _post(client, "/notes", rider, {"text": "The lift is broken", "lang": "en"},
                 files={"photo": ("photo.png", png_declaring(10_000, 6_000), "image/png")})
    assert bomb.status_code == 422 and "too many pixels (at most 50 megapixels)" in bomb.text
    assert ">The lift is broken</textarea>" in bomb.text
    unknown = _post(client, "/notes", rider, {"text": "电梯坏了", "delivery": "NO-SUCH", "lang": "zh"})
    assert unknown.status_code == 422 and "找不到这个订单号" in unknown.text
    empty = _post(client, "/notes", rider, {"text": "  ", "lang": "en"})
    assert empty.status_code == 422 and "Please write what you saw." in empty.text
    assert (_count(database, FrontlineNote), _count(database, NotePhoto)) == (0, 0)


def test_a_photo_too_large_for_the_form_gets_a_page_that_says_so(client, database, workspace) -> None:
    rider = login(client, database, workspace, "frontline", handle="rider-wang")
    refused = client.post("/notes", data={"csrf_token": rider.csrf, "text": "x"}, files={"photo": ("p.jpg", image(
        "JPEG"), "image/jpeg")}, headers={**ORIGIN, "Content-Length": "30000000", "Accept-Language": "zh-CN"})
    assert refused.status_code == 413 and refused.headers["content-type"].startswith("text/html")
    assert "照片太大了，必须小于 20 MB" in refused.text and "The photo is too large" in refused.text
    assert _count(database, FrontlineNote) == 0


def test_the_filed_notice_is_only_for_the_author_of_that_note(client, database, workspace) -> None:
    rider = login(client, database, workspace, "frontline", handle="rider-wang")
    filed = _post(client, "/notes", rider, {"text": "Gate 3 is locked after 22:00", "lang": "en"})
    assert filed.status_code == 303 and "filed" not in filed.headers["location"]
    assert "Max-Age=120" in filed.headers["set-cookie"] and "Path=/notes" in filed.headers["set-cookie"]
    note_id = filed.headers["location"].rsplit("-", 1)[1]
    shown = client.get("/notes?lang=en")
    assert "Thank you: your note is in." in shown.text
    assert 'doorstep_note_filed=""' in shown.headers["set-cookie"]  # cleared by the page that said it
    assert "Thank you" not in client.get("/notes?lang=en").text
    assert "Thank you" not in client.get(f"/notes?lang=en&filed={note_id}").text  # the old flag says nothing
    client.cookies.set("doorstep_note_filed", note_id, path="/notes")  # as a lost redirect would leave it
    assert "Thank you: your note is in." in client.get("/notes?lang=en").text
    # Someone else's note id (a phone handed over, a made-up cookie) says nothing either.
    login(client, database, workspace, "frontline", handle="rider-li")
    for hint in (note_id, "999999", "x"):
        client.cookies.set("doorstep_note_filed", hint, path="/notes")
        page = client.get("/notes?lang=en")
        assert page.status_code == 200 and "Thank you" not in page.text, hint


def test_who_sees_which_controls(client, database, workspace) -> None:
    login(client, database, workspace, "exec", handle="ceo")
    page = client.get("/notes")
    assert page.status_code == 200 and 'action="/notes"' not in page.text and "/votes" not in page.text
    assert 'href="/notes?lang=en"' in page.text  # the nav links the page
    login(client, database, workspace, "cs", handle="cs-li")
    assert 'action="/notes"' in client.get("/notes").text  # support agents are frontline too


def test_a_form_without_its_token_changes_nothing(client, database, workspace) -> None:
    login(client, database, workspace, "frontline", handle="rider-wang")
    client.headers.pop("X-CSRF-Token")
    forged = client.post("/notes", data={"text": "forged"}, headers=ORIGIN, follow_redirects=False)
    assert forged.status_code == 403
    assert _count(database, FrontlineNote) == 0


# --- taking a +1 back, correcting, deleting ------------------------------------------


def _as(client, person) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set(login_sessions.COOKIE, person.secret)
    client.headers["X-CSRF-Token"] = person.csrf


def _file(client, person, text: str) -> str:  # type: ignore[no-untyped-def]
    filed = _post(client, "/notes", person, {"text": text, "lang": "en"})
    assert filed.status_code == 303, filed.text
    return filed.headers["location"].rsplit("-", 1)[1]


def test_the_plus_one_button_takes_the_vote_back(client, database, workspace) -> None:
    rider = login(client, database, workspace, "frontline", handle="rider-wang")
    note_id = _file(client, rider, "Gate 3 is locked after 22:00")
    colleague = login(client, database, workspace, "frontline", handle="rider-li")
    page = client.get("/notes?lang=en").text
    assert f'action="/notes/{note_id}/votes"' in page and 'aria-pressed="false"' in page
    assert _post(client, f"/notes/{note_id}/votes", colleague, {"back": "/notes?lang=en"}).status_code == 303
    pressed = client.get("/notes?lang=en").text
    assert f'action="/notes/{note_id}/unvote"' in pressed and 'aria-pressed="true"' in pressed
    assert "Take back your +1 (1 so far)" in pressed and '<span data-field="votes">1</span>' in pressed
    assert "取消赞同（已有 1 人）" in client.get("/notes?lang=zh").text
    for _ in range(2):  # pressed again (and a second time): taken back once, never below zero
        taken = _post(client, f"/notes/{note_id}/unvote", colleague, {"back": "/notes?lang=en"})
        assert taken.status_code == 303 and taken.headers["location"] == f"/notes?lang=en#note-{note_id}"
    after = client.get("/notes?lang=en").text
    assert f'action="/notes/{note_id}/votes"' in after and '<span data-field="votes">0</span>' in after
    login(client, database, workspace, "exec", handle="ceo")
    assert _post(client, f"/notes/{note_id}/unvote", colleague, {}).status_code == 403


def test_the_author_corrects_a_new_note_on_the_page(client, database, workspace) -> None:
    add_journey(database, "default")
    rider = login(client, database, workspace, "frontline", handle="rider-wang")
    note_id = _file(client, rider, "汤洒了")
    page = client.get("/notes?lang=en").text
    assert f'action="/notes/{note_id}/edit"' in page and "You can correct your note until CS answers it." in page
    assert '<option value="delivered">Delivered</option>' in page

    fixed = _post(client, f"/notes/{note_id}/edit", rider,
                  {"text": TEXT, "stage": "delivered", "back": "/notes?status=new&lang=zh"})
    assert fixed.status_code == 303 and fixed.headers["location"] == f"/notes?status=new&lang=zh#note-{note_id}"
    shown = client.get("/notes?lang=zh").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "<script>alert(1)" not in shown
    assert 'data-field="edited"' in shown and "已修改 " in shown
    assert '<option value="delivered" selected>送达</option>' in shown

    refused = _post(client, f"/notes/{note_id}/edit", rider, {"text": "  ", "stage": "", "lang": "en"})
    assert refused.status_code == 422 and "Please write what you saw." in refused.text
    assert re.search(rf'<details class="note-edit" open>\s*<summary>Edit</summary>\s*<form[^>]+/notes/{note_id}/edit',
                     refused.text)
    too_long = _post(client, f"/notes/{note_id}/edit", rider, {"text": "长" * 2001, "lang": "zh"})
    assert too_long.status_code == 422 and "长" * 2001 + "</textarea>" in too_long.text  # what was typed, kept

    others = [login(client, database, workspace, role, handle=f"{role}-x") for role in ("frontline", "cs", "admin")]
    for person in others:
        _as(client, person)
        assert f'action="/notes/{note_id}/edit"' not in client.get("/notes").text, person.role
        attempt = _post(client, f"/notes/{note_id}/edit", person, {"text": "not mine", "lang": "en"})
        assert attempt.status_code == 403 and "Only its author can change this note" in attempt.text, person.role
    _as(client, others[1])
    assert _post(client, f"/notes/{note_id}/status", others[1], {"status": "heard"}).status_code == 303
    _as(client, rider)
    assert f'action="/notes/{note_id}/edit"' not in client.get("/notes").text  # answered: no more edit form
    late = _post(client, f"/notes/{note_id}/edit", rider, {"text": "too late", "lang": "zh"})
    assert late.status_code == 409 and "客服已回复这条反馈，作者不能再修改" in late.text
    with database.read() as s:
        assert s.get_one(FrontlineNote, int(note_id)).text == TEXT


def test_deleting_a_note_asks_first_and_works_without_javascript(client, database, workspace) -> None:
    rider = login(client, database, workspace, "frontline", handle="rider-wang")
    note_id = _file(client, rider, "客户电话 13800000000 <b>别打</b>")
    _post(client, f"/notes/{note_id}/votes", rider, {})
    page = client.get("/notes?lang=en").text
    [link] = re.findall(rf'href="(/notes/{note_id}/delete\?[^"]+)"', page)
    confirm = client.get(link.replace("&amp;", "&"))
    assert confirm.status_code == 200 and "Delete this note?" in confirm.text
    assert "客户电话 13800000000 &lt;b&gt;别打&lt;/b&gt;" in confirm.text  # shown as text
    assert "with its photos (0) and +1s (1). This cannot be undone." in confirm.text
    assert f'<form method="post" action="/notes/{note_id}/delete"' in confirm.text
    assert f'name="csrf_token" value="{rider.csrf}"' in confirm.text
    zh = client.get(f"/notes/{note_id}/delete?lang=zh").text
    assert "删除这条反馈？" in zh and "确认删除" in zh and "取消" in zh

    client.headers.pop("X-CSRF-Token")
    forged = client.post(f"/notes/{note_id}/delete", data={}, headers=ORIGIN, follow_redirects=False)
    assert forged.status_code == 403 and _count(database, FrontlineNote) == 1
    gone = _post(client, f"/notes/{note_id}/delete", rider, {"back": "/notes?mine=1&lang=en", "lang": "en"})
    assert gone.status_code == 303 and gone.headers["location"] == "/notes?mine=1&lang=en"
    listed = client.get("/notes?mine=1&lang=en")
    assert "The note was deleted." in listed.text and f'id="note-{note_id}"' not in listed.text
    assert "The note was deleted." not in client.get("/notes?lang=en").text  # said once
    assert _count(database, FrontlineNote) == 0


def test_who_is_asked_to_confirm_a_deletion(client, database, workspace) -> None:
    rider = login(client, database, workspace, "frontline", handle="rider-wang")
    note_id = _file(client, rider, "Abusive words posted by mistake")
    cs = login(client, database, workspace, "cs", handle="cs-li")
    assert f"/notes/{note_id}/delete" not in client.get("/notes").text
    refused = client.get(f"/notes/{note_id}/delete?lang=en")
    assert refused.status_code == 403 and "Only its author (until CS answers it) or an admin" in refused.text
    assert f'action="/notes/{note_id}/delete"' not in refused.text
    assert _post(client, f"/notes/{note_id}/delete", cs, {}).status_code == 403
    _post(client, f"/notes/{note_id}/status", cs, {"status": "acting"})
    _as(client, rider)
    assert f"/notes/{note_id}/delete" not in client.get("/notes").text  # answered: the author can no longer
    assert client.get(f"/notes/{note_id}/delete").status_code == 403
    login(client, database, workspace, "exec", handle="ceo")
    assert client.get(f"/notes/{note_id}/delete").status_code == 403

    admin = login(client, database, workspace, "admin", handle="boss")
    assert f"/notes/{note_id}/delete" in client.get("/notes").text
    asked = client.get(f"/notes/{note_id}/delete?lang=en")
    assert asked.status_code == 200 and "You are removing someone else&#39;s note as an admin" in asked.text
    assert _post(client, f"/notes/{note_id}/delete", admin, {"lang": "zh"}).status_code == 303
    assert "反馈已删除。" in client.get("/notes?lang=zh").text

    other_note = _file(client, admin, "Another one")
    make_workspace(database, "other", timezone="UTC")
    outsider = login(client, database, "other", "admin")
    assert client.get(f"/notes/{other_note}/delete").status_code == 404
    assert _post(client, f"/notes/{other_note}/delete", outsider, {}).status_code == 404
    assert _post(client, f"/notes/{other_note}/edit", outsider, {"text": "x"}).status_code == 404
    assert _post(client, f"/notes/{other_note}/unvote", outsider, {}).status_code == 404
    assert _count(database, FrontlineNote) == 1


def test_a_notes_lasting_link_opens_the_page_it_is_on(client, database, workspace) -> None:
    add_journey(database, "default")
    rider = login(client, database, workspace, "frontline", handle="rider-link")
    for i in range(33):  # more than a page (30): the first ones filed end up on page 2
        assert _post(client, "/notes", rider, {"text": f"门禁问题 {i}", "stage": "", "delivery": ""}).status_code == 303
    with database.read() as s:
        ids = list(s.scalars(select(FrontlineNote.id).order_by(FrontlineNote.id)))
    oldest, newest = ids[0], ids[-1]
    first = client.get(f"/notes/{oldest}?lang=zh", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == f"/notes?lang=zh&page=2#note-{oldest}"
    assert f'id="note-{oldest}"' in client.get(first.headers["location"]).text
    latest = client.get(f"/notes/{newest}", follow_redirects=False)
    assert latest.headers["location"] == f"/notes#note-{newest}"
    # Another workspace's note, or none at all: the same 404, nothing to probe.
    from doorstep.accounts.models import Workspace
    from doorstep.frontline.services import create_note

    other = make_workspace(database, "other-links")
    with database.write() as s:
        theirs = create_note(session=s, workspace=s.get_one(Workspace, other.id), text="别家的反馈").id
    for missing in (theirs, 999_999):
        refused = client.get(f"/notes/{missing}", follow_redirects=False)
        assert refused.status_code == 404 and "别家的反馈" not in refused.text
