"""Parsing instants and periods in a workspace's timezone: pure functions."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from doorstep.errors import InvalidInput

# The years Doorstep accepts from outside, as written (in the value's own offset).
# Python's datetime ends at years 1 and 9999, and a period's arithmetic (the day after
# --until, the previous period of a comparison, a shift to UTC) must not fall off either
# end: a date outside these years is refused as input.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def check_range(value: dt.datetime) -> dt.datetime:
    """``value`` if its year is one Doorstep accepts; else ValueError fit for a person."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"{value.date().isoformat()} is outside the years {FIRST_YEAR} to {LAST_YEAR}")
    return value


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
        parsed = _spreadsheet_instant(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return to_utc(parsed)


# What a spreadsheet shows when nobody asked it for ISO 8601: year first, so never ambiguous
# ("2026/3/1 12:30", "2026.03.01", "2026年3月1日 12:30:05"). Day-first and month-first dates
# ("01/03/2026") are not read: the same text is the 1st of March or the 3rd of January.
_SPREADSHEET = re.compile(
    r"(\d{4})\s*[/.年]\s*(\d{1,2})\s*[/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
)


def _spreadsheet_instant(value: str) -> dt.datetime:
    match = _SPREADSHEET.fullmatch(value)
    try:
        if match is None:
            raise ValueError
        year, month, day, hour, minute, second, fraction = match.groups()
        return dt.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            int((fraction or "0").ljust(6, "0")),
        )  # fmt: skip
    except ValueError:
        raise ValueError(
            f"'{value[:40]}' is not an ISO 8601 date-time (e.g. 2026-03-01T12:30:00+08:00; "
            "2026/3/1 12:30 is read too, day-first or month-first dates are not)"
        ) from None


def to_utc(value: dt.datetime) -> dt.datetime:
    """An aware instant in UTC, inside the accepted years (ValueError otherwise).

    Compared before converting: 0001-01-01 in UTC+8 has no UTC form to convert to."""
    return check_range(value).astimezone(dt.UTC)


def parse_bound(text: str, tz: dt.tzinfo, *, end: bool) -> dt.datetime:
    """A --since/--until bound. A bare date means the whole day in ``tz``: ``--until
    2026-03-31`` includes the 31st, as a person reading it expects."""
    value = text.strip()
    if len(value) == 10:  # YYYY-MM-DD
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a date (YYYY-MM-DD)") from None
        start = check_range(dt.datetime.combine(day, dt.time(), tzinfo=tz))
        return (start + dt.timedelta(days=1) if end else start).astimezone(dt.UTC)
    return parse_instant(value, tz)


def parse_period(since: str | None, until: str | None, timezone: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """--since/--until as the API and the CLI both take them: dates in the workspace's timezone
    (here, not in the API, so that the command line need not import the web framework)."""
    tz = zone(timezone)
    bounds: list[dt.datetime | None] = []
    for name, value, end in (("since", since, False), ("until", until, True)):
        if value is None:
            bounds.append(None)
            continue
        try:
            bounds.append(parse_bound(value, tz, end=end))
        except ValueError as exc:
            raise InvalidInput(str(exc), field=name) from None
    return bounds[0], bounds[1]
