"""E-mail the way every real provider takes it: TLS (STARTTLS on 587, implicit on 465) and AUTH.

The server is a real aiosmtpd on loopback with a certificate from a test CA made here
(trustme); Doorstep trusts that CA only through DOORSTEP_SMTP_CA_FILE, so every test that
sends also proves the certificate was verified. What must hold: a message arrives intact
in each mode; a wrong password is a clear error naming the server and "authentication",
and the password (nor its base64, which is what goes over the wire) is never in an error,
a log line or a job's last_error; an untrusted certificate or a server without STARTTLS
is refused, with nothing sent in clear text; `doorstep email test` does the same and
prints no secret.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import ssl
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
import trustme
from tests.channels.smtp import SmtpServer, smtp_server  # noqa: F401  (the fixture)
from tests.channels.test_email import configure, deliver, job_of, worker

from conftest import FakeClock, WorkspaceHandle, run_cli
from doorstep.channels.email import SmtpFailed, build_message, message_id, render_survey_mail, send_email
from doorstep.config import Settings
from doorstep.db import Database

USER = "surveys@doorstep.test"
PASSWORD = "s3cret-Auth-Code-7Qz"
WRONG = "wrong-Password-9Xk"

Serve = Callable[..., SmtpServer]


def secret_forms(user: str, password: str) -> list[str]:
    """The password as typed and as it travels: base64 alone (LOGIN), and in PLAIN's "\\0user\\0password"."""
    def b64(raw: str) -> str:
        return base64.b64encode(raw.encode()).decode()

    return [password, b64(password), b64(f"\0{user}\0{password}")]


def assert_no_secret(text: str, password: str = PASSWORD) -> None:
    for form in secret_forms(USER, password):
        assert form not in text, f"the password (as {form!r}) leaked into: {text[:300]}"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA(organization_name="Doorstep test CA")


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "company-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def serve(ca: trustme.CA) -> Iterator[Serve]:
    """Start an SMTP server on a free loopback port: ``serve("starttls")``, ``serve("ssl",
    issuer=other_ca)``, ``serve("ssl", names=("mail.example.test",))``, ``serve("none")``…;
    it requires AUTH as USER/PASSWORD unless ``credentials=None``."""
    started: list[SmtpServer] = []

    def start(security: str, *, issuer: trustme.CA | None = None, names: tuple[str, ...] = ("127.0.0.1",),
              credentials: tuple[str, str] | None = (USER, PASSWORD),
              mechanisms: tuple[str, ...] = ("LOGIN", "PLAIN")) -> SmtpServer:
        tls = None
        if security != "none":
            tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            (issuer or ca).issue_cert(*names).configure_cert(tls)
        server = SmtpServer(security=security, tls=tls, credentials=credentials,  # type: ignore[arg-type]
                            mechanisms=mechanisms)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def base() -> Settings:
    return Settings(database_url="sqlite://", base_url="http://testserver")


def configured(server: SmtpServer, base: Settings, *, ca_file: str | None, password: str | None = PASSWORD,
               **update: object) -> Settings:
    """Doorstep's settings for ``server``: its security, the login, the CA file."""
    login: dict[str, object] = {"smtp_username": USER, "smtp_password": password} if password is not None else {}
    return Settings.model_validate(server.settings(base).model_dump() | login | {"smtp_ca_file": ca_file} | update)


def survey_message(settings: Settings, to: str = "li@example.com") -> EmailMessage:
    mail = render_survey_mail(purpose="invitation", survey_kind="nps", lang="zh-CN", base_url="http://testserver",
                              token="tok-123", workspace_name="顺丰同城 · Demo", reference="SF-88",
                              customer_name="李雷", expires_at=None)
    return build_message(mail, sender=settings.smtp_from, to_address=to, to_name="李雷",
                         msg_id=message_id("email:invitation:1", "tok-123", settings.smtp_from),
                         date=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))


def failure(settings: Settings, server: SmtpServer | None = None) -> SmtpFailed:
    with pytest.raises(SmtpFailed) as raised:
        send_email(settings, survey_message(settings))
    if server is not None:
        assert server.received == [], "nothing may be handed over when the send failed"
    return raised.value


# --- it arrives ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("security", "mechanism"),
                         [("starttls", "PLAIN"), ("starttls", "LOGIN"), ("ssl", "PLAIN"), ("ssl", "LOGIN")])
