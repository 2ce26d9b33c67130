"""Journeys, stages and the ingest of deliveries from any source.

Every path (CSV, JSON API, webhook, demo) reduces its input to
:class:`DeliveryRecord` and calls :func:`ingest_deliveries`, so idempotency and
the "delivered → invite" rule live in one place. Bulk writes go through
SQLAlchemy Core in executemany batches: the ORM's unit of work costs ~10× per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from doorstep.accounts.models import Workspace
from doorstep.accounts.services import ensure_users
from doorstep.db import insert_ignore_or_update, table_of
from doorstep.deliveries.models import Customer, Delivery, Journey, Stage, StageEvent
from doorstep.deliveries.records import DeliveryRecord
from doorstep.deliveries.stage_daily import EventChange, record_changes, refresh_late
from doorstep.deliveries.stage_names import default_names
from doorstep.errors import ImportFailed, InvalidInput, NotFound, Problem

MAX_ID = 200


def ensure_journey(*, session: Session, workspace: Workspace) -> Journey:
    journey = session.scalar(select(Journey).where(Journey.workspace_id == workspace.id, Journey.key == "default"))
    if journey is None:
        journey = Journey(workspace_id=workspace.id, key="default", name=workspace.name)
        session.add(journey)
        session.flush()
    return journey


def stage_aliases(stages: Sequence[Stage]) -> dict[str, str]:
    """Stage keys by what else names them, casefolded: the key in another case, the English
    and the Chinese name. A name two stages share names neither."""
    aliases: dict[str, str] = {}
    shared: set[str] = set()
    for stage in stages:
        for alias in {stage.key.casefold(), stage.name.strip().casefold(), (stage.name_zh or "").strip().casefold()}:
            if not alias:
                continue
            if aliases.get(alias, stage.key) != stage.key:
                shared.add(alias)
            aliases[alias] = stage.key
    return {alias: key for alias, key in aliases.items() if alias not in shared}


def list_stages(*, session: Session, workspace: Workspace) -> list[Stage]:
    journey = ensure_journey(session=session, workspace=workspace)
    return list(session.scalars(select(Stage).where(Stage.journey_id == journey.id).order_by(Stage.position)))


def add_stage(
    *,
    session: Session,
    workspace: Workspace,
    key: str,
    name: str | None = None,
    name_zh: str | None = None,
    target_minutes: float | None = None,
) -> Stage:
    """Append a stage to the workspace's journey."""
    key = key.strip()
    if not key or len(key) > 64:
        raise InvalidInput("a stage key is 1–64 characters", field="key")
    journey = ensure_journey(session=session, workspace=workspace)
    if session.scalar(select(Stage.id).where(Stage.journey_id == journey.id, Stage.key == key)):
        raise InvalidInput(f"stage '{key}' already exists", field="key")
    position = (
        session.scalar(select(func.coalesce(func.max(Stage.position), 0)).where(Stage.journey_id == journey.id)) or 0
    )
    known_en, known_zh = default_names(key)
    stage = Stage(
        journey_id=journey.id,
        key=key,
        name=name or known_en,
        name_zh=name_zh if name_zh is not None or name else known_zh,
        position=position + 1,
        target_minutes=target_minutes,
    )
    session.add(stage)
    session.flush()
    return stage


def update_stage(
    *,
    session: Session,
    workspace: Workspace,
    key: str,
    target_minutes: float | None = None,
    clear_target: bool = False,
    name: str | None = None,
    name_zh: str | None = None,
) -> Stage:
    """Change a stage's target duration (minutes from the previous stage) or its names."""
    journey = ensure_journey(session=session, workspace=workspace)
    stage = session.scalar(select(Stage).where(Stage.journey_id == journey.id, Stage.key == key))
    if stage is None:
        known = ", ".join(s.key for s in list_stages(session=session, workspace=workspace)) or "none yet"
        raise NotFound(f"no stage '{key}'; the journey has: {known}")
    if target_minutes is not None and not 0 < target_minutes <= 525_600:
        raise InvalidInput("a target is more than 0 and at most a year, in minutes", field="target")
    before = stage.target_minutes
    if clear_target:
        stage.target_minutes = None
    elif target_minutes is not None:
        stage.target_minutes = target_minutes
    if name is not None and name.strip():
        stage.name = name.strip()[:200]
    if name_zh is not None:
        stage.name_zh = name_zh.strip()[:200] or None
    session.flush()
    if stage.target_minutes != before:  # stage_daily counts "late" against the target
        refresh_late(session, stage=stage, timezone=workspace.timezone)
    return stage


