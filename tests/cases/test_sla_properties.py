"""Properties of the business-hours SLA clock (Hypothesis): any zone (DST, a half-hour
shift in Lord Howe), any working days and hours, holidays.

- the due time is monotonic in the start time and in the duration;
- a due time never falls in closed hours: it is inside (or at the end of) a working
  window of the calendar, never on a day off or a holiday;
- adding working time is additive: (start + a) + b == start + (a + b);
- a 24/7 calendar, in any zone, is plain addition of real time (DST nights included).
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.cases.sla import BusinessCalendar, add_business_time, business_time_between

ZONES = st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                         "America/Sao_Paulo", "UTC"])
# DST changes fall in March/April and October/November: start there often.
INSTANTS = st.one_of(
    st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2027, 12, 31), timezones=st.just(dt.UTC)),
    st.builds(lambda day, minute: dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(days=day, minutes=minute),
              st.sampled_from([7, 8, 27, 28, 29, 30, 34, 35, 210, 238, 239, 245, 246, 247]),
              st.integers(0, 24 * 60 - 1)),
)
HOLIDAYS = st.frozensets(
    st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 3, 31)), max_size=40
) | st.builds(  # whole holiday weeks (Spring Festival, Golden Week) around the instants above
    lambda first, days: frozenset(first + dt.timedelta(days=i) for i in range(days)),
    st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31)), st.integers(1, 10),
)
CALENDARS = st.builds(
    BusinessCalendar,
    timezone=ZONES,
    weekdays=st.frozensets(st.integers(0, 6), min_size=1),
    start_minute=st.integers(0, 12 * 60),
    end_minute=st.integers(12 * 60 + 1, 24 * 60),
    holidays=HOLIDAYS,
)
DURATIONS = st.integers(0, 10 * 24 * 60).map(lambda m: dt.timedelta(minutes=m))


def in_working_window(instant: dt.datetime, calendar: BusinessCalendar) -> bool:
    """Whether ``instant`` is after the start and no later than the end of one of the
    calendar's windows (a window ending at local midnight belongs to the day before)."""
    day = instant.astimezone(calendar.tz).date()
    for d in (day - dt.timedelta(days=1), day):
        window = calendar.window(d)
        if window is not None and window[0] < instant <= window[1]:
            return True
    return False


@settings(max_examples=200, deadline=None)
@given(a=INSTANTS, b=INSTANTS, duration=DURATIONS, calendar=CALENDARS)
def test_due_time_is_monotonic_in_the_start(a, b, duration, calendar) -> None:
    early, late = sorted((a, b))
    assert add_business_time(early, duration, calendar) <= add_business_time(late, duration, calendar)


@settings(max_examples=200, deadline=None)
@given(start=INSTANTS, d1=DURATIONS, d2=DURATIONS, calendar=CALENDARS)
def test_due_time_is_monotonic_in_the_duration(start, d1, d2, calendar) -> None:
    short, long = sorted((d1, d2))
    assert add_business_time(start, short, calendar) <= add_business_time(start, long, calendar)


@settings(max_examples=200, deadline=None)
@given(start=INSTANTS, minutes=st.integers(1, 10 * 24 * 60), calendar=CALENDARS)
def test_a_due_time_is_never_in_closed_hours(start, minutes, calendar) -> None:
    due = add_business_time(start, dt.timedelta(minutes=minutes), calendar)
    assert in_working_window(due, calendar), (due, due.astimezone(calendar.tz))
    local_day = (due - dt.timedelta(microseconds=1)).astimezone(calendar.tz).date()
    assert local_day not in calendar.holidays and local_day.weekday() in calendar.weekdays


@settings(max_examples=200, deadline=None)
@given(start=INSTANTS, a=DURATIONS, b=DURATIONS, calendar=CALENDARS)
def test_adding_working_time_is_additive(start, a, b, calendar) -> None:
    assert add_business_time(add_business_time(start, a, calendar), b, calendar) == add_business_time(
        start, a + b, calendar)


@settings(max_examples=200, deadline=None)
@given(start=INSTANTS, duration=DURATIONS, zone=ZONES)
def test_round_the_clock_is_plain_addition_in_any_zone(start, duration, zone) -> None:
    always = BusinessCalendar(zone, weekdays=frozenset(range(7)), start_minute=0, end_minute=24 * 60)
    due = add_business_time(start, duration, always)
    assert due == start + duration == add_business_time(start, duration, None)
    assert business_time_between(start, due, always) == duration
