"""The signed inbound webhook: an order or ticketing system pushes hand-overs as they happen.

Two parts. The pure part turns a pushed JSON document into delivery records, either
as it is (the shape ``POST /api/v1/deliveries`` accepts) or through the workspace's
``inbound_mapping`` (delivery column → dotted path in the document, e.g.
``{"external_id": "order.id", "stage.picked_up": "timeline.pickup"}``). The service
checks the signature, refuses replays and stores the records through the same
ingest as the API, all in the caller's one transaction: a request is stored whole
or not at all.

Every failure to authenticate (no such workspace, no secret set up, wrong
signature) gives the same 401 and the same message, so the endpoint does not tell
a stranger which workspaces exist.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets as random_secrets
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from doorstep.accounts.models import Workspace
from doorstep.accounts.services import workspace_settings
from doorstep.channels import signing
from doorstep.channels.models import InboundRequest
from doorstep.channels.secrets import inbound_secrets
from doorstep.db import table_of
from doorstep.deliveries.records import DELIVERY_COLUMNS, DeliveryRecord
from doorstep.deliveries.schemas import DeliveryCreate, to_record
from doorstep.deliveries.services import IngestResult, ingest_deliveries, validate_record
from doorstep.errors import AuthError, ImportFailed, InvalidInput, Problem
from doorstep.timeutil import zone

MAX_ITEMS = 1000
MAX_BODY = 8 * 1024 * 1024  # 1,000 deliveries of a few KB each; more is not a hand-over feed
REPLAY_MEMORY = dt.timedelta(minutes=10)  # twice the timestamp tolerance: covers a clock ahead or behind
OPTIONAL = "?"  # a mapping path ending in '?' may be absent from an item
_STRING_FIELDS = ("external_id", "customer_id", "customer_name", "customer_email", "customer_locale", "owner", "status")
_FIELDS = (*DELIVERY_COLUMNS, "status")
_MISSING = object()
# Compared against when the workspace is unknown, so that path costs the same HMAC as a real one.
_DECOY_SECRET = random_secrets.token_urlsafe(32)


# --- the pure part: JSON → records ------------------------------------------------


def _field(index: int, name: str) -> str:
    return f"items[{index}].{name}"


def items_of(payload: Any, *, mapped: bool) -> list[Any]:
    """The items of a pushed document: a list of objects, one object, or (unmapped, like
    the deliveries API) ``{"deliveries": [...]}``."""
    if isinstance(payload, dict) and not mapped and set(payload) == {"deliveries"}:
        payload = payload["deliveries"]
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise InvalidInput("the body is an empty list: send at least one object", field="body")
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS:,} items per request; this one has {len(items):,}", field="body")
    problems = [Problem(f"must be a JSON object, not {_json_type(item)}", None, f"items[{i}]")
                for i, item in enumerate(items) if not isinstance(item, dict)]
    if problems:
        raise ImportFailed(problems, source="request")
    return items


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list"}.get(
        type(value), type(value).__name__
    )


def lookup(document: Any, path: str) -> Any:
    """The value at a dotted path (``order.items.0.sku``: digits index a list), or a
    private marker when any step is absent."""
    current = document
    for step in path.split("."):
        if isinstance(current, dict) and step in current:
            current = current[step]
        elif isinstance(current, list) and step.isdigit() and int(step) < len(current):
            current = current[int(step)]
        else:
            return _MISSING
    return current


def check_mapping(mapping: dict[str, str]) -> list[Problem]:
    """What is wrong with a mapping on its own: it must say where the two ids are."""
    problems = []
    for name in ("external_id", "customer_id"):
        if name not in mapping:
            problems.append(Problem(f"the workspace's inbound_mapping has no path for '{name}'", None, name))
    for name, path in mapping.items():
        if not isinstance(path, str) or not path.strip(OPTIONAL).strip():
            problems.append(Problem("a mapping path is a dotted path such as 'order.id'", None, name))
    return problems


def apply_mapping(item: dict[str, Any], mapping: dict[str, str], index: int, problems: list[Problem]) -> dict[str, Any]:
    """One pushed object → the deliveries API's shape. Columns as in the CSV contract:
    the fixed ones, ``stage.<key>``, ``attributes.<name>`` or any other name (an attribute).
    A path that is absent is an error, unless it ends in '?'."""
    shaped: dict[str, Any] = {"stages": {}, "attributes": {}}
    for name, raw_path in mapping.items():
        optional = raw_path.endswith(OPTIONAL)
        path = raw_path.rstrip(OPTIONAL)
        value = lookup(item, path)
        if value is _MISSING:
            if not optional:
                problems.append(Problem(f"path '{path}' is not in the item", None, _field(index, name)))
            continue
        if name in _STRING_FIELDS and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # order systems number their orders; ids are text here
        if name.startswith("stage."):
            shaped["stages"][name.removeprefix("stage.")] = value
        elif name.startswith("attributes."):
            shaped["attributes"][name.removeprefix("attributes.")] = value
        elif name in _FIELDS:
            shaped[name] = value
        else:
            shaped["attributes"][name] = value
    return shaped


def _loc(index: int, loc: tuple[int | str, ...]) -> str:
    path = ".".join(str(part) for part in loc)
    return _field(index, path) if path else f"items[{index}]"


def to_records(payload: Any, mapping: dict[str, str], tz: dt.tzinfo) -> list[DeliveryRecord]:
    """A parsed JSON body → valid delivery records, or :class:`ImportFailed` naming each
    bad item's index and field (nothing is stored when one item is wrong)."""
    if mapping:
        problems = check_mapping(mapping)
        if problems:
            raise ImportFailed(problems, source="inbound_mapping")
    items = items_of(payload, mapped=bool(mapping))
    problems = []
    records = []
    for index, item in enumerate(items):
        before = len(problems)
        shaped = apply_mapping(item, mapping, index, problems) if mapping else item
        if len(problems) > before:
            continue  # a path that is absent: say so, not also "field required"
        try:
            create = DeliveryCreate.model_validate(shaped)
        except ValidationError as exc:
            problems.extend(Problem(err["msg"], None, _loc(index, err["loc"])) for err in exc.errors())
            continue
        record = to_record(create, tz, index)
        problems.extend(Problem(p.message, None, _field(index, p.field or "")) for p in validate_record(record))
        records.append(record)
    if problems:
        raise ImportFailed(problems[:50], source="request", total_problems=len(problems))
    return records


