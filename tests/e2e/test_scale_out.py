"""Scale-out, as deployed: real ``ksef-bot`` processes on one fresh PostgreSQL database.

One gateway (``ksef-bot run``, long polling against the fake Bot API) and two ``ksef-bot worker``
processes (``KSEFBOT_JOBS=procrastinate``) serve ~20 simulator companies while invoices arrive at
random moments; one worker is SIGKILLed midway. Checked from the outside: every invoice reaches the
chat exactly once (the fake Bot API's sendMessage log), no company is queried by two processes at
once (the simulator's request log, with latency on the metadata query so overlaps would show), and
the survivor carries on (invoices after the kill arrive; the killed worker's companies are polled
again). A second test: a standby gateway does not touch Telegram until the leader dies.

Workers are separate processes and have no "schema" setting, so every test gets its own DATABASE
(``fresh_database``); ``bench/bench_workers.py`` reuses these helpers.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import os
import random
import secrets
import signal
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from bot.services.connect import token_aad
from bot.store.db import Database
from bot.store.models import Company, CompanyMember, KsefToken, User
from bot.store.models_inbox import InboxSync
from bot.vault import Vault
from tests.bot.test_notify import invoice_xml
from tests.fixtures.bot import PG_URL_DEFAULT
from tests.paths import REPO

QUERY = "/invoices/query/metadata"


# --- helpers shared with bench/bench_workers.py ----------------------------------------------------------

def _server_dsn() -> str:
    url = os.environ.get("KSEFBOT_TEST_POSTGRES_URL", PG_URL_DEFAULT)
    return url.replace("postgresql+asyncpg://", "postgresql://")


@asynccontextmanager
async def fresh_database(*, skip: bool = True) -> AsyncIterator[str]:
    """The SQLAlchemy URL of a new, empty database on the test PostgreSQL server, dropped on exit.

    Skips the test (``skip``) or raises when the server (``KSEFBOT_TEST_POSTGRES_URL``, default
    ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``) cannot be reached."""
    import asyncpg  # type: ignore[import-untyped]

    dsn = _server_dsn()
    try:
        admin = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        if not skip:
            raise
        pytest.skip(f"PostgreSQL not reachable at {dsn} ({type(exc).__name__}); "
                    "set KSEFBOT_TEST_POSTGRES_URL")
    name = "ksefbot_" + secrets.token_hex(6)
    await admin.execute(f'CREATE DATABASE "{name}"')
    base = dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        # Processes killed mid-transaction may leave sessions behind for a moment; wait until they are gone.
        await admin.execute("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                            "WHERE datname = $1 AND pid <> pg_backend_pid()", name)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.close()


async def seed_companies(db: Database, vault: Vault, subjects: Sequence[tuple[str, str]], environment: str,
                         *, first_user: int = 70_000) -> list[int]:
    """Connected companies as onboarding leaves them (company, owner, encrypted KSeF token); one owner
    per company, chat id = user id. Returns the company ids in the order of ``subjects``."""
    ids: list[int] = []
    async with db.transaction() as session:
        for n, (nip, token) in enumerate(subjects):
            company = Company(nip=nip, environment=environment)
            user = User(id=first_user + n, chat_id=first_user + n)
            session.add_all([company, user])
            await session.flush()
            session.add(CompanyMember(company_id=company.id, user_id=user.id, role="owner"))
            session.add(KsefToken(company_id=company.id, status="active", permissions=["InvoiceRead"],
                                  token_blob=vault.encrypt(token.encode(), aad=token_aad(company.id))))
            ids.append(company.id)
    return ids


def process_env(database_url: str, ksef_env: str, master_key: bytes, data_dir: Path,
                **extra: str) -> dict[str, str]:
    """Environment of a ``ksef-bot`` process in the scale-out mode."""
    return {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": database_url, "KSEFBOT_JOBS": "procrastinate",
            "KSEF_ENV": ksef_env, "KSEFBOT_MASTER_KEY": base64.b64encode(master_key).decode(),
            "KSEFBOT_DATA_DIR": str(data_dir), **extra}


async def start_process(args: Sequence[str], env: dict[str, str],
                        log_file: Path) -> asyncio.subprocess.Process:
    """``python -m bot.cli ARGS`` with its output appended to ``log_file``."""
    with log_file.open("ab") as handle:
        return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", *args, env=env, cwd=REPO,
                                                    stdout=handle, stderr=handle)


async def stop_process(proc: asyncio.subprocess.Process, timeout: float = 20) -> None:  # noqa: ASYNC109
    """SIGTERM (graceful), SIGKILL when it does not end within ``timeout``."""
    if proc.returncode is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()


def overlaps(requests: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Pairs of calls for one NIP whose [start, end] intervals intersect."""
    by_nip: dict[str, list[dict[str, Any]]] = {}
    for entry in requests:
        if entry["nip"]:
            by_nip.setdefault(entry["nip"], []).append(entry)
    found = []
    for nip, entries in by_nip.items():
        entries.sort(key=lambda e: e["start"])
        latest: dict[str, Any] | None = None  # the call ending last so far
        for entry in entries:
            if latest is not None and _t(entry["start"]) < _t(latest["end"]):
                found.append((nip, latest, entry))
            if latest is None or _t(entry["end"]) > _t(latest["end"]):
                latest = entry
    return found