@dataclass
class IngestResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invitations: list[tuple[str, str]] = field(default_factory=list)  # (delivery external_id, token)

    def add(self, other: IngestResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.invitations.extend(other.invitations)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "invitations": len(self.invitations),
        }


def validate_record(record: DeliveryRecord) -> list[Problem]:
    """What is wrong with one record on its own (no database needed)."""
    problems = []
    if not record.external_id:
        problems.append(Problem("is required", record.line, "external_id"))
    elif len(record.external_id) > MAX_ID:
        problems.append(Problem(f"is longer than {MAX_ID} characters", record.line, "external_id"))
    if not record.customer_id:
        problems.append(Problem("is required", record.line, "customer_id"))
    elif len(record.customer_id) > MAX_ID:
        problems.append(Problem(f"is longer than {MAX_ID} characters", record.line, "customer_id"))
    if record.status not in (None, "cancelled"):
        problems.append(
            Problem("only 'cancelled' can be set; other states follow from the times", record.line, "status")
        )
    if record.customer_email and ("@" not in record.customer_email or len(record.customer_email) > 320):
        problems.append(
            Problem(f"'{record.customer_email[:60]}' is not an e-mail address", record.line, "customer_email")
        )
    # PostgreSQL cannot store NUL in text, nor take it back out of JSON (db.py refuses it too; here it is named).
    texts = {name: getattr(record, name) for name in
             ("external_id", "customer_id", "customer_name", "customer_email", "customer_locale", "owner")}
    texts |= {f"stages.{key}": key for key in record.stages}
    texts |= {f"attributes.{key}": f"{key}{value}" for key, value in record.attributes.items()}
    problems.extend(Problem("may not contain the NUL character", record.line, name)
                    for name, text in texts.items() if isinstance(text, str) and "\x00" in text)
    return problems


def resolve_stages(
    *,
    session: Session,
    workspace: Workspace,
    keys_in_order: Sequence[str],
    line: int | None = 1,
    lines: dict[str, int | None] | None = None,
) -> dict[str, int]:
    """Stage ids by key. An empty journey learns its stages from the input, in column order;
    a journey that has stages refuses unknown ones (most often a typo), naming each by
    ``lines[key]`` (the first record that sent it) or else ``line`` (a CSV's header)."""
    journey = list_stages(session=session, workspace=workspace)
    existing = {s.key: s.id for s in journey}
    aliases = stage_aliases(journey)  # "stage.Delivered", "stage.已送达": as the answers' stage column
    for key in keys_in_order:
        if key not in existing and (alias := aliases.get(key.casefold())) is not None:
            existing[key] = existing[alias]
    unknown = [k for k in keys_in_order if k not in existing]
    if not unknown:
        return existing
    if existing:
        raise ImportFailed(
            [
                Problem(
                    f"unknown stage '{k}'; the journey has: {', '.join(existing)}",
                    (lines or {}).get(k, line),
                    f"stage.{k}",
                )
                for k in unknown
            ]
        )
    for key in unknown:
        existing[key] = add_stage(session=session, workspace=workspace, key=key).id
    return existing


