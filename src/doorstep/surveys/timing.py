"""When a customer may be asked: pure rules, no I/O.

The delay after the hand-over, quiet hours in the customer's own timezone and the
sampling decision. Kept apart from the services so the rules can be tested for every
timezone and DST edge without a database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo

from doorstep.accounts.settings import QuietHours
from doorstep.cases.sla import parse_hhmm


def zone(name: str | None, fallback: str) -> zoneinfo.ZoneInfo:
    """The customer's zone when it is a real one, else the workspace's."""
    for candidate in (name, fallback):
        if candidate:
            try:
                return zoneinfo.ZoneInfo(candidate)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return zoneinfo.ZoneInfo("UTC")


def _in_quiet(local: dt.datetime, start: int, end: int) -> bool:
    minute = local.hour * 60 + local.minute
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end  # spans midnight


def outside_quiet_hours(at: dt.datetime, quiet: QuietHours | None, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """``at`` itself when it is outside the quiet hours, else the moment they end (local
    wall-clock ``end`` of the right day, resolved through DST). ``at`` is aware (UTC)."""
    if quiet is None:
        return at
    start, end = parse_hhmm(quiet.start), parse_hhmm(quiet.end)
    local = at.astimezone(tz)
    if not _in_quiet(local, start, end):
        return at
    day = local.date()
    minute = local.hour * 60 + local.minute
    if start > end and minute >= start:  # evening part of a window spanning midnight
        day += dt.timedelta(days=1)
    hours, minutes = divmod(end, 60)
    # A wall-clock time skipped by DST (02:30 on a spring-forward day) normalises forward.
    wall = dt.datetime(day.year, day.month, day.day, hours % 24, minutes, tzinfo=tz)
    if hours == 24:
        wall += dt.timedelta(days=1)
    resolved = wall.astimezone(dt.UTC).astimezone(tz)
    return max(resolved.astimezone(dt.UTC), at)


def send_time(
    delivered_at: dt.datetime,
    *,
    now: dt.datetime,
    delay_minutes: float,
    quiet: QuietHours | None,
    tz: zoneinfo.ZoneInfo,
) -> dt.datetime:
    """When the invitation for a hand-over goes out: ``delay`` after it, never in the
    past, moved out of the customer's quiet hours."""
    due = max(delivered_at + dt.timedelta(minutes=delay_minutes), now)
    return outside_quiet_hours(due, quiet, tz)


def sampled(workspace_id: int, delivery_external_id: str, rate: float) -> bool:
    """Whether a hand-over is in the sample. Deterministic (a hash of the delivery, not a
    random draw), so a re-import or a retried request makes the same decision."""
    if rate >= 1:
        return True
    if rate <= 0:
        return False
    digest = hashlib.sha256(f"{workspace_id}:{delivery_external_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate
