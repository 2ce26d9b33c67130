"""Chat notifications: the incoming-webhook bodies of Feishu, DingTalk, WeCom and Slack,
their signatures, their HTTP-200 refusals, and user text that must stay text."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from urllib.parse import unquote_plus

import pytest
from sqlalchemy import select
from tests.cases.helpers import answer
from tests.channels.receiver import Receiver, Reply

from doorstep.accounts.services import get_workspace
from doorstep.channels import chat
from doorstep.channels.models import WebhookCall
from doorstep.channels.webhooks import create_subscription
from doorstep.jobs.models import Job
from doorstep.jobs.worker import JobContext, Worker, default_handlers

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
EVIL = "冷了 [click](http://evil.example/x) @all <!channel> <at id=all></at> *bold* evil.com"
DATA = {
    "case": {"id": 12, "status": "open", "owner": "cs-li", "first_contact_due": "2026-03-02T10:00:00+00:00",
             "url": "https://cx.example.com/cases/12"},
    "response": {"id": 5, "score": 3, "comment": EVIL},
    "delivery": {"external_id": "F-9", "owner": "rider-2"},
    "customer": {"external_id": "c9"},
    "url": "https://cx.example.com/cases/12",
}


def render(fmt: str, *, lang: str = "en", secret: str | None = None, event: str = "case.opened",
           data: dict | None = None, url: str = "https://hook.example/x?access_token=t") -> tuple[str, dict]:
    return chat.render(fmt, url=url, event=event, data=data or DATA, lang=lang, timezone="Asia/Shanghai",
                       workspace="Dumpling Express", secret=secret, now=NOW)


def test_the_summary_says_who_what_and_by_when_in_both_languages() -> None:
    title, detail = chat.summary("case.opened", DATA, lang="en", timezone="Asia/Shanghai", workspace="w")
    assert title == "New detractor: score 3"
    assert "order F-9" in detail and "owner cs-li" in detail and "contact due 2026-03-02 18:00" in detail
    title_zh, detail_zh = chat.summary("case.opened", DATA, lang="zh-CN", timezone="Asia/Shanghai", workspace="w")
    assert title_zh == "新的贬损者：3 分"
    assert "订单 F-9" in detail_zh and "负责人 cs-li" in detail_zh and "首次联系截止 2026-03-02 18:00" in detail_zh
    closed = dict(DATA, case=dict(DATA["case"], status="verified", resurvey_score=9))
    title, _ = chat.summary("case.closed", closed, lang="en", timezone="UTC", workspace="w")
    assert title == "Case 12 closed: verified"


def test_a_comment_cannot_become_a_link_a_mention_or_markup() -> None:
    safe = chat.neutralise(EVIL)
    for bad in ("[", "](", "<!", "<at", "@all", "http://", "evil.com", "*bold*"):
        assert bad not in safe
    assert "冷了" in safe and "click" in safe  # the words stay readable
    long = chat.neutralise("x" * 500)
    assert len(long) == chat.EXCERPT and long.endswith("…")
    assert chat.neutralise("line one\nline two\x00") == "line one line two"
    for fmt in chat.CHAT_FORMATS:
        _url, body = render(fmt)
        text = json.dumps(body, ensure_ascii=False)
        assert "@all" not in text and "<!channel>" not in text and "](http://evil" not in text
        assert "<at id=all>" not in text


def test_feishu_card_with_a_button_and_its_signature() -> None:
    url, body = render("feishu", secret="fs-secret")
    assert url == "https://hook.example/x?access_token=t"
    assert body["msg_type"] == "interactive"
    card = body["card"]
    assert card["header"]["title"]["content"] == "New detractor: score 3"
    [button] = card["elements"][1]["actions"]
    assert card["elements"][-1]["elements"][0]["content"] == "Doorstep · Dumpling Express"  # the bot's keyword
    assert button["url"] == "https://cx.example.com/cases/12" and button["text"]["content"] == "Open case"
    ts = int(body["timestamp"])
    assert ts == int(NOW.timestamp())
    expected = base64.b64encode(hmac.new(f"{ts}\nfs-secret".encode(), b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected
    assert "sign" not in render("feishu")[1]


def test_dingtalk_action_card_signed_on_the_url() -> None:
    url, body = render("dingtalk", secret="SECxyz", lang="zh-CN")
    assert body["msgtype"] == "actionCard"
    card = body["actionCard"]
    assert card["title"] == "新的贬损者：3 分" and card["text"].startswith("### 新的贬损者：3 分")
    assert card["text"].endswith("Doorstep · Dumpling Express")
    assert (card["singleTitle"], card["singleURL"]) == ("查看工单", "https://cx.example.com/cases/12")
    base, query = url.split("?", 1)
    assert base == "https://hook.example/x"
    params = dict(part.split("=", 1) for part in query.split("&"))
    assert params["access_token"] == "t" and params["timestamp"] == str(int(NOW.timestamp() * 1000))
    mac = hmac.new(b"SECxyz", f"{params['timestamp']}\nSECxyz".encode(), hashlib.sha256).digest()
    assert unquote_plus(params["sign"]) == base64.b64encode(mac).decode()


def test_wecom_markdown_and_slack_blocks() -> None:
    _url, wecom = render("wecom")
    content = wecom["markdown"]["content"]
    assert wecom["msgtype"] == "markdown" and content.startswith("**New detractor: score 3**")
    assert "\n[Open case](https://cx.example.com/cases/12)\n" in content
    assert content.endswith('<font color="comment">Doorstep · Dumpling Express</font>')
    _url, slack = render("slack")
    assert slack["text"].startswith("New detractor: score 3 — ")
    kinds = [b["type"] for b in slack["blocks"]]
    assert kinds == ["section", "section", "actions", "context"]
    assert slack["blocks"][1]["text"]["type"] == "plain_text"  # the customer's words: no markup at all
    assert slack["blocks"][2]["elements"][0]["url"] == "https://cx.example.com/cases/12"
    assert slack["blocks"][3]["elements"][0]["text"] == "Doorstep · Dumpling Express"
    assert "<" not in slack["text"] and "&" not in slack["text"]


@pytest.mark.parametrize(
    ("fmt", "answer_body", "refused", "retry"),
    [
        ("feishu", {"code": 0, "msg": "success"}, False, False),
        ("feishu", {"StatusCode": 0, "StatusMessage": "success"}, False, False),
        ("feishu", {"code": 19021, "msg": "sign match fail"}, True, False),
        ("feishu", {"code": 11232, "msg": "frequency limited"}, True, True),
        ("dingtalk", {"errcode": 0, "errmsg": "ok"}, False, False),
        ("dingtalk", {"errcode": 310000, "errmsg": "keywords not in content"}, True, False),
        ("dingtalk", {"errcode": 130101, "errmsg": "send too fast"}, True, True),
        ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}, True, False),
        ("slack", "ok", False, False),
    ],
)
def test_chat_errors_in_an_http_200_answer(fmt: str, answer_body: object, refused: bool, retry: bool) -> None:
    result = chat.chat_error(fmt, answer_body)
    assert (result is not None) == refused
    if result is not None:
        assert result[1] == retry and fmt in result[0] and "code" in result[0]


# --- through the worker, against a real receiver --------------------------------------


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


def _subscribe(database, workspace, url: str, fmt: str, secret: str | None = None) -> int:
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        return create_subscription(session=session, workspace=ws, url=url, events=["case.opened"], format=fmt,
                                   secret=secret, now=NOW).id


def test_a_detractor_lands_in_all_four_chats(client, database, settings, clock, workspace, receiver) -> None:
    subs = {fmt: _subscribe(database, workspace, f"{receiver.url}/{fmt}?access_token=tok", fmt,
                            "bot-secret" if fmt in ("feishu", "dingtalk") else None)
            for fmt in chat.CHAT_FORMATS}
    case_id = answer(client, workspace, clock, "F-200", 2, comment="送晚了 @all [x](http://evil.example)",
                     owner="rider-3")
    Worker(JobContext(database, settings, clock, "w1"), handlers=default_handlers()).run_until_idle()

    by_path = {r.path.strip("/"): r for r in receiver.requests}
    assert set(by_path) == set(chat.CHAT_FORMATS)
    link = f"http://testserver/cases/{case_id}"
    feishu = by_path["feishu"].json()
    assert feishu["msg_type"] == "interactive" and feishu["sign"]
    assert feishu["card"]["elements"][1]["actions"][0]["url"] == link
    ding = by_path["dingtalk"]
    assert ding.json()["actionCard"]["singleURL"] == link and ding.query["sign"] and ding.query["access_token"] == [
        "tok"]
    assert f"({link})" in by_path["wecom"].json()["markdown"]["content"]
    slack = by_path["slack"].json()
    assert slack["blocks"][2]["elements"][0]["url"] == link
    for request in receiver.requests:
        text = request.body.decode()
        assert "@all" not in text and "](http://evil" not in text and "order F-200" in text and "Doorstep" in text
        assert request.headers["x-doorstep-event"] == "case.opened"
    with database.read() as session:
        logged = session.scalars(select(WebhookCall.status_code)).all()
    assert logged == [200, 200, 200, 200] and len(subs) == 4


def test_a_chat_refusal_in_a_200_answer_is_a_failure_with_its_message(client, database, settings, clock,
                                                                      workspace, receiver) -> None:
    sub = _subscribe(database, workspace, f"{receiver.url}/ding", "dingtalk", "wrong-secret")
    receiver.script(Reply.chat_error({"errcode": 310000, "errmsg": "sign not match"}))
    answer(client, workspace, clock, "F-201", 1)
    Worker(JobContext(database, settings, clock, "w1"), handlers=default_handlers()).run_until_idle()
    with database.read() as session:
        [call] = session.scalars(select(WebhookCall).where(WebhookCall.subscription_id == sub)).all()
        [job] = session.scalars(select(Job).where(Job.kind == "webhook.deliver")).all()
        session.expunge_all()
    assert call.status_code == 200 and call.error == "dingtalk refused the message: code 310000: sign not match"
    assert job.status == "dead" and job.last_error == call.error
