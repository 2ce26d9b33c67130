"""Business-hours clocks: weekends, holidays, DST transitions, a skipped day, and properties."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.cases.sla import BusinessCalendar, add_business_time, business_time_between, parse_hhmm

H = dt.timedelta(hours=1)
SHANGHAI = BusinessCalendar("Asia/Shanghai")  # Mon–Fri 09:00–18:00 (9 h a day)


def local(tz: str, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo(tz))


def test_a_weekend_does_not_burn_the_clock() -> None:
    # Friday 17:00 in Shanghai + 24 business hours: 1 h Friday, 9 h Monday, 9 h Tuesday, 5 h Wednesday.
    start = local("Asia/Shanghai", 2026, 3, 6, 17, 0)
    due = add_business_time(start, 24 * H, SHANGHAI)
    assert due == local("Asia/Shanghai", 2026, 3, 11, 14, 0)
    assert business_time_between(start, due, SHANGHAI) == 24 * H
    # A clock started on Saturday starts on Monday morning.
    assert add_business_time(local("Asia/Shanghai", 2026, 3, 7, 11), 2 * H, SHANGHAI) == local(
        "Asia/Shanghai", 2026, 3, 9, 11)
    # Nothing counts over the weekend.
    assert business_time_between(local("Asia/Shanghai", 2026, 3, 6, 18), local("Asia/Shanghai", 2026, 3, 9, 9),
                                 SHANGHAI) == dt.timedelta(0)


def test_holidays_and_no_calendar() -> None:
    labour_day = BusinessCalendar("Asia/Shanghai", holidays=frozenset({dt.date(2026, 5, 1)}))
    # Thursday 2026-04-30 17:00 + 2 h: 1 h Thursday, Friday is a holiday, 1 h on Monday.
    assert add_business_time(local("Asia/Shanghai", 2026, 4, 30, 17), 2 * H, labour_day) == local(
        "Asia/Shanghai", 2026, 5, 4, 10)
    start = dt.datetime(2026, 3, 7, 12, tzinfo=dt.UTC)
    assert add_business_time(start, 24 * H, None) == start + 24 * H
    assert business_time_between(start, start + 5 * H, None) == 5 * H
    assert business_time_between(start + 5 * H, start, None) == -5 * H


@pytest.mark.parametrize(
    ("tz", "day"),
    [("Europe/Berlin", (2026, 3, 29)), ("Europe/Berlin", (2026, 10, 25)),
     ("America/New_York", (2026, 3, 8)), ("America/New_York", (2026, 11, 1))],
)
def test_office_hours_keep_their_wall_clock_across_dst(tz: str, day: tuple[int, int, int]) -> None:
    # The Friday before a Sunday transition, 16:00 + 4 business hours: 2 h Friday, 2 h Monday → Monday 11:00 local,
    # whatever the UTC offset did over the weekend.
    calendar = BusinessCalendar(tz)
    friday = dt.date(*day) - dt.timedelta(days=2)
    start = dt.datetime.combine(friday, dt.time(16), tzinfo=ZoneInfo(tz))
    due = add_business_time(start, 4 * H, calendar)
    assert due.astimezone(ZoneInfo(tz)).replace(tzinfo=None) == dt.datetime.combine(
        friday + dt.timedelta(days=3), dt.time(11))
    assert business_time_between(start, due, calendar) == 4 * H


def test_a_round_the_clock_window_on_a_dst_night_counts_real_hours() -> None:
    # 24/7 in Berlin's local time: the spring-forward day has 23 hours, the autumn one 25.
    always = BusinessCalendar("Europe/Berlin", weekdays=frozenset(range(7)), start_minute=0, end_minute=24 * 60)
    spring = local("Europe/Berlin", 2026, 3, 29, 0)
    assert business_time_between(spring, local("Europe/Berlin", 2026, 3, 30, 0), always) == 23 * H
    autumn = local("Europe/Berlin", 2026, 10, 25, 0)
    assert business_time_between(autumn, local("Europe/Berlin", 2026, 10, 26, 0), always) == 25 * H
    # A clock that straddles the jump lands where the real hours run out.
    night = BusinessCalendar("Europe/Berlin", weekdays=frozenset(range(7)), start_minute=0, end_minute=6 * 60)
    start = local("Europe/Berlin", 2026, 3, 29, 1)  # 1 h before the jump at 02:00
    assert add_business_time(start, 2 * H, night) == local("Europe/Berlin", 2026, 3, 29, 4)
    assert business_time_between(local("Europe/Berlin", 2026, 3, 29, 0), local("Europe/Berlin", 2026, 3, 29, 6),
                                 night) == 5 * H


def test_a_day_that_never_happened_has_no_hours() -> None:
    # Samoa moved across the date line: 2011-12-30 does not exist in Pacific/Apia.
    apia = BusinessCalendar("Pacific/Apia", weekdays=frozenset(range(7)))
    thursday = local("Pacific/Apia", 2011, 12, 29, 17)
    due = add_business_time(thursday, 2 * H, apia)
    assert due == local("Pacific/Apia", 2011, 12, 31, 10)  # 1 h on the 29th, the 30th skipped, 1 h on the 31st
    assert business_time_between(thursday, due, apia) == 2 * H


def test_changing_the_calendar_does_not_move_a_stored_due_time() -> None:
    # Due times are absolute instants: the same start and SLA give a different due time in another
    # zone, and the first one stays what it was (nothing is recomputed from local time later).
    start = dt.datetime(2026, 3, 6, 8, tzinfo=dt.UTC)
    in_shanghai = add_business_time(start, 9 * H, SHANGHAI)
    in_berlin = add_business_time(start, 9 * H, BusinessCalendar("Europe/Berlin"))
    assert in_shanghai == local("Asia/Shanghai", 2026, 3, 9, 16)  # 16:00 Fri: 2 h Friday, 7 h Monday
    assert in_berlin == local("Europe/Berlin", 2026, 3, 6, 18)
    assert in_shanghai.tzinfo is dt.UTC and in_berlin.tzinfo is dt.UTC


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        add_business_time(dt.datetime(2026, 3, 6, 9), H, SHANGHAI)
    with pytest.raises(ValueError):
        BusinessCalendar("Asia/Shanghai", start_minute=600, end_minute=540)
    with pytest.raises(ValueError):
        BusinessCalendar("Asia/Shanghai", weekdays=frozenset())
    with pytest.raises(ValueError, match="no working time"):
        add_business_time(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), H, BusinessCalendar(
            "UTC", weekdays=frozenset({0}), holidays=frozenset(
                dt.date(2026, 1, 5) + dt.timedelta(weeks=w) for w in range(200))))
    assert parse_hhmm("09:30") == 570 and parse_hhmm("24:00") == 1440
    for bad in ("9", "25:00", "09:60", "aa:bb"):
        with pytest.raises(ValueError):
            parse_hhmm(bad)


ZONES = st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"])
INSTANTS = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2027, 12, 31),
                        timezones=st.just(dt.UTC))
CALENDARS = st.builds(
    BusinessCalendar,
    timezone=ZONES,
    weekdays=st.frozensets(st.integers(0, 6), min_size=1),
    start_minute=st.integers(0, 12 * 60),
    end_minute=st.integers(12 * 60 + 1, 24 * 60),
)


@settings(max_examples=300, deadline=None)
@given(start=INSTANTS, minutes=st.integers(0, 14 * 24 * 60), calendar=CALENDARS)
def test_adding_then_measuring_gives_the_duration_back(start, minutes, calendar) -> None:
    duration = dt.timedelta(minutes=minutes)
    due = add_business_time(start, duration, calendar)
    assert due >= start
    assert business_time_between(start, due, calendar) == duration


@settings(max_examples=300, deadline=None)
@given(a=INSTANTS, b=INSTANTS, c=INSTANTS, calendar=CALENDARS)
def test_business_time_adds_up_and_never_exceeds_wall_time(a, b, c, calendar) -> None:
    a, b, c = sorted((a, b, c))
    ab, bc = business_time_between(a, b, calendar), business_time_between(b, c, calendar)
    assert ab + bc == business_time_between(a, c, calendar)
    assert dt.timedelta(0) <= ab <= b - a
