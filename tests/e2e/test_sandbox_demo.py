"""The sandbox's demo company against a real simulator: token works for KSeF login, supplier invoices
reach the company as buyer (only once it is connected), demo certificates come from the simulator's CA,
the company survives a restart of a persistent sandbox."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.sandbox.demo import (
    DemoError,
    create_certificate,
    create_demo_company,
    inject_supplier_invoice,
    invoices_after_connection,
    load_or_create,
    scheduled_invoices,
    set_availability,
)
from ksef.certs import CertType, load_key_pair
from ksef.client import KsefClient
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


async def test_demo_invoices_wait_for_the_company_to_be_connected(sim: Any) -> None:
    """Nothing is sent while nobody asks KSeF about the company; its first invoice query (the bot's
    baseline poll right after connecting) starts the schedule, and each invoice is followed by the
    "check now" callback."""
    looked = asyncio.Event()
    looks = 0

    async def count_looks(request: httpx.Request) -> None:
        nonlocal looks
        looks += request.url.path == "/sim/requests"
        if looks >= 3:
            looked.set()

    checked: list[str] = []

    async def check_now(number: str) -> None:
        checked.append(number)

    async with httpx.AsyncClient(base_url=sim.root_url) as admin, \
            httpx.AsyncClient(base_url=sim.root_url, event_hooks={"request": [count_looks]}) as watching:
        demo = await create_demo_company(admin)
        invoices_before = (await admin.get("/sim/state")).json()["invoices"]
        task = asyncio.create_task(
            invoices_after_connection(watching, demo, (0.0, 0.0), check_now, every=0.01))
        await asyncio.wait_for(looked.wait(), 10)  # it has looked at the request log a few times ...
        assert not task.done()  # ... and injected nothing: the company is not connected
        assert (await admin.get("/sim/state")).json()["invoices"] == invoices_before
        async with KsefClient(sim.base_url, nip=demo.nip, token=demo.token, pace=False) as client:
            await client.received_since(None)  # what the bot's first poll does
        numbers = await asyncio.wait_for(task, 10)
    assert len(numbers) == 2 and checked == numbers
    assert all(number.split("-", 1)[0] in demo.suppliers for number in numbers)


async def test_demo_certificates_as_the_portal_hands_them_out(sim: Any) -> None:
    async with httpx.AsyncClient(base_url=sim.root_url) as admin:
        demo = await create_demo_company(admin)
        offline = await create_certificate(admin, demo.nip, "Offline", "RSA")
        login = await create_certificate(admin, demo.nip, "Authentication", "EC")
        with pytest.raises(DemoError, match="typ certyfikatu"):
            await create_certificate(admin, demo.nip, "Signing", "EC")
    assert offline.password != login.password and offline.file_stem.startswith("offline-rsa-")
    assert login.file_stem.startswith("logowanie-ec-")
    pair = load_key_pair(offline.key_pem, offline.cert_pem, offline.password, expected_type=CertType.OFFLINE)
    assert pair.subject_nip == demo.nip and pair.key_type == "RSA"
    pair = load_key_pair(login.key_pem, login.cert_pem, login.password, expected_type=CertType.AUTHENTICATION)
    assert pair.subject_nip == demo.nip and pair.key_type == "EC"
