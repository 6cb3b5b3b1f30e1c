"""Received-invoice sync against the simulator: thousands of invoices, truncation, paging, exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ksef.client import KsefClient
from ksef.identifiers import random_valid_nip
from ksef.sync import Cursor
from tests.fixtures.sim import SimHandle


async def test_thousands_with_truncation_and_paging(sim: SimHandle) -> None:
    sim.set_limits({"enabled": False})
    sim.configure(queryCap=1000, hwmLagSeconds=0)
    buyer, token = sim.create_subject()
    seller = random_valid_nip()
    start = datetime.now(UTC) - timedelta(minutes=30)
    numbers = sim.inject_bulk(seller, buyer, 3500, spread_seconds=600)
    async with KsefClient(sim.base_url, nip=buyer, token=token, pace=False) as client:
        batch = await client.received_since(None, start=start)
        got = [i.ksef_number for i in batch.invoices]
        assert len(got) == len(set(got)) == 3500 and set(got) == set(numbers)
        # ascending by permanent storage date
        dates = [i.permanent_storage_date for i in batch.invoices]
        assert dates == sorted(dates)  # type: ignore[type-var]
        assert all(i.seller_nip == seller for i in batch.invoices)
        # more arrive: only those come back, and nothing twice
        more = sim.inject_bulk(seller, buyer, 300, spread_seconds=0)
        second = await client.received_since(batch.next_cursor)
        assert [i.ksef_number for i in second.invoices] == more
        assert (await client.received_since(second.next_cursor)).invoices == []
        assert Cursor.decode(second.next_cursor).hwm
        # download by KSeF number returns that invoice
        xml = await client.download_invoice(more[-1])
        assert seller.encode() in xml and buyer.encode() in xml


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 40), st.sampled_from([0, 0.3, 5, 120]), st.booleans()),
                min_size=1, max_size=6), st.integers(41, 60))
async def test_random_arrivals_every_invoice_exactly_once(
        sim: SimHandle, steps: list[tuple[int, float, bool]], cap: int) -> None:
    """Random bursts (counts, storage spreads) interleaved with polls; after a final poll past the
    HWM lag every invoice has been returned exactly once.

    The query cap stays above the largest burst: a burst with spread 0 is stored within one
    millisecond, which is how the simulator renders dates, and no protocol can page past more than
    the cap at one instant (the client raises instead of looping).
    """
    sim.set_limits({"enabled": False})
    sim.configure(queryCap=cap, hwmLagSeconds=0.2)
    buyer, token = sim.create_subject()
    seller = random_valid_nip()
    injected: list[str] = []
    got: list[str] = []
    async with KsefClient(sim.base_url, nip=buyer, token=token, pace=False) as client:
        client._sync.page_size = 10
        cursor: str | None = None
        start = datetime.now(UTC) - timedelta(hours=1)
        for count, spread, poll in steps:
            injected += sim.inject_bulk(seller, buyer, count, spread_seconds=spread)
            if poll:
                batch = await client.received_since(cursor, start=start)
                got += [i.ksef_number for i in batch.invoices]
                cursor = batch.next_cursor
        await asyncio.sleep(0.4)  # let the HWM pass the last stored invoice (not a timing assertion)
        batch = await client.received_since(cursor, start=start)
        got += [i.ksef_number for i in batch.invoices]
    assert len(got) == len(set(got))
    assert set(got) == set(injected)
