"""Client benchmark: simulator (subprocess) + KsefClient; 1 000 invoices sent, 10 000 received synced.

Prints JSON: throughput (invoices/s) and the client process's CPU time per invoice. The simulator
runs in its own process, so its CPU is not counted; its rate limits are switched off.
Usage: ``.venv/bin/python bench/bench_client.py [--send 1000] [--receive 10000] [--concurrency 8]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from ksef.client import KsefClient
from ksef.identifiers import random_valid_nip

EMPTY_POLLS = 50
SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "ksef-spec" / "samples" / "fa3" / \
    "authored-minimal-vat-23.xml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_simulator(port: int) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("ksef-sim")
    proc = subprocess.Popen([str(exe), "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/sim/state", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("simulator did not start")


def invoice(nip: str, i: int) -> bytes:
    text = SAMPLE.read_text(encoding="utf-8")
    text = re.sub(r"<NIP>[^<]*</NIP>", f"<NIP>{nip}</NIP>", text, count=1)
    text = re.sub(r"<P_2>[^<]*</P_2>", f"<P_2>BENCH/{i}</P_2>", text, count=1)
    return text.encode("utf-8")


async def bench_send(base: str, nip: str, token: str, count: int, concurrency: int) -> dict[str, float]:
    docs = [invoice(nip, i) for i in range(count)]
    sem = asyncio.Semaphore(concurrency)
    async with KsefClient(base, nip=nip, token=token, pace=False) as client:
        await client.authenticate()

        async def one(xml: bytes) -> int:
            async with sem:
                return (await client.send_invoice(xml)).status_code

        cpu0, wall0 = time.process_time(), time.perf_counter()
        codes = await asyncio.gather(*(one(x) for x in docs))
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        await client.close_session()
    ok = sum(1 for c in codes if c == 200)
    if ok != count:
        raise RuntimeError(f"only {ok}/{count} invoices accepted")
    return {"invoices": count, "wall_s": round(wall, 3), "invoices_per_s": round(count / wall, 1),
            "client_cpu_ms_per_invoice": round(cpu * 1000 / count, 3), "concurrency": concurrency}


async def bench_receive(base: str, admin: httpx.AsyncClient, nip: str, token: str,
                        count: int) -> dict[str, float]:
    seller = random_valid_nip()
    start = datetime.now(UTC) - timedelta(hours=2)
    (await admin.post("/sim/invoices/bulk", json={"sellerNip": seller, "buyerNip": nip, "count": count,
                                                  "spreadSeconds": 3600})).raise_for_status()
    async with KsefClient(base, nip=nip, token=token, pace=False) as client:
        await client.authenticate()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        batch = await client.received_since(None, start=start)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        empty = await client.received_since(batch.next_cursor)
        cpu1 = time.process_time()
        for _ in range(EMPTY_POLLS):  # a poll with nothing new: the bot's most common call
            await client.received_since(empty.next_cursor)
        idle_cpu = (time.process_time() - cpu1) / EMPTY_POLLS
    unique = len({i.ksef_number for i in batch.invoices})
    if len(batch.invoices) != count or unique != count or empty.invoices:
        raise RuntimeError(f"sync returned {len(batch.invoices)} invoices, expected {count}")
    return {"invoices": count, "wall_s": round(wall, 3), "invoices_per_s": round(count / wall, 1),
            "client_cpu_ms_per_invoice": round(cpu * 1000 / count, 4),
            "empty_poll_client_cpu_ms": round(idle_cpu * 1000, 3)}


async def main_async(args: argparse.Namespace) -> dict[str, object]:
    port = free_port()
    proc = start_simulator(port)
    try:
        root = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=root, timeout=60) as admin:
            (await admin.put("/sim/limits", json={"enabled": False})).raise_for_status()
            (await admin.put("/sim/config", json={"hwmLagSeconds": 0})).raise_for_status()
            seller = (await admin.post("/sim/subjects", json={})).json()
            buyer = (await admin.post("/sim/subjects", json={})).json()
            send = await bench_send(root + "/v2", seller["nip"], seller["token"], args.send,
                                    args.concurrency)
            receive = await bench_receive(root + "/v2", admin, buyer["nip"], buyer["token"], args.receive)
        return {"benchmark": "ksef-client", "send": send, "receive_sync": receive,
                "python": sys.version.split()[0]}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--send", type=int, default=1000)
    parser.add_argument("--receive", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args)), indent=1))


if __name__ == "__main__":
    main()