def ingest_deliveries(
    *, session: Session, workspace: Workspace, records: list[DeliveryRecord], now: dt.datetime
) -> IngestResult:
    """Create or update deliveries by external id; invite the customers of newly delivered ones.

    Records must already be valid on their own (:func:`validate_record`); stage keys
    must be known to the journey (:func:`resolve_stages`). Replaying the same records
    changes nothing.
    """
    from doorstep.surveys.services import invite_delivered  # surveys builds on deliveries

    merged: dict[str, DeliveryRecord] = {}
    for record in records:
        if record.external_id in merged:
            merged[record.external_id].merge(record)
        else:
            merged[record.external_id] = DeliveryRecord(
                **{**record.__dict__, "stages": dict(record.stages), "attributes": dict(record.attributes)}
            )
    if not merged:
        return IngestResult()
    stage_keys = list(dict.fromkeys(k for r in merged.values() for k in r.stages))
    first_lines: dict[str, int | None] = {}
    for record in records:
        for key in record.stages:
            first_lines.setdefault(key, record.line)
    stage_ids = resolve_stages(session=session, workspace=workspace, keys_in_order=stage_keys, lines=first_lines)
    journey = ensure_journey(session=session, workspace=workspace)
    customer_ids = _upsert_customers(session, workspace.id, list(merged.values()))
    owner_ids = ensure_users(
        session=session, workspace_id=workspace.id, handles=[r.owner for r in merged.values() if r.owner]
    )

    table = table_of(Delivery)
    existing = {
        row.external_id: row
        for row in session.execute(
            select(
                table.c.id,
                table.c.external_id,
                table.c.customer_id,
                table.c.owner_id,
                table.c.status,
                table.c.promised_at,
                table.c.delivered_at,
                table.c.lateness_minutes,
                table.c.attributes,
            )
            .where(table.c.workspace_id == workspace.id, table.c.external_id.in_(list(merged)))
            .order_by(table.c.id)
            # PostgreSQL: another ingest of the same deliveries waits here, so the stage events
            # read next are the ones this transaction replaces (stage_daily subtracts them).
            .with_for_update()
        )
    }
    current_events, current_durations = _current_events(session, [r.id for r in existing.values()])

    result = IngestResult()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    newly_delivered: list[str] = []
    for ext, rec in merged.items():
        old = existing.get(ext)
        old_events = current_events.get(old.id, {}) if old else {}
        values: dict[str, Any] = {
            "customer_id": customer_ids[rec.customer_id],
            "owner_id": owner_ids.get(rec.owner) if rec.owner else (old.owner_id if old else None),
            "promised_at": rec.promised_at or (old.promised_at if old else None),
            "delivered_at": rec.delivered_at or (old.delivered_at if old else None),
            "attributes": ({**(old.attributes or {})} if old else {}) | rec.attributes,
        }
        values["lateness_minutes"] = _minutes_between(values["promised_at"], values["delivered_at"])
        cancelled = rec.status == "cancelled" or (old is not None and old.status == "cancelled")
        values["status"] = _status(cancelled, values["delivered_at"], bool(rec.stages or old_events))
        if old is None:
            inserts.append(
                {
                    "workspace_id": workspace.id,
                    "journey_id": journey.id,
                    "external_id": ext,
                    "created_at": now,
                    "updated_at": now,
                    **values,
                }
            )
            result.created += 1
            if values["status"] == "delivered":
                newly_delivered.append(ext)
            continue
        events_changed = any(_differs(old_events.get(stage_ids[k]), at) for k, at in rec.stages.items())
        if any(_differs(getattr(old, k), v) for k, v in values.items()):
            updates.append({"_id": old.id, "updated_at": now, **values})
        elif not events_changed:
            result.unchanged += 1
            continue
        result.updated += 1
        if values["status"] == "delivered" and old.status != "delivered":
            newly_delivered.append(ext)

    if inserts:
        session.execute(insert(table), inserts)
    if updates:
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({k: bindparam(k) for k in updates[0] if k != "_id"})
        )
        session.connection().execute(stmt, updates)

    ids = dict(
        session.execute(
            select(table.c.external_id, table.c.id).where(
                table.c.workspace_id == workspace.id, table.c.external_id.in_(list(merged))
            )
        ).all()
    )
    # Each stage's duration runs from the previous completed stage in journey order, so a
    # changed time also changes the next stage's duration: rewrite every event that differs.
    order = [stage.id for stage in list_stages(session=session, workspace=workspace)]
    events = []
    changes = []
    for ext, rec in merged.items():
        if not rec.stages:
            continue
        stored = current_events.get(ids[ext], {})
        stored_durations = current_durations.get(ids[ext], {})
        times = stored | {stage_ids[key]: at for key, at in rec.stages.items()}
        for stage_id, duration in stage_durations(order, times).items():
            if _differs(stored.get(stage_id), times[stage_id]) or stored_durations.get(stage_id, -1.0) != duration:
                events.append(
                    {
                        "delivery_id": ids[ext],
                        "stage_id": stage_id,
                        "completed_at": times[stage_id],
                        "duration_minutes": duration,
                    }
                )
                old_event = (stored[stage_id], stored_durations.get(stage_id)) if stage_id in stored else None
                changes.append(EventChange(stage_id, old_event, (times[stage_id], duration)))
    insert_ignore_or_update(
        session,
        table_of(StageEvent),
        events,
        keys=["delivery_id", "stage_id"],
        update=["completed_at", "duration_minutes"],
    )
    # The per-day aggregate of the stage table, in the same transaction as the events.
    record_changes(session, workspace_id=workspace.id, timezone=workspace.timezone, changes=changes)

    if newly_delivered:
        result.invitations = invite_delivered(
            session=session,
            workspace=workspace,
            deliveries=[
                (
                    ext,
                    ids[ext],
                    customer_ids[merged[ext].customer_id],
                    merged[ext].delivered_at or existing[ext].delivered_at,
                    # The stored attributes with this input's on top (customer_timezone, …).
                    {**(existing[ext].attributes or {}), **merged[ext].attributes}
                    if ext in existing
                    else merged[ext].attributes,
                )
                for ext in newly_delivered
            ],
            now=now,
        )
    return result


