"""Instants from outside: ISO 8601, and the year-first dates a spreadsheet shows, in the workspace's zone."""

import datetime as dt

import pytest

from doorstep.timeutil import parse_instant, zone

SHANGHAI = zone("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-03-01T12:30:00+08:00", "2026-03-01T04:30:00+00:00"),
        ("2026-03-01 12:30", "2026-03-01T04:30:00+00:00"),  # no offset: Shanghai time
        ("2026/3/1 12:30", "2026-03-01T04:30:00+00:00"),  # Chinese Excel's own format
        ("2026/03/01", "2026-02-28T16:00:00+00:00"),
        ("2026.3.1 8:05:09", "2026-03-01T00:05:09+00:00"),
        ("2026年3月1日 12:30", "2026-03-01T04:30:00+00:00"),
        ("2026/3/1 12:30:05.25", "2026-03-01T04:30:05.250000+00:00"),
    ],
)
def test_iso_and_year_first_spreadsheet_dates(text: str, utc: str) -> None:
    parsed = parse_instant(text, SHANGHAI)
    assert parsed.tzinfo == dt.UTC and parsed.isoformat() == utc


@pytest.mark.parametrize("text", ["01/03/2026", "3/1/2026 12:30", "2026/02/30", "2026/3/1 25:00", "2026/3", "soon"])
def test_ambiguous_or_impossible_dates_are_refused_and_say_what_is_read(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_instant(text, SHANGHAI)
    message = str(info.value)
    assert text in message and "ISO 8601" in message and "2026/3/1 12:30 is read too" in message


def test_years_outside_the_accepted_range_are_refused() -> None:
    with pytest.raises(ValueError, match="outside the years"):
        parse_instant("1066/10/14", SHANGHAI)
