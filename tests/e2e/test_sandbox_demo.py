"""The sandbox's demo company against a real simulator: token works for KSeF login, supplier invoices
reach the company as buyer, the company survives a restart of a persistent sandbox."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.sandbox.demo import (
    DemoError,
    create_demo_company,
    inject_supplier_invoice,
    load_or_create,
    scheduled_invoices,
    set_availability,
)
from ksef.identifiers import ksef_number_is_valid, nip_is_valid


async def test_demo_company_and_scheduled_supplier_invoices(sim: Any) -> None:
    async with httpx.AsyncClient(base_url=sim.root_url) as admin:
        demo = await create_demo_company(admin)
        assert nip_is_valid(demo.nip) and all(nip_is_valid(s) for s in demo.suppliers)
        assert f"nip-{demo.nip}" in demo.token
        before = (await admin.get("/sim/state")).json()
        numbers = await scheduled_invoices(admin, demo, (0.0, 0.05, 0.1))
        after = (await admin.get("/sim/state")).json()
    assert len(set(numbers)) == 3 and all(ksef_number_is_valid(n) for n in numbers)
    # Rotating through the suppliers: each invoice is from a different seller.
    assert [n.split("-", 1)[0] for n in numbers] == list(demo.suppliers)
    assert after != before


async def test_availability_modes_and_bad_mode(sim: Any) -> None:
    async with httpx.AsyncClient(base_url=sim.root_url) as admin:
        state = await set_availability(admin, "failure")
        assert state["api"] == "down"
        assert (await admin.get("/latarnia/status")).json()["status"] == "FAILURE"
        state = await set_availability(admin, "up")
        assert state["api"] == "up"
        with pytest.raises(DemoError, match="nieznany tryb"):
            await set_availability(admin, "sometimes")
        demo = await create_demo_company(admin)
        broken = demo.__class__(nip="123", token=demo.token, suppliers=demo.suppliers)
        with pytest.raises(DemoError, match="symulator"):
            await inject_supplier_invoice(admin, broken)


async def test_persistent_sandbox_keeps_its_demo_company(sim: Any, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=sim.root_url) as admin:
        first = await load_or_create(admin, tmp_path)
        again = await load_or_create(admin, tmp_path)
        fresh = await load_or_create(admin, None)
    assert again == first and fresh.nip != first.nip
    assert stat.S_IMODE((tmp_path / "demo.json").stat().st_mode) == 0o600
