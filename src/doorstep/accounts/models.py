from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.db import Base, utcnow

ROLES = ("admin", "cs", "frontline", "exec")


class Workspace(Base):
    """One business. Every other row belongs to exactly one workspace."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    # Validated through doorstep.accounts.settings.WorkspaceSettings; stored whole so
    # adding a rule needs no migration.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Themes with zh/en cues and their stage (doorstep.insight); None = the default for the journey.
    taxonomy: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person: frontline staff who own deliveries, CS people who own cases, leads, execs.

    Frontline owners named in an import are created on the fly without a login;
    ``lead_id`` is who answers for them (the owner of their customers' cases).
    """

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("workspace_id", "handle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    handle: Mapped[str] = mapped_column(String(120))
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16), default="frontline")
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    # The language the person chose on /account ("en" or "zh-CN") for their pages and the
    # e-mails sent to them; None: follow the browser (pages), the workspace (e-mails).
    locale: Mapped[str | None] = mapped_column(String(16))
    # Whether the person is e-mailed when CS answers a note of theirs (doorstep.frontline.replies);
    # they turn it off on /account. On unless they do: the answer is what the note was written for.
    note_answer_emails: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """A machine credential. Only a SHA-256 of the secret is stored.

    The secret has 256 random bits, so a fast hash is enough (a slow password
    hash guards low-entropy secrets); ``prefix`` finds the row without scanning.
    """

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_prefix", "prefix", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), default="admin")
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class LoginSession(Base):
    """A person signed in through the web: the cookie holds the secret, the row its SHA-256.

    The CSRF token of every form is derived from the session secret (HMAC), so it
    needs no column and changes with each login.
    """

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_token_hash", "token_hash", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    client: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class PasswordReset(Base):
    """A one-time password-reset token sent by e-mail; only its SHA-256 is kept."""

    __tablename__ = "password_resets"
    __table_args__ = (Index("ix_password_resets_token_hash", "token_hash", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


AUDIT_ACTOR_KINDS = ("user", "key", "cli", "system", "anonymous")


class AuditEntry(Base):
    """Append-only: who did what to whom. Database triggers refuse UPDATE and DELETE.

    No customer text or contact detail goes in here (an erasure must not leave a copy
    behind): ``target`` names objects by id or external reference only.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_workspace_at", "workspace_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the log outlives what it describes.
    workspace_id: Mapped[int | None]
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    client: Mapped[str | None] = mapped_column(String(64))
