"""E-mail's circuit breaker: a wrong SMTP password costs one failed login, not thousands.

Against a real aiosmtpd server with STARTTLS and AUTH (tests/channels/smtp.py), with the
product's own handlers and worker loop (in this process with the test clock, and as a
real `doorstep worker` process on the same database): 50 queued invitations and a wrong
password make at most two refused logins in three hours; the jobs wait (queued, attempts
not used up, none dead); every worker and the admin page see the pause; new settings lift
it by themselves and all 50 arrive exactly once. A person's "try again" (page or CLI) is
audited and costs one more login if nothing changed. Transient failures (a 454, a server
that is down) keep the ordinary retry with backoff. A login without TLS to a server that
is not on this machine is refused before connecting.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from tests.channels.smtp import SmtpServer
from tests.channels.test_email import configure, deliver, worker
from tests.channels.test_email_tls import (  # noqa: F401  (ca, ca_file, serve: the fixtures)
    PASSWORD,
    USER,
    WRONG,
    Serve,
    assert_no_secret,
    ca,
    ca_file,
    configured,
    serve,
    smtp_env,
    survey_message,
)

from conftest import FakeClock, login, run_cli
from doorstep.accounts.models import AuditEntry
from doorstep.channels import email_pause
from doorstep.channels.email import SmtpFailed, is_loopback, send_email
from doorstep.channels.models import ChannelPause
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.jobs.models import Job
from doorstep.jobs.worker import default_handlers

ORIGIN = {"Origin": "http://testserver"}
HOSTILE = '535 5.7.8 <script>alert("x")</script> & credentials invalid'
MANY = 50


@pytest.fixture
def clock() -> FakeClock:
    # Real time (to the second): a `doorstep worker` process runs on the real clock, and
    # invitations made at a fixed past date would be long expired for it.
    return FakeClock(dt.datetime.now(dt.UTC).replace(microsecond=0))


def deliver_many(client, workspace, clock, database, n: int = MANY) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """n invitations by e-mail, each due now: invitation id → address."""
    return {deliver(client, workspace, clock, database, f"P-{i:03}", email=f"c{i:03}@example.com", locale="en"):
            f"c{i:03}@example.com" for i in range(n)}


def email_jobs(database: Database) -> list[Job]:
    with database.read() as s:
        found = list(s.scalars(select(Job).where(Job.kind.in_(sorted(email_pause.KINDS))).order_by(Job.id)))
        s.expunge_all()
    return found


def paused(database: Database) -> email_pause.Pause | None:
    with database.read() as s:
        return email_pause.current(s)


def audit_entries(database: Database) -> list[AuditEntry]:
    with database.read() as s:
        found = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "email_resumed").order_by(AuditEntry.id)))
        s.expunge_all()
    return found


def received_once(server: SmtpServer, addresses: dict[int, str]) -> None:
    got = sorted(r.rcpt_tos[0] for r in server.received)
    assert got == sorted(addresses.values()), "every invitation exactly once"


# --- the lockout that is not --------------------------------------------------------------------


def test_fifty_invitations_and_a_wrong_password_make_one_refused_login_then_resume_when_fixed(
        client, database, workspace, clock, settings, serve: Serve, ca_file: str) -> None:  # noqa: F811
    configure(database, workspace)
    server = serve("starttls")
    server.auth_refusal = HOSTILE  # what the provider says reaches the admin page as text
    addresses = deliver_many(client, workspace, clock, database)
    wrong = configured(server, settings, ca_file=ca_file, password=WRONG)

    # Three hours of a worker at work. Before the breaker: 50 jobs × 8 attempts × 2 mechanisms.
    first = worker(database, wrong, clock)
    for _ in range(18):
        first.run_until_idle()
        clock.advance(minutes=10)
    # A second worker (another process, another machine) with the same settings: it sees the pause.
    worker(database, wrong, clock).run_until_idle()

    assert 1 <= len(server.auth_attempts) <= 2 and not any(a.accepted for a in server.auth_attempts)
    assert server.received == []
    jobs = email_jobs(database)
    assert len(jobs) == MANY
    assert {(j.status, j.attempts) for j in jobs} == {("queued", 0)}  # waiting, no attempt used, none dead
    pause = paused(database)
    assert pause is not None and pause.step == "auth" and "credentials invalid" in pause.error
    assert pause.server == {"host": "127.0.0.1", "port": server.port, "security": "starttls", "username": USER,
                            "ca_file": ca_file, "ca_sha256": sha256_of(ca_file), "password_set": True}
    with database.read() as s:
        row = s.get_one(ChannelPause, "email")
        stored = json.dumps([row.step, row.error, row.fingerprint, row.salt, row.server, row.paused_by])
    assert_no_secret(stored, WRONG)

    login(client, database, workspace, "admin")
    html = client.get("/admin/jobs", params={"lang": "en"}).text
    banner = html[html.index('id="email-paused"'):html.index("</section>", html.index('id="email-paused"'))]
    assert "E-mail is paused" in banner and f"127.0.0.1:{server.port}" in banner
    assert "sign-in (authentication)" in banner
    assert f"{MANY} e-mail jobs of this workspace wait" in banner and "Try again" in banner
    assert 'action="/admin/jobs/email/resume"' in banner
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; credentials" in banner
    zh = client.get("/admin/jobs", params={"lang": "zh"}).text
    assert "邮件发送已暂停" in zh and "登录认证" in zh and "重新尝试" in zh
    assert f"本工作区有 {MANY} 个邮件任务在等待" in zh
    assert_no_secret(html + zh, WRONG)

    # The password fixed (new settings, the worker restarted): it resumes by itself, no one clicks.
    right = configured(server, settings, ca_file=ca_file)
    worker(database, right, clock).run_until_idle()
    received_once(server, addresses)
    assert {j.status for j in email_jobs(database)} == {"done"}
    assert paused(database) is None and audit_entries(database) == []  # no person lifted it
    refused = [a for a in server.auth_attempts if not a.accepted]
    assert len(refused) <= 2 and len(server.auth_attempts) - len(refused) == MANY
    clock.advance(hours=2)
    worker(database, right, clock).run_until_idle()
    assert len(server.received) == MANY  # and nothing twice later
    assert 'id="email-paused"' not in client.get("/admin/jobs", params={"lang": "en"}).text


def _worker_process(database_url: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    proc = subprocess.run([sys.executable, "-m", "doorstep.cli.main", "worker", "--once", "--db", database_url],
                          capture_output=True, text=True, env=base | env, timeout=120)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    return proc


def test_worker_processes_share_the_pause_say_it_in_their_log_and_resume_with_new_settings(
        client, database, database_url: str, workspace, clock, serve: Serve, ca_file: str) -> None:  # noqa: F811
    configure(database, workspace)
    server = serve("starttls")
    addresses = deliver_many(client, workspace, clock, database)

    tripped = _worker_process(database_url, smtp_env(server, ca_file=ca_file, password=WRONG))
    assert "E-MAIL PAUSED for the whole installation (auth)" in tripped.stderr
    assert f"127.0.0.1:{server.port} refused authentication as '{USER}'" in tripped.stderr
    assert "doorstep email resume" in tripped.stderr
    assert_no_secret(tripped.stdout + tripped.stderr, WRONG)
    assert 1 <= len(server.auth_attempts) <= 2

    # Another process, the same wrong settings: not one connection, and its log says why.
    waiting = _worker_process(database_url, smtp_env(server, ca_file=ca_file, password=WRONG))
    assert "e-mail is PAUSED since" in waiting.stderr and len(server.auth_attempts) <= 2
    assert {(j.status, j.attempts) for j in email_jobs(database)} == {("queued", 0)}

    fixed = _worker_process(database_url, smtp_env(server, ca_file=ca_file))
    assert "e-mail resumes: the SMTP settings differ from those that failed" in fixed.stderr
    received_once(server, addresses)
    assert {j.status for j in email_jobs(database)} == {"done"} and paused(database) is None


# --- a person says "try again" --------------------------------------------------------------------


def test_try_again_by_hand_is_audited_and_costs_one_login_while_still_wrong(
        client, database, database_url: str, workspace, clock, settings, serve: Serve, ca_file: str) -> None:  # noqa: F811
    configure(database, workspace)
    server = serve("starttls")
    addresses = deliver_many(client, workspace, clock, database, 3)
    wrong = configured(server, settings, ca_file=ca_file, password=WRONG)
    worker(database, wrong, clock).run_until_idle()
    assert paused(database) is not None and len(server.auth_attempts) == 1

    me = login(client, database, workspace, "admin")
    del client.headers["X-CSRF-Token"]  # a forged form: refused, still paused
    forged = client.post("/admin/jobs/email/resume", data={"csrf_token": "forged"}, headers=ORIGIN)
    assert forged.status_code == 403 and paused(database) is not None
    client.headers["X-CSRF-Token"] = me.csrf
    clock.advance(minutes=1)
    r = client.post("/admin/jobs/email/resume", data={"lang": "zh"}, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/jobs?lang=zh&email=resumed"
    page = client.get(r.headers["location"]).text
    assert "邮件发送已恢复" in page and 'id="email-paused"' not in page
    assert paused(database) is None
    [entry] = audit_entries(database)
    assert (entry.actor_kind, entry.actor, entry.workspace_id, entry.target) == ("user", me.handle, workspace.id,
                                                                                 "channel:email")
    assert entry.details["via"] == "admin jobs page" and entry.details["step"] == "auth"
    assert entry.details["server"] == f"127.0.0.1:{server.port}"
    # The jobs the pause deferred are due now, not in five minutes.
    assert all(j.run_at <= clock.now for j in email_jobs(database))
    assert client.post("/admin/jobs/email/resume", data={"lang": "en"}, headers=ORIGIN).text.count(
        "E-mail was not paused.") == 1  # nothing paused: said, not audited
    assert len(audit_entries(database)) == 1

    # Nothing was fixed: one more refused login, and paused again.
    worker(database, wrong, clock).run_until_idle()
    assert len(server.auth_attempts) == 2 and paused(database) is not None

    # The CLI: status, then resume (an installation-wide act: no workspace), then nothing to resume.
    status = json.loads(run_cli("--db", database_url, "email", "status", "--json").stdout)
    assert status["paused"] is True and status["step"] == "auth" and status["waiting"] == 3
    said = run_cli("--db", database_url, "email", "status")
    assert said.returncode == 0 and "E-mail is PAUSED" in said.stdout and "doorstep email resume" in said.stdout
    resumed = json.loads(run_cli("--db", database_url, "email", "resume", "--json").stdout)
    assert resumed["resumed"] is True and resumed["was"]["step"] == "auth"
    again = run_cli("--db", database_url, "email", "resume")
    assert again.returncode == 0 and "not paused" in again.stdout
    cli_entry = audit_entries(database)[-1]
    assert (cli_entry.actor_kind, cli_entry.workspace_id, cli_entry.details["via"]) == ("cli", None,
                                                                                          "doorstep email resume")
    assert len(audit_entries(database)) == 2

    # Paused once more; `doorstep email test` with the right password proves the settings and lifts it.
    worker(database, wrong, clock).run_until_idle()
    assert len(server.auth_attempts) == 3 and paused(database) is not None
    tested = run_cli("--db", database_url, "email", "test", "--to", "ops@example.com", "--json",
                     env=smtp_env(server, ca_file=ca_file))
    out = json.loads(tested.stdout)
    assert out["ok"] is True and out["resumed"]["step"] == "auth" and paused(database) is None
    assert audit_entries(database)[-1].details["via"] == "doorstep email test"
    worker(database, configured(server, settings, ca_file=ca_file), clock).run_until_idle()
    assert sorted(r.rcpt_tos[0] for r in server.received) == sorted([*addresses.values(), "ops@example.com"])


def test_the_api_shows_the_pause_and_lifts_it_audited(
        client, database, workspace, clock, settings, serve: Serve, ca_file: str) -> None:  # noqa: F811
    configure(database, workspace)
    server = serve("starttls")
    deliver_many(client, workspace, clock, database, 2)
    wrong = configured(server, settings, ca_file=ca_file, password=WRONG)
    worker(database, wrong, clock).run_until_idle()
    key = {"Authorization": f"Bearer {workspace.key}"}

    shown = client.get("/api/v1/email", headers=key)
    assert shown.status_code == 200
    body = shown.json()
    assert body["paused"] is True and body["waiting"] == 2 and body["pause"]["step"] == "auth"
    assert body["pause"]["server"]["host"] == "127.0.0.1" and body["pause"]["server"]["password_set"] is True
    assert_no_secret(shown.text, WRONG)

    lifted = client.post("/api/v1/email/resume", headers=key)
    assert lifted.status_code == 200 and lifted.json() == {"paused": False, "pause": None, "waiting": 2,
                                                           "resumed": True}
    assert paused(database) is None
    [entry] = audit_entries(database)
    assert (entry.actor_kind, entry.workspace_id, entry.details["via"]) == ("key", workspace.id, "api")
    # Nothing paused: nothing done, nothing audited.
    assert client.post("/api/v1/email/resume", headers=key).json()["resumed"] is False
    assert len(audit_entries(database)) == 1
    assert client.get("/api/v1/email", headers=key).json() == {"paused": False, "pause": None, "waiting": 2}


# --- what does not pause ----------------------------------------------------------------------------


def test_transient_failures_keep_the_ordinary_retry_with_backoff(
        client, database, workspace, clock, settings, serve: Serve, ca_file: str) -> None:  # noqa: F811
    configure(database, workspace)
    server = serve("starttls")
    server.auth_refusal = "454 4.7.0 Temporary authentication failure"  # "try later": no lockout ahead
    deliver_many(client, workspace, clock, database, 1)
    refused = configured(server, settings, ca_file=ca_file, password=WRONG)

    worker(database, refused, clock).run_until_idle()
    [job] = email_jobs(database)
    assert (job.status, job.attempts) == ("queued", 1) and "454" in (job.last_error or "")
    assert (job.last_error or "").startswith("SmtpFailed: ") and paused(database) is None
    clock.advance(hours=1)
    worker(database, refused, clock).run_until_idle()
    assert len(server.auth_attempts) == 2 and email_jobs(database)[0].attempts == 2  # retried, counted

    server.stop()  # and a server that is down: retried too
    clock.advance(hours=1)
    right = configured(server, settings, ca_file=ca_file)
    worker(database, right, clock).run_until_idle()
    [job] = email_jobs(database)
    assert (job.status, job.attempts) == ("queued", 3) and "cannot reach" in (job.last_error or "")
    assert paused(database) is None
    server.start()
    clock.advance(hours=2)
    worker(database, right, clock).run_until_idle()
    assert [r.rcpt_tos for r in server.received] == [["c000@example.com"]]


def test_an_untrusted_certificate_pauses_before_any_login_and_a_new_ca_file_resumes(
        client, database, workspace, clock, settings, serve: Serve, ca_file: str) -> None:  # noqa: F811
    configure(database, workspace)
    server = serve("starttls")
    addresses = deliver_many(client, workspace, clock, database, 12)  # more than one worker batch (10)

    worker(database, configured(server, settings, ca_file=None), clock).run_until_idle()
    pause = paused(database)
    assert pause is not None and pause.step == "tls" and "not trusted" in pause.error
    assert server.auth_attempts == [] and {(j.status, j.attempts) for j in email_jobs(database)} == {("queued", 0)}

    worker(database, configured(server, settings, ca_file=ca_file), clock).run_until_idle()
    received_once(server, addresses)
    assert paused(database) is None


# --- no password in clear text ----------------------------------------------------------------------


@pytest.fixture
def base() -> Settings:
    return Settings(database_url="sqlite://", base_url="http://testserver")


def _own_address() -> str | None:
    """This machine's address on its network, if it has one (UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if is_loopback(address) else address


