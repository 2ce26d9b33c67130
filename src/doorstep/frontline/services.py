"""Frontline notes: what couriers, agents and engineers see where customers get stuck.

A note is analysed with the same theme and sentiment analysis as customer comments
(:func:`doorstep.insight.services.analyzer_for`), so the brief can set the frontline's
words beside the customers' on the same stage and theme.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.accounts.models import User, Workspace
from doorstep.db import utcnow
from doorstep.deliveries.models import Delivery, Stage
from doorstep.deliveries.services import list_stages
from doorstep.errors import InvalidInput
from doorstep.frontline.models import NOTE_STATUSES, FrontlineNote
from doorstep.insight.services import analyzer_for

MAX_TEXT = 2000


def create_note(
    *,
    session: Session,
    workspace: Workspace,
    text: str,
    stage_key: str | None = None,
    delivery_external_id: str | None = None,
    author_id: int | None = None,
    now: dt.datetime | None = None,
) -> FrontlineNote:
    """Store and analyse one note. The stage must be one of the workspace's journey, the
    delivery one of its deliveries; the text is non-empty and at most 2,000 characters."""
    body = (text or "").strip()
    if not body:
        raise InvalidInput("a note needs some text", field="text")
    if len(body) > MAX_TEXT:
        raise InvalidInput(f"a note is at most {MAX_TEXT} characters (this one has {len(body)})", field="text")
    stages = list_stages(session=session, workspace=workspace)
    stage_id: int | None = None
    if stage_key:
        stage_id = next((s.id for s in stages if s.key == stage_key), None)
        if stage_id is None:
            raise InvalidInput(f"'{stage_key[:80]}' is not a stage of this workspace's journey", field="stage")
    delivery_id: int | None = None
    if delivery_external_id:
        delivery_id = session.scalar(
            select(Delivery.id).where(
                Delivery.workspace_id == workspace.id, Delivery.external_id == delivery_external_id
            )
        )
        if delivery_id is None:
            raise InvalidInput(f"delivery '{delivery_external_id[:80]}' does not exist", field="delivery")
    if author_id is not None:
        owner = session.scalar(select(User.workspace_id).where(User.id == author_id))
        if owner != workspace.id:
            raise InvalidInput("the author is not a person of this workspace", field="author")
    found = analyzer_for(workspace, [s.key for s in stages]).analyze(body)
    if stage_id is None and found.stage:
        # A note that names no stage but whose words point to one counts on that stage.
        stage_id = next((s.id for s in stages if s.key == found.stage), None)
    note = FrontlineNote(
        workspace_id=workspace.id,
        author_id=author_id,
        stage_id=stage_id,
        delivery_id=delivery_id,
        text=body,
        language=found.language,
        status="new",
        votes=0,
        themes=list(found.themes),
        sentiment=found.sentiment,
        created_at=now or utcnow(),
    )
    session.add(note)
    session.flush()
    return note


def set_status(
    *,
    session: Session,
    note: FrontlineNote,
    status: str,
    reply: str | None = None,
    by_user_id: int | None = None,
    now: dt.datetime | None = None,
) -> FrontlineNote:
    """Say what became of a note (heard, acting, done), optionally with a reply."""
    if status not in NOTE_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(NOTE_STATUSES)}", field="status")
    if reply is not None and len(reply.strip()) > MAX_TEXT:
        raise InvalidInput(f"a reply is at most {MAX_TEXT} characters", field="reply")
    note.status = status
    if reply is not None:
        note.reply = reply.strip() or None
    note.status_changed_at = now or utcnow()
    note.status_changed_by_id = by_user_id
    session.flush()
    return note


def notes_for_brief(
    *,
    session: Session,
    workspace: Workspace,
    since: dt.datetime,
    until: dt.datetime,
) -> list[dict[str, Any]]:
    """Notes written in [since, until) with their stage key and author handle, most voted first."""
    rows = session.execute(
        select(FrontlineNote, Stage.key, User.handle)
        .outerjoin(Stage, Stage.id == FrontlineNote.stage_id)
        .outerjoin(User, User.id == FrontlineNote.author_id)
        .where(
            FrontlineNote.workspace_id == workspace.id,
            FrontlineNote.created_at >= since,
            FrontlineNote.created_at < until,
        )
        .order_by(FrontlineNote.votes.desc(), FrontlineNote.created_at.desc(), FrontlineNote.id.desc())
    ).all()
    return [
        {
            "id": note.id,
            "text": note.text,
            "language": note.language,
            "stage": stage_key,
            "themes": list(note.themes or []),
            "sentiment": None if note.sentiment is None else round(float(note.sentiment), 3),
            "votes": note.votes,
            "status": note.status,
            "reply": note.reply,
            "author": handle,
            "created_at": note.created_at.isoformat(),
        }
        for note, stage_key, handle in rows
    ]

