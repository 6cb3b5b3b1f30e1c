"""Benchmark of issuing: confirm-to-PDF latency against the KSeF simulator at zero processing delay.

Each sample is what a confirmation costs: number + FA(3) build + store (``prepare``), the online send
followed until the KSeF number (``issue``; the session is reused), and the printout (PDF + QR PNG, laid
out in a worker thread). Prints JSON with median and p95 in milliseconds, the median of each phase and
the process CPU per invoice.

    .venv/bin/python bench/bench_issue.py [--invoices 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.services import ServiceOptions, Services
from bot.services.issuing import Draft
from bot.services.ksef_clients import KsefClientOptions
from bot.store.db import Database
from bot.vault import Vault
from tests.fixtures.sim import start_sim

BUYER_NIP = "5260250274"
DRAFT = {"buyer": {"nip": BUYER_NIP, "name": "ACME Sp. z o.o.",
                   "address": ["ul. Prosta 1", "00-950 Warszawa"]},
         "lines": [{"name": "Usługa programistyczna", "quantity": "1", "unit": "szt.", "unit_price": "5000",
                    "vat_rate": "23"}], "prices": "net", "payment_days": 14, "method": "transfer"}


async def run(invoices: int) -> dict[str, object]:
    sim = start_sim()
    sim.configure(processingDelaySeconds=0)
    sim.set_limits({"enabled": False})  # measure our own latency, not KSeF's 30-per-minute send limit
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.from_url(f"sqlite+aiosqlite:///{tmp}/bench.sqlite")
        await db.migrate()
        # The simulator's limits are off, and so is local pacing.
        options = ServiceOptions(environment=sim.base_url, ksef_clients=KsefClientOptions(pace=False))
        services = Services.build(db, Vault(os.urandom(32)), options)
        nip, token = sim.create_subject()
        await services.connect.connect_token(1, 1, nip, token)
        company_id = (await services.companies.require_active_company(1)).id
        await services.profiles.save(1, company_id, name="Jan Kowalski",
                                     address=["ul. Długa 5", "00-001 Warszawa"], vat_exempt=False,
                                     bank_account="61109010140000071219812874",
                                     default_rate="23", payment_days=14)
        samples: list[float] = []
        phases: dict[str, list[float]] = {"prepare": [], "issue": [], "printout": []}
        cpu: list[float] = []
        for _ in range(invoices + 1):  # the first one also opens the session: reported apart
            start, start_cpu = time.perf_counter(), time.process_time()
            view = await services.issuing.prepare(1, 1, company_id, Draft.from_json(DRAFT))
            prepared = time.perf_counter()
            view = await services.issuing.issue(view.id)
            sent = time.perf_counter()
            printout = await services.issuing.printout(view.id)
            end = time.perf_counter()
            samples.append((end - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            for name, took in (("prepare", prepared - start), ("issue", sent - prepared),
                               ("printout", end - sent)):
                phases[name].append(took * 1000)
            assert view.state == "accepted" and printout.pdf.startswith(b"%PDF"), view.status_text
        await services.aclose()
    sim.stop()
    first, rest = samples[0], sorted(samples[1:])
    return {
        "benchmark": "issue_confirm_to_pdf",
        "invoices": invoices,
        "first_ms_with_session_open": round(first, 1),
        "median_ms": round(statistics.median(rest), 1),
        "p95_ms": round(rest[max(0, int(len(rest) * 0.95) - 1)], 1),
        "max_ms": round(rest[-1], 1),
        # CPU of this process per invoice (ours and the in-process simulator's): steadier than the
        # wall clock on a shared machine.
        "cpu_median_ms": round(statistics.median(cpu[1:]), 1),
        "phases_median_ms": {name: round(statistics.median(values[1:]), 1)
                             for name, values in phases.items()},
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=30)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.invoices)), indent=2))


if __name__ == "__main__":
    main()
