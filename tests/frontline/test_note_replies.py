"""A note's author hears of CS's answer by e-mail (doorstep.frontline.replies, doorstep.channels.note_mail).

Real parts: the answer is given through the service (and once through the API), the job
waits in the outbox, the worker sends it to an aiosmtpd server on loopback, and the
message is parsed back with the ``email`` package.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import select
from tests.channels.smtp import SmtpServer, smtp_server  # noqa: F401  (the fixture)
from tests.conftest import make_person

from doorstep.accounts import profile
from doorstep.accounts.models import User
from doorstep.accounts.services import get_workspace
from doorstep.channels import email_pause
from doorstep.channels.note_mail import send_answer
from doorstep.config import Settings
from doorstep.frontline import services as notes
from doorstep.frontline.replies import DELAY, KIND
from doorstep.jobs.models import Job
from doorstep.jobs.worker import JobContext, Worker

ZH_NOTE = ("东区骑手不够，高峰期一个人背十几单，客户等了四十分钟还没到，投诉很多。"
           "午市十一点半到一点最严重，五棵松店出餐后要等二十分钟才有人取，汤都凉了，"
           "有几位老客户说再这样就不点了。")
ZH_REPLY = "已从西区临时调配 6 名骑手，\n周一起高峰期加派两人。"
EN_NOTE = "Riders wait 20 minutes at the Wukesong counter at lunch"


def person(database, role: str, handle: str, *, email: str | None = None, name: str | None = None) -> int:
    uid = make_person(database, "default", role, handle=handle, email=email)
    with database.write() as s:
        s.get_one(User, uid).name = name
    return uid


def write_note(database, clock, author: int | None, text: str = EN_NOTE) -> int:
    with database.write() as s:
        ws = get_workspace(session=s, slug="default")
        return notes.create_note(session=s, workspace=ws, text=text, author_id=author, now=clock()).id


def answer(database, clock, note_id: int, status: str, reply: str | None = None, *, by: int | None,
           role: str = "cs") -> None:
    with database.write() as s:
        ws = get_workspace(session=s, slug="default")
        notes.change_status(session=s, workspace=ws, note_id=note_id, status=status, reply=reply, role=role,
                            by_user_id=by, now=clock())


def mail_jobs(database) -> list[Job]:
    with database.read() as s:
        found = list(s.scalars(select(Job).where(Job.kind == KIND).order_by(Job.id)))
        s.expunge_all()
    return found


def worker(database, settings: Settings, clock) -> Worker:
    return Worker(JobContext(db=database, settings=settings, clock=clock, worker="test-worker"),
                  handlers={KIND: send_answer}, passes=[])


def deliver(database, settings: Settings, clock) -> None:
    """The delay that gathers a burst of answers passes, then the worker runs what is due."""
    clock.advance(seconds=DELAY.total_seconds() + 1)
    worker(database, settings, clock).run_until_idle()


def parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


@pytest.fixture
def cs(database, workspace) -> int:
    return person(database, "cs", "cs-li", email="li@example.com", name="李娜")


def test_the_author_gets_one_e_mail_with_the_latest_answer_in_their_language(
        database, workspace, clock, settings, cs, smtp_server: SmtpServer) -> None:  # noqa: F811
    mailing = smtp_server.settings(settings)
    wang = person(database, "frontline", "rider-wang", email="wang@example.com", name="王师傅")
    ann = person(database, "frontline", "rider-ann", email="ann@example.com", name="Ann")
    zh_note, en_note = write_note(database, clock, wang, ZH_NOTE), write_note(database, clock, ann)

    # A burst: heard, then acting, then the reply, within the delay: one pending job each.
    answer(database, clock, zh_note, "heard", by=cs)
    clock.advance(seconds=20)
    answer(database, clock, zh_note, "acting", by=cs)
    clock.advance(seconds=20)
    answer(database, clock, zh_note, "acting", ZH_REPLY, by=cs)
    answer(database, clock, en_note, "done", "Two more riders from Monday.", by=cs)
    assert [(j.payload, j.status) for j in mail_jobs(database)] == [
        ({"note_id": zh_note}, "queued"), ({"note_id": en_note}, "queued")]

    worker(database, mailing, clock).run_until_idle()
    assert smtp_server.received == []  # not before the delay has gathered the burst
    deliver(database, mailing, clock)
    by_address = {r.rcpt_tos[0]: r.message for r in smtp_server.received}
    assert sorted(by_address) == ["ann@example.com", "wang@example.com"]

    zh = by_address["wang@example.com"]
    assert zh["Subject"] == "你的反馈有了回复：处理中"
    assert zh["Content-Language"] == "zh-CN" and zh["Auto-Submitted"] == "auto-generated"
    assert "王师傅" in str(zh["To"])
    text, html = parts(zh)
    assert "王师傅，你好！" in text and "李娜 回复了你写的反馈：" in text
    assert "> 东区骑手不够，高峰期一个人背十几单" in text and "…" in text  # an excerpt, not the whole note
    assert "状态：处理中" in text and ZH_REPLY in text
    link = f"http://testserver/notes/{zh_note}?lang=zh"
    assert link in text and f'href="{link}"' in html.replace("&amp;", "&")
    assert "李娜" in html and "周一起高峰期加派两人。" in html and "状态：处理中" in html

    en = by_address["ann@example.com"]
    assert en["Subject"] == "Your note was answered: Done" and en["Content-Language"] == "en"
    text, _html = parts(en)
    assert "Hello Ann," in text and "李娜 answered the note you wrote:" in text
    assert f"> {EN_NOTE}" in text and "Status: Done" in text and "Two more riders from Monday." in text

    # Sent once: the worker again sends nothing; the next answer is a new e-mail.
    worker(database, mailing, clock).run_until_idle()
    assert len(smtp_server.received) == 2
    answer(database, clock, zh_note, "done", by=cs)
    deliver(database, mailing, clock)
    assert len(smtp_server.received) == 3
    assert smtp_server.received[-1].message["Subject"] == "你的反馈有了回复：已解决"
    assert [j.status for j in mail_jobs(database)] == ["done", "done", "done"]


def test_an_api_key_s_answer_is_signed_by_the_team(client, database, workspace, clock, settings,
                                                    smtp_server: SmtpServer) -> None:  # noqa: F811
    wang = person(database, "frontline", "rider-wang", email="wang@example.com")
    note_id = write_note(database, clock, wang, ZH_NOTE)
    reply = client.post(f"/api/v1/notes/{note_id}/status", json={"status": "heard", "reply": "收到"},
                        headers=workspace.headers)
    assert reply.status_code == 200
    deliver(database, smtp_server.settings(settings), clock)
    [received] = smtp_server.received
    text, _html = parts(received.message)
    assert "rider-wang，你好！" in text and "客服团队 回复了你写的反馈：" in text and "收到" in text


def test_no_e_mail_when_there_is_no_one_to_tell_or_nothing_new(database, workspace, clock, settings, cs,
                                                               smtp_server: SmtpServer) -> None:  # noqa: F811
    mailing = smtp_server.settings(settings)
    no_address = person(database, "frontline", "rider-no-mail")
    cs_author = person(database, "cs", "cs-wu", email="wu@example.com")
    notes_without_mail = {
        "written with an API key": write_note(database, clock, None),
        "author without an address": write_note(database, clock, no_address),
        "the author answers their own note": write_note(database, clock, cs_author),
    }
    for why, note_id in notes_without_mail.items():
        answer(database, clock, note_id, "done", f"answered: {why}",
               by=cs_author if "own" in why else cs)
    assert mail_jobs(database) == []

    # A rolled-back answer queues nothing.
    wang = person(database, "frontline", "rider-wang", email="wang@example.com")
    note_id = write_note(database, clock, wang)
    with pytest.raises(RuntimeError), database.write() as s:
        ws = get_workspace(session=s, slug="default")
        notes.change_status(session=s, workspace=ws, note_id=note_id, status="heard", reply="on it", role="cs",
                            by_user_id=cs, now=clock())
        raise RuntimeError("the request failed after the answer")
    assert mail_jobs(database) == []

    # E-mail not configured: the job runs and sends nothing (the worker's settings decide).
    answer(database, clock, note_id, "heard", "on it", by=cs)
    deliver(database, settings, clock)
    assert [j.status for j in mail_jobs(database)] == ["done"]
    assert smtp_server.received == []

    # The same status and reply again changes nothing, so nothing is queued.
    answer(database, clock, note_id, "heard", "on it", by=cs)
    answer(database, clock, note_id, "heard", None, by=cs)
    assert len(mail_jobs(database)) == 1

    # An address removed while the e-mail waited: nothing sent either.
    answer(database, clock, note_id, "acting", by=cs)
    with database.write() as s:
        s.get_one(User, wang).email = None
    deliver(database, mailing, clock)
    assert smtp_server.received == []
    assert [j.status for j in mail_jobs(database)] == ["done", "done"]


def test_a_reply_with_markup_is_escaped_in_the_html(
        database, workspace, clock, settings, smtp_server: SmtpServer) -> None:  # noqa: F811
    hostile = person(database, "cs", "cs-x", name='<img src=x onerror="alert(2)">')
    ann = person(database, "frontline", "rider-ann", email="ann@example.com", name="Ann & <b>Co</b>")
    note_id = write_note(database, clock, ann, "The <i>door</i> code is wrong & nobody <b>knows</b>")
    answer(database, clock, note_id, "acting", "<script>alert(document.cookie)</script> & fixed", by=hostile)
    deliver(database, smtp_server.settings(settings), clock)
    [received] = smtp_server.received
    text, html = parts(received.message)
    assert "<script" not in html.lower() and "<img src=x" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(document.cookie)&lt;/script&gt; &amp; fixed" in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
    assert "Ann &amp; &lt;b&gt;Co&lt;/b&gt;" in html and "The &lt;i&gt;door&lt;/i&gt; code" in html
    # The plain-text part is not HTML: it says the words as they were typed.
    assert "<script>alert(document.cookie)</script> & fixed" in text and "Hello Ann & <b>Co</b>," in text


def test_an_answer_while_the_e_mail_is_being_sent_is_sent_after_it_and_once(
        database, workspace, clock, settings, cs, smtp_server: SmtpServer) -> None:  # noqa: F811
    mailing = smtp_server.settings(settings)
    wang = person(database, "frontline", "rider-wang", email="wang@example.com")
    note_id = write_note(database, clock, wang)
    answer(database, clock, note_id, "heard", by=cs)
    clock.advance(seconds=DELAY.total_seconds() + 1)
    busy = worker(database, mailing, clock)
    [claimed] = busy.claim()  # a worker has it: the next answer cannot join it
    answer(database, clock, note_id, "acting", "More riders from Monday", by=cs)
    jobs = mail_jobs(database)
    assert [(j.status, j.dedupe_key) for j in jobs] == [("running", None), ("queued", f"{KIND}:{note_id}")]

    busy.run(claimed)  # reads the note now: it says the latest answer
    deliver(database, mailing, clock)  # the second job finds that answer e-mailed already
    [received] = smtp_server.received
    assert received.message["Subject"] == "Your note was answered: Acting on it"
    assert "More riders from Monday" in parts(received.message)[0]
    assert [j.status for j in mail_jobs(database)] == ["done", "done"]


def test_paused_e_mail_holds_the_answer_until_resumed(database, workspace, clock, settings, cs,
                                                      smtp_server: SmtpServer) -> None:  # noqa: F811
    mailing = smtp_server.settings(settings)
    wang = person(database, "frontline", "rider-wang", email="wang@example.com")
    answer(database, clock, write_note(database, clock, wang), "done", "Fixed", by=cs)
    email_pause.trip(database, mailing, now=clock(), step="auth", error="535 refused", by="test")
    deliver(database, mailing, clock)
    assert smtp_server.received == []
    assert [(j.status, j.attempts) for j in mail_jobs(database)] == [("queued", 0)]  # not claimed at all
    with database.write() as s:
        email_pause.resume(s, now=clock(), actor_kind="cli", actor="test", workspace_id=None, via="cli")
    worker(database, mailing, clock).run_until_idle()
    assert len(smtp_server.received) == 1


def note_answer_emails(database, user_id: int, on: bool) -> None:
    """The author's choice on /account (tests/web/test_account.py posts the form itself)."""
    with database.write() as s:
        profile.set_note_answer_emails(s, user_id=user_id, on=on)


