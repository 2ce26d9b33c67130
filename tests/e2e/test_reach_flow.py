"""Issue 5's done-means, the way a business runs it: real processes, real SMTP, a real chat bot.

`doorstep serve --with-worker` runs against the test's database (SQLite, or PostgreSQL
with a second `doorstep worker` process beside it). An order system pushes a hand-over
through the signed inbound webhook; after the workspace's delay exactly one e-mail
reaches the loopback SMTP server; the customer clicks "2" in the e-mail itself; the
detractor's case lands in a loopback Feishu-style chat receiver.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from tests.channels.receiver import Receiver
from tests.channels.smtp import SmtpServer
from tests.e2e.test_survey_browser import doorstep_cli

from doorstep.accounts.services import create_api_key, create_workspace, update_settings
from doorstep.db import Database
from doorstep.deliveries.services import add_stage

DELAY_SECONDS = 3.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str) -> str:
    db = Database(url)
    try:
        with db.write() as session:
            shop = create_workspace(session=session, slug="laowang", name="老王面馆",
                                    timezone="Asia/Shanghai", locale="zh-CN")
            for key, name, name_zh in [("cooked", "Cooked", "出餐"), ("delivered", "Delivered", "送达")]:
                add_stage(session=session, workspace=shop, key=key, name=name, name_zh=name_zh)
            update_settings(session=session, workspace=shop, invitation_delay_minutes=DELAY_SECONDS / 60,
                            quiet_period_days=0, default_cs_owner="cs-li")
            _key, secret = create_api_key(session=session, workspace=shop)
    finally:
        db.dispose()
    return secret


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([doorstep_cli(), "--workspace", "laowang", *args], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def process(env: dict[str, str], *args: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen([doorstep_cli(), *args], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_for(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def signed(secret: str, body: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Doorstep-Workspace": "laowang",
            "X-Doorstep-Timestamp": ts, "X-Doorstep-Signature": f"sha256={mac}"}


def test_a_signed_hand_over_becomes_one_email_one_click_and_a_chat_alert(database_url: str, tmp_path: Path) -> None:
    # SQLite: the embedded default, one process. PostgreSQL: a second worker process beside it.
    extra_workers = 1 if database_url.startswith("postgresql") else 0
    prepare(database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with SmtpServer() as smtp, Receiver() as chat:
        env = {**os.environ, "DOORSTEP_DATABASE_URL": database_url, "DOORSTEP_BASE_URL": base,
               "DOORSTEP_SMTP_HOST": smtp.host, "DOORSTEP_SMTP_PORT": str(smtp.port),
               "DOORSTEP_WORKER_POLL_SECONDS": "0.2", "DOORSTEP_SCHEDULER_INTERVAL_SECONDS": "5"}
        inbound = json.loads(cli(env, "webhooks", "inbound-secret", "--json"))["secret"]
        cli(env, "webhooks", "add", "--url", chat.url, "--format", "feishu", "--events", "case.opened")
        with process(env, "serve", "--with-worker", "--port", str(port), log=tmp_path / "serve.log"), \
             process(env, "worker", log=tmp_path / "worker.log") if extra_workers else _nothing():
            wait_for(lambda: _healthy(base), 30, "the server to start")
            orders = 6 if extra_workers else 1
            delivered = dt.datetime.now(dt.UTC).replace(microsecond=0)
            body = json.dumps([
                {"external_id": f"F-{i:04d}", "customer_id": f"c-{i}", "customer_name": "王女士",
                 "customer_email": f"wang{i}@example.cn", "customer_locale": "zh-CN",
                 "delivered_at": delivered.isoformat()}
                for i in range(orders)
            ]).encode()
            headers = signed(inbound, body)
            pushed = httpx.post(f"{base}/api/v1/webhooks/deliveries", content=body, headers=headers)
            assert pushed.status_code == 200, pushed.text
            # The same signed request again (a replay): refused.
            replay = httpx.post(f"{base}/api/v1/webhooks/deliveries", content=body, headers=headers)
            assert replay.status_code == 401, replay.text

            wait_for(lambda: len(smtp.received) >= orders, 40, f"{orders} e-mail(s)")
            first_arrival = dt.datetime.now(dt.UTC)
            assert first_arrival >= delivered + dt.timedelta(seconds=DELAY_SECONDS), "sent before the delay"
            mails = smtp.messages()
            assert sorted(m["To"].addresses[0].addr_spec for m in mails) == sorted(
                f"wang{i}@example.cn" for i in range(orders))
            mail = next(m for m in mails if m["To"].addresses[0].addr_spec == "wang0@example.cn")
            html = mail.get_body(("html",)).get_content()
            links = re.findall(r'href="([^"]+[?&]score=(\d+)[^"]*)"', html)
            assert [int(score) for _, score in links] == list(range(11))
            two = next(url for url, score in links if score == "2").replace("&amp;", "&")
            assert two.startswith(f"{base}/s/")

            clicked = httpx.get(two)
            assert clicked.status_code == 200
            why = httpx.post(two.split("?")[0] + "/why", data={"comment": "汤洒了，骑手态度也不好", "lang": "zh-CN"})
            assert why.status_code == 200, why.text

            message = wait_for(lambda: chat.requests, 30, "the case in the chat")[0]
            card = json.dumps(message.json(), ensure_ascii=False)
            assert "F-0000" in card and f"{base}/" in card

            time.sleep(3)  # a duplicate would show up by now
            assert len(smtp.received) == orders, "an e-mail was sent twice"
            assert len(chat.requests) == 1
            jobs = json.loads(cli(env, "jobs", "--json"))
            assert jobs["counts"]["by_status"]["dead"] == 0, jobs

    db = Database(database_url)
    try:
        from sqlalchemy import func, select

        from doorstep.cases.models import Case
        from doorstep.surveys.models import Response

        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(Response)) == 1
            answer = session.scalars(select(Response)).one()
            assert (answer.score, answer.comment) == (2, "汤洒了，骑手态度也不好")
            assert session.scalar(select(func.count()).select_from(Case)) == 1
    finally:
        db.dispose()


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
