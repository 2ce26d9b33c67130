"""A person's chosen language (users.locale): their pages and the e-mails sent to them speak it.

Pages: ``?lang=`` first (the switch on a page), then the person's choice, then the browser's,
then the workspace's (doorstep.web.language). E-mails to a person: the password reset and a
note's answer, sent to aiosmtpd on loopback and parsed back. The choice is made on /account
(tests/web/test_account.py); here it is set on the row.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.channels.smtp import SmtpServer, smtp_server  # noqa: F401  (the fixture)

from conftest import FakeClock, login, make_person
from doorstep.accounts.models import PasswordReset, User
from doorstep.accounts.services import get_workspace
from doorstep.api.app import create_app
from doorstep.channels.note_mail import answer_language, send_answer
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.frontline import services as notes
from doorstep.frontline.replies import DELAY, KIND
from doorstep.jobs.worker import JobContext, Worker

ORIGIN = {"Origin": "http://testserver"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def prefer(database: Database, user_id: int, locale: str | None) -> None:
    with database.write() as session:
        session.get_one(User, user_id).locale = locale


def test_pages_speak_the_chosen_language_and_lang_still_wins(client, database, workspace) -> None:
    me = login(client, database, workspace, "cs")
    assert '<html lang="en">' in client.get("/", headers=ENGLISH).text  # no choice: the browser's
    prefer(database, me.id, "zh-CN")
    for path, words in (("/", "总览"), ("/inbox", "工单收件箱"), ("/notes", "一线反馈"), ("/alerts", "预警"),
                        ("/briefs", "简报"), ("/w/default", "净推荐值")):
        shown = client.get(path, headers=ENGLISH)
        assert shown.status_code == 200 and '<html lang="zh-CN">' in shown.text and words in shown.text, path
    refused = client.get("/admin/jobs", headers=ENGLISH)  # a page the role may not see: its 403 too
    assert refused.status_code == 403 and '<html lang="zh-CN">' in refused.text

    # The switch on a page (?lang=) still wins for that page, and the top bar's links carry it on.
    switched = client.get("/", params={"lang": "en"}, headers=ENGLISH)
    assert '<html lang="en">' in switched.text and 'href="/inbox?lang=en"' in switched.text
    assert '<html lang="en">' in client.get("/inbox", params={"lang": "en"}).text
    assert '<html lang="zh-CN">' in client.get("/", headers=ENGLISH).text  # the choice itself stays

    prefer(database, me.id, None)  # back to following the browser
    assert '<html lang="en">' in client.get("/", headers=ENGLISH).text
    assert '<html lang="zh-CN">' in client.get("/", headers={"Accept-Language": "zh-TW"}).text


def test_public_pages_do_not_know_the_person(client, database, workspace) -> None:
    me = login(client, database, workspace, "cs")
    prefer(database, me.id, "zh-CN")
    assert '<html lang="en">' in client.get("/login", headers=ENGLISH).text


@pytest.fixture
def mailed(settings: Settings, database: Database, clock: FakeClock,
           smtp_server: SmtpServer) -> TestClient:  # noqa: F811
    app = create_app(smtp_server.settings(settings), db=database, clock=clock)
    with TestClient(app) as client:
        yield client

def test_the_reset_e_mail_speaks_the_person_s_language(mailed, database, workspace, smtp_server) -> None:  # noqa: F811
    li = make_person(database, "default", "cs", handle="li", email="li@example.com")
    make_person(database, "default", "cs", handle="ann", email="ann@example.com")
    prefer(database, li, "zh-CN")  # the workspace speaks English; the page asking is English
    for handle in ("li", "ann"):
        asked = mailed.post("/reset", data={"workspace": "default", "login": handle}, headers={**ORIGIN, **ENGLISH})
        assert asked.status_code == 200 and "a link is on its way" in asked.text
    mails = {str(m["To"]): m for m in smtp_server.messages()}
    zh, en = mails["li@example.com"], mails["ann@example.com"]
    assert zh["Subject"] == "重设您的 Doorstep 密码" and "有人（希望是您本人）" in zh.get_content()
    assert en["Subject"] == "Reset your Doorstep password"  # no choice: the workspace's language
    link = re.search(r"http://testserver(/reset/[\w-]+\?lang=zh)", zh.get_content()).group(1)
    landing = mailed.get(link, headers=ENGLISH)  # opens in the e-mail's language
    assert '<html lang="zh-CN">' in landing.text and 'name="password"' in landing.text
    assert "?lang=en" in en.get_content()
    with database.read() as session:
        assert len(list(session.scalars(select(PasswordReset)))) == 2


def test_the_note_answer_e_mail_speaks_the_author_s_language(database, workspace, clock, settings,
                                                             smtp_server) -> None:  # noqa: F811
    cs = make_person(database, "default", "cs", handle="cs-li")
    wang = make_person(database, "default", "frontline", handle="wang", email="wang@example.com")
    ann = make_person(database, "default", "frontline", handle="ann", email="ann@example.com")
    prefer(database, wang, "en")  # writes in Chinese, reads e-mail in English
    with database.write() as session:
        ws = get_workspace(session=session, slug="default")
        ids = [notes.create_note(session=session, workspace=ws, text="出餐口排队太久，骑手要等二十分钟",
                                 author_id=author, now=clock.now).id for author in (wang, ann)]
        for note_id in ids:
            notes.change_status(session=session, workspace=ws, note_id=note_id, status="done", reply="已加派人手",
                                role="cs", by_user_id=cs, now=clock.now)
    clock.advance(seconds=DELAY.total_seconds() + 1)
    mailing = smtp_server.settings(settings)
    Worker(JobContext(db=database, settings=mailing, clock=clock, worker="test-worker"),
           handlers={KIND: send_answer}, passes=[]).run_until_idle()
    by_address = {r.rcpt_tos[0]: r.message for r in smtp_server.received}
    en, zh = by_address["wang@example.com"], by_address["ann@example.com"]
    assert en["Subject"] == "Your note was answered: Done" and en["Content-Language"] == "en"
    assert f"/notes/{ids[0]}?lang=en" in en.get_body(preferencelist=("plain",)).get_content()
    assert zh["Subject"] == "你的反馈有了回复：已解决"  # no choice: the note's language, as before


def test_the_note_answer_language_prefers_the_author_s_choice() -> None:
    assert answer_language("en", "zh", "zh-CN") == "en"
    assert answer_language(None, "zh", "en") == "zh-CN"
    assert answer_language(None, None, "zh-CN") == "zh-CN"
    assert answer_language("fr", None, None) == "en"
