"""Scale-out building blocks on the real PostgreSQL: cross-process locks, the gateway leader lock,
disjoint claims of due companies, and the worker runtime polling through procrastinate.

"Another process" is modelled by a second engine (its own connections, as a second process has);
tests/e2e/test_scale_out.py runs real worker processes.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from bot.config import ConfigError, load_settings
from bot.jobs import POLL_TASK, WorkerConfig, WorkerRuntime, conninfo, ensure_schema, make_app, worker_options
from bot.services import Services, open_services
from bot.services.connect import token_aad
from bot.store.db import Database
from bot.store.locks import LeaderLock, NamedLocks, lock_key
from bot.store.models import Company, CompanyMember, KsefToken, User
from bot.store.models_inbox import InboxSync, ReceivedInvoice
from bot.store.models_outbox import OutboxRow
from ksef.fa3 import build, invoice_from_dict

pytestmark = pytest.mark.postgres


@pytest.fixture
async def two_dbs(pg_database: tuple[str, str]) -> AsyncIterator[tuple[Database, Database]]:
    url, schema = pg_database
    first, second = Database.from_url(url, schema=schema), Database.from_url(url, schema=schema)
    await first.migrate()
    yield first, second
    await first.dispose()
    await second.dispose()


async def test_named_lock_excludes_other_process_and_dies_with_its_connection(
        two_dbs: tuple[Database, Database]) -> None:
    here, there = NamedLocks(two_dbs[0]), NamedLocks(two_dbs[1])
    async with here.hold("poll:7", wait=False) as got:
        assert got
        async with there.hold("poll:7", wait=False) as other:
            assert other is False  # held by the "other process"
        async with there.hold("poll:8", wait=False) as other:
            assert other is True  # another name is free
        async with here.hold("poll:7", wait=False) as same_process:
            assert same_process is False  # and in this process too
    async with there.hold("poll:7", wait=False) as other:
        assert other is True  # released on exit

    # A process that dies holding a lock: its connection goes, and the lock with it.
    entered, release = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with here.hold("poll:9", wait=False) as got:
            assert got
            entered.set()
            await release.wait()

    task = asyncio.create_task(holder())
    await entered.wait()
    key = lock_key(f"{two_dbs[0].schema}/poll:9") & 0xFFFFFFFFFFFFFFFF  # as pg_locks shows it
    async with two_dbs[1].engine.connect() as conn:
        # Only the holder of this very lock: other tests (other schemas) may hold advisory locks too.
        killed = (await conn.execute(text(
            # With a timeout pg_terminate_backend waits until the backend has exited (PostgreSQL 14+);
            # without one it only signals it, and the lock may still be held a moment later.
            "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_locks WHERE locktype = 'advisory' "
            "AND classid::bigint = :hi AND objid::bigint = :lo AND objsubid = 1"),
            {"hi": key >> 32, "lo": key & 0xFFFFFFFF})).scalar()
    assert killed == 1
    async with there.hold("poll:9", wait=False) as other:
        assert other is True
    release.set()
    await task  # the dead holder's unlock fails quietly; nothing else breaks


async def test_waiting_lock_is_granted_when_released(two_dbs: tuple[Database, Database]) -> None:
    here, there = NamedLocks(two_dbs[0]), NamedLocks(two_dbs[1])
    order: list[str] = []
    async with here.hold("issue:1") as got:
        assert got
        waiter = asyncio.create_task(_hold_and_note(there, "issue:1", order))
        await asyncio.sleep(0.3)
        assert order == []  # still waiting
        order.append("first done")
    await asyncio.wait_for(waiter, 5)
    assert order == ["first done", "second"]


async def _hold_and_note(locks: NamedLocks, name: str, order: list[str]) -> None:
    async with locks.hold(name):
        order.append("second")


async def test_leader_lock_one_gateway_at_a_time(two_dbs: tuple[Database, Database]) -> None:
    first, second = LeaderLock(two_dbs[0], retry=0.1), LeaderLock(two_dbs[1], retry=0.1)
    assert await first.acquire()
    stop = asyncio.Event()
    standby = asyncio.create_task(second.acquire(stop))
    await asyncio.sleep(0.5)
    assert not standby.done() and not second.is_leader
    await first.abandon()  # as a crash would: the connection is gone, not unlocked
    assert await asyncio.wait_for(standby, 5) is True
    assert second.is_leader and await second.still_leader()
    # A third contender gives up when asked to stop.
    third = LeaderLock(two_dbs[0], retry=0.1)
    stop.set()
    assert await third.acquire(stop) is False
    await second.release()


def _xml(buyer: str, number: str) -> bytes:
    return build(invoice_from_dict({
        "number": number, "issue_date": "2026-02-02", "currency": "PLN", "prices": "net",
        "seller": {"nip": "5265877635", "name": "Dostawca", "address": ["ul. Długa 1", "00-001 Warszawa"]},
        "buyer": {"name": "Nabywca", "nip": buyer, "address": ["ul. Krótka 2", "30-001 Kraków"]},
        "lines": [{"name": "Towar", "quantity": "1", "unit": "szt.", "unit_price": "100.00",
                   "vat_rate": "23"}],
    }))


async def _connect(services: Services, sim: Any, user_id: int) -> tuple[int, str]:
    nip, token = sim.create_subject()
    vault = services.connect.vault
    async with services.db.transaction() as session:
        company = Company(nip=nip, environment=sim.base_url,
                          created_at=datetime.now(UTC) - timedelta(minutes=1))
        session.add(company)
        await session.flush()
        session.add(User(id=user_id, chat_id=user_id))
        await session.flush()
        session.add(CompanyMember(company_id=company.id, user_id=user_id, role="owner"))
        session.add(KsefToken(company_id=company.id, token_blob=vault.encrypt(token.encode(),
                                                                             aad=token_aad(company.id)),
                              permissions=["InvoiceRead"], status="active"))
    return company.id, nip


def _settings(sim: Any) -> Any:
    return load_settings({"DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
                          "KSEFBOT_JOBS": "procrastinate", "KSEF_ENV": sim.base_url,
                          "KSEFBOT_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
                          "KSEFBOT_POLL_INTERVAL": "1"}, env_file=None)


async def test_claims_of_two_schedulers_are_disjoint(pg_database: tuple[str, str], sim: Any) -> None:
    _, schema = pg_database
    settings = _settings(sim)
    one = await open_services(settings, worker_options(settings), schema=schema)
    two = await open_services(settings, worker_options(settings), schema=schema)
    try:
        ids = [(await _connect(one, sim, 500 + n))[0] for n in range(12)]
        first, second = await asyncio.gather(one.sync.claim_due(8, 60), two.sync.claim_due(8, 60))
        assert set(first).isdisjoint(second)
        assert sorted(first + second) == sorted(ids)  # 12 due, batches of 8: nothing left out
        assert await one.sync.claim_due(50, 60) == []  # leased: not due again yet
        async with one.db.transaction() as session:
            leases = (await session.execute(select(InboxSync.next_poll_at))).scalars().all()
        assert len(leases) == 12 and min(leases) > datetime.now(UTC) + timedelta(seconds=50)
    finally:
        for services in (one, two):
            await services.db.dispose()


async def test_worker_runtime_polls_through_procrastinate(pg_database: tuple[str, str], sim: Any) -> None:
    _, schema = pg_database
    sim.set_limits({"enabled": False})
    sim.configure(hwmLagSeconds=0)
    settings = _settings(sim)
    services = await open_services(settings, worker_options(settings), schema=schema)  # polls every second
    company_id, nip = await _connect(services, sim, 900)
    runtime = WorkerRuntime(services, make_app(settings.database_url, schema=schema),
                            WorkerConfig(schedule_every=0.2, lease=5, concurrency=2))
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.run(stop))
    try:
        await _until(lambda: runtime.polled >= 1, services)  # the baseline poll
        sim.inject_invoice(_xml(nip, "W/1"))
        async def stored() -> bool:
            async with services.db.transaction() as session:
                return bool((await session.execute(select(func.count(ReceivedInvoice.id)))).scalar())
        for _ in range(100):
            if await stored():
                break
            await asyncio.sleep(0.1)
        assert await stored()
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    async with services.db.transaction() as session:
        rows = (await session.execute(select(OutboxRow.company_id, OutboxRow.kind))).all()
        jobs = (await session.execute(text(
            "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'"))).scalar()
    assert rows == [(company_id, "inbox.invoice")]  # one notification, queued for the gateway
    assert jobs == 0  # a graceful stop leaves no job half-done
    assert runtime.polled >= 2
    await services.aclose()


async def _until(predicate: Any, services: Services, seconds: float = 15.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not reached")


def test_scale_out_needs_postgresql() -> None:
    with pytest.raises(ConfigError, match="PostgreSQL"):
        load_settings({"KSEFBOT_JOBS": "procrastinate"}, env_file=None)
    with pytest.raises(ConfigError, match="KSEFBOT_JOBS"):
        load_settings({"KSEFBOT_JOBS": "celery"}, env_file=None)
    assert conninfo("postgresql+asyncpg://u:p@h:5433/db") == "postgresql://u:p@h:5433/db"


async def test_invoice_a_worker_took_is_not_sent_again_by_the_chat(pg_database: tuple[str, str],
                                                                  sim: Any) -> None:
    from datetime import date

    from bot.store.models_issuing import IssuedInvoice

    _, schema = pg_database
    settings = _settings(sim)
    # Two worker processes: their invoices are locked across processes (PostgreSQL advisory locks).
    services = await open_services(settings, worker_options(settings), schema=schema)
    other = await open_services(settings, worker_options(settings), schema=schema)
    try:
        company_id, _ = await _connect(services, sim, 77)
        assert other.issuing.locks is not None
        async with services.db.transaction() as session:
            row = IssuedInvoice(company_id=company_id, user_id=77, chat_id=77, number="FV/1/11/2026",
                                issue_date=date(2026, 11, 23), draft={}, xml=b"<Faktura/>", invoice_hash="h",
                                state="processing", mode="online")
            session.add(row)
            await session.flush()
            invoice_id = row.id
        # The confirming handler arrives after a worker moved the invoice on: it reports, never re-sends.
        view = await services.issuing.issue(invoice_id)
        assert view.state == "processing" and view.status_text is None
        # While the "other process" holds the invoice, background work here skips it.
        async with other.issuing.locks.hold(f"issue:{invoice_id}"):
            assert await services.issuing.advance(invoice_id) is False
    finally:
        for s in (services, other):
            await s.aclose()


async def test_jobs_of_dead_workers_are_cleared(pg_database: tuple[str, str], sim: Any) -> None:
    _, schema = pg_database
    settings = _settings(sim)
    services = await open_services(settings, worker_options(settings), schema=schema)
    app = make_app(settings.database_url, schema=schema)
    runtime = WorkerRuntime(services, app, WorkerConfig(stalled_after=1))
    try:
        async with app.open_async():
            await ensure_schema(app, runtime.locks)
            await ensure_schema(app, runtime.locks)  # idempotent
            await app.configure_task(POLL_TASK, queueing_lock="poll:1").defer_async(company_id=1)
            await app.configure_task(POLL_TASK, queueing_lock="poll:2").defer_async(company_id=2)
            async with services.db.transaction() as session:
                # as a SIGKILLed worker leaves it: running, its worker row pruned (worker_id NULL)
                await session.execute(text(
                    "UPDATE procrastinate_jobs SET status = 'doing' WHERE args->>'company_id' = '1'"))
            assert await runtime.clear_stalled() == 1
            assert await runtime.clear_stalled() == 0
            async with services.db.transaction() as session:
                statuses = dict((await session.execute(text(
                    "SELECT args->>'company_id', status::text FROM procrastinate_jobs"))).all())
            assert statuses == {"1": "failed", "2": "todo"}  # the queued one is untouched
    finally:
        await services.db.dispose()


def test_worker_command_refuses_the_embedded_mode(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("KSEFBOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KSEFBOT_JOBS", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(SystemExit, match="KSEFBOT_JOBS=procrastinate"):
        main(["worker"])
    monkeypatch.setenv("KSEFBOT_JOBS", "procrastinate")
    with pytest.raises(SystemExit, match="needs PostgreSQL"):
        main(["worker"])