def test_message_arrives_intact_over_tls_after_auth(serve: Serve, base: Settings, ca_file: str, security: str,
                                                    mechanism: str) -> None:
    server = serve(security, mechanisms=(mechanism,))
    settings = configured(server, base, ca_file=ca_file)
    sent = survey_message(settings)

    send_email(settings, sent)

    assert server.auth_attempts and server.auth_attempts[-1].accepted
    [attempt] = server.auth_attempts
    assert (attempt.mechanism, attempt.login, attempt.over_tls) == (mechanism, USER, True)
    [received] = server.received
    assert received.rcpt_tos == ["li@example.com"] and received.mail_from == "surveys@doorstep.test"
    got = received.message
    for header in ("Subject", "From", "To", "Message-ID", "Date", "Content-Language", "Auto-Submitted"):
        assert str(got[header]) == str(sent[header]), header
    assert "顺丰同城" in got["Subject"] and got["To"].addresses[0].display_name == "李雷"
    for kind in ("plain", "html"):
        got_part, sent_part = got.get_body((kind,)), sent.get_body((kind,))
        assert got_part is not None and sent_part is not None
        assert got_part.get_content() == sent_part.get_content(), kind
    assert "李雷" in got.get_body(("plain",)).get_content()  # type: ignore[union-attr]


# --- wrong password -----------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_wrong_password_names_the_server_and_authentication_never_the_password(
        serve: Serve, base: Settings, ca_file: str, security: str, caplog: pytest.LogCaptureFixture) -> None:
    server = serve(security)
    settings = configured(server, base, ca_file=ca_file, password=WRONG)
    caplog.set_level(logging.DEBUG)

    error = failure(settings, server)

    text = str(error)
    assert error.step == "auth"
    assert f"127.0.0.1:{server.port}" in text and "authentication" in text and USER in text
    assert "535" in text and "DOORSTEP_SMTP_PASSWORD" in text
    assert_no_secret(text, WRONG)
    assert_no_secret(repr(error), WRONG)
    assert_no_secret(str(error.__cause__ or ""), WRONG)
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert_no_secret(ours, WRONG)
    # One login, with one mechanism (smtplib's login() would go on to LOGIN after PLAIN: two failures
    # each time, which providers count towards a lockout); refused, over TLS.
    [attempt] = server.auth_attempts
    assert (attempt.mechanism, attempt.accepted, attempt.over_tls) == ("PLAIN", False, True)
    assert error.lasting  # a 535 stays a 535 until someone changes the password: e-mail pauses


def test_non_ascii_password_is_a_clear_error_without_the_password(serve: Serve, base: Settings, ca_file: str) -> None:
    server = serve("starttls")
    password = "pässwort-长城-42"
    error = failure(configured(server, base, ca_file=ca_file, password=password), server)
    assert error.step == "auth" and "ASCII" in str(error) and f"127.0.0.1:{server.port}" in str(error)
    assert password not in str(error) and "ä" not in str(error) and error.__cause__ is None
    assert error.__suppress_context__


def test_wrong_password_in_the_worker_leaves_it_out_of_last_error_and_logs_then_sends_once_fixed(
        client, database: Database, workspace: WorkspaceHandle, clock: FakeClock, settings: Settings,
        serve: Serve, ca_file: str, caplog: pytest.LogCaptureFixture) -> None:
    configure(database, workspace)
    server = serve("starttls")
    invitation_id = deliver(client, workspace, clock, database, "TLS-1", email="li@example.com", locale="zh-CN")
    caplog.set_level(logging.DEBUG)

    worker(database, configured(server, settings, ca_file=ca_file, password=WRONG), clock).run_until_idle()

    job = job_of(database, "invitation.send", invitation_id)
    # Not accepted, and e-mail is paused (tests/channels/test_email_pause.py): the job waits, attempt not counted.
    assert job.status == "queued" and job.attempts == 0
    error = job.last_error or ""
    assert error.startswith("e-mail paused (auth)") and "authentication" in error
    assert f"127.0.0.1:{server.port}" in error
    assert_no_secret(error, WRONG)
    assert_no_secret("\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")), WRONG)
    assert server.received == []

    # The right password: the worker sees other settings, resumes by itself, and the job is due at once.
    worker(database, configured(server, settings, ca_file=ca_file), clock).run_until_idle()
    assert job_of(database, "invitation.send", invitation_id).status == "done"
    [received] = server.received
    assert received.rcpt_tos == ["li@example.com"] and "邀请您评价本次服务" in received.message["Subject"]