def _status(cancelled: bool, delivered_at: dt.datetime | None, has_events: bool) -> str:
    if cancelled:
        return "cancelled"
    if delivered_at is not None:
        return "delivered"
    return "in_progress" if has_events else "pending"


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, dt.datetime) and isinstance(new, dt.datetime):
        return old.astimezone(dt.UTC) != new.astimezone(dt.UTC)
    return bool(old != new)


def _current_events(
    session: Session, delivery_ids: list[int]
) -> tuple[dict[int, dict[int, dt.datetime]], dict[int, dict[int, float | None]]]:
    """Stage completion times and durations already stored, by delivery id then stage id."""
    events: dict[int, dict[int, dt.datetime]] = {}
    durations: dict[int, dict[int, float | None]] = {}
    if not delivery_ids:
        return events, durations
    t = table_of(StageEvent)
    for row in session.execute(
        select(t.c.delivery_id, t.c.stage_id, t.c.completed_at, t.c.duration_minutes).where(
            t.c.delivery_id.in_(delivery_ids)
        )
    ):
        events.setdefault(row.delivery_id, {})[row.stage_id] = row.completed_at
        durations.setdefault(row.delivery_id, {})[row.stage_id] = row.duration_minutes
    return events, durations


def stage_durations(order: Sequence[int], times: dict[int, dt.datetime]) -> dict[int, float | None]:
    """Minutes each completed stage took, from the completion of the previous completed stage
    in journey order (a skipped stage is bridged). The first completed stage has no duration:
    nothing before it is timed (the promise is when it should *end*, not when it started).
    Nor has a stage stamped before the previous one (a clock set wrong, a stage recorded
    late by hand): a negative duration would drag its stage's median and overruns below
    anything that happened, so it is left untimed rather than refused with the whole file."""
    durations: dict[int, float | None] = {}
    previous: dt.datetime | None = None
    for stage_id in order:
        at = times.get(stage_id)
        if at is None:
            continue
        minutes = _minutes_between(previous, at)
        durations[stage_id] = None if minutes is not None and minutes < 0 else minutes
        previous = at
    return durations


def _minutes_between(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 60.0


def _upsert_customers(session: Session, workspace_id: int, records: list[DeliveryRecord]) -> dict[str, int]:
    """Customer ids by external id; contact details given in the input win over stored ones."""
    table = table_of(Customer)
    wanted: dict[str, DeliveryRecord] = {}
    for r in records:
        wanted[r.customer_id] = r
    current = {
        row.external_id: row
        for row in session.execute(
            select(table.c.id, table.c.external_id, table.c.name, table.c.email, table.c.locale).where(
                table.c.workspace_id == workspace_id, table.c.external_id.in_(list(wanted))
            )
        )
    }
    new_rows: list[dict[str, Any]] = [
        {
            "workspace_id": workspace_id,
            "external_id": ext,
            "name": r.customer_name,
            "email": r.customer_email,
            "locale": r.customer_locale,
            "attributes": {},
        }
        for ext, r in wanted.items()
        if ext not in current
    ]
    if new_rows:
        session.execute(insert(table), new_rows)
    changes = []
    for ext, row in current.items():
        r = wanted[ext]
        values = {
            "name": r.customer_name or row.name,
            "email": r.customer_email or row.email,
            "locale": r.customer_locale or row.locale,
        }
        if (values["name"], values["email"], values["locale"]) != (row.name, row.email, row.locale):
            changes.append({"_id": row.id, **values})
    if changes:
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values(name=bindparam("name"), email=bindparam("email"), locale=bindparam("locale")),
            changes,
        )
    return dict(
        session.execute(
            select(table.c.external_id, table.c.id).where(
                table.c.workspace_id == workspace_id, table.c.external_id.in_(list(wanted))
            )
        ).all()
    )


def get_delivery(*, session: Session, workspace: Workspace, external_id: str) -> Delivery:
    delivery = session.scalar(
        select(Delivery).where(Delivery.workspace_id == workspace.id, Delivery.external_id == external_id)
    )
    if delivery is None:
        raise NotFound(f"delivery '{external_id}' not found")
    return delivery


def stage_timeline(*, session: Session, delivery: Delivery) -> list[tuple[Stage, dt.datetime | None]]:
    """The journey's stages with this delivery's completion time of each (None if not reached)."""
    stages = list(
        session.scalars(select(Stage).where(Stage.journey_id == delivery.journey_id).order_by(Stage.position))
    )
    done = dict(
        session.execute(
            select(StageEvent.stage_id, StageEvent.completed_at).where(StageEvent.delivery_id == delivery.id)
        ).all()
    )
    return [(s, done.get(s.id)) for s in stages]
