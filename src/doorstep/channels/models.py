from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.channels.webhook_kinds import EVENTS as EVENTS  # re-exported: callers import them from here
from doorstep.channels.webhook_kinds import FORMATS as FORMATS
from doorstep.db import Base, utcnow


class WebhookSubscription(Base):
    """Where a workspace's events go: an HTTP endpoint of theirs, or a group chat's bot."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index("ix_webhook_subscriptions_workspace", "workspace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    format: Mapped[str] = mapped_column(String(16), default="json")
    url: Mapped[str] = mapped_column(Text)
    # Signing secret (ours for "json", the bot's for Feishu/DingTalk); never shown back whole.
    secret: Mapped[str | None] = mapped_column(String(200))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WebhookCall(Base):
    """One attempt to deliver one event to one subscription: the delivery log."""

    __tablename__ = "webhook_calls"
    __table_args__ = (Index("ix_webhook_calls_subscription_created", "subscription_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    event: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(200))
    attempt: Mapped[int] = mapped_column(default=1)
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class InboundRequest(Base):
    """A signed inbound payload already accepted: a replay of it is refused."""

    __tablename__ = "inbound_requests"
    __table_args__ = (
        UniqueConstraint("workspace_id", "signature"),
        Index("ix_inbound_requests_received", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    signature: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OpenLink(Base):
    """A survey link not tied to one invitation: printed on a courier's receipt as a QR
    code, or shown at a go-live meeting. Answers name their delivery (fixed on the link,
    or given by the respondent); one answer per device per delivery."""

    __tablename__ = "open_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]


class WorkspaceSecret(Base):
    """A workspace's shared secrets (e.g. the inbound-webhook signing key). Kept in the
    clear because HMAC verification needs them; never printed back beyond four characters."""

    __tablename__ = "workspace_secrets"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ChannelPause(Base):
    """A channel of the whole installation stopped until its settings change or a person
    says "try again" (doorstep.channels.email_pause): one row per paused channel, none
    while it runs. In the database so every worker process sees it, on any machine.

    ``fingerprint`` identifies the settings it failed with (server, security, user, a
    salted slow hash of the password with ``salt``; never the password): a worker with
    other settings lifts the pause. ``server`` is what a person may be shown of them."""

    __tablename__ = "channel_pauses"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    step: Mapped[str] = mapped_column(String(16))
    error: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    server: Mapped[dict[str, Any]] = mapped_column(default=dict)
    paused_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    paused_by: Mapped[str | None] = mapped_column(String(120))
    failed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