# --- certificates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["starttls", "ssl"])
@pytest.mark.parametrize("case", ["other CA", "system trust only", "wrong host name"])
def test_a_certificate_that_is_not_trusted_is_refused_before_the_password_is_sent(
        serve: Serve, base: Settings, ca_file: str, security: str, case: str) -> None:
    if case == "other CA":  # a certificate from someone else's CA, ours configured
        server, trusted = serve(security, issuer=trustme.CA()), ca_file
    elif case == "system trust only":  # no CA file: the test CA is in no system store, no fallback
        server, trusted = serve(security), None
    else:  # our CA, but issued for another name than the one we connect to
        server, trusted = serve(security, names=("mail.example.test",)), ca_file

    error = failure(configured(server, base, ca_file=trusted), server)

    text = str(error)
    assert error.step == "tls" and f"127.0.0.1:{server.port}" in text
    assert "not trusted" in text and "DOORSTEP_SMTP_CA_FILE" in text and "nothing was sent" in text
    if case == "wrong host name":
        assert "127.0.0.1" in text.split("not trusted", 1)[1]  # the verifier's reason: the name
    assert server.auth_attempts == []  # the password never went to the impostor
    assert_no_secret(text)


def test_ca_file_that_cannot_be_used_is_named(serve: Serve, base: Settings, tmp_path: Path) -> None:
    server = serve("starttls")
    missing = tmp_path / "nope.pem"
    error = failure(configured(server, base, ca_file=str(missing)), server)
    assert error.step == "config" and str(missing) in str(error) and "DOORSTEP_SMTP_CA_FILE" in str(error)
    assert "No such file" in str(error)

    junk = tmp_path / "junk.pem"
    junk.write_text("this is not a certificate\n", encoding="utf-8")
    error = failure(configured(server, base, ca_file=str(junk)), server)
    assert error.step == "config" and str(junk) in str(error)
    assert server.auth_attempts == []


# --- no clear text ---------------------------------------------------------------------------------


def test_starttls_against_a_server_without_it_fails_instead_of_sending_in_clear(serve: Serve, base: Settings,
                                                                               ca_file: str) -> None:
    server = serve("none")  # offers AUTH in clear text, no STARTTLS: a relay set up badly
    settings = configured(server, base, ca_file=ca_file, smtp_security="starttls")

    error = failure(settings, server)

    assert error.step == "tls" and f"127.0.0.1:{server.port}" in str(error)
    assert "does not offer STARTTLS" in str(error) and "clear text" in str(error)
    assert server.auth_attempts == []  # neither the password nor a message went out unencrypted


def test_login_without_tls_to_a_server_that_offers_auth_only_after_starttls_says_so(
        serve: Serve, base: Settings, ca_file: str) -> None:
    server = serve("starttls")
    error = failure(configured(server, base, ca_file=ca_file, smtp_security="none"), server)
    assert error.step == "auth" and "does not offer authentication" in str(error)
    assert "DOORSTEP_SMTP_SECURITY=starttls" in str(error)
    assert server.auth_attempts == []


def test_server_requiring_auth_when_no_user_is_set_says_what_to_set(serve: Serve, base: Settings,
                                                                     ca_file: str) -> None:
    server = serve("ssl")
    error = failure(configured(server, base, ca_file=ca_file, password=None), server)
    assert error.step == "sender" and "530" in str(error) and "DOORSTEP_SMTP_USERNAME" in str(error)


def test_the_wrong_security_mode_for_the_port_says_which_to_use(serve: Serve, base: Settings, ca_file: str) -> None:
    starttls = serve("starttls")  # a 587-style server, approached with TLS from the first byte
    error = failure(configured(starttls, base, ca_file=ca_file, smtp_security="ssl"), starttls)
    assert error.step == "tls" and f"127.0.0.1:{starttls.port}" in str(error)
    assert "DOORSTEP_SMTP_SECURITY=ssl" in str(error) and "465" in str(error) and "587" in str(error)

    implicit = serve("ssl")  # a 465-style server waits for the TLS handshake; a plain client waits for a greeting
    error = failure(configured(implicit, base, ca_file=ca_file, smtp_security="starttls", smtp_timeout_seconds=1.0),
                    implicit)
    assert error.step == "connect" and "did not answer within 1 s" in str(error)
    assert "DOORSTEP_SMTP_SECURITY=starttls" in str(error) and "465" in str(error)


def test_ca_file_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, ca_file: str) -> None:
    monkeypatch.setenv("DOORSTEP_SMTP_CA_FILE", ca_file)
    assert Settings().smtp_ca_file == ca_file
    monkeypatch.delenv("DOORSTEP_SMTP_CA_FILE")
    assert Settings().smtp_ca_file is None  # the default: the system's trust store only


