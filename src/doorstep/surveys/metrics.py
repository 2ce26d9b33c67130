"""Counting honestly: NPS with its interval, overall and by segment.

The database does the counting (one GROUP BY over the covering index on
(workspace, responded_at, score)); the pure :mod:`doorstep.stats` does the maths.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from doorstep.accounts.models import User, Workspace
from doorstep.deliveries.models import Delivery, Stage
from doorstep.stats import DETRACTOR_MAX, PROMOTER_MIN, summarise
from doorstep.surveys.models import Response

# Segments that are columns, not attributes. Anything else is looked up in the
# response's attributes, then the delivery's (team, region, product …).
BUILTIN_SEGMENTS = ("owner", "stage", "language")


def _counts() -> tuple[Any, ...]:
    return (
        func.count(),
        func.coalesce(func.sum(case((Response.score >= PROMOTER_MIN, 1), else_=0)), 0),
        func.coalesce(func.sum(case((Response.score <= DETRACTOR_MAX, 1), else_=0)), 0),
    )


def _filters(workspace: Workspace, since: dt.datetime | None, until: dt.datetime | None) -> list[ColumnElement[bool]]:
    where = [Response.workspace_id == workspace.id]
    if since is not None:
        where.append(Response.responded_at >= since)
    if until is not None:
        where.append(Response.responded_at < until)
    return where


def nps_summary(
    *, session: Session, workspace: Workspace, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> dict[str, Any]:
    """``{"nps", "responses", "promoters", "passives", "detractors", "ci95"}`` (DESIGN.md)."""
    n, p, d = session.execute(select(*_counts()).where(*_filters(workspace, since, until))).one()
    return summarise(int(n), int(p), int(d)).as_dict()


def nps_by(
    *,
    session: Session,
    workspace: Workspace,
    by: str,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> dict[str, Any]:
    """``{"by": ATTR, "groups": [{"key", "nps", "responses", …, "ci95"}]}``, largest groups first."""
    stmt = select(*_counts())
    if by == "owner":
        key: Any = User.handle
        stmt = (
            stmt.add_columns(key)
            .select_from(Response)
            .join(Delivery, Delivery.id == Response.delivery_id)
            .outerjoin(User, User.id == Delivery.owner_id)
        )
    elif by == "stage":
        key = Stage.key
        stmt = stmt.add_columns(key).select_from(Response).outerjoin(Stage, Stage.id == Response.stage_id)
    elif by == "language":
        key = Response.language
        stmt = stmt.add_columns(key).select_from(Response)
    else:
        key = func.coalesce(Response.attributes[by].as_string(), Delivery.attributes[by].as_string())
        stmt = stmt.add_columns(key).select_from(Response).join(Delivery, Delivery.id == Response.delivery_id)
    rows = session.execute(stmt.where(*_filters(workspace, since, until)).group_by(key)).all()
    groups: list[dict[str, Any]] = []
    for n, p, d, value in rows:
        groups.append({"key": None if value is None else str(value), **summarise(int(n), int(p), int(d)).as_dict()})
    groups.sort(key=lambda g: (-g["responses"], g["key"] is None, g["key"] or ""))
    return {"by": by, "groups": groups}
