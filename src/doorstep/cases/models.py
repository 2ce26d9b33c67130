from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.db import Base, utcnow

CASE_STATUSES = ("open", "contacted", "resolved", "verified", "closed_unverified", "reopened")


class Case(Base):
    """The loop for one unhappy answer: who owns it, by when, and how it ended.

    ``version`` is bumped on every change so two people acting at once can be
    told apart (optimistic concurrency: the second gets a conflict).
    """

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("response_id"),
        Index("ix_cases_workspace_status", "workspace_id", "status"),
        Index("ix_cases_owner", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(24), default="open")
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    queue: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[dt.datetime]
    first_contact_due: Mapped[dt.datetime]
    resolution_due: Mapped[dt.datetime]
    contacted_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    root_cause_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id", ondelete="SET NULL"))
    root_cause_theme: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(Text)
    resurvey_invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    resurvey_score: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)


class CaseEvent(Base):
    """Append-only timeline of a case: every transition, note and reassignment."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(24))  # opened | transition | note | assigned
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    # A note the system wrote, as a message id and its values (doorstep.cases.messages), so
    # pages can say it in their reader's language; ``note`` keeps the English. NULL for
    # notes people wrote, and for system notes written before revision 0011.
    note_key: Mapped[str | None] = mapped_column(String(64))
    note_params: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class Escalation(Base):
    """A clock that ran out. At most one per case and clock, so a breach escalates once,
    whatever restarts or overlapping scheduler passes happen."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("case_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # first_contact | resolution
    due_at: Mapped[dt.datetime]
    escalated_at: Mapped[dt.datetime]
    notified_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
