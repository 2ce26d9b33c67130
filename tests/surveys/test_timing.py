"""When a customer may be asked: delay, quiet hours in their own zone (DST included), sampling.

Pure functions, no database: every case states the local wall-clock times it is about.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from doorstep.accounts.settings import QuietHours
from doorstep.surveys.timing import outside_quiet_hours, sampled, send_time, zone

UTC = dt.UTC
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
NIGHT = QuietHours(start="21:00", end="08:00")


def local(tz: zoneinfo.ZoneInfo, *args: int, fold: int = 0) -> dt.datetime:
    """A wall-clock time in ``tz``, as the aware UTC instant the services pass around."""
    return dt.datetime(*args, tzinfo=tz, fold=fold).astimezone(UTC)


def test_the_delay_runs_from_the_hand_over() -> None:
    delivered = dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    at = send_time(delivered, now=delivered + dt.timedelta(minutes=5), delay_minutes=30, quiet=None, tz=SHANGHAI)
    assert at == delivered + dt.timedelta(minutes=30)
    day = send_time(delivered, now=delivered, delay_minutes=1440, quiet=None, tz=SHANGHAI)
    assert day == delivered + dt.timedelta(days=1)


def test_never_in_the_past() -> None:
    """An import of last week's hand-overs asks now, not a week ago."""
    delivered = dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    now = delivered + dt.timedelta(days=3)
    assert send_time(delivered, now=now, delay_minutes=30, quiet=None, tz=UTC) == now


