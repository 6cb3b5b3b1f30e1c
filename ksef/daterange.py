"""Date ranges of KSeF queries: at most 100 days, counted in UTC (KSeF API 2.7.1+;
docs/ksef.md#receiving-invoices).

``POST /invoices/query/metadata`` and ``POST /invoices/exports`` (``dateRange``) and
``POST /collective-identifiers/query`` (``dateCreatedFrom``/``dateCreatedTo``) refuse a longer range
with 400 / 21405. UNCONFIRMED: whether KSeF compares instants (``to - from <= 100 × 24 h``) or UTC
calendar dates (``date(to) - date(from) <= 100``). Every range that satisfies the first satisfies the
second, so the client splits by instants and is safe under both readings. Ranges are computed and
sent in UTC with an explicit ``Z``: offset-less values are read differently than documented (#709 in
CIRFMF/ksef-api), and wall-clock arithmetic in Europe/Warsaw would make a "100-day" range across a
DST change an hour too long.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MAX_QUERY_RANGE = timedelta(days=100)


def to_utc(moment: datetime) -> datetime:
    """``moment`` in UTC (a naive value is taken as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_utc(moment: datetime) -> str:
    """ISO-8601 in UTC with microseconds and a ``Z`` suffix, e.g. ``2026-10-01T12:00:00.000000Z``."""
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def range_fits(start: datetime, end: datetime, limit: timedelta = MAX_QUERY_RANGE) -> bool:
    """True when KSeF accepts ``[start, end]``: ``end`` not before ``start``, at most ``limit`` apart."""
    span = to_utc(end) - to_utc(start)
    return timedelta(0) <= span <= limit


def split_range(start: datetime, end: datetime,
                limit: timedelta = MAX_QUERY_RANGE) -> list[tuple[datetime, datetime]]:
    """``[start, end]`` as contiguous UTC pieces of at most ``limit`` each (the next piece starts where
    the previous ended: KSeF's bounds are inclusive, so callers de-duplicate what lies on a seam)."""
    lo, hi = to_utc(start), to_utc(end)
    if hi < lo:
        raise ValueError("the end of a date range is before its start")
    pieces: list[tuple[datetime, datetime]] = []
    while True:
        upper = min(hi, lo + limit)
        pieces.append((lo, upper))
        if upper >= hi:
            return pieces
        lo = upper
