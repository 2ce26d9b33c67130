"""Outbound webhooks: a workspace's subscriptions, and the job that delivers one event.

Delivery (``webhook.deliver``) is one HTTP POST, outside any transaction, then one
short transaction that logs the attempt (:class:`WebhookCall`) whatever happened.

- 2xx (and, for a chat tool, no error code in its answer): done.
- a timeout, a connection error, 5xx, 408 or 429 (or a chat tool's rate limit): the
  job fails and the worker retries it with backoff, then dead-letters it with the
  last error.
- a redirect is never followed (a signed body must not wander to another host) and,
  like any other 4xx or a chat tool's refusal, fails at once (:class:`Permanent`).

Delivery is at-least-once: a worker that dies after the receiver answered sends the
event again. Receivers dedupe on ``X-Doorstep-Event-Id``.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from doorstep import __version__
from doorstep.accounts.models import Workspace
from doorstep.channels import chat, signing
from doorstep.channels.events import DELIVER_KIND, TEST_EVENT, case_url, emit
from doorstep.channels.models import EVENTS, FORMATS, WebhookCall, WebhookSubscription
from doorstep.channels.secrets import last4
from doorstep.errors import InvalidInput, NotFound
from doorstep.jobs.worker import Handler, JobContext, JobView, Permanent

EVENT_HEADER = "X-Doorstep-Event"
EVENT_ID_HEADER = "X-Doorstep-Event-Id"
RETRY_STATUSES = frozenset({408, 429})
MAX_URL = 2000
MAX_SECRET = 200


# --- subscriptions -------------------------------------------------------------------


def check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("a webhook URL is an absolute http:// or https:// address", field="url")
    if len(url) > MAX_URL:
        raise InvalidInput(f"a webhook URL is at most {MAX_URL} characters", field="url")
    if parts.username or parts.password:
        raise InvalidInput("put credentials in the secret, not in the URL", field="url")
    return url


def check_events(events: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(e.strip() for e in events if e and e.strip()))
    if not cleaned:
        raise InvalidInput(f"name at least one event: {', '.join(EVENTS)}", field="events")
    unknown = [e for e in cleaned if e not in EVENTS]
    if unknown:
        raise InvalidInput(f"unknown event(s) {', '.join(unknown)}; known: {', '.join(EVENTS)}", field="events")
    return cleaned


def masked_url(url: str) -> str:
    """The URL as shown back: chat webhook URLs are credentials (the token is in the path
    or query), so only the host and the last four characters are printed."""
    parts = urlsplit(url)
    rest = url.split(parts.netloc, 1)[1] if parts.netloc else ""
    if len(rest) <= 1:
        return url
    return f"{parts.scheme}://{parts.netloc}/…{rest[-4:]}"


def subscription_public(sub: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": sub.id,
        "name": sub.name,
        "format": sub.format,
        "url": masked_url(sub.url),
        "events": list(sub.events or []),
        "active": sub.active,
        "secret_last4": last4(sub.secret),
        "created_at": sub.created_at.isoformat(),
    }


def call_public(call: WebhookCall) -> dict[str, Any]:
    return {
        "id": call.id,
        "job_id": call.job_id,
        "event": call.event,
        "event_id": call.event_id,
        "attempt": call.attempt,
        "status_code": call.status_code,
        "ok": call.error is None,
        "error": call.error,
        "duration_ms": call.duration_ms,
        "created_at": call.created_at.isoformat(),
    }


def create_subscription(
    *,
    session: Session,
    workspace: Workspace,
    url: str,
    events: list[str],
    format: str = "json",
    secret: str | None = None,
    name: str | None = None,
    now: dt.datetime,
) -> WebhookSubscription:
    """A new subscription. ``secret``: ours to sign with (json), or the chat bot's signing
    secret (Feishu, DingTalk); optional."""
    url = check_url(url)
    if format not in FORMATS:
        raise InvalidInput(f"unknown format '{format[:20]}'; one of: {', '.join(FORMATS)}", field="format")
    events = check_events(events)
    secret = (secret or "").strip() or None
    if secret is not None and len(secret) > MAX_SECRET:
        raise InvalidInput(f"a secret is at most {MAX_SECRET} characters", field="secret")
    if secret is not None and format in ("wecom", "slack"):
        raise InvalidInput(f"{format} webhooks are not signed: leave the secret out", field="secret")
    label = (name or "").strip()[:120] or f"{format} → {urlsplit(url).hostname}"
    sub = WebhookSubscription(workspace_id=workspace.id, name=label, format=format, url=url, secret=secret,
                              events=events, active=True, created_at=now)
    session.add(sub)
    session.flush()
    return sub


def list_subscriptions(*, session: Session, workspace: Workspace) -> list[WebhookSubscription]:
    return list(session.scalars(
        select(WebhookSubscription).where(WebhookSubscription.workspace_id == workspace.id)
        .order_by(WebhookSubscription.id)
    ))


def get_subscription(*, session: Session, workspace: Workspace, subscription_id: int) -> WebhookSubscription:
    sub = session.scalar(select(WebhookSubscription).where(
        WebhookSubscription.id == subscription_id, WebhookSubscription.workspace_id == workspace.id))
    if sub is None:
        raise NotFound(f"webhook subscription {subscription_id} does not exist in workspace '{workspace.slug}'")
    return sub


def update_subscription(
    *, session: Session, workspace: Workspace, subscription_id: int, active: bool | None = None,
    events: list[str] | None = None,
) -> WebhookSubscription:
    """Pause or resume a subscription, or change what it listens to."""
    sub = get_subscription(session=session, workspace=workspace, subscription_id=subscription_id)
    if active is not None:
        sub.active = active
    if events is not None:
        sub.events = check_events(events)
    session.flush()
    return sub


def delete_subscription(*, session: Session, workspace: Workspace, subscription_id: int) -> None:
    """Remove a subscription with its log; its queued deliveries then find nothing to do."""
    sub = get_subscription(session=session, workspace=workspace, subscription_id=subscription_id)
    session.execute(delete(WebhookCall).where(WebhookCall.subscription_id == sub.id))
    session.delete(sub)
    session.flush()


def list_calls(
    *, session: Session, workspace: Workspace, subscription_id: int, limit: int = 100
) -> list[WebhookCall]:
    """The delivery log of a subscription, newest first."""
    sub = get_subscription(session=session, workspace=workspace, subscription_id=subscription_id)
    return list(session.scalars(
        select(WebhookCall).where(WebhookCall.subscription_id == sub.id)
        .order_by(WebhookCall.created_at.desc(), WebhookCall.id.desc()).limit(limit)
    ))


def send_test(*, session: Session, workspace: Workspace, subscription_id: int, now: dt.datetime) -> str:
    """Queue a ``webhook.test`` event for one subscription, whatever events it listens to
    (a paused one sends nothing); returns the event id."""
    sub = get_subscription(session=session, workspace=workspace, subscription_id=subscription_id)
    event_id = f"{TEST_EVENT}:{sub.id}:{int(now.timestamp() * 1000)}"
    data = {"case": None, "response": None, "delivery": None, "customer": None, "url": None,
            "message": "This is a test event from Doorstep."}
    emit(session, workspace_id=workspace.id, event=TEST_EVENT, event_id=event_id, data=data, now=now,
         subscriptions=[sub.id])
    return event_id


# --- delivery ------------------------------------------------------------------------


class DeliveryFailed(Exception):
    """A delivery that may succeed later (timeout, 5xx, 429): the worker retries it."""


@dataclass(frozen=True)
class Target:
    """What delivery needs from the subscription and its workspace, read in one go."""

    id: int
    format: str
    url: str
    secret: str | None
    events: list[str]
    active: bool
    slug: str
    name: str
    locale: str
    timezone: str


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    retry: bool


def _absolute(data: dict[str, Any], base_url: str) -> dict[str, Any]:
    """Links recorded relative (the emitter had no base URL) made absolute for the receiver."""
    out = dict(data)
    case = out.get("case")
    if isinstance(case, dict) and case.get("id") is not None and str(case.get("url", "")).startswith("/"):
        out["case"] = case | {"url": case_url(base_url, int(case["id"]))}
    if isinstance(out.get("url"), str) and out["url"].startswith("/"):
        out["url"] = base_url.rstrip("/") + out["url"]
    return out


def build_request(target: Target, payload: dict[str, Any], *, base_url: str, now: dt.datetime
                  ) -> tuple[str, bytes, dict[str, str]]:
    """(URL, body, headers) of one delivery: our signed JSON, or a chat tool's format."""
    event, event_id = payload["event"], payload["event_id"]
    data = _absolute(payload.get("data") or {}, base_url)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": f"Doorstep-Webhooks/{__version__}",
        EVENT_HEADER: event,
        EVENT_ID_HEADER: event_id,
    }
    if target.format == "json":
        document = {"id": event_id, "event": event, "occurred_at": payload.get("occurred_at"),
                    "workspace": target.slug, "data": data}
        url = target.url
    else:
        url, document = chat.render(target.format, url=target.url, event=event, data=data,
                                    lang=chat.language_of(target.locale), timezone=target.timezone,
                                    workspace=target.name, secret=target.secret, now=now)
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    if target.format == "json" and target.secret:
        headers |= signing.signed_headers(target.secret, body, now)
    return url, body, headers


