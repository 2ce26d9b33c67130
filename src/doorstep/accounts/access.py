"""What a frontline person may see: the deliveries they own, and those deliveries' cases.

Everyone else sees the whole workspace (their role permitting). Something outside
one's reach answers NotFound, exactly like an id from another workspace, so ids
cannot be probed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.accounts.models import Workspace
from doorstep.errors import NotFound


def restricted(role: str) -> bool:
    """Does this role see only its own deliveries?"""
    return role == "frontline"


def check_delivery(
    session: Session, *, workspace: Workspace, role: str, user_id: int | None, external_id: str
) -> None:
    """NotFound unless the caller may see this delivery."""
    if not restricted(role):
        return
    from doorstep.deliveries.models import Delivery  # deliveries depends on accounts, not back

    owner = session.scalar(
        select(Delivery.owner_id).where(Delivery.workspace_id == workspace.id, Delivery.external_id == external_id)
    )
    if owner is None or owner != user_id:
        raise NotFound(f"no delivery '{external_id[:80]}' in this workspace")


def check_case(session: Session, *, workspace: Workspace, role: str, user_id: int | None, case_id: int) -> None:
    """NotFound unless the caller may see this case."""
    if not restricted(role):
        return
    from doorstep.cases.models import Case
    from doorstep.deliveries.models import Delivery

    owner = session.scalar(
        select(Delivery.owner_id)
        .join(Case, Case.delivery_id == Delivery.id)
        .where(Case.id == case_id, Case.workspace_id == workspace.id)
    )
    if owner is None or owner != user_id:
        raise NotFound(f"no case {case_id} in this workspace")
