"""GET and PATCH /api/v1/settings: the workspace's rules (quiet period, SLAs, routing, reach,
alerts, the brief), as `doorstep workspace-settings` shows and changes them. Admins only;
every change is audited with the names of the rules it changed."""

from __future__ import annotations

from typing import Any, Optional

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, create_model
from pydantic.fields import FieldInfo

from doorstep.accounts.services import change_settings, workspace_settings
from doorstep.accounts.settings import WorkspaceSettings
from doorstep.api.deps import AdminDep, DbDep, client_address

router = APIRouter(prefix="/api/v1", tags=["settings"])


def _patch_model() -> type[BaseModel]:
    """The settings with every field optional and nullable: a JSON merge patch of them."""
    fields: dict[str, Any] = {
        name: (Optional[field.annotation], FieldInfo.merge_field_infos(field, default=None))  # noqa: UP045
        for name, field in WorkspaceSettings.model_fields.items()
    }
    return create_model(
        "SettingsPatch",
        __config__=ConfigDict(extra="forbid"),
        __doc__="Only the rules to change; null puts a rule back to its default.",
        **fields,
    )


SettingsPatch = _patch_model()


@router.get("/settings", response_model=WorkspaceSettings, summary="The workspace's rules")
def get_settings(caller: AdminDep, db: DbDep) -> WorkspaceSettings:
    with db.read() as session:
        from doorstep.accounts.models import Workspace

        workspace = session.get(Workspace, caller.workspace.id)
        assert workspace is not None  # the caller's own: the key or session was just checked
        return workspace_settings(workspace)


@router.patch(
    "/settings",
    response_model=WorkspaceSettings,
    summary="Change some of the workspace's rules",
    responses={422: {"description": "A value is refused (each bad rule named by its path); nothing changed."}},
)
def patch_settings(
    request: Request, caller: AdminDep, db: DbDep, body: SettingsPatch = Body()  # type: ignore[valid-type]
) -> WorkspaceSettings:
    """Send only the rules to change, e.g. `{"quiet_period_days": 14, "sampling_rate": 0.5}`;
    `null` puts one back to its default. The rules are checked together (a routing rule, the
    business hours, the brief's recipients), and the whole change is refused if any is wrong.
    Answers the rules as they now are."""
    changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    with db.write() as session:
        return change_settings(session=session, workspace_id=caller.workspace.id, changes=changes,
                               actor_kind=caller.actor_kind, actor=caller.actor, client=client_address(request))