@pytest.fixture
def remote_server() -> Iterator[SmtpServer | None]:
    """A server offering AUTH in clear text on this machine's network address (not loopback)."""
    address = _own_address()
    if address is None:
        yield None
        return
    server = SmtpServer(security="none", credentials=(USER, PASSWORD))
    server.host = address
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_a_login_without_tls_is_refused_unless_the_server_is_on_this_machine(
        base: Settings, remote_server: SmtpServer | None, serve: Serve) -> None:  # noqa: F811
    unroutable = Settings.model_validate(base.model_dump() | {
        "smtp_host": "192.0.2.10", "smtp_port": 25, "smtp_security": "none", "smtp_username": USER,
        "smtp_password": PASSWORD, "smtp_timeout_seconds": 2.0})
    with pytest.raises(SmtpFailed) as raised:
        send_email(unroutable, survey_message(unroutable))
    error = raised.value
    assert (error.step, error.lasting) == ("config", True)  # refused before connecting: not "connect"
    text = str(error)
    assert "clear text" in text and "192.0.2.10:25" in text
    assert "DOORSTEP_SMTP_SECURITY=starttls" in text and "ssl" in text
    assert_no_secret(text)

    if remote_server is not None:  # a real server on a network address: it never hears from us
        settings = Settings.model_validate(remote_server.settings(base).model_dump()
                                           | {"smtp_username": USER, "smtp_password": PASSWORD})
        with pytest.raises(SmtpFailed) as raised:
            send_email(settings, survey_message(settings))
        assert raised.value.step == "config" and remote_server.auth_attempts == [] and remote_server.received == []

    # Without a login, or to this machine, as before: a relay on loopback may be plain.
    local = serve("none")
    settings = configured(local, base, ca_file=None)
    send_email(settings, survey_message(settings))
    [attempt] = local.auth_attempts
    assert attempt.accepted and not attempt.over_tls and len(local.received) == 1