@pytest.mark.parametrize(
    ("tz", "quiet", "at", "expected"),
    [
        # Shanghai, 21:00 → 08:00: the evening part waits for the next morning …
        (SHANGHAI, NIGHT, (2026, 3, 2, 21, 30), (2026, 3, 3, 8, 0)),
        (SHANGHAI, NIGHT, (2026, 3, 2, 23, 59), (2026, 3, 3, 8, 0)),
        # … the small hours wait for the same morning …
        (SHANGHAI, NIGHT, (2026, 3, 3, 0, 0), (2026, 3, 3, 8, 0)),
        (SHANGHAI, NIGHT, (2026, 3, 3, 7, 59), (2026, 3, 3, 8, 0)),
        # … and the edges: 21:00 is quiet, 08:00 is not, 20:59 is not.
        (SHANGHAI, NIGHT, (2026, 3, 2, 21, 0), (2026, 3, 3, 8, 0)),
        (SHANGHAI, NIGHT, (2026, 3, 3, 8, 0), (2026, 3, 3, 8, 0)),
        (SHANGHAI, NIGHT, (2026, 3, 2, 20, 59), (2026, 3, 2, 20, 59)),
        # Berlin, 22:00 → 07:00, a winter and a summer date (CET, CEST).
        (BERLIN, QuietHours(start="22:00", end="07:00"), (2026, 1, 15, 23, 10), (2026, 1, 16, 7, 0)),
        (BERLIN, QuietHours(start="22:00", end="07:00"), (2026, 7, 15, 5, 0), (2026, 7, 15, 7, 0)),
        # New York, across a month end.
        (NEW_YORK, NIGHT, (2026, 4, 30, 22, 15), (2026, 5, 1, 8, 0)),
        # A window that does not span midnight: lunch, 12:00 → 14:00.
        (BERLIN, QuietHours(start="12:00", end="14:00"), (2026, 5, 4, 12, 30), (2026, 5, 4, 14, 0)),
        (BERLIN, QuietHours(start="12:00", end="14:00"), (2026, 5, 4, 14, 30), (2026, 5, 4, 14, 30)),
        # 24:00 is the end of the day.
        (NEW_YORK, QuietHours(start="20:00", end="24:00"), (2026, 5, 4, 21, 0), (2026, 5, 5, 0, 0)),
    ],
)
def test_quiet_hours_in_the_customers_zone(
    tz: zoneinfo.ZoneInfo, quiet: QuietHours, at: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    assert outside_quiet_hours(local(tz, *at), quiet, tz) == local(tz, *expected)


def test_the_same_instant_is_quiet_in_one_zone_and_not_in_another() -> None:
    """13:30 UTC is 21:30 in Shanghai (quiet), 14:30 in Berlin and 09:30 in New York (not)."""
    instant = dt.datetime(2026, 3, 2, 13, 30, tzinfo=UTC)
    assert outside_quiet_hours(instant, NIGHT, SHANGHAI) == local(SHANGHAI, 2026, 3, 3, 8, 0)
    assert outside_quiet_hours(instant, NIGHT, BERLIN) == instant
    assert outside_quiet_hours(instant, NIGHT, NEW_YORK) == instant


def test_delay_then_quiet_hours() -> None:
    """Delivered 20:45 in Shanghai, asked 30 minutes later would be 21:15: wait for 08:00."""
    delivered = local(SHANGHAI, 2026, 3, 2, 20, 45)
    at = send_time(delivered, now=delivered, delay_minutes=30, quiet=NIGHT, tz=SHANGHAI)
    assert at == local(SHANGHAI, 2026, 3, 3, 8, 0)
    assert send_time(delivered, now=delivered, delay_minutes=10, quiet=NIGHT, tz=SHANGHAI) == local(
        SHANGHAI, 2026, 3, 2, 20, 55
    )


def test_dst_gap_moves_forward_to_a_time_that_exists() -> None:
    """Berlin springs forward on 2026-03-29: 02:00 CET becomes 03:00 CEST, so 02:30 never
    happens. Quiet hours ending at 02:30 end at 03:30 CEST that night (01:30 UTC)."""
    quiet = QuietHours(start="22:00", end="02:30")
    at = local(BERLIN, 2026, 3, 29, 1, 15)  # CET, 00:15 UTC
    moved = outside_quiet_hours(at, quiet, BERLIN)
    assert moved == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert moved.astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"
    # An ordinary night's end, after the change, is 08:00 CEST (06:00 UTC).
    assert outside_quiet_hours(local(BERLIN, 2026, 3, 29, 5, 0), NIGHT, BERLIN) == dt.datetime(
        2026, 3, 29, 6, 0, tzinfo=UTC
    )


def test_dst_fold_ends_at_the_first_occurrence() -> None:
    """New York falls back on 2026-11-01: 01:00–02:00 happens twice (EDT, then EST). Quiet
    hours ending at 01:30 end the first time 01:30 comes round (05:30 UTC), not an hour later."""
    quiet = QuietHours(start="23:00", end="01:30")
    first = local(NEW_YORK, 2026, 11, 1, 1, 10, fold=0)  # EDT, 05:10 UTC
    assert outside_quiet_hours(first, quiet, NEW_YORK) == dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    # The repeated hour comes after the quiet hours ended: it is not quiet a second time.
    second = local(NEW_YORK, 2026, 11, 1, 1, 10, fold=1)  # EST, 06:10 UTC
    assert outside_quiet_hours(second, quiet, NEW_YORK) == second
    # The same night in Berlin has no fold (Europe changed a week earlier): 08:00 CET.
    assert outside_quiet_hours(local(BERLIN, 2026, 10, 25, 2, 30, fold=1), NIGHT, BERLIN) == local(
        BERLIN, 2026, 10, 25, 8, 0
    )


def test_a_result_is_never_before_the_asked_time() -> None:
    quiet = QuietHours(start="22:00", end="06:00")
    start = dt.datetime(2026, 10, 24, 0, 0, tzinfo=UTC)
    for tz in (SHANGHAI, BERLIN, NEW_YORK):
        for step in range(0, 7 * 24 * 4):  # every quarter hour of a week with a DST change
            at = start + dt.timedelta(minutes=15 * step)
            moved = outside_quiet_hours(at, quiet, tz)
            assert moved >= at
            assert moved - at <= dt.timedelta(hours=9)  # at most one night (8 h + a DST hour)


def test_zone_falls_back_to_the_workspace_then_utc() -> None:
    assert zone("America/New_York", "Asia/Shanghai") == NEW_YORK
    assert zone(None, "Asia/Shanghai") == SHANGHAI
    assert zone("Mars/Olympus_Mons", "Europe/Berlin") == BERLIN
    assert zone("../../etc/passwd", "Europe/Berlin") == BERLIN
    assert zone("nowhere", "nowhere either") == zoneinfo.ZoneInfo("UTC")


def test_sampling_rate_matches_over_many_ids() -> None:
    ids = [f"order-{i}" for i in range(10_000)]
    for rate in (0.1, 0.3, 0.75):
        share = sum(sampled(7, ext, rate) for ext in ids) / len(ids)
        # The binomial standard deviation at 10,000 draws is under 0.5 points: 2 points is > 4σ.
        assert abs(share - rate) < 0.02, (rate, share)


def test_sampling_is_deterministic_and_nested() -> None:
    ids = [f"order-{i}" for i in range(2_000)]
    first = [sampled(7, ext, 0.3) for ext in ids]
    assert first == [sampled(7, ext, 0.3) for ext in ids]  # a re-import decides the same
    # A higher rate keeps everyone a lower rate took (raising the rate only adds people).
    wider = [sampled(7, ext, 0.6) for ext in ids]
    assert all(w for f, w in zip(first, wider, strict=True) if f)
    # Another workspace draws its own sample.
    assert first != [sampled(8, ext, 0.3) for ext in ids]


def test_sampling_edges() -> None:
    assert all(sampled(1, f"o{i}", 1.0) for i in range(500))
    assert not any(sampled(1, f"o{i}", 0.0) for i in range(500))
