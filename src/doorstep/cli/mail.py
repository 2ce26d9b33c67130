"""`doorstep email test --to ADDRESS`: one test e-mail through the configured SMTP server;
`doorstep email status` and `doorstep email resume`: e-mail's pause.

What an operator runs right after setting DOORSTEP_SMTP_*: the message goes the way every
invitation, brief and password reset goes (TLS as configured and verified, AUTH when a
user name is set), and a failure says what failed and at which server, never the password.
A test e-mail that was accepted also lifts e-mail's pause (doorstep.channels.email_pause):
the settings demonstrably work.
"""

from __future__ import annotations

import datetime as dt
import html
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from doorstep.cli.audit import cli_actor
from doorstep.cli.common import State, cli_errors, console, err, open_database, print_json, say, state
from doorstep.errors import DoorstepError, InvalidInput

# The e-mail channel (smtplib included) and the database layer are imported inside the functions that use
# them: loading the CLI stays cheap (cli/common.py).
if TYPE_CHECKING:
    from doorstep.channels import email_pause
    from doorstep.config import Settings

email_app = typer.Typer(help="E-mail: check the SMTP settings (DOORSTEP_SMTP_*); see or lift e-mail's pause.",
                        no_args_is_help=True)

# Both languages in one message: the operator's own is not known here.
SUBJECT = "Doorstep 测试邮件 · test e-mail"
TEXT = """这是 Doorstep 发出的测试邮件：SMTP 设置可用，调查邀请、提醒、周报和密码重置邮件都会这样发出。

This is a test e-mail from Doorstep: the SMTP settings work, and survey invitations,
reminders, briefs and password resets will go out the same way.

{details}
"""
HTML = """<!doctype html>
<html><body>
<p lang="zh-CN">这是 Doorstep 发出的测试邮件：SMTP 设置可用，调查邀请、提醒、周报和密码重置邮件都会这样发出。</p>
<p lang="en">This is a test e-mail from Doorstep: the SMTP settings work, and survey invitations,
reminders, briefs and password resets will go out the same way.</p>
<pre>{details}</pre>
</body></html>
"""


def register(app: typer.Typer) -> None:
    app.add_typer(email_app, name="email")


def _summary(settings: Settings, to: str) -> dict[str, Any]:
    """The settings in use, as far as they can be shown: no password, only whether one is set."""
    from doorstep.channels.email import smtp_enabled, smtp_server

    return {
        "server": smtp_server(settings) if smtp_enabled(settings) else None,
        "security": settings.smtp_security,
        "username": settings.smtp_username,
        "password_set": bool(settings.smtp_password and settings.smtp_password.get_secret_value()),
        "ca_file": settings.smtp_ca_file,
        "from": settings.smtp_from,
        "to": to,
    }


def _reason(settings: Settings, exc: Exception) -> tuple[str, str]:
    """(step, message) for a failed send; SmtpFailed and our own errors already say it well."""
    import smtplib

    from doorstep.channels.email import SmtpFailed, SmtpRefused, SmtpUncertain, smtp_server

    if isinstance(exc, SmtpFailed):
        return exc.step, str(exc)
    if isinstance(exc, SmtpRefused):
        return "recipient", str(exc)
    if isinstance(exc, SmtpUncertain):
        return "data", f"{exc} (check the mailbox before sending again)"
    where = smtp_server(settings)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refusals = "; ".join(f"{a}: {c} {r.decode('utf-8', 'replace') if isinstance(r, bytes) else r}"
                             for a, (c, r) in exc.recipients.items())
        return "recipient", f"the SMTP server {where} did not take the recipient: {refusals}"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return "data", f"the SMTP server {where} answered {exc.smtp_code} {text}"
    return "data", f"the conversation with the SMTP server {where} failed: {type(exc).__name__}: {exc}"