def test_loopback_is_what_is_typed_not_what_a_name_resolves_to() -> None:
    for host in ("127.0.0.1", "127.0.1.1", "::1", "[::1]", "localhost", "LOCALHOST", "localhost."):
        assert is_loopback(host), host
    for host in ("10.0.0.5", "192.0.2.10", "mail.example.com", "localhost.example.com", "smtp.qq.com", ""):
        assert not is_loopback(host), host


def test_a_clear_text_login_in_the_worker_pauses_e_mail_with_the_fix_in_the_message(
        client, database, workspace, clock, settings) -> None:
    configure(database, workspace)
    deliver_many(client, workspace, clock, database, 2)
    plain = Settings.model_validate(settings.model_dump() | {
        "smtp_host": "mail.example.invalid", "smtp_port": 25, "smtp_security": "none", "smtp_username": USER,
        "smtp_password": PASSWORD})
    worker(database, plain, clock).run_until_idle()
    pause = paused(database)
    assert pause is not None and pause.step == "config" and "DOORSTEP_SMTP_SECURITY=starttls" in pause.error
    assert {(j.status, j.attempts) for j in email_jobs(database)} == {("queued", 0)}


# --- the fingerprint ------------------------------------------------------------------------------


def test_the_fingerprint_changes_with_each_setting_and_never_holds_the_password() -> None:
    base = Settings(database_url="sqlite://", smtp_host="smtp.example.com", smtp_port=587, smtp_security="starttls",
                    smtp_username=USER, smtp_password=PASSWORD, smtp_ca_file=None)
    salt = "00" * 16
    same = email_pause.fingerprint(base, salt)
    assert same == email_pause.fingerprint(Settings.model_validate(base.model_dump()), salt) and len(same) == 64
    assert_no_secret(same)
    for change in ({"smtp_password": WRONG}, {"smtp_host": "smtp.example.org"}, {"smtp_port": 465},
                   {"smtp_security": "ssl"}, {"smtp_username": "other@example.com"}, {"smtp_ca_file": "/etc/ca.pem"},
                   {"smtp_password": None}):
        changed = Settings.model_validate(base.model_dump() | change)
        assert email_pause.fingerprint(changed, salt) != same, change
    assert email_pause.fingerprint(base, "11" * 16) != same  # salted: equal passwords do not look equal
    assert "password" not in {k for k in email_pause.server_summary(base) if k != "password_set"}


def test_the_right_ca_put_into_the_same_file_changes_the_fingerprint(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pem = tmp_path / "ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nold\n-----END CERTIFICATE-----\n")
    settings = Settings(database_url="sqlite://", smtp_host="smtp.example.com", smtp_ca_file=str(pem))
    before = email_pause.fingerprint(settings, "00" * 16)
    pem.write_text("-----BEGIN CERTIFICATE-----\nnew\n-----END CERTIFICATE-----\n")
    assert email_pause.fingerprint(settings, "00" * 16) != before
    pem.unlink()  # unreadable is a setting too, and no crash
    assert email_pause.server_summary(settings)["ca_sha256"] == "unreadable"


def sha256_of(path: str) -> str:
    import hashlib

    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def test_every_paused_kind_is_a_job_the_worker_runs() -> None:
    assert set(default_handlers()) >= email_pause.KINDS
