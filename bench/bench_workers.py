"""Benchmark of scale-out polling: polls per second with 1, 2 and 4 ``ksef-bot worker``
processes on PostgreSQL against the KSeF simulator running in its own process.

M companies (simulator subjects with tokens, rows as onboarding leaves them) live in a fresh database on
the test PostgreSQL server; rate limits are off, the HWM lag is 0 and the poll interval 1 s, so every
company is always due and the workers poll as fast as they can. For each worker count the workers start
on the same database (all companies due again, job queue empty), run a warm-up (each process logs in
once for every company it gets: it lasts until the simulator sees no more logins), then a fixed window
in which completed polls are counted from each worker's Prometheus counter ``ksefbot_polls_total``
(``--metrics-port``). Reports polls/s, the ratio to one
worker, CPU of the worker processes, of the simulator, of this database's PostgreSQL backends and of the
whole machine (``/proc``), database transactions per poll, and the machine's cores. Prints JSON.
Needs PostgreSQL (``KSEFBOT_TEST_POSTGRES_URL``, default
``postgresql+asyncpg://postgres@127.0.0.1:5432/test``; a database ``ksefbot_<random>`` is created and
dropped).

    .venv/bin/python bench/bench_workers.py [--companies 1000] [--workers 1 2 4] [--concurrency 8]
                                            [--warmup 20] [--window 20] [--query-delay 0]

``--query-delay S`` gives each invoice query S seconds of latency at the simulator (KSeF is not on
loopback): polls then wait on I/O rather than CPU, and the job slots (workers × concurrency) decide.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bot.store.db import Database
from bot.vault import Vault
from tests.e2e.test_scale_out import fresh_database, process_env, seed_companies, start_process, stop_process
from tests.fixtures.sim import SimProcess, start_sim_process

TICKS = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (``/proc/<pid>/stat`` fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def backend_cpu(database: str) -> dict[int, float]:
    """CPU seconds of the PostgreSQL backends serving ``database`` now (server on this machine; their
    command line names the database), by pid; empty when the server is elsewhere."""
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if cmdline.startswith("postgres:") and f" {database} " in cmdline:
                found[int(entry.name)] = cpu_seconds(int(entry.name))
        except OSError:
            continue  # ended meanwhile, or not ours to read
    return found


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent not idle so far (all cores, ``/proc/stat``)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / TICKS


async def polls_done(client: httpx.AsyncClient, port: int) -> tuple[float, float]:
    """(successful, failed) polls counted by one worker's metrics endpoint."""
    body = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    ok = failed = 0.0
    for result, value in re.findall(r'^ksefbot_polls_total\{result="([^"]+)"\} (\S+)$', body, flags=re.M):
        if result == "ok":
            ok += float(value)
        else:
            failed += float(value)
    return ok, failed


async def db_transactions(db: Database) -> int:
    """Transactions the server has counted in this database so far (``pg_stat_database``; every
    process, the workers' procrastinate connections included)."""
    async with db.engine.connect() as conn:
        return int((await conn.execute(text(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
        ))).scalar_one())


LOGIN = "/auth/ksef-token"


def logins(sim: SimProcess) -> int:
    """KSeF-token logins the simulator has seen (since its request log was last emptied)."""
    return len(sim.admin.get("/sim/requests", params={"path": LOGIN}).json()["requests"])


async def warm_up(sim: SimProcess, least: float, most: float = 300.0) -> float:
    """Wait ``least`` seconds, then until no worker logs in any more (each process logs in once per
    company it polls; the window measures polling, not logging in), at most ``most``; returns the time."""
    started = time.monotonic()
    await asyncio.sleep(least)
    before = logins(sim)
    while time.monotonic() - started < most:
        await asyncio.sleep(5)
        now = logins(sim)
        if now - before <= 2:
            break
        before = now
    return round(time.monotonic() - started, 1)


async def _ready(client: httpx.AsyncClient, port: int, deadline: float) -> None:
    while True:
        try:
            await polls_done(client, port)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker metrics on port {port} never answered") from None
            await asyncio.sleep(0.2)


