from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.db import Base, utcnow
from doorstep.jobs.statuses import JOB_STATUSES as JOB_STATUSES  # re-exported: callers import it from here


class Job(Base):
    """Work to do outside the request that asked for it (send, notify, call, run a pass).

    Enqueued in the same transaction as the change that needs it, so a job exists
    if and only if that change was committed. ``dedupe_key`` makes enqueueing idempotent.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_run_at", "status", "run_at"),
        # The jobs page and API list one workspace's jobs, newest first.
        Index("ix_jobs_workspace_id", "workspace_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int | None] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    run_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    last_error: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    locked_by: Mapped[str | None] = mapped_column(String(120))
    locked_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]


class SentKey(Base):
    """An external effect that happened (an e-mail sent, a webhook delivered).

    Recorded before the effect is attempted and confirmed after, so a worker that
    dies in between can tell "maybe sent" from "never tried" and never doubles it.
    """

    __tablename__ = "sent_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="sending")  # sending | sent
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
