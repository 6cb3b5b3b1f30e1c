"""Benchmark of purchase-invoice polling (issue 5) against the KSeF simulator on loopback.

N companies (simulator subjects with tokens) are stored in a fresh SQLite database; every company is
polled once (baseline and authentication), then one invoice per company is injected and every
company is polled again. Prints JSON: CPU seconds of our process per poll, Python heap per company
(tracemalloc, the KSeF clients kept between polls included), wall time of a full round, and the
latency from injection to the invoice row being stored (simulator HWM lag set to 0). The Telegram
side is measured by bench_broadcast.py (same Sender).

    .venv/bin/python bench/bench_sync.py [--companies 1000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.services.connect import token_aad
from bot.services.inbox import InboxService
from bot.services.ports import system_clock
from bot.services.sync import SyncService
from bot.store.db import Database
from bot.store.models import Company, CompanyMember, KsefToken, User
from bot.vault import Vault
from ksef.fa3 import build, invoice_from_dict
from tests.fixtures.sim import start_sim


def _xml(buyer: str, number: str) -> bytes:
    return build(invoice_from_dict({
        "number": number, "issue_date": "2026-02-02", "currency": "PLN", "prices": "net",
        "seller": {"nip": "5265877635", "name": "Dostawca", "address": ["ul. Długa 1", "00-001 Warszawa"]},
        "buyer": {"name": "Nabywca", "nip": buyer, "address": ["ul. Krótka 2", "30-001 Kraków"]},
        "lines": [{"name": "Towar", "quantity": "1", "unit": "szt.", "unit_price": "100.00",
                   "vat_rate": "23"}],
    }))


async def _round(sync: SyncService, ids: list[int], concurrency: int) -> tuple[float, float]:
    slots = asyncio.Semaphore(concurrency)

    async def one(company_id: int) -> None:
        async with slots:
            result = await sync.poll(company_id)
            if result.error:
                raise RuntimeError(f"poll of {company_id} failed: {result.error}")

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(i) for i in ids))
    return time.perf_counter() - wall, time.process_time() - cpu


async def run(companies: int, concurrency: int) -> dict[str, Any]:
    sim = start_sim()
    sim.set_limits({"enabled": False})
    sim.configure(hwmLagSeconds=0)
    tmp = tempfile.mkdtemp(prefix="bench-sync-")
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp}/bench.sqlite")
    await db.migrate()
    vault = Vault(os.urandom(32))
    inbox = InboxService(db, system_clock)
    sync = SyncService(db, vault, inbox, system_clock, interval=0)
    subjects = [sim.create_subject() for _ in range(companies)]
    ids: list[int] = []
    async with db.transaction() as session:
        for n, (nip, token) in enumerate(subjects):
            company = Company(nip=nip, environment=sim.base_url)
            session.add(company)
            await session.flush()
            session.add(User(id=10_000 + n, chat_id=10_000 + n))
            await session.flush()
            session.add(CompanyMember(company_id=company.id, user_id=10_000 + n, role="owner"))
            session.add(KsefToken(company_id=company.id, token_blob=vault.encrypt(token.encode(),
                                                                                 aad=token_aad(company.id)),
                                  permissions=["InvoiceRead"], status="active"))
            ids.append(company.id)
    await sync.due_companies(limit=companies)
    tracemalloc.start()
    heap0 = tracemalloc.get_traced_memory()[0]
    first_wall, first_cpu = await _round(sync, ids, concurrency)  # authenticates every company
    heap1 = tracemalloc.get_traced_memory()[0]
    injected = time.perf_counter()
    for n, (nip, _) in enumerate(subjects):
        sim.inject_invoice(_xml(nip, f"B/{n}"))
    inject_s = time.perf_counter() - injected
    second_wall, second_cpu = await _round(sync, ids, concurrency)
    stored = len(await _count(db))
    tracemalloc.stop()
    await sync.aclose()
    await db.dispose()
    sim.stop()
    return {
        "benchmark": "bench_sync", "python": platform.python_version(), "companies": companies,
        "concurrency": concurrency,
        "first_round": {"wall_s": round(first_wall, 3), "cpu_s": round(first_cpu, 3),
                        "cpu_ms_per_poll": round(first_cpu / companies * 1000, 2)},
        "second_round": {"wall_s": round(second_wall, 3), "cpu_s": round(second_cpu, 3),
                         "cpu_ms_per_poll": round(second_cpu / companies * 1000, 2)},
        "heap_kib_per_company": round((heap1 - heap0) / companies / 1024, 1),
        "injection_s": round(inject_s, 3),
        "latency_injection_to_stored_s_max": round(inject_s + second_wall, 3),
        "invoices_stored": stored, "all_stored": stored == companies,
        "note": "CPU includes the in-process simulator (same process): an upper bound for the bot",
    }


async def _count(db: Database) -> list[Any]:
    from sqlalchemy import select

    from bot.store.models_inbox import ReceivedInvoice

    async with db.transaction() as session:
        return list((await session.execute(select(ReceivedInvoice.id))).scalars())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.companies, args.concurrency)), indent=2))


if __name__ == "__main__":
    main()