def test_an_author_who_turned_the_e_mails_off_gets_none_until_they_turn_them_on(
        database, workspace, clock, settings, cs, smtp_server: SmtpServer) -> None:  # noqa: F811
    mailing = smtp_server.settings(settings)
    wang = person(database, "frontline", "rider-wang", email="wang@example.com")
    ann = person(database, "frontline", "rider-ann", email="ann@example.com")
    with database.read() as s:
        assert s.get_one(User, wang).note_answer_emails is True  # on unless turned off

    # Off before the answer: nothing is queued for wang's note (ann's e-mail goes as ever).
    note_answer_emails(database, wang, False)
    wang_note, ann_note = write_note(database, clock, wang), write_note(database, clock, ann)
    answer(database, clock, wang_note, "heard", by=cs)
    answer(database, clock, ann_note, "heard", by=cs)
    assert [j.payload for j in mail_jobs(database)] == [{"note_id": ann_note}]
    deliver(database, mailing, clock)
    assert [r.rcpt_tos for r in smtp_server.received] == [["ann@example.com"]]

    # Off while the e-mail waits: the job finds it off when it runs and sends nothing.
    answer(database, clock, ann_note, "acting", "Two more riders", by=cs)
    note_answer_emails(database, ann, False)
    deliver(database, mailing, clock)
    assert len(smtp_server.received) == 1
    assert [j.status for j in mail_jobs(database)] == ["done", "done"]

    # On again: the next answers are e-mailed.
    note_answer_emails(database, wang, True)
    note_answer_emails(database, ann, True)
    answer(database, clock, wang_note, "done", "Fixed", by=cs)
    answer(database, clock, ann_note, "done", by=cs)
    deliver(database, mailing, clock)
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received[1:]) == ["ann@example.com", "wang@example.com"]
    assert {r.message["Subject"] for r in smtp_server.received[1:]} == {"Your note was answered: Done"}
