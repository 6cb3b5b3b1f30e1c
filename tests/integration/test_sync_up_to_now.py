"""``received_since(up_to_now=True)``, the query behind "Sprawdź teraz": it finds what KSeF stored above its
high-water mark, yet its cursor stops at the HWM, so the next regular query returns those invoices
again (the caller de-duplicates) and nothing stored later below them is skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ksef.client import KsefClient
from ksef.identifiers import random_valid_nip
from ksef.models import parse_datetime
from ksef.sync import Cursor
from tests.fixtures.sim import SimHandle


async def test_up_to_now_finds_invoices_above_the_hwm_and_the_cursor_stays_at_it(sim: SimHandle) -> None:
    sim.set_limits({"enabled": False})
    sim.configure(hwmLagSeconds=0)
    buyer, token = sim.create_subject()
    seller = random_valid_nip()
    async with KsefClient(sim.base_url, nip=buyer, token=token, pace=False) as client:
        start = await client.received_since(None, start=datetime.now(UTC) - timedelta(minutes=1))
        assert start.invoices == []
        sim.configure(hwmLagSeconds=3600)  # KSeF's HWM stays behind: new invoices are above it for now
        [number] = sim.inject_bulk(seller, buyer, 1)
        assert (await client.received_since(start.next_cursor)).invoices == []  # the regular poll: not yet
        checked = await client.received_since(start.next_cursor, up_to_now=True)
        assert [i.ksef_number for i in checked.invoices] == [number]
        found = checked.invoices[0].permanent_storage_date
        hwm = parse_datetime(Cursor.decode(checked.next_cursor).hwm)
        assert found is not None and hwm is not None and hwm < found  # the cursor did not pass the HWM
        sim.configure(hwmLagSeconds=0)  # the HWM passes the invoice
        again = await client.received_since(checked.next_cursor)
        assert [i.ksef_number for i in again.invoices] == [number]  # once more: the caller de-duplicates
        assert (await client.received_since(again.next_cursor)).invoices == []