# --- the service: authenticate, guard against replays, ingest ---------------------


def _authenticate(
    session: Session, *, slug: str | None, timestamp: str | None, signature: str | None, body: bytes, now: dt.datetime
) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug)) if slug else None
    candidates = inbound_secrets(session=session, workspace_id=workspace.id, now=now) if workspace else []
    mismatch: signing.SignatureError | None = None
    for secret in candidates or [_DECOY_SECRET]:
        try:
            signing.verify(secret, timestamp=timestamp, signature=signature, body=body, now=now)
        except signing.SignatureMismatch as exc:
            mismatch = exc  # perhaps the previous secret, during a rotation: try it too
            continue
        except signing.SignatureError as exc:
            raise AuthError(f"inbound webhook refused: {exc}") from None
        if workspace is not None and candidates:
            return workspace
    raise AuthError(f"inbound webhook refused: {mismatch}")


def _remember(session: Session, workspace_id: int, signature: str, now: dt.datetime) -> None:
    """Record an accepted signature; a second request with it is a replay (401)."""
    table = table_of(InboundRequest)
    postgres = session.get_bind().dialect.name == "postgresql"
    expired = select(table.c.id).where(table.c.received_at < now - REPLAY_MEMORY)
    if postgres:
        # Two requests at once must not wait on (or deadlock over) the same old rows: each
        # prunes what nobody else holds; what is left is pruned by the next request.
        expired = expired.with_for_update(skip_locked=True)
    session.execute(delete(table).where(table.c.id.in_(expired.scalar_subquery())))
    if postgres:
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stored = session.execute(
        insert(table)
        .values(workspace_id=workspace_id, signature=signing.digest_of(signature), received_at=now)
        .on_conflict_do_nothing(index_elements=["workspace_id", "signature"])
        .returning(table.c.id)
    ).scalar()
    if stored is None:
        raise AuthError("inbound webhook refused: this exact request was already received (a replay); "
                        "sign every request afresh with the current time")


def receive_deliveries(
    *,
    session: Session,
    slug: str | None,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: dt.datetime,
) -> tuple[Workspace, IngestResult]:
    """Authenticate a pushed document and store its deliveries (invitations follow as
    for the deliveries API). 401 (:class:`AuthError`) before anything else is looked
    at; 422 (:class:`InvalidInput`) for a body that cannot be read or mapped."""
    workspace = _authenticate(session, slug=slug, timestamp=timestamp, signature=signature, body=body, now=now)
    assert signature is not None  # verified above
    _remember(session, workspace.id, signature, now)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc}", field="body") from None
    mapping = workspace_settings(workspace).inbound_mapping
    records = to_records(payload, mapping, zone(workspace.timezone))
    result = ingest_deliveries(session=session, workspace=workspace, records=records, now=now)
    session.flush()
    return workspace, result