async def run_config(url: str, sim: SimProcess, master_key: bytes, data_dir: Path, workers: int,
                     concurrency: int, warmup: float, window: float) -> dict[str, Any]:
    """One worker count: fresh queue, all companies due, warm-up, measured window."""
    db = Database.from_url(url)
    database = url.rsplit("/", 1)[1]
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE inbox_sync SET next_poll_at = now() AT TIME ZONE 'UTC'"))
        if (await conn.execute(text("SELECT to_regclass('procrastinate_jobs')"))).scalar():
            await conn.execute(text("DELETE FROM procrastinate_jobs"))
    env = process_env(url, sim.base_url, master_key, data_dir, KSEFBOT_POLL_INTERVAL="1",
                      KSEFBOT_LOG_LEVEL="WARNING")
    sim.admin.delete("/sim/requests")
    ports = [_free_port() for _ in range(workers)]
    procs = [await start_process(["worker", "--concurrency", str(concurrency), "--schedule-every", "0.5",
                                  "--metrics-port", str(port)], env,
                                 data_dir / f"worker-{workers}-{i}.log") for i, port in enumerate(ports)]
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            deadline = time.monotonic() + 60
            for port in ports:
                await _ready(client, port, deadline)
            warm = await warm_up(sim, warmup)
            start = [await polls_done(client, port) for port in ports]
            cpu0 = [cpu_seconds(p.pid) for p in procs]
            sim0, busy0, t0 = cpu_seconds(sim.pid), machine_busy_seconds(), time.monotonic()
            tx0, pg0 = await db_transactions(db), backend_cpu(database)
            logins0 = logins(sim)
            slices: list[float] = []
            last = sum(ok for ok, _ in start)
            slice_s = window / 4
            for _ in range(4):
                await asyncio.sleep(slice_s)
                now = sum([(await polls_done(client, port))[0] for port in ports])
                slices.append(round((now - last) / slice_s, 1))
                last = now
            elapsed = time.monotonic() - t0
            end = [await polls_done(client, port) for port in ports]
            cpu1 = [cpu_seconds(p.pid) for p in procs]
            sim1, busy1 = cpu_seconds(sim.pid), machine_busy_seconds()
            tx1, pg1 = await db_transactions(db), backend_cpu(database)
            logins1 = logins(sim)
    finally:
        for proc in procs:
            await stop_process(proc, timeout=40)
        await db.dispose()
    ok = sum(e[0] - s[0] for s, e in zip(start, end, strict=True))
    failed = sum(e[1] - s[1] for s, e in zip(start, end, strict=True))
    worker_cpu = sum(c1 - c0 for c0, c1 in zip(cpu0, cpu1, strict=True))
    postgres_cpu = sum(cpu - pg0.get(pid, 0.0) for pid, cpu in pg1.items())  # backends alive at the end
    return {
        "workers": workers, "warmup_s": warm, "window_s": round(elapsed, 2),
        "logins_in_window": logins1 - logins0, "polls": int(ok), "failed_polls": int(failed),
        "polls_per_s": round(ok / elapsed, 1), "polls_per_s_by_quarter": slices,
        "polls_per_worker": [int(e[0] - s[0]) for s, e in zip(start, end, strict=True)],
        "worker_cpu_s": round(worker_cpu, 2),
        "worker_cpu_ms_per_poll": round(worker_cpu / ok * 1000, 2) if ok else None,
        "worker_cpu_cores": round(worker_cpu / elapsed, 2),
        "simulator_cpu_cores": round((sim1 - sim0) / elapsed, 2),
        "postgres_cpu_cores": round(postgres_cpu / elapsed, 2),
        "postgres_cpu_ms_per_poll": round(postgres_cpu / ok * 1000, 2) if ok else None,
        "machine_busy_cores": round((busy1 - busy0) / elapsed, 2),
        "db_transactions_per_poll": round((tx1 - tx0) / ok, 1) if ok else None,
    }


async def run(companies: int, counts: list[int], concurrency: int, warmup: float,
              window: float, query_delay: float = 0.0) -> dict[str, Any]:
    sim = start_sim_process()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    try:
        sim.set_limits({"enabled": False})
        sim.configure(hwmLagSeconds=0, queryDelaySeconds=query_delay)
        subjects = [sim.create_subject() for _ in range(companies)]
        master_key = os.urandom(32)
        async with fresh_database(skip=False) as url:
            db = Database.from_url(url)
            await db.migrate()
            await seed_companies(db, Vault(master_key), subjects, sim.base_url)
            await db.dispose()
            results = [await run_config(url, sim, master_key, data_dir, n, concurrency, warmup, window)
                       for n in counts]
    finally:
        sim.stop()
    base = results[0]["polls_per_s"] or 1.0
    for result in results:
        result["ratio_to_first"] = round(result["polls_per_s"] / base, 2)
    return {
        "benchmark": "bench_workers", "python": platform.python_version(), "cores": os.cpu_count(),
        "companies": companies, "concurrency_per_worker": concurrency, "poll_interval_s": 1,
        "query_delay_s": query_delay,
        "warmup_s": warmup, "results": results,
        "load_average_at_end": os.getloadavg(),
        "note": "simulator (own process), PostgreSQL and the workers share this machine's cores (and so does "
                "anything else running: see machine_busy_cores, load_average_at_end); ratio_to_first is "
                "relative to the first worker count measured",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--companies", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, default=8, help="jobs at once per worker process")
    parser.add_argument("--warmup", type=float, default=20.0,
                        help="least seconds before each measured window; then until logins stop")
    parser.add_argument("--window", type=float, default=20.0, help="measured seconds per worker count")
    parser.add_argument("--query-delay", type=float, default=0.0,
                        help="latency of each invoice query at the simulator, seconds")
    args = parser.parse_args()
    result = asyncio.run(run(args.companies, args.workers, args.concurrency, args.warmup, args.window,
                             args.query_delay))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
