"""Workspaces, people and API keys. Services flush; the caller commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import zoneinfo
from collections.abc import Iterable, Mapping

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.accounts import audit
from doorstep.accounts.models import ROLES, ApiKey, User, Workspace
from doorstep.accounts.settings import WorkspaceSettings
from doorstep.db import utcnow
from doorstep.errors import AuthError, Conflict, ImportFailed, InvalidInput, NotFound, Problem, field_path

KEY_PREFIX = "dsk_"
MAX_KEY_NAME = 120


def check_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown timezone '{name}' (use an IANA name such as Asia/Shanghai)", field="timezone"
        ) from exc
    return name


def get_workspace(*, session: Session, slug: str) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        raise NotFound(f"workspace '{slug}' does not exist (create it with: doorstep workspace create {slug})")
    return workspace


def create_workspace(
    *,
    session: Session,
    slug: str,
    name: str | None = None,
    timezone: str = "UTC",
    locale: str = "en",
    settings: WorkspaceSettings | None = None,
) -> Workspace:
    """Create a workspace with its default (empty) journey."""
    from doorstep.deliveries.services import ensure_journey  # deliveries depends on accounts, not back

    if not slug or len(slug) > 64 or not all(c.isalnum() or c in "-_" for c in slug):
        raise InvalidInput("a workspace slug is 1–64 letters, digits, '-' or '_'", field="slug")
    if session.scalar(select(Workspace.id).where(Workspace.slug == slug)) is not None:
        raise InvalidInput(f"workspace '{slug}' already exists", field="slug")
    workspace = Workspace(
        slug=slug,
        name=name or slug,
        timezone=check_timezone(timezone),
        locale=locale,
        settings=(settings or WorkspaceSettings()).model_dump(),
    )
    session.add(workspace)
    session.flush()
    ensure_journey(session=session, workspace=workspace)
    return workspace


def ensure_workspace(*, session: Session, slug: str, **kwargs: object) -> Workspace:
    """The workspace with this slug, created with ``kwargs`` when missing."""
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is not None:
        return workspace
    return create_workspace(session=session, slug=slug, **kwargs)  # type: ignore[arg-type]


def workspace_settings(workspace: Workspace) -> WorkspaceSettings:
    return WorkspaceSettings.model_validate(workspace.settings or {})


def update_settings(*, session: Session, workspace: Workspace, **changes: object) -> WorkspaceSettings:
    merged = workspace_settings(workspace).model_dump() | changes
    validated = WorkspaceSettings.model_validate(merged)
    if validated.default_cs_owner:
        # Name someone who does not exist yet and they are created, so cases are never orphaned.
        ensure_users(session=session, workspace_id=workspace.id, handles=[validated.default_cs_owner], role="cs")
    workspace.settings = validated.model_dump()
    session.flush()
    return validated


_REFUSED = "refused, nothing was changed"


def change_settings(
    *,
    session: Session,
    workspace_id: int,
    changes: Mapping[str, object],
    actor_kind: str,
    actor: str | None,
    client: str | None = None,
) -> WorkspaceSettings:
    """Change some of a workspace's rules, all checked together, and audit which ones changed.

    A change to ``None`` puts a rule back to its default (as JSON merge patch does). Raises
    InvalidInput (ImportFailed, one problem per bad field, named by its path, e.g.
    ``business_hours.days``) and changes nothing when a value is refused. The audit entry names
    the rules, not their values: brief recipients and routing rules name people."""
    fields = WorkspaceSettings.model_fields
    unknown = [name for name in changes if name not in fields]
    if unknown:
        known = ", ".join(fields)
        raise ImportFailed([Problem(f"no such setting; the settings are: {known}", None, name) for name in unknown],
                           source="settings", summary=_REFUSED)
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound("no such workspace")
    before = workspace_settings(workspace).model_dump()
    wanted = {
        name: fields[name].get_default(call_default_factory=True) if value is None else value
        for name, value in changes.items()
    }
    try:
        after = update_settings(session=session, workspace=workspace, **wanted)
    except ValidationError as exc:
        problems = [Problem(e["msg"], None, field_path(e["loc"])) for e in exc.errors()]
        raise ImportFailed(problems, source="settings", summary=_REFUSED) from None
    changed = sorted(name for name, value in after.model_dump().items() if before.get(name) != value)
    if changed:
        audit.record(session, action="settings_changed", actor_kind=actor_kind, actor=actor,
                     workspace_id=workspace_id, target=f"workspace:{workspace.slug}", details={"fields": changed},
                     client=client)
    return after


# --- people -----------------------------------------------------------------


def ensure_users(
    *, session: Session, workspace_id: int, handles: Iterable[str], role: str = "frontline"
) -> dict[str, int]:
    """Ids of the people with these handles, creating the missing ones (without a login)."""
    wanted = {h for h in handles if h}
    if not wanted:
        return {}
    found = dict(
        session.execute(
            select(User.handle, User.id).where(User.workspace_id == workspace_id, User.handle.in_(wanted))
        ).all()
    )
    missing = sorted(wanted - found.keys())
    for handle in missing:
        user = User(workspace_id=workspace_id, handle=handle, role=role)
        session.add(user)
        session.flush()
        found[handle] = user.id
    return found


def set_lead(*, session: Session, workspace_id: int, handle: str, lead_handle: str | None) -> User:
    """Say who answers for a person; both are created if unknown."""
    ids = ensure_users(session=session, workspace_id=workspace_id, handles=[handle])
    user = session.get_one(User, ids[handle])
    if lead_handle:
        lead_ids = ensure_users(session=session, workspace_id=workspace_id, handles=[lead_handle], role="cs")
        user.lead_id = lead_ids[lead_handle]
    else:
        user.lead_id = None
    session.flush()
    return user


# --- API keys ----------------------------------------------------------------


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    *, session: Session, workspace: Workspace, name: str = "default", role: str = "admin"
) -> tuple[ApiKey, str]:
    """A new key; the secret is returned once and never stored."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    name = name.strip()
    if not name or len(name) > MAX_KEY_NAME:
        raise InvalidInput(f"a key's name is 1–{MAX_KEY_NAME} characters", field="name")
    prefix = secrets.token_hex(6)
    secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(workspace_id=workspace.id, name=name, role=role, prefix=prefix, secret_hash=_hash(secret))
    session.add(key)
    session.flush()
    return key, secret