def _t(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- the tests -------------------------------------------------------------------------------------------

def test_overlaps_finds_concurrent_calls_per_nip() -> None:
    """The checker itself: touching intervals are fine, intersecting ones of one NIP are reported."""
    def call(nip: str, start: int, end: int) -> dict[str, Any]:
        base = datetime(2026, 1, 1, 12)
        return {"nip": nip, "start": (base + timedelta(seconds=start)).isoformat(),
                "end": (base + timedelta(seconds=end)).isoformat()}

    assert overlaps([call("1", 0, 2), call("1", 2, 3), call("2", 1, 5), call(None, 0, 9)]) == []  # type: ignore[arg-type]
    found = overlaps([call("1", 0, 10), call("1", 2, 3), call("1", 5, 6), call("2", 0, 1)])
    assert [(nip, inner["start"][-8:]) for nip, _, inner in found] == [("1", "12:00:02"), ("1", "12:00:05")]


async def test_sim_request_log_records_concurrent_queries_per_nip(sim: Any) -> None:
    """The simulator's request log (``GET /sim/requests``) and ``queryDelaySeconds``: two clients of one
    subject querying at once show up as overlapping calls; ``DELETE`` empties the log."""
    from ksef.client import KsefClient

    sim.set_limits({"enabled": False})
    sim.configure(queryDelaySeconds=0.3)
    nip, token = sim.create_subject()
    other, other_token = sim.create_subject()
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False) as one, \
            KsefClient(sim.base_url, nip=nip, token=token, pace=False) as two, \
            KsefClient(sim.base_url, nip=other, token=other_token, pace=False) as three:
        await one.received_since(None)  # logged in, sequential: no overlap
        await asyncio.gather(two.received_since(None), three.received_since(None))
        assert overlaps(sim.admin.get("/sim/requests", params={"path": QUERY}).json()["requests"]) == []
        await asyncio.gather(one.received_since(None), two.received_since(None))
    log = sim.admin.get("/sim/requests", params={"path": QUERY}).json()
    assert {e["nip"] for e in log["requests"]} == {nip, other} and log["capacity"] == 50_000
    assert all(e["status"] == 200 and e["method"] == "POST" and not e["clientGone"] for e in log["requests"])
    assert [pair[0] for pair in overlaps(log["requests"])] == [nip]
    mine = sim.admin.get("/sim/requests", params={"nip": other}).json()["requests"]
    assert mine and {e["nip"] for e in mine} == {other} and {e["path"] for e in mine} > {QUERY}
    assert sim.admin.delete("/sim/requests").status_code == 204
    assert sim.admin.get("/sim/requests").json()["requests"] == []
    # A client that gives up before the (delayed) answer is marked as gone.
    async with httpx.AsyncClient(base_url=sim.base_url, timeout=0.05) as impatient:
        with pytest.raises(httpx.TimeoutException):
            await impatient.post(QUERY, json={})

    def logged() -> list[dict[str, Any]]:  # once the simulator has finished the abandoned call
        return list(sim.admin.get("/sim/requests").json()["requests"])

    entries = await _eventually(logged, timeout=10, message="the abandoned call in the log")
    assert [(e["status"], e["clientGone"]) for e in entries] == [(401, True)]


def fake_texts(fake: Any) -> list[str]:
    """Texts of every successful sendMessage so far."""
    return [str(call.params.get("text", "")) for call in fake.calls_of("sendMessage") if call.ok]


