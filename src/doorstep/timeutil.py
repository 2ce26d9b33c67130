"""Parsing instants and periods in a workspace's timezone: pure functions."""

from __future__ import annotations

import datetime as dt
import zoneinfo


def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def parse_instant(text: str, tz: dt.tzinfo) -> dt.datetime:
    """An ISO 8601 date or date-time; without an offset it is read in ``tz``.

    Raises ValueError with a message fit for a person.
    """
    value = text.strip()
    if not value:
        raise ValueError("empty date-time")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{value[:40]}' is not an ISO 8601 date-time (e.g. 2026-03-01T12:30:00+08:00)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(dt.UTC)


def parse_bound(text: str, tz: dt.tzinfo, *, end: bool) -> dt.datetime:
    """A --since/--until bound. A bare date means the whole day in ``tz``: ``--until
    2026-03-31`` includes the 31st, as a person reading it expects."""
    value = text.strip()
    if len(value) == 10:  # YYYY-MM-DD
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a date (YYYY-MM-DD)") from None
        if end:
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    return parse_instant(value, tz)