def classify(fmt: str, response: httpx.Response) -> Outcome:
    """What an answer means: done, retry later, or give up."""
    code = response.status_code
    snippet = response.text[:200].strip()
    if 300 <= code < 400:
        where = response.headers.get("location", "nowhere")
        return Outcome(code, f"HTTP {code}: redirects to {where[:300]}; redirects are not followed "
                             "(update the subscription's URL)", retry=False)
    if code >= 500 or code in RETRY_STATUSES:
        return Outcome(code, f"HTTP {code}: {snippet}".strip(), retry=True)
    if code >= 400:
        return Outcome(code, f"HTTP {code}: {snippet}".strip(), retry=False)
    if fmt in ("feishu", "dingtalk", "wecom"):
        try:
            answer = response.json()
        except ValueError:
            answer = None
        refused = chat.chat_error(fmt, answer)
        if refused is not None:
            return Outcome(code, refused[0], retry=refused[1])
    return Outcome(code, None, retry=False)


def _target(ctx: JobContext, subscription_id: int) -> Target | None:
    with ctx.db.read() as session:
        row = session.execute(
            select(WebhookSubscription, Workspace)
            .join(Workspace, Workspace.id == WebhookSubscription.workspace_id)
            .where(WebhookSubscription.id == subscription_id)
        ).first()
        if row is None:
            return None
        sub, workspace = row
        return Target(sub.id, sub.format, sub.url, sub.secret, list(sub.events or []), sub.active, workspace.slug,
                      workspace.name, workspace.locale, workspace.timezone)


