"""Survey invitations and reminders by e-mail: rendering, SMTP, and the two job handlers.

Exactly once in effect. The worker runs a job at least once, so before talking to the
SMTP server the handler records a send key (``email:invitation:<id>``) as ``sending``
in a transaction of its own, and confirms it as ``sent`` once the server accepted the
message. A key found ``sending`` means an earlier attempt died between the two: the
message may or may not have gone out, and a duplicate e-mail to a customer is worse
than one a person re-sends, so that job goes to the dead letters instead of sending.
An SMTP error before the server took the message means "not accepted": the key is
removed again and the worker retries with backoff, unless no retry can fix it (a refused
login, an untrusted certificate): then e-mail pauses for the whole installation and the
jobs wait (doorstep.channels.email_pause), so a wrong password is one failed login.

The 0–10 scale is eleven links in the e-mail itself (``/s/<token>?score=N``): one click
records the score and the page then asks why (see doorstep.web.pages).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr
from functools import partial
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import jinja2
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstep.accounts.models import Workspace
from doorstep.accounts.services import workspace_settings
from doorstep.channels import email_pause
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.deliveries.models import Customer, Delivery
from doorstep.jobs import services as jobs
from doorstep.jobs.models import SentKey
from doorstep.jobs.worker import Handler, JobContext, JobView, Permanent
from doorstep.surveys.models import Invitation
from doorstep.surveys.timing import outside_quiet_hours, zone
from doorstep.web.i18n import normalise, t, url_code

log = logging.getLogger("doorstep.email")

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates" / "email"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html"], default_for_string=False, default=False),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

Purpose = Literal["invitation", "reminder"]


# --- rendering ------------------------------------------------------------------------


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML shows by ``<img src="cid:{cid}">`` (``cid`` without angle brackets)."""

    cid: str
    data: bytes
    filename: str
    subtype: str = "png"


@dataclass(frozen=True)
class SurveyMail:
    """What one e-mail says, before it becomes a MIME message."""

    subject: str
    text: str
    html: str
    lang: str
    images: tuple[InlineImage, ...] = ()  # for the HTML part (the brief's charts)


def survey_url(base_url: str, token: str, lang: str, score: int | None = None) -> str:
    params: dict[str, str] = {}
    if score is not None:
        params["score"] = str(score)
    params["lang"] = url_code(lang)
    return f"{base_url.rstrip('/')}/s/{token}?{urlencode(params)}"


def mail_language(customer_locale: str | None, workspace_locale: str | None) -> str:
    """The customer's language when we speak it, else the workspace's, else English."""
    return normalise(customer_locale) or normalise(workspace_locale) or "en"


def render_survey_mail(
    *,
    purpose: Purpose,
    survey_kind: str,
    lang: str,
    base_url: str,
    token: str,
    workspace_name: str,
    reference: str,
    customer_name: str | None,
    expires_at: dt.datetime | None,
) -> SurveyMail:
    """The invitation or reminder for an ``nps`` survey or a ``resurvey`` (a case was
    worked on: "how likely now…"), in ``lang``, as plain text and HTML."""
    # Literal message ids (no f-strings): tests/web/test_i18n.py finds every id a page uses.
    if survey_kind == "resurvey":
        subject = t(lang, "email.resurvey.subject", workspace=workspace_name)
        intro = t(lang, "email.resurvey.intro", workspace=workspace_name, reference=reference)
        question = t(lang, "email.resurvey.question", workspace=workspace_name)
    else:
        subject = t(lang, "email.nps.subject", workspace=workspace_name)
        intro = t(lang, "email.nps.intro", workspace=workspace_name, reference=reference)
        question = t(lang, "email.nps.question", workspace=workspace_name)
    reminder_note = None
    if purpose == "reminder":
        subject = t(lang, "email.reminder.subject", subject=subject)
        reminder_note = t(lang, "email.reminder.note")
    greeting = t(lang, "email.greeting_name", name=customer_name) if customer_name else t(lang, "email.greeting")
    context: dict[str, Any] = {
        "lang": lang,
        "t": partial(t, lang),
        "purpose": purpose,
        "subject": subject,
        "greeting": greeting,
        "intro": intro,
        "reminder_note": reminder_note,
        "question": question,
        "scale": [(n, survey_url(base_url, token, lang, n)) for n in range(11)],
        "survey_link": survey_url(base_url, token, lang),
        "workspace_name": workspace_name,
        "reference": reference,
        "expires": expires_at.astimezone(dt.UTC).strftime("%Y-%m-%d") if expires_at else None,
    }
    text = _env.get_template("survey.txt").render(context)
    html = _env.get_template("survey.html").render(context)
    return SurveyMail(subject=subject, text=text, html=html, lang=lang)


