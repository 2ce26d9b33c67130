"""The verbatim explorer: answers in the customer's own words, filtered and paged.

Filters combine (AND): theme, attributed stage, how it was attributed, score range,
language, sentiment label, a period, and a text query. The text query is a
case-insensitive substring match, which is what works for Chinese (no spaces to cut
words at) as well as for English; ``%`` and ``_`` in it match themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session, aliased

from doorstep.accounts.models import Workspace
from doorstep.deliveries.models import Delivery, Journey, Stage
from doorstep.errors import InvalidInput
from doorstep.insight.models import ResponseTheme
from doorstep.surveys.models import Response

MAX_LIMIT = 200
LABELS = ("positive", "neutral", "negative")
METHODS = ("picked", "text", "timing")


@dataclass(frozen=True)
class VerbatimFilter:
    theme: str | None = None
    stage: str | None = None
    attribution: str | None = None
    score_min: int | None = None
    score_max: int | None = None
    language: str | None = None
    sentiment: str | None = None
    q: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    with_comment: bool = True

    def check(self) -> None:
        for name in ("score_min", "score_max"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 10:
                raise InvalidInput("must be 0–10", field=name)
        if self.score_min is not None and self.score_max is not None and self.score_min > self.score_max:
            raise InvalidInput("score_min is above score_max", field="score_min")
        if self.sentiment is not None and self.sentiment not in LABELS:
            raise InvalidInput(f"must be one of {', '.join(LABELS)}", field="sentiment")
        if self.attribution is not None and self.attribution not in METHODS:
            raise InvalidInput(f"must be one of {', '.join(METHODS)}", field="attribution")
        if self.q is not None and len(self.q) > 200:
            raise InvalidInput("a search is at most 200 characters", field="q")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(session: Session, workspace: Workspace, f: VerbatimFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Response.workspace_id == workspace.id]
    if f.with_comment:
        where.append(Response.comment.is_not(None))
    if f.since is not None:
        where.append(Response.responded_at >= f.since)
    if f.until is not None:
        where.append(Response.responded_at < f.until)
    if f.score_min is not None:
        where.append(Response.score >= f.score_min)
    if f.score_max is not None:
        where.append(Response.score <= f.score_max)
    if f.language:
        where.append(Response.language == f.language)
    if f.sentiment:
        where.append(Response.sentiment_label == f.sentiment)
    if f.attribution:
        where.append(Response.attribution == f.attribution)
    if f.stage:
        stage_ids = (
            select(Stage.id)
            .join(Journey, Journey.id == Stage.journey_id)
            .where(Journey.workspace_id == workspace.id, Stage.key == f.stage)
        )
        where.append(Response.attributed_stage_id.in_(stage_ids))
    if f.theme:
        where.append(exists().where(ResponseTheme.response_id == Response.id, ResponseTheme.theme == f.theme))
    if f.q and f.q.strip():
        where.append(Response.comment.ilike(f"%{_escape_like(f.q.strip())}%", escape="\\"))
    return where


def search_responses(
    *, session: Session, workspace: Workspace, filters: VerbatimFilter, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """``{"total", "limit", "offset", "responses": [{"id", "delivery_external_id", "score", "comment",
    "language", "sentiment", "sentiment_label", "themes", "stage", "attributed_stage", "attribution",
    "responded_at"}]}``, newest first. Comments are returned as stored: escaping is the page's job."""
    filters.check()
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"must be 1–{MAX_LIMIT}", field="limit")
    if offset < 0:
        raise InvalidInput("must be 0 or more", field="offset")
    where = _where(session, workspace, filters)
    total = session.scalar(select(func.count()).select_from(Response).where(*where)) or 0
    picked, attributed = aliased(Stage), aliased(Stage)
    rows = session.execute(
        select(
            Response.id,
            Delivery.external_id,
            Response.score,
            Response.comment,
            Response.language,
            Response.sentiment,
            Response.sentiment_label,
            Response.themes,
            picked.key,
            attributed.key,
            Response.attribution,
            Response.responded_at,
        )
        .join(Delivery, Delivery.id == Response.delivery_id)
        .outerjoin(picked, picked.id == Response.stage_id)
        .outerjoin(attributed, attributed.id == Response.attributed_stage_id)
        .where(*where)
        .order_by(Response.responded_at.desc(), Response.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return {
        "total": int(total),
        "limit": limit,
        "offset": offset,
        "responses": [
            {
                "id": r[0],
                "delivery_external_id": r[1],
                "score": r[2],
                "comment": r[3],
                "language": r[4],
                "sentiment": None if r[5] is None else round(float(r[5]), 3),
                "sentiment_label": r[6],
                "themes": list(r[7] or []),
                "stage": r[8],
                "attributed_stage": r[9],
                "attribution": r[10],
                "responded_at": r[11].isoformat(),
            }
            for r in rows
        ],
    }
