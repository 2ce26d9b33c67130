"""`doorstep email test --to ADDRESS`: one test e-mail through the configured SMTP server.

What an operator runs right after setting DOORSTEP_SMTP_*: the message goes the way every
invitation, brief and password reset goes (TLS as configured and verified, AUTH when a
user name is set), and a failure says what failed and at which server, never the password.
"""

from __future__ import annotations

import datetime as dt
import html
import secrets
import smtplib
from typing import Annotated, Any

import typer
from rich.markup import escape

from doorstep.channels.email import (
    SmtpFailed,
    SmtpRefused,
    SmtpUncertain,
    SurveyMail,
    build_message,
    message_id,
    send_email,
    smtp_enabled,
    smtp_server,
)
from doorstep.cli.common import cli_errors, console, err, print_json, state
from doorstep.config import Settings
from doorstep.errors import InvalidInput

email_app = typer.Typer(help="E-mail: check the SMTP settings (DOORSTEP_SMTP_*).", no_args_is_help=True)

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
            err.print(f"[bold red]error:[/] {escape(reason)}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if json_out:
        print_json({"ok": True, "message_id": msg_id, **summary})
        return
    login = f" as {summary['username']}" if summary["username"] else " without login"
    console.print(f"Sent: the SMTP server {escape(summary['server'])} ({settings.smtp_security}{escape(login)}) "
                  f"accepted a test e-mail to {escape(to)}, Message-ID {escape(msg_id)}. Check that it arrived "
                  "(and not in spam).", highlight=False, soft_wrap=True)

