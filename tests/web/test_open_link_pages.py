"""The open-link page /o/{token} through the app: cookie, languages, escaping, the reference."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from doorstep.accounts.services import get_workspace
from doorstep.deliveries.services import add_stage
from doorstep.surveys.models import Response
from doorstep.surveys.open_links import create_link, revoke_link


def deliver(client, workspace, clock, external_id: str) -> None:
    body = {"external_id": external_id, "customer_id": f"c-{external_id}",
            "delivered_at": (clock.now - dt.timedelta(minutes=15)).isoformat()}
    assert client.post("/api/v1/deliveries", json=body, headers=workspace.headers).status_code == 200


@pytest.fixture
def link(client, workspace, database, clock):
    with database.write() as session:
        ws = get_workspace(session=session, slug="default")
        add_stage(session=session, workspace=ws, key="picked_up", name="Picked up", name_zh="骑手取餐")
        add_stage(session=session, workspace=ws, key="delivered", name="Delivered")
    deliver(client, workspace, clock, "F-1")
    deliver(client, workspace, clock, "F-2")
    with database.write() as session:
        ws = get_workspace(session=session, slug="default")
        return create_link(session=session, workspace=ws, label="receipts", now=clock())


def device_cookie(response) -> str | None:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith("ds_device=")]
    assert len(headers) <= 1
    return headers[0] if headers else None


def test_the_first_visit_sets_a_private_device_cookie_once(client, link) -> None:
    page = client.get(f"/o/{link.token}")
    assert page.status_code == 200
    cookie = device_cookie(page)
    assert cookie is not None
    value = re.match(r"ds_device=([A-Za-z0-9_-]+);", cookie)
    assert value and len(value.group(1)) >= 22
    attributes = cookie.lower()
    assert "httponly" in attributes and "samesite=lax" in attributes and "max-age=31536000" in attributes
    assert "path=/o" in attributes
    assert "secure" not in attributes  # plain http here: a Secure cookie would never come back
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert "<script" not in page.text  # no JavaScript needed

    again = client.get(f"/o/{link.token}")  # the client sends the cookie back
    assert device_cookie(again) is None


def test_the_device_cookie_is_secure_over_https(app, link) -> None:
    with TestClient(app, base_url="https://testserver") as secure_client:
        cookie = device_cookie(secure_client.get(f"/o/{link.token}"))
    assert cookie is not None and "secure" in cookie.lower()


def test_both_languages(client, link) -> None:
    zh = client.get(f"/o/{link.token}", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert zh.headers["content-language"] == "zh-CN"
    assert "订单号或项目编号" in zh.text and "骑手取餐" in zh.text and 'lang="zh-CN"' in zh.text
    en = client.get(f"/o/{link.token}", params={"lang": "en"}, headers={"Accept-Language": "zh-CN"})
    assert en.headers["content-language"] == "en"
    assert "Order or project number" in en.text and "Picked up" in en.text and "骑手取餐" not in en.text


def test_a_receipt_qr_prefills_the_reference_and_the_language_switch_keeps_it(client, link) -> None:
    page = client.get(f"/o/{link.token}", params={"ref": "F-1", "lang": "en"})
    assert re.search(r'name="reference" type="text" value="F-1"', page.text)
    assert 'href="?lang=zh&amp;ref=F-1"' in page.text
    hostile = client.get(f"/o/{link.token}", params={"ref": '"><script>alert(1)</script>'})
    assert "<script>alert(1)" not in hostile.text
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in hostile.text


def test_an_answer_is_stored_escaped_and_a_second_one_from_this_device_is_refused(client, link, database) -> None:
    comment = "<script>alert('x')</script> 汤洒了"
    done = client.post(f"/o/{link.token}", data={"reference": "F-1", "score": "3", "comment": comment,
                                                 "stage": "picked_up", "lang": "en"})
    assert done.status_code == 200
    assert "Thank you!" in done.text and "will look into what went wrong" in done.text
    assert "<script>alert" not in done.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 汤洒了" in done.text
    assert "Answer for another order" in done.text

    again = client.post(f"/o/{link.token}", data={"reference": "F-1", "score": "10", "lang": "en"})
    assert again.status_code == 200
    assert "already answered for F-1" in again.text and "Your score: 3" in again.text
    revisit = client.get(f"/o/{link.token}", params={"ref": "F-1", "lang": "zh"})
    assert "此设备已经对 F-1 提交过回答" in revisit.text

    other = client.post(f"/o/{link.token}", data={"reference": "F-2", "score": "9", "lang": "en"})
    assert "Thank you!" in other.text  # the same phone may answer for another delivery
    with TestClient(client.app) as second_phone:
        assert "Thank you!" in second_phone.post(f"/o/{link.token}", data={"reference": "F-1", "score": "8"}).text

    with database.read() as session:
        rows = session.execute(select(Response.score, Response.comment, Response.source_key).order_by(Response.id))
        answers = [(score, text, key.split(":")[3]) for score, text, key in rows]
    assert [(score, text) for score, text, _ in answers] == [(3, comment), (9, None), (8, None)]
    assert answers[0][2] == answers[1][2]  # one device
    assert answers[0][2] != answers[2][2]


def test_an_unknown_reference_shows_the_form_again_with_what_was_typed(client, link, database) -> None:
    page = client.post(f"/o/{link.token}", data={"reference": "F-<9>", "score": "7", "comment": "ok\r\nfine",
                                                 "lang": "zh"})
    assert page.status_code == 422
    assert "没有找到“F-&lt;9&gt;”" in page.text
    assert 'aria-invalid="true"' in page.text
    assert "ok\nfine</textarea>" in page.text and 'value="7" checked' in page.text
    empty = client.post(f"/o/{link.token}", data={"reference": " ", "score": "7", "lang": "en"})
    assert empty.status_code == 422 and "Please enter the order or project number." in empty.text
    no_score = client.post(f"/o/{link.token}", data={"reference": "F-1", "lang": "en"})
    assert no_score.status_code == 422 and "Please choose a score from 0 to 10." in no_score.text
    with database.read() as session:
        assert session.scalar(select(Response.id)) is None


def test_a_fixed_link_asks_no_reference(client, workspace, database, clock, link) -> None:
    with database.write() as session:
        ws = get_workspace(session=session, slug="default")
        fixed = create_link(session=session, workspace=ws, label="go-live", delivery_external_id="F-2", now=clock())
    page = client.get(f"/o/{fixed.token}", params={"lang": "en", "ref": "F-1"})
    assert 'name="reference"' not in page.text and "Reference F-2" in page.text
    done = client.post(f"/o/{fixed.token}", data={"score": "10", "lang": "en"})
    assert "Thank you!" in done.text and "Reference F-2" in done.text
    assert "Answer for another order" not in done.text


def test_revoked_and_unknown_links(client, database, clock, link) -> None:
    missing = client.get("/o/" + "x" * 32, headers={"Accept-Language": "en"})
    assert missing.status_code == 404
    with database.write() as session:
        ws = get_workspace(session=session, slug="default")
        revoke_link(session=session, workspace=ws, link_id=link.id, now=clock())
    assert client.get(f"/o/{link.token}").status_code == 410
    assert client.post(f"/o/{link.token}", data={"reference": "F-1", "score": "9"}).status_code == 410


def test_the_printable_card_and_its_public_qr_code(client, database, clock, link) -> None:
    import io

    import zxingcpp
    from PIL import Image

    card = client.get(f"/o/{link.token}/card", params={"ref": "F-1", "lang": "zh"})
    assert card.status_code == 200 and card.headers["content-language"] == "zh-CN"
    assert "这次体验怎么样？" in card.text and "How did it go?" in card.text  # both languages on paper
    assert f'src="/o/{link.token}/qr.svg?ref=F-1"' in card.text
    assert f"http://testserver/o/{link.token}?ref=F-1" in card.text
    svg = client.get(f"/o/{link.token}/qr.svg", params={"ref": "F-1"})
    assert svg.headers["content-type"] == "image/svg+xml" and svg.headers["x-content-type-options"] == "nosniff"
    png = client.get(f"/o/{link.token}/qr.png", params={"ref": "F-1"})
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert code.text == f"http://testserver/o/{link.token}?ref=F-1"

    with database.write() as session:
        revoke_link(session=session, workspace=get_workspace(session=session, slug="default"), link_id=link.id,
                    now=clock())
    assert client.get(f"/o/{link.token}/qr.png").status_code == 410
    assert client.get(f"/o/{link.token}/card").status_code == 410
    assert client.get("/o/" + "y" * 32 + "/qr.svg").status_code == 404
