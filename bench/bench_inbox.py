"""Benchmark of purchase-invoice polling and notification against the KSeF simulator.

The simulator runs OUT OF PROCESS (``ksef-sim`` in a subprocess, rate limits off, HWM lag 0), so the
CPU figures (``time.process_time`` of this process: event loop, httpx, SQLAlchemy, the aiosqlite
thread) are ours alone. Three parts, one JSON document on stdout:

``sync``
    N companies (simulator subjects + tokens) in a fresh SQLite database, polled by the real
    ``SyncService`` (``concurrency`` at once). Round 1 authenticates every company; later rounds are the
    steady state, run as ``PollScheduler.tick`` runs them (the due companies' state in one read, then
    the polls). Reported: CPU ms per empty poll (median of ``--rounds`` rounds) for the whole poll, for
    polls that each read their own state (a scale-out worker's jobs) and for the KSeF client part alone
    (``received_since``), CPU ms per poll with one new invoice
    (download, parse, invoice + outbox rows), the projected CPU % at the 15-minute cadence
    (cpu_per_poll × N / 900 s / cores; also for 10 000 companies, every one polled at the base
    15-minute interval: the adaptive interval polls quiet companies less), and memory per company:
    the tracemalloc heap and the process
    RSS growth from before the first poll to after the second, divided by N.
``latency``
    The real bot (``BotRuntime``: PTB, shared Sender, poll scheduler, SQLite) against the fake Bot API
    (flood limits on) with a short poll interval; one invoice per company injected at a random moment
    within ``--latency-window`` seconds; latency = the fake's receipt of the sendMessage naming the
    invoice minus the moment just before the injection request. p50 / p95 / max against the bar
    (poll interval + 2 s). The scheduler only notices a due company on its tick (``--inbox-tick``,
    1 s here; the bot's default is 5 s), so at short intervals the tick is a visible part of the
    latency; keep injections below the Sender's rate (1 000 companies need a window of ≥ 60 s).
``throughput``
    ``bench_broadcast.run``: a broadcast to ``--broadcast-users`` distinct chats through the Sender to
    the fake Bot API with flood limits on; achieved msg/s, ratio to 30, 429 answers (must be 0).

    .venv/bin/python bench/bench_inbox.py --companies 1000
    .venv/bin/python bench/bench_inbox.py --companies 10000 --skip latency,throughput
    .venv/bin/python bench/bench_inbox.py --skip sync,throughput --latency-companies 1000 --interval 20 \
        --latency-window 120
    .venv/bin/python bench/bench_inbox.py --companies 200 --skip latency,throughput --profile tottime
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import gc
import json
import os
import platform
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_broadcast  # a sibling script, found through the path above
from sqlalchemy import func, select

from bot.services import ServiceOptions, Services
from bot.services.connect import token_aad
from bot.store.db import Database
from bot.store.models import Company, CompanyMember, KsefToken, User
from bot.store.models_inbox import InboxSync, ReceivedInvoice
from bot.vault import Vault
from tests.fixtures.sim import SimProcess, start_sim_process

SELLER = "5265877635"
KSEF_NUMBER = re.compile(r"\d{10}-\d{8}-[0-9A-F]{6}-?[0-9A-F]{6}-[0-9A-F]{2}")
CADENCE_S = 900.0
BAR_CPU_MS = 2.0
BAR_CPU_PCT = 5.0
BAR_KIB = 50.0


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _proc_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of another process, from /proc (for the simulator's share)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


async def _add_companies(db: Database, vault: Vault, subjects: list[tuple[str, str]], environment: str,
                         first_user: int) -> list[int]:
    """Companies with an active token and one owner each (user id = chat id), as onboarding leaves them."""
    ids: list[int] = []
    async with db.transaction() as session:
        for n, (nip, token) in enumerate(subjects):
            company = Company(nip=nip, environment=environment)
            session.add(company)
            session.add(User(id=first_user + n, chat_id=first_user + n))
            await session.flush()
            session.add(CompanyMember(company_id=company.id, user_id=first_user + n, role="owner"))
            session.add(KsefToken(company_id=company.id, permissions=["InvoiceRead"], status="active",
                                  token_blob=vault.encrypt(token.encode(), aad=token_aad(company.id))))
            ids.append(company.id)
    return ids


async def _timed(ids: list[int], concurrency: int,
                 call: Callable[[int], Awaitable[None]]) -> tuple[float, float]:
    """Run ``call`` for every id (``concurrency`` at once); (wall s, CPU s of this process)."""
    slots = asyncio.Semaphore(concurrency)

    async def one(company_id: int) -> None:
        async with slots:
            await call(company_id)

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(i) for i in ids))
    return time.perf_counter() - wall, time.process_time() - cpu


# --- sync: CPU and memory ---------------------------------------------------------------------------

async def bench_sync(sim: SimProcess, companies: int, concurrency: int, rounds: int,
                     profile: str = "") -> dict[str, Any]:
    """CPU per poll (empty / one new invoice) and memory per company for ``companies`` companies."""
    tmp = tempfile.mkdtemp(prefix="bench-inbox-")
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp}/bench.sqlite")
    await db.migrate()
    vault = Vault(os.urandom(32))
    # The production wiring (Services.build): logins through CertLoginService.credentials.
    services = Services.build(db, vault, ServiceOptions(environment=sim.base_url, poll_interval=0))
    sync = services.sync
    setup = time.perf_counter()
    subjects = await asyncio.to_thread(lambda: [sim.create_subject() for _ in range(companies)])
    ids = await _add_companies(db, vault, subjects, sim.base_url, 10_000)
    await sync.due_companies(limit=companies)  # baseline cursors
    setup_s = time.perf_counter() - setup

    async def poll(company_id: int) -> None:
        result = await sync.poll(company_id)
        if result.error:
            raise RuntimeError(f"poll of company {company_id} failed: {result.error}")

    async def scheduled_round() -> tuple[float, float]:
        """One round as ``PollScheduler.tick`` runs it: the due companies' state in one read, then their
        polls (``concurrency`` at once); (wall s, CPU s)."""
        wall, cpu = time.perf_counter(), time.process_time()
        targets = {target.company_id: target for target in await sync.due_polls(limit=companies)}
        if len(targets) != companies:
            raise RuntimeError(f"{len(targets)} of {companies} companies due")

        async def one(company_id: int) -> None:
            result = await sync.poll(company_id, target=targets[company_id])
            if result.error:
                raise RuntimeError(f"poll of company {company_id} failed: {result.error}")

        await _timed(ids, concurrency, one)
        return time.perf_counter() - wall, time.process_time() - cpu

    gc.collect()
    rss0 = _rss_kib()
    tracemalloc.start()
    heap0 = tracemalloc.get_traced_memory()[0]
    sim_cpu0 = _proc_cpu_s(sim.pid)
    auth_wall, auth_cpu = await _timed(ids, concurrency, poll)  # logs every company in
    sim_cpu_auth = _proc_cpu_s(sim.pid) - sim_cpu0
    await _timed(ids, concurrency, poll)  # first empty poll, still traced
    gc.collect()
    heap1 = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    rss1 = _rss_kib()

    empty: list[dict[str, float]] = []
    for _ in range(rounds):
        sim_cpu0 = _proc_cpu_s(sim.pid)
        wall, cpu = await scheduled_round()
        empty.append({"wall_s": wall, "cpu_s": cpu, "sim_cpu_s": _proc_cpu_s(sim.pid) - sim_cpu0})
    # The same polls one by one, each reading its own state (the scale-out worker's job does that).
    single: list[float] = []
    for _ in range(rounds):
        _, cpu = await _timed(ids, concurrency, poll)
        single.append(cpu)
    if profile:  # where an empty poll's CPU goes (main thread only), to stderr; not in the figures
        profiler = cProfile.Profile()
        profiler.enable()
        await scheduled_round()
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats(profile).print_stats(45)

    # The KSeF part alone: the same cached client and cursor the poll uses, no database.
    async with db.transaction() as session:
        cursors = dict((await session.execute(select(InboxSync.company_id, InboxSync.cursor))).all())
    sources = {i: await sync._source(i) for i in ids}

    async def client_only(company_id: int) -> None:
        source = sources[company_id]
        assert source is not None
        batch = await source.received_since(cursors[company_id])
        if batch.invoices:
            raise RuntimeError("unexpected invoice in an empty poll")

    client: list[float] = []
    for _ in range(rounds):
        _, cpu = await _timed(ids, concurrency, client_only)
        client.append(cpu)

    inject = time.perf_counter()
    await asyncio.to_thread(lambda: [sim.inject_bulk(SELLER, nip, 1) for nip, _ in subjects])
    inject_s = time.perf_counter() - inject
    new_wall, new_cpu = await scheduled_round()
    async with db.transaction() as session:
        stored = int((await session.execute(select(func.count(ReceivedInvoice.id)))).scalar_one())
    await services.ksef_clients.aclose()
    await db.dispose()

    cores = os.cpu_count() or 1
    empty_ms = statistics.median(r["cpu_s"] for r in empty) / companies * 1000
    single_ms = statistics.median(single) / companies * 1000
    client_ms = statistics.median(client) / companies * 1000
    projected = empty_ms / 1000 * companies / CADENCE_S / cores * 100
    projected_10k = empty_ms / 1000 * 10_000 / CADENCE_S / cores * 100
    heap_kib = (heap1 - heap0) / companies / 1024
    rss_kib = (rss1 - rss0) / companies
    return {
        "companies": companies, "concurrency": concurrency, "setup_s": round(setup_s, 1),
        "auth_round": {"wall_s": round(auth_wall, 2), "cpu_s": round(auth_cpu, 2),
                       "cpu_ms_per_poll": round(auth_cpu / companies * 1000, 2),
                       "sim_cpu_s": round(sim_cpu_auth, 2),
                       "note": "tracemalloc was on during this round (inflates CPU)"},
        "empty_rounds": [{k: round(v, 3) for k, v in r.items()} for r in empty],
        "cpu_ms_per_empty_poll": round(empty_ms, 3),
        "cpu_ms_per_empty_poll_own_read": round(single_ms, 3),
        "cpu_ms_per_empty_poll_client_only": round(client_ms, 3),
        "cpu_ms_per_poll_one_new_invoice": round(new_cpu / companies * 1000, 3),
        "new_invoice_round_wall_s": round(new_wall, 2),
        "sim_cpu_ms_per_empty_poll": round(statistics.median(r["sim_cpu_s"] for r in empty)
                                           / companies * 1000, 3),
        "polls_per_s_wall": round(companies / statistics.median(r["wall_s"] for r in empty), 1),
        "projected_cpu_pct_at_15_min": round(projected, 4),
        "projected_cpu_pct_10000_companies_at_15_min": round(projected_10k, 3), "cores": cores,
        "heap_kib_per_company": round(heap_kib, 2), "rss_kib_per_company": round(rss_kib, 2),
        "injection_s": round(inject_s, 2), "invoices_stored": stored, "all_stored": stored == companies,
        "bars": {
            "cpu_ms_per_empty_poll": BAR_CPU_MS, "ratio_cpu_ms": round(empty_ms / BAR_CPU_MS, 3),
            "cpu_pct_at_15_min": BAR_CPU_PCT, "ratio_cpu_pct": round(projected / BAR_CPU_PCT, 4),
            "ratio_cpu_pct_10000": round(projected_10k / BAR_CPU_PCT, 4),
            "kib_per_company": BAR_KIB, "ratio_heap": round(heap_kib / BAR_KIB, 3),
            "ratio_rss": round(rss_kib / BAR_KIB, 3),
        },
    }


# --- latency: injection -> sendMessage through the real bot ------------------------------------------

async def bench_latency(sim: SimProcess, companies: int, interval: int, inbox_tick: float,
                        window: float) -> dict[str, Any]:
    """Latency from injection at the simulator to sendMessage at the fake Bot API, real bot."""
    from bot.app import BotOptions
    from bot.config import load_settings
    from bot.runner import BotRuntime
    from bot.sandbox.botapi import BotApiServer, FakeBotApi, FloodLimits, make_token

    tmp = tempfile.mkdtemp(prefix="bench-latency-")
    token = make_token()
    fake = FakeBotApi(token, enforce_limits=True, limits=FloodLimits())
    first_user = 20_000_000
    subjects = await asyncio.to_thread(lambda: [sim.create_subject() for _ in range(companies)])
    for n in range(companies):
        fake.user(first_user + n)
    master_key = os.urandom(32)
    with BotApiServer(fake) as server:
        settings = load_settings({
            "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": server.api_url,
            "TELEGRAM_FILE_URL": server.file_url, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bot.sqlite",
            "KSEF_ENV": sim.base_url, "KSEFBOT_MASTER_KEY": base64.b64encode(master_key).decode(),
            "KSEFBOT_DATA_DIR": tmp, "KSEFBOT_POLL_INTERVAL": str(interval)}, env_file=None)
        runtime = BotRuntime(settings, BotOptions(poll_interval=interval, inbox_tick=inbox_tick,
                                                  set_commands=False, poll_timeout=1))
        await runtime.start()
        try:
            services = runtime.services
            assert services is not None
            await _add_companies(services.db, Vault(master_key), subjects, sim.base_url, first_user)

            async def baselined() -> int:
                async with services.db.transaction() as session:
                    return int((await session.execute(select(func.count(InboxSync.company_id)).where(
                        InboxSync.last_poll_at.is_not(None)))).scalar_one())

            deadline = time.monotonic() + interval + 120
            while await baselined() < companies:  # every company logged in and polled once
                if time.monotonic() > deadline:
                    raise RuntimeError("companies were not all polled once")
                await asyncio.sleep(0.5)

            rng = random.Random(5)
            plan = sorted((rng.uniform(0, window), nip) for nip, _ in subjects)
            injected: dict[str, float] = {}
            start = time.monotonic()
            for offset, nip in plan:
                await asyncio.sleep(max(0.0, start + offset - time.monotonic()))
                at = time.time()
                number = (await asyncio.to_thread(sim.inject_bulk, SELLER, nip, 1))[0]
                injected[number] = at

            received: dict[str, float] = {}
            checked = 0

            def collect() -> bool:
                nonlocal checked
                calls = fake.calls_of("sendMessage")
                for call in calls[checked:]:
                    for number in KSEF_NUMBER.findall(str(call.params.get("text", ""))) if call.ok else ():
                        if number in injected and number not in received:
                            received[number] = call.at
                checked = len(calls)
                return len(received) == len(injected)

            deadline = time.monotonic() + interval * 2 + 120
            while not collect():
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(1.0)
        finally:
            await runtime.stop()
    latencies = [received[n] - injected[n] for n in received]
    bar = interval + 2.0
    p95 = _pct(latencies, 0.95) if latencies else None
    return {
        "companies": companies, "poll_interval_s": interval, "inbox_tick_s": inbox_tick,
        "injection_window_s": window, "injected": len(injected), "notified": len(received),
        "latency_p50_s": round(_pct(latencies, 0.5), 3) if latencies else None,
        "latency_p95_s": round(p95, 3) if p95 is not None else None,
        "latency_max_s": round(max(latencies), 3) if latencies else None,
        "latency_min_s": round(min(latencies), 3) if latencies else None,
        "bar_s": bar, "ratio_p95_to_bar": round(p95 / bar, 3) if p95 is not None else None,
        "http_429": fake.too_many_requests,
    }


# --- throughput: reuse the broadcast benchmark -------------------------------------------------------

async def bench_throughput(users: int) -> dict[str, Any]:
    """A broadcast to ``users`` chats through the Sender, fake Bot API with flood limits."""
    result: dict[str, Any] = await bench_broadcast.run(users, bench_broadcast.PacingConfig().global_rate, 5)
    keep = ("users", "configured_rate_per_s", "completion_s", "achieved_rate_per_s", "fraction_of_limit",
            "goal_fraction", "http_429", "delivered", "delivered_exactly_once", "reply_latency_max_s")
    return {k: result[k] for k in keep}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    sim = start_sim_process()
    try:
        sim.set_limits({"enabled": False})
        sim.configure(hwmLagSeconds=0)
        out: dict[str, Any] = {"benchmark": "bench_inbox", "python": platform.python_version(),
                               "machine": platform.machine(), "cores": os.cpu_count(),
                               "simulator": "out of process (ksef-sim), limits off, hwmLagSeconds 0"}
        if "sync" not in skip:
            out["sync"] = await bench_sync(sim, args.companies, args.concurrency, args.rounds, args.profile)
        if "latency" not in skip:
            out["latency"] = await bench_latency(sim, args.latency_companies, args.interval, args.inbox_tick,
                                                 args.latency_window or float(args.interval * 2))
    finally:
        sim.stop()
    if "throughput" not in skip:
        out["throughput"] = await bench_throughput(args.broadcast_users)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--companies", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8, help="polls at once (PollScheduler default: 8)")
    parser.add_argument("--rounds", type=int, default=3, help="steady-state empty rounds (median taken)")
    parser.add_argument("--latency-companies", type=int, default=300)
    parser.add_argument("--interval", type=int, default=15, help="poll interval of the latency run (s)")
    parser.add_argument("--inbox-tick", type=float, default=1.0, help="scheduler tick of the latency run (s)")
    parser.add_argument("--latency-window", type=float, default=0.0,
                        help="injections spread over this many seconds (default: 2 × interval)")
    parser.add_argument("--broadcast-users", type=int, default=1200)
    parser.add_argument("--profile", default="", metavar="SORT",
                        help="cProfile one extra empty round to stderr, sorted by SORT (tottime, cumulative)")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: sync,latency,throughput")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
