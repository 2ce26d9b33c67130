"""The weekly schedule: at the workspace's local day and hour, last week's brief is made,
stored and published once, e-mailed with the page inline, and announced to chat."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from tests.briefs.seed import WEEK, seed
from tests.channels.smtp import smtp_server  # noqa: F401  (the fixture)
from tests.conftest import make_workspace

from doorstep.accounts.services import get_workspace, update_settings
from doorstep.briefs.jobs import PASSES
from doorstep.briefs.models import Brief
from doorstep.channels.webhooks import create_subscription
from doorstep.jobs.models import Job
from doorstep.jobs.worker import JobContext, Worker, default_handlers


def worker(database, settings, clock) -> Worker:  # type: ignore[no-untyped-def]
    # Webhook deliveries stay queued: this test checks they are enqueued, not the chat service.
    handlers = {kind: h for kind, h in default_handlers().items() if kind != "webhook.deliver"}
    return Worker(JobContext(db=database, settings=settings, clock=clock, worker="test-worker"),
                  handlers=handlers, passes=list(PASSES))


def schedule(database, slug: str, **settings: object) -> None:  # type: ignore[no-untyped-def]
    with database.write() as s:
        update_settings(session=s, workspace=get_workspace(session=s, slug=slug), **settings)


def test_the_schedule_publishes_last_weeks_brief_once_and_mails_it(database, clock, settings,
                                                                   smtp_server) -> None:  # noqa: F811
    make_workspace(database, "sh", name="Dumplings", timezone="Asia/Shanghai", locale="zh-CN")
    seed(database, "sh", clock())
    schedule(database, "sh", brief_schedule={"day": 1, "hour": 18},
             brief_recipients=["ceo@example.com", "coo@example.com"])
    with database.write() as s:
        create_subscription(session=s, workspace=get_workspace(session=s, slug="sh"), format="feishu",
                            url="http://127.0.0.1:9/hook", events=["brief.published"], now=clock())
    w = worker(database, smtp_server.settings(settings), clock)

    # Monday 2 March, 17:00 in Shanghai (09:00 UTC): not yet.
    w.run_until_idle()
    with database.read() as s:
        assert s.scalars(select(Brief)).all() == []

    # 18:00 in Shanghai: the pass makes and publishes the brief of 23 Feb – 1 Mar.
    clock.advance(hours=1)
    w.run_until_idle()
    # Five minutes later the pass runs again (another slot), and again the next hour: nothing new.
    for minutes in (5, 60):
        clock.advance(minutes=minutes)
        w.run_until_idle()
    w2 = worker(database, smtp_server.settings(settings), clock)  # a second worker, too
    w2.run_until_idle()

    with database.read() as s:
        [brief] = s.scalars(select(Brief)).all()
        jobs = s.scalars(select(Job).order_by(Job.id)).all()
        s.expunge_all()  # read below, after the unit of work
    assert (brief.period, brief.period_start, brief.period_end) == ("week", WEEK.date(), dt.date(2026, 3, 2))
    assert brief.published_at == dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC) and brief.locale == "zh-CN"
    assert sorted(j.payload["to"] for j in jobs if j.kind == "brief.email") == ["ceo@example.com", "coo@example.com"]
    assert [j.payload["event"] for j in jobs if j.kind == "webhook.deliver"] == ["brief.published"]
    assert len([j for j in jobs if j.kind == "pass.briefs"]) >= 3

    # One e-mail per recipient, the stored page inline (its charts as PNG: test_brief_email.py),
    # in the workspace's language.
    messages = {m["To"].addresses[0].addr_spec: m for m in smtp_server.messages()}
    assert sorted(messages) == ["ceo@example.com", "coo@example.com"]
    message = messages["ceo@example.com"]
    assert "每周简报" in str(message["Subject"]) and "Dumplings" in str(message["Subject"])
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<svg" not in html and html.count('src="cid:') == brief.html.count("<svg ") == 3
    assert "失分最多的环节" in html and "<script" not in html.lower()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "失分最多的环节" in text and "&lt;script&gt;" in text
    assert len(smtp_server.received) == 2


def test_a_workspace_without_a_schedule_gets_no_brief_and_no_smtp_means_no_mail(database, workspace, clock,
                                                                                settings) -> None:
    seed(database, "default", clock())
    w = worker(database, settings, clock)  # no SMTP host configured
    w.run_until_idle()
    with database.read() as s:
        assert s.scalars(select(Brief)).all() == []
    schedule(database, "default", brief_schedule={"day": 1, "hour": 0}, brief_recipients=["ceo@example.com"])
    clock.advance(minutes=10)
    w.run_until_idle()
    with database.read() as s:
        [brief] = s.scalars(select(Brief)).all()
        [mail] = s.scalars(select(Job).where(Job.kind == "brief.email")).all()
        assert brief.published_at is not None
        assert mail.status == "done"  # nothing to send with e-mail off: done, not failed
