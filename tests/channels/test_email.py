"""Invitations and reminders by e-mail, through the real worker and a real SMTP server on loopback.

Each test posts deliveries through the API (as an integration would), runs the worker
with the product's own handlers and the test clock, and reads what arrived at the
aiosmtpd server: nothing lost, nothing sent twice, whatever the server does.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.channels.smtp import smtp_server  # noqa: F401  (the fixture)

from conftest import FakeClock, WorkspaceHandle
from doorstep.accounts.services import get_workspace, update_settings
from doorstep.cases.models import Case
from doorstep.channels.email import mail_language, render_survey_mail
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.jobs import services as jobs
from doorstep.jobs.models import Job, SentKey
from doorstep.jobs.worker import JobContext, Worker, default_handlers
from doorstep.surveys.models import Invitation, Response


def configure(database: Database, workspace: WorkspaceHandle, **rules: object) -> None:
    defaults: dict[str, object] = {"invitation_delay_minutes": 0, "quiet_hours": None, "reminder_after_days": 0}
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        update_settings(session=session, workspace=ws, **(defaults | rules))


def deliver(client: TestClient, workspace: WorkspaceHandle, clock: FakeClock, database: Database, external_id: str,
            *, email: str | None = None, locale: str | None = None, name: str | None = None,
            attributes: dict[str, str] | None = None) -> int:
    """Post one delivered hand-over; make sure its invitation.send job exists; return the invitation id."""
    body: dict[str, object] = {
        "external_id": external_id,
        "customer_id": f"c-{external_id}",
        "delivered_at": (clock.now - dt.timedelta(minutes=1)).isoformat(),
        "attributes": attributes or {},
    }
    for key, value in (("customer_email", email), ("customer_locale", locale), ("customer_name", name)):
        if value is not None:
            body[key] = value
    posted = client.post("/api/v1/deliveries", headers=workspace.headers, json=body)
    assert posted.status_code == 200, posted.text
    [link] = posted.json()["invitations"]
    with database.write() as session:
        invitation = session.scalars(select(Invitation).where(Invitation.token == link["token"])).one()
        # invite_delivered may enqueue this job itself (same dedupe key): then this is a no-op.
        jobs.enqueue(session, kind="invitation.send", payload={"invitation_id": invitation.id}, run_at=clock.now,
                     dedupe_key=f"invite:{invitation.id}", workspace_id=workspace.id)
        return invitation.id


def worker(database: Database, settings: Settings, clock: FakeClock) -> Worker:
    return Worker(JobContext(db=database, settings=settings, clock=clock, worker="test-worker"),
                  handlers=default_handlers(), passes=[])


def job_of(database: Database, kind: str, invitation_id: int) -> Job:
    with database.read() as session:
        [job] = [j for j in session.scalars(select(Job).where(Job.kind == kind))
                 if j.payload.get("invitation_id") == invitation_id]
        session.expunge(job)  # keep its loaded state: the read session rolls back (and expires) on exit
        return job


def invitation(database: Database, invitation_id: int) -> Invitation:
    with database.read() as session:
        found = session.get_one(Invitation, invitation_id)
        session.expunge(found)
        return found


def key_status(database: Database, key: str) -> str | None:
    with database.read() as session:
        return session.scalar(select(SentKey.status).where(SentKey.key == key))


def parts(message) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def score_links(html: str) -> dict[int, str]:
    links = [unescape(h) for h in re.findall(r'href="([^"]+)"', html) if "score=" in h]
    return {int(parse_qs(urlparse(h).query)["score"][0]): h for h in links}


# --- the happy path -----------------------------------------------------------------------


def test_invitation_arrives_in_the_customers_language_and_one_click_records_the_score(
        client, database, workspace, clock, settings, smtp_server) -> None:  # noqa: F811
    configure(database, workspace)
    zh = deliver(client, workspace, clock, database, "D-1", email="li@example.com", locale="zh-CN", name="李雷")
    en = deliver(client, workspace, clock, database, "D-2", email="ann@example.com", locale="en-GB")
    w = worker(database, smtp_server.settings(settings), clock)

    assert w.run_until_idle() >= 2
    by_to = {m["To"].addresses[0].addr_spec: m for m in smtp_server.messages()}
    assert set(by_to) == {"li@example.com", "ann@example.com"}
    assert len(smtp_server.received) == 2

    zh_mail = by_to["li@example.com"]
    assert "邀请您评价本次服务" in zh_mail["Subject"]
    assert zh_mail["From"].addresses[0].addr_spec == "surveys@doorstep.test"
    assert zh_mail["To"].addresses[0].display_name == "李雷"
    assert zh_mail["Content-Language"] == "zh-CN"
    assert zh_mail["Auto-Submitted"] == "auto-generated"
    assert re.fullmatch(rf"<invitation-{zh}\.[0-9a-f]{{24}}@doorstep\.test>", zh_mail["Message-ID"])
    text, html = parts(zh_mail)
    token = invitation(database, zh).token
    assert f"http://testserver/s/{token}?lang=zh" in text and "李雷，您好" in text
    assert "<script" not in html.lower() and "<img" not in html.lower()
    links = score_links(html)
    assert sorted(links) == list(range(11))
    assert all(h == f"http://testserver/s/{token}?score={n}&lang=zh" for n, h in links.items())

    en_mail = by_to["ann@example.com"]
    assert invitation(database, en).status == "sent"
    assert en_mail["Subject"].startswith("How did we do?") and en_mail["Content-Language"] == "en"
    en_text, en_html = parts(en_mail)
    assert "Hello," in en_text and "How likely are you to recommend" in en_html
    assert en_mail["Message-ID"] != zh_mail["Message-ID"]

    sent = invitation(database, zh)
    assert (sent.status, sent.channel, sent.sent_at) == ("sent", "email", clock.now)
    assert key_status(database, f"email:invitation:{zh}") == "sent"

    # The customer clicks "3" in the e-mail: the score is recorded and the page asks why.
    link = urlparse(links[3])
    page = client.get(f"{link.path}?{link.query}")
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.text
    assert f'action="/s/{token}/why"' in page.text
    with database.read() as session:
        answer = session.scalars(select(Response).where(Response.invitation_id == zh)).one()
        assert (answer.score, answer.comment, answer.attributes["source"]) == (3, None, "email-click")
        assert session.scalar(select(func.count()).select_from(Case)) == 1  # a detractor: a case at once
    assert invitation(database, zh).status == "responded"

    why = client.post(f"/s/{token}/why", data={"comment": "汤洒了，送得太慢", "lang": "zh-CN"})
    assert why.status_code == 200 and "汤洒了，送得太慢" in why.text
    with database.read() as session:
        answer = session.scalars(select(Response).where(Response.invitation_id == zh)).one()
        assert answer.comment == "汤洒了，送得太慢" and answer.score == 3
        assert session.scalar(select(func.count()).select_from(Case)) == 1  # the same case, not a second one


def test_nothing_is_sent_when_there_is_nothing_to_send(client, database, workspace, clock, settings,
                                                       smtp_server) -> None:  # noqa: F811
    configure(database, workspace)
    no_address = deliver(client, workspace, clock, database, "N-1")
    answered = deliver(client, workspace, clock, database, "N-2", email="a@example.com")
    opened = deliver(client, workspace, clock, database, "N-3", email="b@example.com")
    assert client.post(f"/s/{invitation(database, answered).token}", data={"score": "9"}).status_code == 200
    assert client.get(f"/s/{invitation(database, opened).token}").status_code == 200  # opened from a receipt

    worker(database, smtp_server.settings(settings), clock).run_until_idle()
    assert smtp_server.received == []
    for invitation_id in (no_address, answered, opened):
        assert job_of(database, "invitation.send", invitation_id).status == "done"

    # No SMTP host, or a workspace that hands out links itself: no e-mail either.
    off = deliver(client, workspace, clock, database, "N-4", email="c@example.com")
    worker(database, settings, clock).run_until_idle()
    assert job_of(database, "invitation.send", off).status == "done" and invitation(database, off).sent_at is None
    configure(database, workspace, invitation_channel="link")
    link_only = deliver(client, workspace, clock, database, "N-5", email="d@example.com")
    worker(database, smtp_server.settings(settings), clock).run_until_idle()
    assert job_of(database, "invitation.send", link_only).status == "done"
    assert smtp_server.received == []
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(SentKey)) == 0


# --- faults -------------------------------------------------------------------------------


def test_smtp_down_is_retried_with_backoff_and_sends_once_when_back(client, database, workspace, clock, settings,
                                                                      smtp_server) -> None:  # noqa: F811
    configure(database, workspace)
    invitation_id = deliver(client, workspace, clock, database, "S-1", email="x@example.com")
    w = worker(database, smtp_server.settings(settings), clock)
    smtp_server.stop()

    w.run_until_idle()
    job = job_of(database, "invitation.send", invitation_id)
    assert (job.status, job.attempts) == ("queued", 1)
    assert "refused" in (job.last_error or "").lower()
    assert clock.now + dt.timedelta(seconds=15) <= job.run_at <= clock.now + dt.timedelta(seconds=30)
    assert key_status(database, f"email:invitation:{invitation_id}") is None  # not accepted: free to retry

    clock.advance(seconds=10)
    assert w.run_until_idle() == 0  # not due yet: backoff
    clock.advance(minutes=1)
    w.run_until_idle()  # still down: a longer wait
    job = job_of(database, "invitation.send", invitation_id)
    assert (job.status, job.attempts) == ("queued", 2) and job.run_at >= clock.now + dt.timedelta(seconds=30)

    smtp_server.start()
    clock.advance(minutes=5)
    w.run_until_idle()
    assert len(smtp_server.received) == 1
    assert job_of(database, "invitation.send", invitation_id).status == "done"
    clock.advance(hours=1)
    w.run_until_idle()
    assert len(smtp_server.received) == 1


def test_server_going_away_mid_run_loses_nothing_and_doubles_nothing(client, database, workspace, clock, settings,
                                                                      smtp_server) -> None:  # noqa: F811
    configure(database, workspace)
    ids = [deliver(client, workspace, clock, database, f"M-{i}", email=f"m{i}@example.com") for i in range(5)]
    w = worker(database, smtp_server.settings(settings), clock)
    smtp_server.down_after = 2

    w.run_until_idle()
    assert len(smtp_server.received) == 2
    statuses = [job_of(database, "invitation.send", i).status for i in ids]
    assert statuses.count("done") == 2 and statuses.count("queued") == 3

    smtp_server.stop()
    smtp_server.start()
    clock.advance(minutes=10)
    w.run_until_idle()
    clock.advance(hours=2)
    w.run_until_idle()
    recipients = sorted(r.rcpt_tos[0] for r in smtp_server.received)
    assert recipients == [f"m{i}@example.com" for i in range(5)]  # each exactly once
    assert all(job_of(database, "invitation.send", i).status == "done" for i in ids)
    assert all(key_status(database, f"email:invitation:{i}") == "sent" for i in ids)


def test_temporary_refusal_is_retried(client, database, workspace, clock, settings, smtp_server) -> None:  # noqa: F811
    configure(database, workspace)
    invitation_id = deliver(client, workspace, clock, database, "T-1", email="t@example.com")
    smtp_server.refuse(451, "4.3.0 Try again later", times=1)
    w = worker(database, smtp_server.settings(settings), clock)

    w.run_until_idle()
    job = job_of(database, "invitation.send", invitation_id)
    assert job.status == "queued" and "451" in (job.last_error or "")
    assert smtp_server.received == []

    clock.advance(minutes=5)
    w.run_until_idle()
    assert len(smtp_server.received) == 1 and smtp_server.refusals == 1
    assert job_of(database, "invitation.send", invitation_id).status == "done"


def test_permanent_refusal_goes_to_the_dead_letters_with_the_reason(client, database, workspace, clock, settings,
                                                                     smtp_server) -> None:  # noqa: F811
    configure(database, workspace)
    invitation_id = deliver(client, workspace, clock, database, "P-1", email="nobody@example.com")
    smtp_server.refuse(550, "5.1.1 No such user here")

    worker(database, smtp_server.settings(settings), clock).run_until_idle()
    job = job_of(database, "invitation.send", invitation_id)
    assert (job.status, job.attempts) == ("dead", 1)
    assert "550" in (job.last_error or "") and "No such user" in (job.last_error or "")
    assert "nobody@example.com" in (job.last_error or "")
    assert smtp_server.received == []
    # Not sent: a person who fixes the address can send it again.
    assert key_status(database, f"email:invitation:{invitation_id}") is None
    assert invitation(database, invitation_id).status != "sent"


def test_a_send_left_half_done_by_a_dead_worker_is_not_repeated(client, database, workspace, clock, settings,
                                                                 smtp_server) -> None:  # noqa: F811
    configure(database, workspace)
    invitation_id = deliver(client, workspace, clock, database, "K-1", email="k@example.com")
    # What a worker killed between "record the key" and "confirm it" leaves behind: a key
    # committed as sending, and its job still running under a lease that ran out.
    with database.write() as session:
        job = session.scalars(select(Job).where(Job.kind == "invitation.send")).one()
        job.status, job.attempts = "running", 1
        job.locked_by, job.locked_until = "dead-worker", clock.now - dt.timedelta(seconds=1)
        session.add(SentKey(key=f"email:invitation:{invitation_id}", job_id=job.id, status="sending",
                            created_at=clock.now - dt.timedelta(minutes=6)))

    worker(database, smtp_server.settings(settings), clock).run_until_idle()
    assert smtp_server.received == []
    job = job_of(database, "invitation.send", invitation_id)
    assert job.status == "dead" and "left 'sending'" in (job.last_error or "")
    assert key_status(database, f"email:invitation:{invitation_id}") == "sending"  # kept for the person to judge


def test_a_send_already_confirmed_is_not_repeated(client, database, workspace, clock, settings,
                                                  smtp_server) -> None:  # noqa: F811
    configure(database, workspace)
    invitation_id = deliver(client, workspace, clock, database, "K-2", email="k2@example.com")
    with database.write() as session:
        session.add(SentKey(key=f"email:invitation:{invitation_id}", status="sent", sent_at=clock.now))

    worker(database, smtp_server.settings(settings), clock).run_until_idle()
    assert smtp_server.received == []
    assert job_of(database, "invitation.send", invitation_id).status == "done"
    assert invitation(database, invitation_id).status == "sent"  # the record catches up with the fact


def test_an_answer_lost_after_the_message_was_sent_is_not_resent(client, database, workspace, clock, settings,
                                                                   smtp_server) -> None:  # noqa: F811
    configure(database, workspace)
    invitation_id = deliver(client, workspace, clock, database, "L-1", email="l@example.com")
    smtp_server.hang_up_after_data = 1  # the server keeps the message, the "250" never reaches us

    w = worker(database, smtp_server.settings(settings), clock)
    w.run_until_idle()
    assert len(smtp_server.received) == 1
    job = job_of(database, "invitation.send", invitation_id)
    assert job.status == "dead" and "may have arrived" in (job.last_error or "")
    clock.advance(hours=3)
    w.run_until_idle()
    assert len(smtp_server.received) == 1  # a person decides; never a second copy on its own


# --- reminders ----------------------------------------------------------------------------


def test_one_reminder_after_n_days_outside_the_customers_quiet_hours(client, database, workspace, clock, settings,
                                                                     smtp_server) -> None:  # noqa: F811
    clock.now = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York (EST)
    configure(database, workspace, reminder_after_days=2.5, quiet_hours={"start": "21:00", "end": "08:00"})
    invitation_id = deliver(client, workspace, clock, database, "R-1", email="r@example.com", locale="en",
                            attributes={"customer_timezone": "America/New_York"})
    w = worker(database, smtp_server.settings(settings), clock)
    w.run_until_idle()
    assert len(smtp_server.received) == 1

    # 2.5 days later is 22:00 in New York, inside the quiet hours: the reminder waits for 08:00 there.
    remind = job_of(database, "invitation.remind", invitation_id)
    assert remind.run_at == dt.datetime(2026, 3, 5, 13, 0, tzinfo=dt.UTC)
    clock.now = dt.datetime(2026, 3, 5, 12, 59, tzinfo=dt.UTC)
    w.run_until_idle()
    assert len(smtp_server.received) == 1
    clock.now = dt.datetime(2026, 3, 5, 13, 0, tzinfo=dt.UTC)
    w.run_until_idle()
    assert len(smtp_server.received) == 2
    reminder = smtp_server.messages()[1]
    assert reminder["Subject"].startswith("Reminder: ")
    assert reminder["Message-ID"].startswith(f"<reminder-{invitation_id}.")
    text, html = parts(reminder)
    assert "short reminder" in text and len(score_links(html)) == 11
    assert invitation(database, invitation_id).reminder_sent_at == clock.now

    clock.advance(days=5)
    w.run_until_idle()
    assert len(smtp_server.received) == 2  # one reminder, never two
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Job).where(Job.kind == "invitation.remind")) == 1


def test_no_reminder_once_answered(client, database, workspace, clock, settings, smtp_server) -> None:  # noqa: F811
    configure(database, workspace, reminder_after_days=1)
    invitation_id = deliver(client, workspace, clock, database, "R-2", email="r2@example.com", locale="zh-CN")
    w = worker(database, smtp_server.settings(settings), clock)
    w.run_until_idle()
    [mail] = smtp_server.messages()
    link = urlparse(score_links(parts(mail)[1])[10])
    assert client.get(f"{link.path}?{link.query}").status_code == 200

    clock.advance(days=2)
    w.run_until_idle()
    assert len(smtp_server.received) == 1
    assert job_of(database, "invitation.remind", invitation_id).status == "done"
    assert invitation(database, invitation_id).reminder_sent_at is None


@pytest.mark.parametrize("days", [0, 20])
def test_no_reminder_when_off_or_after_expiry(client, database, workspace, clock, settings, smtp_server,  # noqa: F811
                                              days) -> None:
    configure(database, workspace, reminder_after_days=days, invitation_expiry_days=14)
    deliver(client, workspace, clock, database, "R-3", email="r3@example.com")
    worker(database, smtp_server.settings(settings), clock).run_until_idle()
    assert len(smtp_server.received) == 1
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Job).where(Job.kind == "invitation.remind")) == 0


# --- rendering ------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "subject", "asks"), [
    ("en", "Reminder: We worked on your issue", "Now, how likely are you to recommend A&amp;B &lt;Foods&gt;"),
    ("zh-CN", "提醒：A&B <Foods>：您反馈的问题我们已经处理", "现在，您有多大可能向朋友推荐A&amp;B &lt;Foods&gt;"),
])
def test_a_resurvey_reminder_says_what_happened_and_escapes_names(lang, subject, asks) -> None:
    mail = render_survey_mail(purpose="reminder", survey_kind="resurvey", lang=lang, base_url="https://nps.example/",
                              token="T" * 32, workspace_name="A&B <Foods>", reference="SUP-7",
                              customer_name="<b>Ann</b>", expires_at=dt.datetime(2026, 3, 9, tzinfo=dt.UTC))
    assert mail.subject.startswith(subject)
    assert asks in mail.html and "<b>Ann</b>" not in mail.html and "&lt;b&gt;Ann&lt;/b&gt;" in mail.html
    code = "zh" if lang == "zh-CN" else "en"
    assert sorted(score_links(mail.html)) == list(range(11))
    assert f"https://nps.example/s/{'T' * 32}?score=10&amp;lang={code}" in mail.html
    assert f"https://nps.example/s/{'T' * 32}?lang={code}" in mail.text and "2026-03-09" in mail.text
    assert "SUP-7" in mail.text


def test_the_language_is_the_customers_else_the_workspaces() -> None:
    assert mail_language("zh-TW", "en") == "zh-CN"
    assert mail_language(None, "zh-CN") == "zh-CN"
    assert mail_language("fr", "en") == "en"
    assert mail_language("en-US", "zh-CN") == "en"