def message_id(send_key: str, token: str, sender: str) -> str:
    """The same for every attempt at one send, so a receiver that sees it twice (a retry
    after a lost reply) can drop the copy. The token keeps it unique across installations."""
    digest = hashlib.sha256(f"{send_key}:{token}".encode()).hexdigest()[:24]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "doorstep.invalid"
    # Short enough to stay on the header's line (a folded Message-ID confuses some receivers).
    return f"<{send_key.removeprefix('email:').replace(':', '-')}.{digest}@{domain}>"


def build_message(
    mail: SurveyMail, *, sender: str, to_address: str, to_name: str | None, msg_id: str, date: dt.datetime
) -> EmailMessage:
    """A multipart/alternative message: the text, then the HTML (as multipart/related with
    ``mail.images`` when there are any). Raises ValueError for an address that cannot be
    put in a header (no ``@``, line breaks…): no retry will fix that."""
    address = to_address.strip()
    local, at, domain = address.rpartition("@")
    if not (at and local and domain) or any(c.isspace() or c in "<>," for c in address):
        raise ValueError(f"'{address[:80]}' is not an e-mail address")
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = Address(display_name=(to_name or "").strip(), addr_spec=address)
    message["Date"] = format_datetime(date.astimezone(dt.UTC))
    message["Message-ID"] = msg_id
    # An invitation is machine-sent: out-of-office replies and Outlook's auto-answers stay away.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(mail.text, charset="utf-8")
    message.add_alternative(mail.html, subtype="html", charset="utf-8")
    if mail.images:
        html = message.get_body(preferencelist=("html",))
        assert html is not None
        for image in mail.images:  # the HTML part becomes multipart/related: html, then each image
            html.add_related(image.data, maintype="image", subtype=image.subtype, cid=f"<{image.cid}>",
                             disposition="inline", filename=image.filename)
    message["Content-Language"] = mail.lang  # after the parts: set_content drops Content-* headers
    return message


# --- SMTP -----------------------------------------------------------------------------


class SmtpRefused(Exception):
    """The server refused this message for good (5xx on RCPT or DATA): retrying cannot help."""


class SmtpUncertain(Exception):
    """The connection failed after the whole message was sent and before the server's
    answer: it may have been accepted. Never retried automatically."""


class SmtpFailed(Exception):
    """The message was not handed over: the server could not be reached, refused TLS or
    the login, or the settings cannot work. Not accepted, so a retry may send it. ``str()``
    names the server and the step and is safe to show and store: never the password.
    ``step`` is one of config, connect, tls, auth, sender.

    ``lasting``: no retry can fix it until someone changes the settings (a refused login,
    a certificate we do not trust, settings that cannot work). Retrying those is worse
    than useless: every failed login counts against the account, and providers lock it
    (or block our address) after a few, so e-mail pauses instead (doorstep.channels.email_pause)."""

    def __init__(self, message: str, *, step: str, lasting: bool | None = None) -> None:
        super().__init__(message)
        self.step = step
        self.lasting = step == "config" if lasting is None else lasting