def issue_api_key(
    *, session: Session, workspace: Workspace, name: str, role: str, actor: str = "cli", actor_kind: str = "cli",
    client: str | None = None, now: dt.datetime | None = None,
) -> tuple[ApiKey, str]:
    """:func:`create_api_key` as a person asks for it (command line, admin page): audited as
    ``key_created``. The secret is in neither the log nor the database."""
    key, secret = create_api_key(session=session, workspace=workspace, name=name, role=role)
    audit.record(session, action="key_created", actor_kind=actor_kind, actor=actor, workspace_id=workspace.id,
                 target=f"key:{key.prefix}", details={"name": key.name, "role": key.role}, client=client, at=now)
    return key, secret


def list_api_keys(*, session: Session, workspace: Workspace) -> list[ApiKey]:
    """The workspace's keys, revoked ones too, newest first."""
    return list(session.scalars(
        select(ApiKey).where(ApiKey.workspace_id == workspace.id).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    ))


def get_api_key(*, session: Session, workspace: Workspace, key_id: int) -> ApiKey:
    """A key of this workspace by id; another workspace's answers NotFound like a missing one."""
    key = session.get(ApiKey, key_id)
    if key is None or key.workspace_id != workspace.id:
        raise NotFound(f"no API key {key_id} in workspace '{workspace.slug}'")
    return key


def key_matches(key: ApiKey, secret: str) -> bool:
    """Is ``secret`` this key's (constant time)?"""
    return hmac.compare_digest(key.secret_hash, _hash(secret))


def authenticate_key(*, session: Session, secret: str) -> tuple[ApiKey, Workspace]:
    """The key and its workspace, or AuthError. Constant-time on the secret."""
    parts = secret.removeprefix(KEY_PREFIX).split("_", 1)
    if not secret.startswith(KEY_PREFIX) or len(parts) != 2:
        raise AuthError("malformed API key")
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[0]))
    # Compare against something even when the prefix is unknown, so timing says nothing.
    expected = key.secret_hash if key is not None else _hash("")
    if not hmac.compare_digest(expected, _hash(secret)) or key is None or key.revoked_at is not None:
        raise AuthError("invalid or revoked API key")
    workspace = session.get_one(Workspace, key.workspace_id)
    return key, workspace


def revoke_api_key(
    *, session: Session, workspace: Workspace, prefix: str | None = None, key_id: int | None = None,
    actor: str = "cli", actor_kind: str = "cli", client: str | None = None, now: dt.datetime | None = None,
) -> ApiKey:
    """Revoke a key of this workspace, by prefix or id, audited as ``key_revoked``; the next
    call made with it is refused. A key revoked already is a Conflict (its time stays)."""
    if key_id is not None:
        key = get_api_key(session=session, workspace=workspace, key_id=key_id)
    else:
        found = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.workspace_id == workspace.id))
        if found is None:
            raise NotFound(f"no API key with prefix '{prefix}' in workspace '{workspace.slug}'")
        key = found
    if key.revoked_at is not None:
        raise Conflict(f"the API key {key.prefix} is revoked already")
    key.revoked_at = now or utcnow()
    session.flush()
    audit.record(session, action="key_revoked", actor_kind=actor_kind, actor=actor, workspace_id=workspace.id,
                 target=f"key:{key.prefix}", client=client, at=now)
    return key
