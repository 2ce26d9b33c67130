"""``GET /api/v1/audit``: the workspace's audit log, newest first (admin only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from doorstep.accounts.audit import ACTIONS, entries, entry_dict
from doorstep.api.deps import AdminDep, DbDep
from doorstep.api.params import MAX_OFFSET
from doorstep.errors import InvalidInput
from doorstep.timeutil import parse_period

router = APIRouter(prefix="/api/v1", tags=["audit"])


class AuditEntryPublic(BaseModel):
    id: int
    at: str
    action: str
    actor_kind: str = Field(description="user, key, cli, system or anonymous")
    actor: str | None
    target: str | None = Field(description="What was acted on, by kind and id or external id; never customer text.")
    details: dict[str, Any]
    client: str | None = Field(description="The client's address, for acts over HTTP.")


class AuditPage(BaseModel):
    entries: list[AuditEntryPublic]
    limit: int
    offset: int


@router.get("/audit", response_model=AuditPage, summary="The audit log: logins, role changes, key use, exports, "
                                                         "erasures, newest first")
def get_audit(
    caller: AdminDep,
    db: DbDep,
    since: str | None = Query(None, description="First day (YYYY-MM-DD, workspace timezone) or instant."),
    action: str | None = Query(None, max_length=64, description="Only this action (login, export, customer_erased…)."),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> Any:
    if action is not None and action not in ACTIONS:
        raise InvalidInput(f"unknown action; one of {', '.join(ACTIONS)}", field="action")
    start, _ = parse_period(since, None, caller.workspace.timezone)
    with db.read() as session:
        found = entries(session, workspace_id=caller.workspace.id, action=action, since=start, limit=limit,
                        offset=offset)
        return {"entries": [entry_dict(e) for e in found], "limit": limit, "offset": offset}
