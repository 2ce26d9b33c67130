"""Per-workspace rules, validated; stored as JSON on the workspace."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WorkspaceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quiet_period_days: int = Field(
        default=30, ge=0, le=365, description="No second invitation to a customer inside this period."
    )
    invitation_expiry_days: int = Field(
        default=14, ge=1, le=365, description="An invitation can be answered for this long."
    )
    first_contact_hours: float = Field(
        default=24, gt=0, description="A detractor's case must be contacted within this."
    )
    resolution_hours: float = Field(default=72, gt=0, description="A detractor's case must be resolved within this.")
    default_cs_owner: str | None = Field(
        default=None,
        description="Handle of the person who owns cases when the delivery owner has no lead.",
    )
