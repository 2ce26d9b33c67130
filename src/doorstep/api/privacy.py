"""A customer's data rights over HTTP: everything held about them, and erasure (admin only).

Both are written to the audit log (by external id; the log holds no customer text).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from doorstep.accounts import audit
from doorstep.api.deps import AdminDep, DbDep, NowDep, client_address
from doorstep.deliveries.privacy import erase_customer, export_customer

router = APIRouter(prefix="/api/v1", tags=["privacy"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No customer with this external id here."}}


class CustomerExport(BaseModel):
    """Everything held about one customer (deliveries, answers, cases, notes, notifications)."""

    workspace: str
    customer: dict[str, Any]
    deliveries: list[dict[str, Any]]
    invitations: list[dict[str, Any]]
    responses: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    frontline_notes: list[dict[str, Any]]
    notifications: list[dict[str, Any]] = Field(description="Webhook and chat jobs that carried their answers.")


class ErasurePublic(BaseModel):
    customer: str
    responses: int = Field(description="Answers kept, without their text: scores still count.")
    comments_removed: int
    cases: int
    notes_removed: int
    photos_removed: int
    jobs_scrubbed: int
    invitations_expired: int
    briefs_scrubbed: int
    already_erased: bool


@router.get("/customers/{external_id}/export", response_model=CustomerExport, responses=NOT_FOUND,
            summary="Everything held about one customer, as JSON (a data subject's access request)")
def get_customer_export(external_id: str, request: Request, caller: AdminDep, db: DbDep, now: NowDep) -> Any:
    with db.write() as session:  # a write: the audit entry lands with the read
        data = export_customer(session=session, workspace=caller.workspace, external_id=external_id)
        audit.record(session, action="customer_exported", actor_kind=caller.actor_kind, actor=caller.actor,
                     workspace_id=caller.workspace.id, target=f"customer:{external_id}",
                     client=client_address(request), at=now)
    return data


@router.post("/customers/{external_id}/erase", response_model=ErasurePublic, responses=NOT_FOUND,
             summary="Erase one customer's contact details and texts; their scores keep counting")
def post_customer_erase(external_id: str, request: Request, caller: AdminDep, db: DbDep, now: NowDep) -> Any:
    """Removes name, e-mail, attributes, comments, case notes and the texts of notifications
    about them; keeps scores, times, stages and themes, so NPS and case counts do not change.
    Cannot be undone. Erasing again is harmless."""
    with db.write() as session:
        result = erase_customer(session=session, workspace=caller.workspace, external_id=external_id, now=now)
        audit.record(session, action="customer_erased", actor_kind=caller.actor_kind, actor=caller.actor,
                     workspace_id=caller.workspace.id, target=f"customer:{external_id}",
                     details={k: v for k, v in result.as_dict().items() if k != "customer"},
                     client=client_address(request), at=now)
    return result.as_dict()