@email_app.command("test")
@cli_errors
def test(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="Who gets the test e-mail (your own address).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Send one test e-mail with the DOORSTEP_SMTP_* settings; say whether it was accepted, or why not."""
    import smtplib

    from doorstep.channels.email import (
        SmtpFailed,
        SmtpRefused,
        SmtpUncertain,
        SurveyMail,
        build_message,
        message_id,
        send_email,
        smtp_enabled,
    )

    settings = state(ctx).settings
    summary = _summary(settings, to)
    if not smtp_enabled(settings):
        raise InvalidInput("e-mail is off: set DOORSTEP_SMTP_HOST (and DOORSTEP_SMTP_PORT, DOORSTEP_SMTP_SECURITY, "
                           "DOORSTEP_SMTP_USERNAME, DOORSTEP_SMTP_PASSWORD, DOORSTEP_SMTP_FROM)",
                           field="DOORSTEP_SMTP_HOST")
    now = dt.datetime.now(dt.UTC)
    msg_id = message_id(f"email:test:{secrets.token_hex(4)}", now.isoformat(), settings.smtp_from)
    details = "\n".join([*(f"{k}: {v}" for k, v in summary.items() if k != "to"),
                         f"sent at: {now:%Y-%m-%d %H:%M:%S} UTC"])
    mail = SurveyMail(subject=SUBJECT, text=TEXT.format(details=details),
                      html=HTML.format(details=html.escape(details)), lang="zh-CN, en")
    try:
        message = build_message(mail, sender=settings.smtp_from, to_address=to, to_name=None, msg_id=msg_id,
                                date=now)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="--to") from exc
    try:
        send_email(settings, message)
    except (SmtpFailed, SmtpRefused, SmtpUncertain, OSError, smtplib.SMTPException) as exc:
        step, reason = _reason(settings, exc)
        if json_out:
            print_json({"ok": False, "step": step, "error": reason, **summary})
        else:
            err.print(say("error", message=escape(reason)), highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    lifted, unknown = _lift_after_test(state(ctx))
    if json_out:
        print_json({"ok": True, "message_id": msg_id, **summary,
                    "resumed": lifted.as_dict() if lifted is not None else None})
        return
    login = say("mail.as_user", username=summary["username"]) if summary["username"] else say("mail.without_login")
    console.print(say("mail.sent", server=escape(summary["server"]), security=settings.smtp_security,
                      login=escape(login), to=escape(to), message_id=escape(msg_id)), highlight=False, soft_wrap=True)
    if lifted is not None:
        console.print(say("mail.lifted_after_test", since=f"{lifted.paused_at:%Y-%m-%d %H:%M}",
                          step=escape(lifted.step)), highlight=False, soft_wrap=True)
    if unknown:
        err.print(say("mail.note_unknown", reason=escape(unknown)), highlight=False, soft_wrap=True)


def _database_exists(st: State) -> bool:
    """False for a SQLite file that is not there: no installation, so no pause (and a test
    e-mail run from some directory must not leave a new database behind)."""
    from sqlalchemy.engine import make_url

    url = make_url(st.settings.database_url)
    if url.get_backend_name() != "sqlite":
        return True
    path = url.database or ""
    return path not in ("", ":memory:") and Path(path).exists()


def _lift_after_test(st: State) -> tuple[email_pause.Pause | None, str | None]:
    """The settings just worked: lift e-mail's pause, audited. (what was lifted, why we
    could not look) — the test e-mail's result stands either way."""
    from doorstep.channels import email_pause
    from doorstep.db import utcnow

    if not _database_exists(st):
        return None, None
    try:
        db = open_database(st)
    except DoorstepError as exc:
        return None, str(exc)
    try:
        with db.write() as session:
            lifted = email_pause.resume(session, now=utcnow(), actor_kind="cli", actor=cli_actor(), workspace_id=None,
                                        via="doorstep email test")
    finally:
        db.dispose()
    return lifted, None


def _show_pause(pause: email_pause.Pause | None, waiting: int) -> None:
    if pause is None:
        console.print(say("mail.not_paused", count=f"{waiting:,}"), highlight=False)
        return
    server = pause.server
    user = say("mail.as_user", username=server.get("username")) if server.get("username") else ""
    console.print(say("mail.paused", since=f"{pause.paused_at:%Y-%m-%d %H:%M:%S}", step=escape(pause.step),
                      host=escape(str(server.get("host"))), port=server.get("port"),
                      security=escape(str(server.get("security"))), user=escape(user),
                      failed=f"{pause.failed_at:%Y-%m-%d %H:%M:%S}"), highlight=False, soft_wrap=True)
    console.print(f"  {escape(pause.error)}", highlight=False, soft_wrap=True)
    console.print(say("mail.paused_waiting", count=f"{waiting:,}"), highlight=False, soft_wrap=True)


@email_app.command("status")
@cli_errors
def status(ctx: typer.Context, json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Whether e-mail is paused (after a refused login, an untrusted certificate or unusable
    settings), since when and why, and how many e-mail jobs wait."""
    from doorstep.channels import email_pause

    db = open_database(state(ctx))
    try:
        with db.read() as session:
            pause = email_pause.current(session)
            waiting = email_pause.waiting(session)
    finally:
        db.dispose()
    if json_out:
        print_json((pause.as_dict() if pause is not None else {"paused": False}) | {"waiting": waiting})
        return
    _show_pause(pause, waiting)


@email_app.command("resume")
@cli_errors
def resume(ctx: typer.Context, json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Lift e-mail's pause by hand ("try again"), once the cause is fixed outside Doorstep
    (the provider unlocked the account). Recorded in the audit log. New SMTP settings need
    no resume: the worker sees them and resumes by itself. If the server refuses again,
    e-mail pauses again after one attempt."""
    from doorstep.channels import email_pause
    from doorstep.db import utcnow

    db = open_database(state(ctx))
    try:
        with db.write() as session:
            lifted = email_pause.resume(session, now=utcnow(), actor_kind="cli", actor=cli_actor(), workspace_id=None,
                                        via="doorstep email resume")
            waiting = email_pause.waiting(session)
    finally:
        db.dispose()
    if json_out:
        print_json({"resumed": lifted is not None, "was": lifted.as_dict() if lifted is not None else None,
                    "waiting": waiting})
        return
    if lifted is None:
        console.print(say("mail.nothing_to_resume"), highlight=False)
        return
    console.print(say("mail.resumed", since=f"{lifted.paused_at:%Y-%m-%d %H:%M}", step=escape(lifted.step),
                      count=f"{waiting:,}"), highlight=False, soft_wrap=True)

