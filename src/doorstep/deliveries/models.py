from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.db import Base, utcnow


class Journey(Base):
    """The ordered stages of one kind of hand-over. A workspace has a ``default`` one."""

    __tablename__ = "journeys"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64), default="default")
    name: Mapped[str] = mapped_column(String(200))


class Stage(Base):
    """One step of a journey. ``target_minutes`` is its expected duration, measured from
    the completion of the previous stage (or from the promise, for the first)."""

    __tablename__ = "stages"
    __table_args__ = (UniqueConstraint("journey_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int]
    target_minutes: Mapped[float | None]


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    locale: Mapped[str | None] = mapped_column(String(16))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set when the customer's data was erased on request: the row stays (its answers
    # still count), name, e-mail, attributes and comment texts are gone.
    erased_at: Mapped[dt.datetime | None]


DELIVERY_STATUSES = ("pending", "in_progress", "delivered", "cancelled")


class Delivery(Base):
    """One hand-over to one customer: an order at the door, a SaaS go-live."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        Index("ix_deliveries_customer", "customer_id"),
        Index("ix_deliveries_workspace_delivered", "workspace_id", "delivered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    promised_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    lateness_minutes: Mapped[float | None]  # delivered_at − promised_at; negative = early
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StageEvent(Base):
    """When a delivery completed a stage."""

    __tablename__ = "stage_events"
    __table_args__ = (Index("ix_stage_events_stage_time", "stage_id", "completed_at", "duration_minutes"),)

    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id", ondelete="CASCADE"), primary_key=True)
    completed_at: Mapped[dt.datetime]
    # Since the previous stage's completion (the first stage has none); kept at ingest so the
    # stage table is one indexed scan, not a window function over millions of events.
    duration_minutes: Mapped[float | None]


class StageDaily(Base):
    """One stage on one local day (the workspace's timezone): what the stage table needs of
    its events, so that a full-history query reads stages × days rows, not every event.

    ``late`` counts timed completions over ``late_over``, the stage's target when the cell
    was last computed (NULL: no target; a median-baseline stage's late count comes from the
    histogram instead). ``durations`` is a fixed log-spaced histogram of the durations
    (:mod:`doorstep.deliveries.stage_daily`). Kept in the same transaction as the events.
    """

    __tablename__ = "stage_daily"

    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    completions: Mapped[int]
    timed: Mapped[int]
    late: Mapped[int]
    late_over: Mapped[float | None]
    durations: Mapped[bytes] = mapped_column(LargeBinary)
