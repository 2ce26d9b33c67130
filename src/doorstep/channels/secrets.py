"""A workspace's shared secrets: the inbound-webhook signing key, created and rotated here.

The value is kept in the clear because HMAC verification needs it; it is shown
whole exactly once (when created or rotated, like an API key) and otherwise only
as its last four characters. Rotation keeps the previous value valid for
:data:`ROTATION_GRACE`, so a sender can switch over without losing a request.
"""

from __future__ import annotations

import datetime as dt
import secrets as random_secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.accounts.models import Workspace
from doorstep.channels.models import WorkspaceSecret

INBOUND = "inbound_webhook"
ROTATION_GRACE = dt.timedelta(hours=24)


def last4(value: str | None) -> str | None:
    """How a secret is shown after its creation: '…' and its last four characters."""
    if not value:
        return None
    return "…" + value[-4:]


@dataclass(frozen=True)
class SecretState:
    name: str
    value: str
    created_at: dt.datetime
    shown: bool  # True only when this call created or rotated it: the one time it is printed whole

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "secret": self.value if self.shown else None,
            "last4": self.value[-4:],
            "created_at": self.created_at.isoformat(),
            "created": self.shown,
        }


def _row(session: Session, workspace_id: int, name: str) -> WorkspaceSecret | None:
    return session.scalar(
        select(WorkspaceSecret).where(WorkspaceSecret.workspace_id == workspace_id, WorkspaceSecret.name == name)
    )


def ensure_inbound_secret(
    *, session: Session, workspace: Workspace, now: dt.datetime, rotate: bool = False
) -> SecretState:
    """The workspace's inbound signing secret: created on first use, replaced by ``rotate``
    (the old one keeps working for :data:`ROTATION_GRACE`)."""
    row = _row(session, workspace.id, INBOUND)
    fresh = random_secrets.token_urlsafe(32)
    if row is None:
        row = WorkspaceSecret(workspace_id=workspace.id, name=INBOUND, value=fresh, created_at=now, extra={})
        session.add(row)
        session.flush()
        return SecretState(INBOUND, row.value, row.created_at, True)
    if not rotate:
        return SecretState(INBOUND, row.value, row.created_at, False)
    row.extra = {"previous": row.value, "previous_until": (now + ROTATION_GRACE).isoformat()}
    row.value = fresh
    row.created_at = now
    session.flush()
    return SecretState(INBOUND, row.value, row.created_at, True)


def inbound_secrets(*, session: Session, workspace_id: int, now: dt.datetime) -> list[str]:
    """The values a signed inbound request may use now: the current one, and the one it
    replaced while its grace period lasts. Empty: inbound webhooks are not set up."""
    row = _row(session, workspace_id, INBOUND)
    if row is None:
        return []
    values = [row.value]
    previous, until = (row.extra or {}).get("previous"), (row.extra or {}).get("previous_until")
    if previous and until and now < dt.datetime.fromisoformat(until):
        values.append(previous)
    return values
