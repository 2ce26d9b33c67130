"""Business-hours clocks: pure functions over aware datetimes, no I/O.

A team that works Monday to Friday, 09:00–18:00 in Shanghai must not see its 24-hour
first-contact clock burn over a weekend. So an SLA is an amount of *working* time,
and a due time is where that amount runs out.

How DST and timezone changes are handled: a working window is defined in local wall
time ("09:00–18:00 on 2026-03-30 in Europe/Berlin") and turned into two absolute
instants with the zone's rules *for that date*. Everything after that is arithmetic
on absolute (UTC) instants, so a day whose clocks jump counts the hours that really
passed (a 00:00–06:00 window on a spring-forward night is 5 hours long). A date that
does not exist locally (Samoa skipped 2011-12-30) has no window: its 09:00 maps onto
the next day, which we detect by the round trip and skip. Windows never overlap and
are visited in order, so no instant is counted twice. Due times are stored as UTC
instants, so changing a workspace's timezone later does not move existing clocks.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_DAYS = 3 * 366  # a calendar with almost no working days must fail loudly, not loop


@dataclass(frozen=True)
class BusinessCalendar:
    """When a team works: weekdays (0 = Monday), a daily window in minutes after local
    midnight (``end_minute`` may be 1440, midnight at the end of the day), holidays."""

    timezone: str
    weekdays: frozenset[int] = frozenset(range(5))
    start_minute: int = 9 * 60
    end_minute: int = 18 * 60
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        zoneinfo.ZoneInfo(self.timezone)  # unknown zone: fail at construction
        if not 0 <= self.start_minute < self.end_minute <= 24 * 60:
            raise ValueError("business hours must start before they end, within one day")
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError("business days must be some of 0 (Monday) … 6 (Sunday)")

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The working window of a local date as UTC instants, or None (day off, or a date
        that does not exist in this zone)."""
        if day.weekday() not in self.weekdays or day in self.holidays:
            return None
        tz = self.tz
        midnight = dt.datetime.combine(day, dt.time())
        start = (midnight + dt.timedelta(minutes=self.start_minute)).replace(tzinfo=tz)
        end = (midnight + dt.timedelta(minutes=self.end_minute)).replace(tzinfo=tz)
        start_utc, end_utc = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
        if start_utc.astimezone(tz).date() != day or end_utc <= start_utc:
            return None
        return start_utc, end_utc

    def windows_from(self, instant: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Working windows ending after ``instant``, in order, each clipped to start no
        earlier than the previous one ended."""
        day = instant.astimezone(self.tz).date() - dt.timedelta(days=1)
        last_end = instant.astimezone(dt.UTC)
        idle = 0
        while idle < MAX_DAYS:
            win = self.window(day)
            day += dt.timedelta(days=1)
            if win is None or win[1] <= last_end:
                idle += 1
                continue
            idle = 0
            yield max(win[0], last_end), win[1]
            last_end = win[1]
        raise ValueError(f"no working time within {MAX_DAYS} days: check the business days and holidays")


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a naive datetime has no place on a clock; attach a timezone")
    return value.astimezone(dt.UTC)


def add_business_time(start: dt.datetime, duration: dt.timedelta, calendar: BusinessCalendar | None) -> dt.datetime:
    """The instant when ``duration`` of working time after ``start`` has passed.

    Without a calendar every hour counts (24/7). A clock that starts outside working
    hours starts at the next window.
    """
    start = _aware(start)
    if duration < dt.timedelta(0):
        raise ValueError("an SLA cannot be negative")
    if calendar is None or duration == dt.timedelta(0):
        return start + duration
    remaining = duration
    for win_start, win_end in calendar.windows_from(start):
        available = win_end - win_start
        if remaining <= available:
            return win_start + remaining
        remaining -= available
    raise AssertionError("unreachable: windows_from raises when it runs out")  # pragma: no cover


def business_time_between(a: dt.datetime, b: dt.datetime, calendar: BusinessCalendar | None) -> dt.timedelta:
    """Working time from ``a`` to ``b`` (negative when ``b`` is earlier)."""
    a, b = _aware(a), _aware(b)
    if b < a:
        return -business_time_between(b, a, calendar)
    if calendar is None:
        return b - a
    total = dt.timedelta(0)
    for win_start, win_end in calendar.windows_from(a):
        if win_start >= b:
            break
        total += min(win_end, b) - win_start
    return total


def parse_hhmm(text: str) -> int:
    """'09:00' → 540 minutes; '24:00' is the end of the day."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"'{text}' is not a time of day as HH:MM")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 24 * 60:
        raise ValueError(f"'{text}' is not a time of day as HH:MM")
    return value