async def doing_jobs(db: Database) -> dict[int, tuple[int, int | None]]:
    """Poll jobs running now: job id → (company id, procrastinate worker id)."""
    async with db.engine.connect() as conn:
        rows = await conn.execute(text(
            "SELECT id, (args->>'company_id')::int, worker_id FROM procrastinate_jobs "
            "WHERE status = 'doing' AND task_name = 'ksefbot.poll_company'"))
        return {int(r[0]): (int(r[1]), r[2]) for r in rows}


async def last_polls(db: Database) -> dict[int, datetime | None]:
    """Company id → when its last successful poll ended (aware UTC)."""
    async with db.transaction() as session:
        rows = (await session.execute(select(InboxSync))).scalars()
        return {row.company_id: row.last_poll_at for row in rows}


async def _eventually(check: Any, *, timeout: float, message: str) -> Any:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {message}")
        await asyncio.sleep(0.1)


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.timeout(180)
async def test_two_workers_one_gateway_exactly_once_and_survive_a_kill(botapi: Any, sim: Any,
                                                                       tmp_path: Path) -> None:
    """Gateway + 2 workers, ~45 invoices at random moments, one worker SIGKILLed midway."""
    fake, rng = botapi.fake, random.Random(9)
    sim.set_limits({"enabled": False})
    sim.configure(hwmLagSeconds=0, queryDelaySeconds=0.4)  # each metadata query takes >= 0.4 s
    master_key = os.urandom(32)
    subjects = [sim.create_subject() for _ in range(20)]
    nips = [nip for nip, _ in subjects]
    for n in range(len(subjects)):
        fake.user(70_000 + n)
    async with fresh_database() as url:
        db = Database.from_url(url)
        await db.migrate()  # once, before the processes start (as `ksef-bot migrate` does in deploy/)
        ids = await seed_companies(db, Vault(master_key), subjects, sim.base_url)
        env = process_env(url, sim.base_url, master_key, tmp_path, KSEFBOT_POLL_INTERVAL="1",
                          KSEFBOT_LOG_LEVEL="INFO")
        # A lease shorter than a poll: companies are claimed again while their poll still runs, and with
        # more job slots than companies those second jobs start at once, in either worker, while the
        # first poll is still running; the advisory lock must turn them away.
        worker_args = ["worker", "--concurrency", "10", "--schedule-every", "0.5", "--lease", "0.2"]
        gateway = await start_process(["run"], {**env, **botapi.env()}, tmp_path / "gateway.log")
        workers = [await start_process(worker_args, env, tmp_path / f"worker{i}.log") for i in range(2)]
        procs = [gateway, *workers]
        injected: dict[str, int] = {}  # invoice number → company index
        try:
            async def all_polled() -> bool:
                polls = await last_polls(db)
                return len(polls) == len(ids) and all(polls.values())

            await _eventually(all_polled, timeout=40, message="every company to be polled once")

            async def inject(count: int) -> None:
                for _ in range(count):
                    n = rng.randrange(len(subjects))
                    number = f"SO-{n:02d}-{len(injected):04d}"
                    await asyncio.to_thread(sim.inject_invoice, invoice_xml(nips[n], number))
                    injected[number] = n
                    await asyncio.sleep(rng.uniform(0.02, 0.3))

            await inject(25)
            # Kill the victim while both workers have polls in flight, so it dies holding claims.
            victim = workers[0]
            running = await _eventually(lambda: _busy_both(db), timeout=20, message="both workers polling")
            victim.send_signal(signal.SIGKILL)
            await victim.wait()
            killed_at = datetime.now(UTC)
            before_kill = set(injected)
            await asyncio.sleep(3)  # a poll takes about 0.5 s: jobs still "doing" now are the victim's
            still = await doing_jobs(db)
            stalled = {running[job][0] for job in running if job in still}
            await inject(20)
            after_kill = set(injected) - before_kill

            def notified() -> bool:
                texts = fake_texts(fake)
                return all(any(number in t for t in texts) for number in injected)

            await fake.wait_until(notified, timeout=40, message="every injected invoice in the chat")
            await asyncio.sleep(3)  # room for a duplicate to show up
            texts = fake_texts(fake)
            counts = {number: sum(t.count(number) for t in texts) for number in injected}
            assert {n: c for n, c in counts.items() if c != 1} == {}, "an invoice not notified exactly once"
            # Each went to its own company's owner.
            for call in fake.calls_of("sendMessage"):
                for number, n in injected.items():
                    if number in str(call.params.get("text", "")):
                        assert call.chat_id == 70_000 + n
            assert after_kill and all(counts[n] == 1 for n in after_kill)

            log = sim.admin.get("/sim/requests", params={"path": QUERY}).json()["requests"]
            assert {e["nip"] for e in log} >= set(nips)
            # The victim's queries in flight at the kill went on at the simulator after their client had
            # gone (and its lock with it): those, and only those, may overlap the survivor's.
            orphans = [e for e in log if e["clientGone"]]
            assert all(_t(e["start"]) < killed_at for e in orphans)
            clashes = overlaps([e for e in log if not e["clientGone"]])
            assert clashes == [], f"{len(clashes)} times a company was queried by two polls at once, e.g. " \
                f"{clashes[:2]}"
            # The survivor polled every company after the kill, the victim's stalled ones included.
            polls = await last_polls(db)
            assert all((polls[c] or killed_at) > killed_at for c in ids)
            assert stalled, "the victim had no poll in flight when killed (nothing to take over)"
            queried_after = {e["nip"] for e in log if _t(e["start"]) > killed_at + timedelta(seconds=3)}
            assert {nips[ids.index(c)] for c in stalled} <= queried_after
            assert workers[1].returncode is None and gateway.returncode is None
        finally:
            for proc in procs:
                await stop_process(proc)
            await db.dispose()
    logs = "\n".join((tmp_path / f).read_text(errors="replace") for f in ("gateway.log", "worker1.log"))
    assert "Traceback" not in logs
    # The exclusion was put to the test: jobs met a company another poll held (procrastinate logs results).
    busy = sum((tmp_path / f"worker{i}.log").read_text(errors="replace").count("Result: busy")
               for i in (0, 1))
    assert busy > 0, "no job ever found its company busy: the test did not exercise the poll lock"
    logs += (tmp_path / "worker0.log").read_text(errors="replace")
    for _, token in subjects:
        assert token not in logs


