"""Brief periods: weeks (Monday to Sunday) and calendar months, in the workspace's own timezone.

A period is a pair of local dates [start, end); its instants are the local midnights
that open and close it, so a brief for a workspace in Shanghai and one in Los Angeles
cover different UTC hours for the "same" week, as each business reads its own week.
Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from doorstep.errors import InvalidInput

PERIODS = ("week", "month")


@dataclass(frozen=True)
class Period:
    kind: str  # "week" | "month"
    start: dt.date  # local, inclusive
    end: dt.date  # local, exclusive
    tz: ZoneInfo

    @property
    def since(self) -> dt.datetime:
        return local_midnight(self.start, self.tz)

    @property
    def until(self) -> dt.datetime:
        return local_midnight(self.end, self.tz)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - dt.timedelta(days=1), self.tz)

    def next(self) -> Period:
        return period_containing(self.kind, self.end, self.tz)


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant of ``day``'s local midnight (DST-safe: built from the local date)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def check_kind(kind: str) -> str:
    if kind not in PERIODS:
        raise InvalidInput(f"period must be one of {', '.join(PERIODS)}", field="period")
    return kind


def period_containing(kind: str, day: dt.date, tz: ZoneInfo) -> Period:
    """The week (from Monday) or month that holds the local date ``day``."""
    check_kind(kind)
    if kind == "week":
        start = day - dt.timedelta(days=day.weekday())
        return Period(kind, start, start + dt.timedelta(days=7), tz)
    start = day.replace(day=1)
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return Period(kind, start, end, tz)


def last_complete(kind: str, now: dt.datetime, tz: ZoneInfo) -> Period:
    """The latest period that has ended by ``now``, in the workspace's timezone."""
    today = now.astimezone(tz).date()
    return period_containing(kind, today, tz).previous()


def period_starting(kind: str, start: dt.date, tz: ZoneInfo) -> Period:
    """The period that begins on ``start``; a date that opens no period is refused."""
    period = period_containing(kind, start, tz)
    if period.start != start:
        what = "a Monday" if kind == "week" else "the first day of a month"
        raise InvalidInput(f"a {kind} starts on {what}; {start.isoformat()} is not", field="period_start")
    return period
