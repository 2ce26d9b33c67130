"""The audit log: one append-only row per security-relevant act.

What goes in: logins (and failed ones), logouts, password resets and changes, role changes,
user and key creation and revocation, an admin's corrections of a person's name or e-mail,
invitations sent again, deactivation and reactivation, API key use (at most once per key per hour,
so the log does not grow with traffic), exports and deletions/erasures.

Rows are never updated or deleted (triggers in migration 0005 refuse it), and hold
no customer text or contact details: ``target`` names an object by kind and id or
external reference, so erasing a customer leaves nothing of theirs here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.accounts.audit_actions import ACTIONS as ACTIONS  # re-exported: callers import it from here
from doorstep.accounts.models import AUDIT_ACTOR_KINDS, AuditEntry


def record(
    session: Session,
    *,
    action: str,
    actor_kind: str,
    actor: str | None,
    workspace_id: int | None,
    target: str | None = None,
    details: Mapping[str, Any] | None = None,
    client: str | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction: it lands if and only if the act does."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")  # a programming error, not user input
    if actor_kind not in AUDIT_ACTOR_KINDS:
        raise ValueError(f"unknown audit actor kind {actor_kind!r}")
    entry = AuditEntry(
        workspace_id=workspace_id,
        action=action,
        actor_kind=actor_kind,
        actor=actor,
        target=target,
        details=dict(details or {}),
        client=client,
    )
    if at is not None:
        entry.at = at
    session.add(entry)
    session.flush()
    return entry


def entries(
    session: Session,
    *,
    workspace_id: int,
    action: str | None = None,
    since: dt.datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """A workspace's entries, newest first."""
    query = select(AuditEntry).where(AuditEntry.workspace_id == workspace_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)))


def entry_dict(entry: AuditEntry) -> dict[str, Any]:
    """The shape `doorstep audit --json` and ``GET /api/v1/audit`` print."""
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "action": entry.action,
        "actor_kind": entry.actor_kind,
        "actor": entry.actor,
        "target": entry.target,
        "details": entry.details or {},
        "client": entry.client,
    }
