from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.db import Base, utcnow

INVITATION_STATUSES = ("pending", "sent", "opened", "responded", "expired")


class Invitation(Base):
    """A request to one customer to judge one delivery, answerable once, until it expires."""

    __tablename__ = "invitations"
    __table_args__ = (
        Index("ix_invitations_customer_created", "customer_id", "created_at"),
        Index("ix_invitations_delivery", "delivery_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    # ≥128 random bits, URL-safe (secrets.token_urlsafe(24) gives 192).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="nps")  # nps | resurvey
    channel: Mapped[str] = mapped_column(String(16), default="link")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    opened_at: Mapped[dt.datetime | None]
    responded_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime]
    send_after: Mapped[dt.datetime | None]  # not to be sent before (delay after delivery, quiet hours)
    reminder_sent_at: Mapped[dt.datetime | None]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL", use_alter=True))


class Response(Base):
    """A customer's answer: 0–10, why, and optionally which stage went wrong.

    ``source_key`` makes every path idempotent: ``inv:<id>`` for an answered
    invitation, ``csv:<delivery>:<responded_at>`` for an imported row.
    """

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("workspace_id", "source_key"),
        UniqueConstraint("invitation_id"),
        # Covers the NPS query (time filter + score) without touching the table.
        Index("ix_responses_workspace_kind_time_score", "workspace_id", "kind", "responded_at", "score"),
        Index("ix_responses_delivery", "delivery_id"),
        # A customer's recent answers: is this detractor unhappy again (cases.intake)?
        Index("ix_responses_customer_time", "customer_id", "responded_at"),
        # Covers stage attribution and drivers by stage.
        Index(
            "ix_responses_workspace_kind_time_stage_score",
            "workspace_id",
            "kind",
            "responded_at",
            "attributed_stage_id",
            "score",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    source_key: Mapped[str] = mapped_column(String(300))
    # "nps" answers are what NPS counts; a "resurvey" answer verifies a closed case and is
    # counted by the loop metrics only (counting it twice would flatter the score).
    kind: Mapped[str] = mapped_column(String(8), default="nps", server_default="nps")
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id", ondelete="SET NULL"))
    language: Mapped[str | None] = mapped_column(String(8))
    sentiment: Mapped[float | None]  # in [-1, 1]
    sentiment_label: Mapped[str | None] = mapped_column(String(8))  # positive | neutral | negative
    themes: Mapped[list[str] | None] = mapped_column(JSON)
    # The stage most likely responsible, and how we know: picked | text | timing.
    attributed_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id", ondelete="SET NULL"))
    attribution: Mapped[str | None] = mapped_column(String(8))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    responded_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