async def _busy_both(db: Database) -> dict[int, tuple[int, int | None]] | None:
    running = await doing_jobs(db)
    return running if len({worker for _, worker in running.values()}) >= 2 else None


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.timeout(120)
async def test_standby_gateway_waits_for_the_leader_and_takes_over(botapi: Any, sim: Any,
                                                                   tmp_path: Path) -> None:
    """Two ``ksef-bot run`` on one database: the second stands by (no getUpdates) until the first is
    SIGKILLed, then leads. The standby talks to its own fake Bot API server (same token), so every call
    there is known to come from it."""
    from bot.sandbox.botapi import BotApiServer, FakeBotApi

    master_key = os.urandom(32)
    standby_fake = FakeBotApi(botapi.token)
    with BotApiServer(standby_fake) as standby_server:
        async with fresh_database() as url:
            db = Database.from_url(url)
            await db.migrate()
            await db.dispose()
            env = process_env(url, sim.base_url, master_key, tmp_path)
            standby_env = {**env, "TELEGRAM_BOT_TOKEN": botapi.token,
                           "TELEGRAM_API_URL": standby_server.api_url,
                           "TELEGRAM_FILE_URL": standby_server.file_url}
            leader = await start_process(["run"], {**env, **botapi.env()}, tmp_path / "leader.log")
            standby: asyncio.subprocess.Process | None = None
            try:
                await botapi.fake.wait_until(lambda: botapi.fake.get_updates_calls >= 2, timeout=30,
                                             message="the first gateway to poll Telegram")
                standby = await start_process(["run"], standby_env, tmp_path / "standby.log")
                await standby_fake.wait_until(lambda: standby_fake.calls_of("getMe"), timeout=30,
                                              message="the second gateway to start")
                await _eventually(lambda: _logged(tmp_path / "standby.log", "standing by"), timeout=20,
                                  message="the second gateway to stand by")
                await asyncio.sleep(3)  # the standby's retries (every 2 s) must keep failing
                assert standby_fake.get_updates_calls == 0 and leader.returncode is None

                leader.send_signal(signal.SIGKILL)
                await leader.wait()
                await standby_fake.wait_until(lambda: standby_fake.get_updates_calls >= 1, timeout=30,
                                              message="the standby to take over")
                user = standby_fake.user(5001)
                await user.send_text("/start")
                await standby_fake.wait_for_bot_message(user.chat_id, timeout=20)
                assert _logged(tmp_path / "standby.log", "this process is the leader")
            finally:
                for proc in (leader, standby):
                    if proc is not None:
                        await stop_process(proc)


def _logged(log_file: Path, needle: str) -> bool:
    return log_file.exists() and needle in log_file.read_text(errors="replace")
