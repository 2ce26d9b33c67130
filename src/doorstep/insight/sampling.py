"""Quantiles of a million durations without sorting them: a deterministic hash sample,
collected as text by the same index scan that counts, and the one-row read helper.

Knuth's multiplicative hash of the row's id (low 32 bits) below a threshold picks about
``fraction`` of the rows. It spreads any arithmetic run of ids — the ids of one stage
advance by the journey's length when events arrive delivery by delivery — which a plain
modulus would not (``rowid % 5`` on a five-stage journey picks one stage or none).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Connection, Text, case, cast, func, literal, literal_column
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from doorstep.deliveries.models import StageEvent
from doorstep.insight.reads import Read

SAMPLE_TARGET = 20_000  # values collected per stage for its quantiles; all of them below this
MIN_SAMPLE = 2_000
HASH_MULTIPLIER = 2_654_435_761  # Knuth: ⌊2³² / φ⌋
HASH_SPACE = 2**32


def sample_key(session: Session) -> Any:
    # SQLite: the rowid is in every index entry, so sampling on it keeps the scan index-only.
    if session.get_bind().dialect.name == "sqlite":
        return literal_column("stage_events.rowid")
    return cast(StageEvent.delivery_id, BigInteger)


def sampled(session: Session, fraction: float) -> Any:
    """The durations of a deterministic ``fraction`` of the events (all of them at 1)."""
    duration = StageEvent.duration_minutes
    if fraction >= 1.0:
        return duration
    hashed = (sample_key(session) * literal(HASH_MULTIPLIER, BigInteger)).op("&")(literal(HASH_SPACE - 1, BigInteger))
    return case((hashed < literal(int(fraction * HASH_SPACE), BigInteger), duration))


def joined_values(session: Session, value: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.string_agg(cast(value, Text), ",")
    return func.group_concat(value)


def parse_joined(text: str | None) -> list[float]:
    return sorted(float(v) for v in text.split(",")) if text else []


def one_row(stmt: Executable) -> Read[tuple[Any, ...]]:
    """A read of the one row a statement returns (an aggregate without GROUP BY)."""

    def read(connection: Connection) -> tuple[Any, ...]:
        return tuple(connection.execute(stmt).one())

    return read