def deliver(ctx: JobContext, job: JobView) -> None:
    """Send one event to one subscription and log the attempt (see the module doc)."""
    payload = job.payload
    target = _target(ctx, int(payload["subscription_id"]))
    event = payload["event"]
    if target is None or not target.active or (event != TEST_EVENT and event not in target.events):
        return  # removed, paused or no longer listening since the event: nothing to do
    url, body, headers = build_request(target, payload, base_url=ctx.settings.base_url, now=ctx.clock())
    timeout = ctx.settings.webhook_timeout_seconds
    started = time.monotonic()
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.post(url, content=body, headers=headers)
        outcome = classify(target.format, response)
    except httpx.TimeoutException:
        outcome = Outcome(None, f"timed out after {timeout:g} s", retry=True)
    except httpx.HTTPError as exc:
        outcome = Outcome(None, f"{type(exc).__name__}: {exc}"[:500], retry=True)
    duration = int((time.monotonic() - started) * 1000)
    with ctx.db.write() as session:
        if session.get(WebhookSubscription, target.id) is not None:  # deleted while we were calling
            session.add(WebhookCall(subscription_id=target.id, job_id=job.id, event=event,
                                    event_id=str(payload["event_id"])[:200], attempt=job.attempts,
                                    status_code=outcome.status_code, error=outcome.error, duration_ms=duration,
                                    created_at=ctx.clock()))
    if outcome.error is None:
        return
    if outcome.retry:
        raise DeliveryFailed(outcome.error)
    raise Permanent(outcome.error)


HANDLERS: dict[str, Handler] = {DELIVER_KIND: deliver}