def smtp_enabled(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def smtp_server(settings: Settings) -> str:
    """``host:port``, as error messages name the server."""
    return f"{settings.smtp_host}:{settings.smtp_port}"


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Certificates verified against the system's trust store, plus ``smtp_ca_file`` (a
    private CA's PEM) when set; the host name checked. Never an unverified fallback."""
    context = ssl.create_default_context()
    if settings.smtp_ca_file:
        try:
            context.load_verify_locations(cafile=settings.smtp_ca_file)
        except (OSError, ssl.SSLError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise SmtpFailed(f"cannot use DOORSTEP_SMTP_CA_FILE={settings.smtp_ca_file} (CA certificates in "
                             f"PEM form, to trust the SMTP server {smtp_server(settings)}): {reason}",
                             step="config") from exc
    return context


def _security_hint(settings: Settings) -> str:
    return (f"is DOORSTEP_SMTP_SECURITY={settings.smtp_security} right for port {settings.smtp_port}? "
            "ssl is TLS from the first byte (usually port 465), starttls upgrades a plain connection "
            "(usually port 587)")


def _connect(settings: Settings) -> smtplib.SMTP:
    """A connection ready for AUTH and MAIL: TLS set up and verified as ``smtp_security``
    asks. Raises SmtpFailed (naming the server and what failed) for anything less."""
    assert settings.smtp_host
    where, timeout = smtp_server(settings), settings.smtp_timeout_seconds
    context = tls_context(settings) if settings.smtp_security != "none" else None
    smtp: smtplib.SMTP | None = None
    try:
        if settings.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout, context=context)
            return smtp
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        if settings.smtp_security == "starttls":
            code, reply = smtp.ehlo()
            if code != 250:
                raise SmtpFailed(f"the SMTP server {where} refused EHLO: {code} {_text(reply)}", step="connect")
            if not smtp.has_extn("starttls"):
                # Never go on in clear text: the password and the customers' addresses would be readable.
                raise SmtpFailed(f"the SMTP server {where} does not offer STARTTLS, and DOORSTEP_SMTP_SECURITY="
                                 "starttls: nothing was sent in clear text. Use ssl if it expects TLS from the "
                                 "first byte (usually port 465)", step="tls", lasting=True)
            smtp.starttls(context=context)
            smtp.ehlo()
        return smtp
    except BaseException as exc:
        if smtp is not None:
            smtp.close()
        if isinstance(exc, SmtpFailed):
            raise
        if isinstance(exc, ssl.SSLCertVerificationError):
            why = str(exc.verify_message or exc.reason or exc).rstrip(".")
            raise SmtpFailed(
                f"the SMTP server {where} presented a TLS certificate that is not trusted "
                f"({why}): nothing was sent. If it is signed by a private CA, set "
                "DOORSTEP_SMTP_CA_FILE to that CA's certificate (PEM); check that DOORSTEP_SMTP_HOST is the name "
                "on the certificate", step="tls", lasting=True) from exc
        if isinstance(exc, ssl.SSLError):
            raise SmtpFailed(f"TLS with the SMTP server {where} failed ({exc.reason or exc}): "
                             f"{_security_hint(settings)}", step="tls") from exc
        if isinstance(exc, TimeoutError) or (isinstance(exc, smtplib.SMTPServerDisconnected)
                                             and "timed out" in str(exc)):
            raise SmtpFailed(f"the SMTP server {where} did not answer within {timeout:g} s: a firewall in the way, "
                             f"or {_security_hint(settings)}", step="connect") from exc
        if isinstance(exc, smtplib.SMTPResponseException):
            raise SmtpFailed(f"the SMTP server {where} refused the connection: {exc.smtp_code} "
                             f"{_text(exc.smtp_error)}", step="connect") from exc
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            raise SmtpFailed(f"the SMTP server {where} closed the connection: {_security_hint(settings)}",
                             step="connect") from exc
        if isinstance(exc, OSError):
            raise SmtpFailed(f"cannot reach the SMTP server {where}: {exc.strerror or exc}",
                             step="connect") from exc
        raise


# Over TLS (or on this machine) PLAIN is as safe as any and works with every account;
# CRAM-MD5 needs the password stored in clear on the server and fails for many.
AUTH_PREFERENCE = ("PLAIN", "LOGIN", "CRAM-MD5")


def _authenticate(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """One AUTH exchange with one mechanism: the first of AUTH_PREFERENCE the server offers.

    Not smtplib's ``login()``: that tries every mechanism the server offers, one after the
    other, so a wrong password costs two or three failed logins each time; providers count
    them and lock the account. One refusal is all the answer we need."""
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    offered = smtp.esmtp_features["auth"].upper().split()
    mechanism = next((m for m in AUTH_PREFERENCE if m in offered), None)
    if mechanism is None:
        raise smtplib.SMTPException("No suitable authentication method found.")
    smtp.user, smtp.password = user, password  # what smtplib's auth_* callbacks read
    # smtplib's own answer for the mechanism (auth_plain, auth_login, auth_cram_md5).
    answer = getattr(smtp, "auth_" + mechanism.lower().replace("-", "_"))
    try:
        smtp.auth(mechanism, answer)  # SMTPAuthenticationError for anything but 235 (or 503: already in)
    finally:
        smtp.password = ""  # not kept on the connection object


def _login(smtp: smtplib.SMTP, settings: Settings) -> None:
    """AUTH with the configured account, once. The messages name the server and the user,
    never the password (nor its base64, which is what goes over the wire). A refusal with
    a 5xx code is ``lasting`` (the password is wrong until someone changes it); 4xx
    ("try again later") and a dropped connection are not."""
    assert settings.smtp_username
    where, user = smtp_server(settings), settings.smtp_username
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
    try:
        _authenticate(smtp, user, password)
    except UnicodeEncodeError:
        # smtplib sends both as ASCII. `from None`: the encoding error holds the password.
        raise SmtpFailed(f"cannot authenticate with the SMTP server {where}: the user name or password has "
                         "characters other than ASCII, which SMTP authentication here cannot send",
                         step="auth", lasting=True) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpFailed(f"the SMTP server {where} refused authentication as '{user}': {exc.smtp_code} "
                         f"{_text(exc.smtp_error)}. Check DOORSTEP_SMTP_USERNAME and DOORSTEP_SMTP_PASSWORD "
                         "(many providers want an app password or an authorisation code, not the mailbox's "
                         "own)", step="auth", lasting=500 <= exc.smtp_code < 600) from exc
    except smtplib.SMTPNotSupportedError as exc:
        hint = ("; most servers offer it only over TLS: set DOORSTEP_SMTP_SECURITY=starttls (or ssl)"
                if settings.smtp_security == "none" else "")
        raise SmtpFailed(f"the SMTP server {where} does not offer authentication (AUTH) on this connection, and "
                         f"DOORSTEP_SMTP_USERNAME is set{hint}", step="auth", lasting=True) from exc
    except smtplib.SMTPResponseException as exc:
        raise SmtpFailed(f"authentication with the SMTP server {where} failed: {exc.smtp_code} "
                         f"{_text(exc.smtp_error)}", step="auth", lasting=500 <= exc.smtp_code < 600) from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise SmtpFailed(f"the SMTP server {where} hung up or stopped answering during authentication: {exc}",
                         step="auth") from exc
    except smtplib.SMTPException as exc:  # "No suitable authentication method found."
        offered = smtp.esmtp_features.get("auth", "").strip() or "none"
        raise SmtpFailed(f"authentication with the SMTP server {where} failed: {exc} (it offers: {offered}; "
                         f"Doorstep speaks {', '.join(AUTH_PREFERENCE)})", step="auth", lasting=True) from exc
    except TimeoutError as exc:
        raise SmtpFailed(f"the SMTP server {where} did not answer during authentication within "
                         f"{settings.smtp_timeout_seconds:g} s", step="auth") from exc


LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """This machine by address (127.0.0.0/8, ::1) or as ``localhost``. A name is not
    resolved: what it points at can change, what is typed here cannot."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _refuse_clear_text_login(settings: Settings) -> None:
    """With no TLS, a login would put the password on the network readable by anyone on
    the way (LOGIN and PLAIN are base64, not encryption). Refused before connecting,
    except to a relay on this machine."""
    if settings.smtp_security != "none" or not settings.smtp_username or is_loopback(settings.smtp_host or ""):
        return
    raise SmtpFailed(
        f"DOORSTEP_SMTP_SECURITY=none with DOORSTEP_SMTP_USERNAME set: the password would go to the SMTP server "
        f"{smtp_server(settings)} in clear text, so Doorstep does not log in without TLS (except to a server on "
        "this machine: 127.0.0.1, ::1, localhost). Nothing was sent. Set DOORSTEP_SMTP_SECURITY=starttls "
        "(usually port 587) or ssl (usually port 465)", step="config")


def _data(smtp: smtplib.SMTP, payload: bytes) -> None:
    """smtplib's DATA step, split where it matters: a failure while sending the message
    means the server never saw its end (not accepted); a failure while waiting for the
    answer to the final dot means it may have been accepted."""
    code, reply = smtp.docmd("DATA")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    body = re.sub(rb"(?m)^\.", b"..", payload)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp.send(body + b".\r\n")
    try:
        code, reply = smtp.getreply()
    except (OSError, smtplib.SMTPServerDisconnected) as exc:
        raise SmtpUncertain(f"no answer after the message was sent: {exc}") from exc
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


def send_email(settings: Settings, message: EmailMessage) -> None:
    """Hand one message to the configured SMTP server. Returns once the server accepted
    it; raises SmtpRefused (permanent), SmtpUncertain, or SmtpFailed or an OSError/smtplib
    error (temporary: not accepted)."""
    sender = parseaddr(settings.smtp_from)[1] or settings.smtp_from
    recipient = parseaddr(str(message["To"]))[1]
    payload = message.as_bytes(policy=SMTP_POLICY)
    _refuse_clear_text_login(settings)
    smtp = _connect(settings)
    try:
        if settings.smtp_username:
            _login(smtp, settings)
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(sender)
        if code != 250:
            hint = ("set DOORSTEP_SMTP_USERNAME and DOORSTEP_SMTP_PASSWORD"
                    if code == 530 and not settings.smtp_username
                    else "many providers accept only the address you log in as, or a sender verified with them")
            raise SmtpFailed(f"the SMTP server {smtp_server(settings)} refused the sender <{sender}> "
                             f"(DOORSTEP_SMTP_FROM): {code} {_text(reply)}; {hint}", step="sender")
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            if 500 <= code < 600:
                raise SmtpRefused(f"the mail server refused {recipient}: {code} {_text(reply)}")
            raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        try:
            _data(smtp, payload)
        except smtplib.SMTPDataError as exc:
            if 500 <= exc.smtp_code < 600:
                raise SmtpRefused(
                    f"the mail server refused the message: {exc.smtp_code} {_text(exc.smtp_error)}"
                ) from exc
            raise
    finally:
        try:
            smtp.quit()  # accepted is accepted: a failed goodbye changes nothing
        except (OSError, smtplib.SMTPException):
            smtp.close()


def send_guarded(db: Database, settings: Settings, message: EmailMessage, *, now: dt.datetime,
                 by: str | None) -> None:
    """:func:`send_email` behind the circuit breaker (doorstep.channels.email_pause): while
    e-mail is paused it raises EmailPaused without connecting; a lasting failure pauses
    it and raises EmailPaused too (the job waits, its attempt not counted). Every other
    outcome is send_email's."""
    pause = email_pause.active(db, settings, now)
    if pause is not None:
        raise email_pause.EmailPaused(pause)
    try:
        send_email(settings, message)
    except SmtpFailed as exc:
        if not exc.lasting:
            raise
        pause = email_pause.trip(db, settings, now=now, step=exc.step, error=str(exc), by=by)
        raise email_pause.EmailPaused(pause) from exc


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


# --- the job handlers -----------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    invitation_id: int
    workspace_id: int
    token: str
    message: EmailMessage


def send_key(purpose: Purpose, invitation_id: int) -> str:
    return f"email:{purpose}:{invitation_id}"


def _invitation_id(job: JobView) -> int:
    value = job.payload.get("invitation_id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise Permanent(f"payload has no invitation_id: {job.payload!r}")
    return value


def _prepare(ctx: JobContext, session: Session, purpose: Purpose, invitation_id: int,
             now: dt.datetime) -> Outgoing | str:
    """The message to send, or why there is nothing to send."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        return "the invitation no longer exists"
    if invitation.status in ("responded", "expired") or invitation.expires_at <= now:
        return f"the invitation is {invitation.status if invitation.expires_at > now else 'expired'}"
    if purpose == "invitation" and (invitation.status == "opened" or invitation.opened_at is not None):
        return "the customer already opened the survey another way"
    if purpose == "reminder" and invitation.status not in ("sent", "opened"):
        return f"the invitation was never sent (status {invitation.status})"
    if purpose == "reminder" and invitation.reminder_sent_at is not None:
        return "the reminder was already sent"
    workspace = session.get_one(Workspace, invitation.workspace_id)
    if workspace_settings(workspace).invitation_channel == "link":
        return "the workspace hands out links itself (invitation_channel=link)"
    customer = session.get_one(Customer, invitation.customer_id)
    if not customer.email:
        return "the customer has no e-mail address"
    if not smtp_enabled(ctx.settings):
        return "e-mail is off (no SMTP host configured)"
    delivery = session.get_one(Delivery, invitation.delivery_id)
    lang = mail_language(customer.locale, workspace.locale)
    mail = render_survey_mail(
        purpose=purpose, survey_kind=invitation.kind, lang=lang, base_url=ctx.settings.base_url,
        token=invitation.token, workspace_name=workspace.name, reference=delivery.external_id,
        customer_name=customer.name, expires_at=invitation.expires_at,
    )
    key = send_key(purpose, invitation.id)
    try:
        message = build_message(
            mail, sender=ctx.settings.smtp_from, to_address=customer.email, to_name=customer.name,
            msg_id=message_id(key, invitation.token, ctx.settings.smtp_from), date=now,
        )
    except ValueError as exc:
        raise Permanent(f"cannot e-mail invitation {invitation.id}: {exc}") from exc
    return Outgoing(invitation.id, workspace.id, invitation.token, message)


def _record_key(ctx: JobContext, key: str, job_id: int, now: dt.datetime) -> str | None:
    """Insert the key as ``sending`` in a committed transaction of its own. Returns None
    when this attempt owns it, else the status an earlier attempt left."""
    try:
        with ctx.db.write() as session:
            session.add(SentKey(key=key, job_id=job_id, status="sending", created_at=now))
            session.flush()
        return None
    except IntegrityError:
        with ctx.db.read() as session:
            status = session.scalar(select(SentKey.status).where(SentKey.key == key))
        return status or "sending"  # gone again between the two reads: play safe


def _forget_key(ctx: JobContext, key: str) -> None:
    with ctx.db.write() as session:
        session.execute(delete(SentKey).where(SentKey.key == key, SentKey.status == "sending"))


def send_once(ctx: JobContext, key: str, job_id: int, message: EmailMessage, *, now: dt.datetime) -> bool:
    """Send ``message`` at most once for ``key``, however often its job runs: the send key is
    claimed as 'sending' in a transaction of its own (:func:`_record_key`), and the caller
    records the server's acceptance with :func:`mark_sent` in its own unit of work.

    False when an earlier attempt sent it already (nothing is sent). Raises ``Permanent``
    when an earlier attempt stopped between sending and recording, or the server's answer
    was lost (it may have arrived: never sent twice automatically), or the server refused
    for good; any other failure releases the key, so that the next attempt may send."""
    earlier = _record_key(ctx, key, job_id, now)
    if earlier == "sent":
        return False
    if earlier is not None:
        raise Permanent(
            f"{key} was left 'sending' by an earlier attempt that stopped before the mail server's answer "
            "was recorded: the e-mail may or may not have been sent, so it is not sent again. Check the "
            "mail server's log; to send it anyway, delete the send key and retry this job."
        )
    try:
        send_guarded(ctx.db, ctx.settings, message, now=now, by=ctx.worker)
    except SmtpUncertain as exc:
        raise Permanent(f"{key}: {exc}; not sent again automatically (it may have arrived)") from exc
    except SmtpRefused as exc:
        _forget_key(ctx, key)
        raise Permanent(str(exc)) from exc
    except BaseException:
        _forget_key(ctx, key)  # not accepted: the next attempt may send
        raise
    return True


def mark_sent(session: Session, key: str, now: dt.datetime) -> None:
    """The server accepted the e-mail of this send key (see :func:`send_once`)."""
    sent = session.get(SentKey, key, with_for_update=True)
    if sent is not None and sent.status != "sent":
        sent.status, sent.sent_at = "sent", now


def _confirm(session: Session, purpose: Purpose, key: str, invitation_id: int, now: dt.datetime) -> None:
    """The server accepted (or had accepted): the key, the invitation and the reminder."""
    mark_sent(session, key, now)
    invitation = session.get(Invitation, invitation_id, with_for_update=True)
    if invitation is None:
        return
    if purpose == "reminder":
        if invitation.reminder_sent_at is None:
            invitation.reminder_sent_at = now
        session.flush()
        return
    if invitation.status == "pending":
        invitation.status = "sent"
    if invitation.sent_at is None:
        invitation.sent_at = now
    invitation.channel = "email"
    session.flush()
    _schedule_reminder(session, invitation, now)


def _schedule_reminder(session: Session, invitation: Invitation, now: dt.datetime) -> None:
    workspace = session.get_one(Workspace, invitation.workspace_id)
    rules = workspace_settings(workspace)
    if rules.reminder_after_days <= 0:
        return
    delivery = session.get_one(Delivery, invitation.delivery_id)
    customer_zone = (delivery.attributes or {}).get("customer_timezone")
    tz = zone(customer_zone if isinstance(customer_zone, str) else None, workspace.timezone)
    at = outside_quiet_hours(now + dt.timedelta(days=rules.reminder_after_days), rules.quiet_hours, tz)
    if at >= invitation.expires_at:
        return  # a reminder for a survey that has closed would only annoy
    jobs.enqueue(
        session, kind="invitation.remind", payload={"invitation_id": invitation.id}, run_at=at,
        dedupe_key=f"remind:{invitation.id}", workspace_id=invitation.workspace_id,
    )


def _run(purpose: Purpose, ctx: JobContext, job: JobView) -> None:
    invitation_id = _invitation_id(job)
    now = ctx.clock()
    with ctx.db.read() as session:
        outgoing = _prepare(ctx, session, purpose, invitation_id, now)
    if isinstance(outgoing, str):
        log.info("%s %s: nothing sent: %s", purpose, invitation_id, outgoing)
        return
    key = send_key(purpose, invitation_id)
    sent_now = send_once(ctx, key, job.id, outgoing.message, now=now)
    with ctx.db.write() as session:  # also when an earlier attempt sent it: the invitation catches up
        _confirm(session, purpose, key, invitation_id, ctx.clock() if sent_now else now)
    if sent_now:
        log.info("%s %s sent by e-mail", purpose, invitation_id)


def send_invitation(ctx: JobContext, job: JobView) -> None:
    """Job ``invitation.send``: e-mail the invitation, then schedule its reminder."""
    _run("invitation", ctx, job)


def send_reminder(ctx: JobContext, job: JobView) -> None:
    """Job ``invitation.remind``: one reminder for a survey still unanswered."""
    _run("reminder", ctx, job)


HANDLERS: dict[str, Handler] = {"invitation.send": send_invitation, "invitation.remind": send_reminder}
