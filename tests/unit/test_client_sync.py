"""Received-invoice sync: cursor format, paging, truncation, windows and the exactly-once property."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ksef.errors import KsefError, KsefValidationError
from ksef.ratelimit import SharedRateLimits
from ksef.sync import MAX_WINDOW, Cursor, cursor_at
from tests.unit.test_client_support import FakeKsef, invoice_number


def ms(dt: datetime) -> datetime:
    return dt.replace(microsecond=dt.microsecond // 1000 * 1000)


def test_cursor_round_trip_and_bad_cursor() -> None:
    c = Cursor("2026-01-01T10:00:00.123+00:00", frozenset({"a", "b"}))
    assert Cursor.decode(c.encode()) == c
    with pytest.raises(KsefValidationError):
        Cursor.decode("garbage")
    with pytest.raises(KsefValidationError):
        Cursor.decode("k1.bm90LWpzb24")
    assert Cursor.decode(cursor_at(datetime(2026, 1, 1, tzinfo=UTC))).seen == frozenset()


async def test_paging_truncation_and_dedupe_across_calls() -> None:
    now = datetime.now(UTC)
    fake = FakeKsef(query_cap=600)
    base = ms(now - timedelta(hours=5))
    # 1500 invoices, 7 of them stored at one instant (the inclusive boundary case)
    fake.invoices = [(invoice_number(i), base + timedelta(seconds=i // 7)) for i in range(1500)]
    fake.hwm = ms(now - timedelta(seconds=2))
    async with fake.client() as client:
        first = await client.received_since(None, start=base)
        assert [i.ksef_number for i in first.invoices] == [n for n, _ in fake.invoices]
        # truncation restarts happened (pageOffset back to 0 with a later `from`)
        froms = {q["dateRange"]["from"] for q in fake.queries}
        assert len(froms) >= 3
        # nothing new: empty, and the cursor stays usable
        again = await client.received_since(first.next_cursor)
        assert again.invoices == []
        # a late invoice stored exactly at the HWM instant of a previous query is ignored only if seen
        fake.invoices.append((invoice_number(99999), fake.hwm + timedelta(milliseconds=1)))
        fake.hwm += timedelta(seconds=1)
        third = await client.received_since(again.next_cursor)
        assert [i.ksef_number for i in third.invoices] == [invoice_number(99999)]


async def test_old_cursor_walks_in_utc_windows_within_100_days() -> None:
    now = datetime.now(UTC)
    fake = FakeKsef()
    old = ms(now - timedelta(days=200))
    fake.invoices = [(invoice_number(i), old + timedelta(days=i * 20)) for i in range(10)]
    async with fake.client() as client:
        batch = await client.received_since(cursor_at(old.astimezone(ZoneInfo("Europe/Warsaw"))))
    assert [i.ksef_number for i in batch.invoices] == [n for n, _ in fake.invoices]
    assert MAX_WINDOW == timedelta(days=100)
    bounded = [q for q in fake.queries if q["dateRange"]["to"]]
    assert len(bounded) >= 2
    for q in fake.queries:
        frm = datetime.fromisoformat(q["dateRange"]["from"])
        to = q["dateRange"]["to"]
        end = datetime.fromisoformat(to) if to else now
        # open-ended windows end at KSeF's "now": kept an hour short of the limit for clock skew
        assert end - frm <= (MAX_WINDOW if to else MAX_WINDOW - timedelta(minutes=59))
        assert to is None or to.endswith("Z")


async def test_from_beyond_hwm_is_nothing_new_not_an_error() -> None:
    fake = FakeKsef()
    fake.hwm = datetime.now(UTC) - timedelta(minutes=10)
    start = datetime.now(UTC) - timedelta(minutes=1)
    async with fake.client() as client:
        batch = await client.received_since(None, start=start)
    assert batch.invoices == []
    assert batch.hwm == start.replace(microsecond=start.microsecond)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.integers(0, 3600), st.integers(0, 300)), min_size=1, max_size=120),
    st.lists(st.integers(0, 4000), min_size=1, max_size=8),
    st.integers(3, 40),
)
async def test_every_invoice_exactly_once(
    arrivals: list[tuple[int, int]], polls: list[int], cap: int
) -> None:
    """Invoices arrive at random times and are stored after random delays; polls happen at random
    times with a HWM that never passes an unstored invoice. Every invoice is returned exactly once."""
    t0 = ms(datetime.now(UTC) - timedelta(hours=3))
    stored = [(invoice_number(i), t0 + timedelta(seconds=a + d)) for i, (a, d) in enumerate(arrivals)]
    # more than the cap stored at one instant cannot be paged by any client (tested separately)
    assume(max(Counter(d for _, d in stored).values()) < cap)
    fake = FakeKsef(query_cap=cap)
    got: list[str] = []
    cursor = cursor_at(t0)
    async with fake.client() as client:
        client._sync.page_size = 10  # small pages exercise pageOffset paging too
        for p in [*sorted(polls), 10_000]:
            moment = t0 + timedelta(seconds=p)
            # visible = already stored at `moment`; HWM = moment (nothing below it can still appear)
            fake.invoices = [(n, d) for n, d in stored if d <= moment]
            fake.hwm = moment
            batch = await client.received_since(cursor)
            got.extend(i.ksef_number for i in batch.invoices)
            cursor = batch.next_cursor
    assert sorted(got) == sorted(n for n, _ in stored)
    assert len(got) == len(set(got))


async def test_rate_limit_mid_catch_up_returns_consistent_partial_batches() -> None:
    """A backlog needing more queries than allowed comes in several batches, nothing lost or doubled."""
    now = datetime.now(UTC)
    base = ms(now - timedelta(hours=2))
    fake = FakeKsef(query_cap=120)
    fake.invoices = [(invoice_number(i), base + timedelta(seconds=i // 3)) for i in range(1000)]
    allowed = {"n": 3}
    inner = fake.handle

    def limited(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/query/metadata"):
            if allowed["n"] == 0:
                return httpx.Response(
                    429, headers={"Retry-After": "3600"}, json={"title": "x", "status": 429}
                )
            allowed["n"] -= 1
        return inner(request)

    fake.handle = limited  # type: ignore[method-assign]
    got: list[str] = []
    cursor = cursor_at(base)
    rounds = 0
    clock = [1000.0]
    async with fake.client(max_wait=1, shared_limits=SharedRateLimits(clock=lambda: clock[0])) as client:
        client._sync.page_size = 50
        while True:
            rounds += 1
            allowed["n"] = 3
            clock[0] += 3601  # the hour of the Retry-After block passed
            batch = await client.received_since(cursor)
            got += [i.ksef_number for i in batch.invoices]
            cursor = batch.next_cursor
            if batch.complete:
                break
    assert rounds > 3
    assert got == [n for n, _ in fake.invoices]


async def test_more_than_the_cap_at_one_instant_raises_instead_of_looping() -> None:
    fake = FakeKsef(query_cap=5)
    at = ms(datetime.now(UTC) - timedelta(minutes=5))
    fake.invoices = [(invoice_number(i), at) for i in range(8)]
    async with fake.client() as client:
        with pytest.raises(KsefError, match="limit"):
            await client.received_since(cursor_at(at - timedelta(seconds=1)))