# --- doorstep email test -----------------------------------------------------------------------------


def smtp_env(server: SmtpServer, *, ca_file: str | None, password: str = PASSWORD) -> dict[str, str]:
    env = {"DOORSTEP_SMTP_HOST": server.host, "DOORSTEP_SMTP_PORT": str(server.port),
           "DOORSTEP_SMTP_SECURITY": server.security, "DOORSTEP_SMTP_USERNAME": USER,
           "DOORSTEP_SMTP_PASSWORD": password, "DOORSTEP_SMTP_FROM": f"Doorstep <{USER}>",
           "DOORSTEP_SMTP_TIMEOUT_SECONDS": "5"}
    if ca_file:
        env["DOORSTEP_SMTP_CA_FILE"] = ca_file
    return env


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_email_test_command_sends_one_message_over_tls_and_auth(serve: Serve, ca_file: str, security: str) -> None:
    server = serve(security)
    env = smtp_env(server, ca_file=ca_file)

    done = run_cli("email", "test", "--to", "ops@example.com", "--json", env=env)

    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["ok"] is True and out["server"] == f"127.0.0.1:{server.port}" and out["security"] == security
    assert (out["username"], out["password_set"], out["ca_file"], out["to"]) == (USER, True, ca_file,
                                                                                   "ops@example.com")
    assert "password" not in {k for k in out if k != "password_set"}
    [received] = server.received
    assert received.rcpt_tos == ["ops@example.com"] and server.auth_attempts[-1].accepted
    message = received.message
    assert message["Message-ID"] == out["message_id"] and "测试邮件" in message["Subject"]
    assert out["message_id"].startswith("<test-") and out["message_id"].endswith("@doorstep.test>")
    assert "test e-mail" in message["Subject"]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "SMTP 设置可用" in text and "the SMTP settings work" in text and f"127.0.0.1:{server.port}" in text
    assert_no_secret(done.stdout + done.stderr + received.raw.decode("utf-8", "replace"))

    said = run_cli("email", "test", "--to", "ops@example.com", env=env)
    assert said.returncode == 0 and "accepted a test e-mail to ops@example.com" in said.stdout
    assert f"127.0.0.1:{server.port}" in said.stdout and f"as {USER}" in said.stdout
    assert_no_secret(said.stdout + said.stderr)
    assert len(server.received) == 2


def test_email_test_command_reports_a_wrong_password_clearly_and_never_prints_it(serve: Serve, ca_file: str) -> None:
    server = serve("starttls")
    env = smtp_env(server, ca_file=ca_file, password=WRONG)

    failed = run_cli("email", "test", "--to", "ops@example.com", "--json", env=env)

    assert failed.returncode == 1
    out = json.loads(failed.stdout)
    assert out["ok"] is False and out["step"] == "auth" and out["password_set"] is True
    assert "authentication" in out["error"] and f"127.0.0.1:{server.port}" in out["error"]
    said = run_cli("email", "test", "--to", "ops@example.com", env=env)
    assert said.returncode == 1 and said.stdout == ""
    assert "error:" in said.stderr and "authentication" in said.stderr
    for run in (failed, said):
        assert_no_secret(run.stdout + run.stderr, WRONG)
    assert server.received == []


def test_email_test_command_refuses_an_untrusted_certificate(serve: Serve) -> None:
    server = serve("ssl")
    failed = run_cli("email", "test", "--to", "ops@example.com", "--json", env=smtp_env(server, ca_file=None))
    assert failed.returncode == 1
    out = json.loads(failed.stdout)
    assert out["step"] == "tls" and "not trusted" in out["error"] and "DOORSTEP_SMTP_CA_FILE" in out["error"]
    assert server.received == [] and server.auth_attempts == []


def test_email_test_command_without_smtp_or_with_a_bad_address_says_what_is_missing(serve: Serve,
                                                                                    ca_file: str) -> None:
    off = run_cli("email", "test", "--to", "ops@example.com")
    assert off.returncode == 2 and "DOORSTEP_SMTP_HOST" in off.stderr and "e-mail is off" in off.stderr

    server = serve("starttls")
    bad = run_cli("email", "test", "--to", "not-an-address", env=smtp_env(server, ca_file=ca_file))
    assert bad.returncode == 2 and "--to" in bad.stderr and "not an e-mail address" in bad.stderr
    assert server.received == []
