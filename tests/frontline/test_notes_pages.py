"""/notes on a phone: the form, the list, +1, CS's answer, refusals in the reader's language."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from tests.conftest import login
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
