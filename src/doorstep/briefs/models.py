from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.db import Base, utcnow

PERIODS = ("week", "month")


class Brief(Base):
    """A published executive brief: a snapshot. Later data never changes it.

    ``content`` is the figures the brief was made of (the JSON format); ``html`` is
    the self-contained page as it was sent, so a brief reads the same a year later
    even after templates change.
    """

    __tablename__ = "briefs"
    __table_args__ = (UniqueConstraint("workspace_id", "period", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))
    # Local dates in the workspace's timezone: [period_start, period_end).
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    locale: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict[str, Any]]
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None]


ALERT_KINDS = ("nps_drop", "theme_surge")


class Alert(Base):
    """A significant change between briefs, raised once per subject and window.

    ``dedupe_key`` (kind, subject, baseline window) makes raising idempotent: the pass
    that runs every few minutes finds the same drop again and adds nothing.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("workspace_id", "dedupe_key"),
        Index("ix_alerts_workspace_raised", "workspace_id", "raised_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    # team, region, stage, theme, … and its value (a team name, a theme key).
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    dedupe_key: Mapped[str] = mapped_column(String(300))
    window_start: Mapped[dt.datetime]
    window_end: Mapped[dt.datetime]
    # Baseline and current figures with intervals, the test used, links to the evidence.
    evidence: Mapped[dict[str, Any]]
    raised_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None]
