"""Query date ranges: at most 100 days counted in UTC, split into UTC pieces, sent with ``Z``."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef.daterange import MAX_QUERY_RANGE, format_utc, range_fits, split_range

WARSAW = ZoneInfo("Europe/Warsaw")


def test_100_days_fit_a_microsecond_more_does_not() -> None:
    start = datetime(2026, 1, 1, 0, 30, tzinfo=WARSAW)  # 2025-12-31 23:30 UTC: another UTC date
    in_utc = start.astimezone(UTC)
    assert range_fits(start, in_utc + timedelta(days=100))
    assert not range_fits(start, in_utc + timedelta(days=100, microseconds=1))
    assert not range_fits(start, start - timedelta(seconds=1))


def test_ranges_are_counted_in_utc_not_in_warsaw_wall_clock() -> None:
    # across the spring DST change: 100 days of UTC end an hour "later" on Warsaw's wall clock
    start = datetime(2026, 3, 1, 0, 0, tzinfo=WARSAW)
    end_utc = start.astimezone(UTC) + timedelta(days=100)
    assert end_utc.astimezone(WARSAW).replace(tzinfo=None) == datetime(2026, 6, 9, 1, 0)
    assert range_fits(start, end_utc)
    # wall-clock "+100 days" in Warsaw across the autumn change is 100 days and 1 hour: too long
    autumn = datetime(2026, 9, 1, 0, 0, tzinfo=WARSAW)
    assert not range_fits(autumn, autumn + timedelta(days=100))  # zoneinfo adds wall-clock days
    assert range_fits(autumn, autumn.astimezone(UTC) + timedelta(days=100))


def test_split_into_contiguous_utc_pieces() -> None:
    start = datetime(2026, 1, 1, 0, 30, tzinfo=WARSAW)
    end = start + timedelta(days=250, hours=5)
    pieces = split_range(start, end)
    assert len(pieces) == 3
    assert pieces[0][0] == start and pieces[-1][1] == end
    assert all(lo.tzinfo is UTC and hi - lo <= MAX_QUERY_RANGE for lo, hi in pieces)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
    assert split_range(start, start) == [(start.astimezone(UTC), start.astimezone(UTC))]
    with pytest.raises(ValueError):
        split_range(end, start)


def test_utc_text_has_an_explicit_z() -> None:
    moment = datetime(2026, 1, 1, 0, 30, tzinfo=WARSAW)
    assert format_utc(moment) == "2025-12-31T23:30:00.000000Z"
    assert format_utc(datetime(2026, 1, 1)) == "2026-01-01T00:00:00.000000Z"  # naive = UTC


@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 1, 1)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=1000)),
)
def test_every_piece_fits_and_the_pieces_cover_the_range(naive: datetime, span: timedelta) -> None:
    start = naive.replace(tzinfo=UTC).astimezone(WARSAW)  # any instant, shown in Polish time
    end = start.astimezone(UTC) + span
    pieces = split_range(start, end)
    # compared in UTC: Python never finds an ambiguous local time (DST end) equal across zones
    assert pieces[0][0] == start.astimezone(UTC) and pieces[-1][1] == end
    assert all(range_fits(lo, hi) for lo, hi in pieces)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
