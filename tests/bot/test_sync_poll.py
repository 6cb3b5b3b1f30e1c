"""The lean empty poll (docs/architecture.md#quality-bars: one read, cached login, compare-and-set cursor
write) keeps the behaviour of the full poll: a replaced token is used at once, a deleted company is "gone",
a concurrent cursor advance is "raced", and an error never moves the cursor."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from bot.services import ServiceOptions, Services
from bot.services.cert_login import KsefLogin
from bot.services.connect import token_aad
from bot.services.ports import system_clock
from bot.services.sync import SourceFactory, SyncService
from bot.store.db import Database
from bot.store.models import Company, KsefToken
from bot.store.models_inbox import InboxSync
from bot.vault import Vault
from tests.fixtures.bot import MutableClock


@pytest.fixture
def db(any_database: Database) -> Database:
    return any_database


class CountingLogins:
    """The production logins (``CertLoginService.credentials``), counted: each call decrypts."""

    def __init__(self, services: Services) -> None:
        self.inner, self.calls = services.cert_login.credentials, 0

    async def __call__(self, company_id: int) -> KsefLogin | None:
        self.calls += 1
        return await self.inner(company_id)


def _sync(services: Services, logins: CountingLogins, sources: SourceFactory | None = None, *,
          interval: float = 0) -> SyncService:
    """A sync over the production services whose logins are counted (and, optionally, another source)."""
    return SyncService(services.db, services.inbox, system_clock, logins=logins,
                       sources=sources or services.ksef_clients.for_login, interval=interval)


async def _setup(db: Database, sim: Any) -> tuple[SyncService, CountingLogins, Vault, int, str, Services]:
    vault = Vault(os.urandom(32))
    services = Services.build(db, vault, ServiceOptions(environment=sim.base_url))
    logins = CountingLogins(services)
    sync = _sync(services, logins)
    nip, token = sim.create_subject()
    async with db.transaction() as session:
        company = Company(nip=nip, environment=sim.base_url)
        session.add(company)
        await session.flush()
        session.add(KsefToken(company_id=company.id, permissions=["InvoiceRead"], status="active",
                              token_blob=vault.encrypt(token.encode(), aad=token_aad(company.id))))
        company_id = company.id
    assert await sync.due_companies() == [company_id]  # baseline cursor
    return sync, logins, vault, company_id, nip, services


async def _cursor(db: Database, company_id: int) -> str | None:
    async with db.transaction() as session:
        return (await session.execute(select(InboxSync.cursor).where(
            InboxSync.company_id == company_id))).scalar_one_or_none()


async def test_empty_polls_reuse_the_login_until_the_token_is_replaced(db: Database, sim: Any) -> None:
    sync, logins, vault, company_id, nip, services = await _setup(db, sim)
    try:
        first = await sync.poll(company_id)
        assert first.error is None and first.new_invoice_ids == ()
        client = sync.sources(company_id, sim.base_url, (await logins.inner(company_id)) or KsefLogin(nip))
        second = await sync.poll(company_id)
        assert second.error is None
        assert logins.calls == 1  # the second poll decrypted nothing
        # The token is replaced (new row): the next poll logs in with the new one, through a new client.
        new_token = sim.create_token(nip, ["InvoiceRead"])
        async with db.transaction() as session:
            await session.execute(delete(KsefToken).where(KsefToken.company_id == company_id))
            session.add(KsefToken(company_id=company_id, permissions=["InvoiceRead"], status="active",
                                  token_blob=vault.encrypt(new_token.encode(), aad=token_aad(company_id))))
        third = await sync.poll(company_id)
        assert third.error is None
        assert logins.calls == 2
        assert sync._poll_logins[company_id][1].token == new_token
        assert sync.sources(company_id, sim.base_url, KsefLogin(nip, token=new_token)) is not client
    finally:
        await services.ksef_clients.aclose()


async def test_empty_poll_advances_the_cursor_only_if_unchanged(db: Database, sim: Any) -> None:
    sync, logins, _, company_id, _, services = await _setup(db, sim)
    source_factory = sync.sources
    try:
        async with db.transaction() as session:  # as if an earlier poll had failed
            await session.execute(update(InboxSync).where(InboxSync.company_id == company_id)
                                  .values(failures=3, last_error="ConnectError"))
        assert (await sync.poll(company_id)).error is None
        async with db.transaction() as session:
            state = await session.get(InboxSync, company_id)
            assert state is not None and state.last_poll_at is not None
            assert (state.failures, state.last_error) == (0, None)
        # Another poll moves the cursor between our read and our write: ours must not overwrite it.

        def racing(company: int, environment: str, login: KsefLogin) -> Any:
            source = source_factory(company, environment, login)

            class Racing:
                async def received_since(self, cursor: str | None) -> Any:
                    batch = await source.received_since(cursor)
                    async with db.transaction() as session:
                        await session.execute(update(InboxSync).where(InboxSync.company_id == company)
                                              .values(cursor="someone-else"))
                    return batch

                async def download_invoice(self, ksef_number: str) -> bytes:
                    return await source.download_invoice(ksef_number)

            return Racing()

        assert (await _sync(services, logins, racing).poll(company_id)).error == "raced"
        assert await _cursor(db, company_id) == "someone-else"
    finally:
        await services.ksef_clients.aclose()


async def test_errors_keep_the_cursor_and_deleted_company_is_gone(db: Database, sim: Any) -> None:
    sync, _, _, company_id, _, services = await _setup(db, sim)
    try:
        assert (await sync.poll(company_id)).error is None
        cursor = await _cursor(db, company_id)
        async with db.transaction() as session:  # a cursor KSeF refuses: the poll fails, nothing moves
            await session.execute(update(InboxSync).where(InboxSync.company_id == company_id)
                                  .values(cursor="not-a-cursor"))
        failed = await sync.poll(company_id)
        assert failed.error is not None and failed.error not in ("gone", "raced")
        async with db.transaction() as session:
            state = await session.get(InboxSync, company_id)
            assert state is not None and state.cursor == "not-a-cursor" and state.failures == 1
            state.cursor = cursor
        async with db.transaction() as session:
            await session.execute(delete(Company).where(Company.id == company_id))
        assert (await sync.poll(company_id)).error == "gone"
        assert company_id not in sync._poll_logins
    finally:
        await services.ksef_clients.aclose()


async def test_a_secret_that_does_not_decrypt_backs_off_instead_of_crashing(db: Database, sim: Any) -> None:
    _, logins, _, company_id, _, services = await _setup(db, sim)
    sync = _sync(services, logins, interval=60.0)
    try:
        # The token re-encrypted under another master key: what a lost or swapped master.key leaves.
        async with db.transaction() as session:
            await session.execute(update(KsefToken).where(KsefToken.company_id == company_id).values(
                token_blob=Vault(os.urandom(32)).encrypt(b"token", aad=token_aad(company_id))))
        failed = await sync.poll(company_id)
        assert failed.error == "VaultError"
        async with db.transaction() as session:
            state = await session.get(InboxSync, company_id)
            assert state is not None and state.failures == 1 and state.last_error == "VaultError"
            first_retry = state.next_poll_at
        # Backed off: not due at the next scheduler tick (before, it raised at every tick, forever).
        assert await sync.due_companies() == []
        assert (await sync.poll(company_id)).error == "VaultError"
        async with db.transaction() as session:
            state = await session.get(InboxSync, company_id)
            assert state is not None and state.failures == 2 and state.next_poll_at > first_retry
    finally:
        await services.ksef_clients.aclose()


async def test_poll_soon_brings_the_next_poll_forward_never_back(db: Database, sim: Any) -> None:
    sync, _, _, company_id, _, services = await _setup(db, sim)
    try:
        assert (await sync.poll(company_id)).error is None
        later = system_clock() + timedelta(hours=1)
        async with db.transaction() as session:  # as after a poll with the production interval
            await session.execute(update(InboxSync).where(InboxSync.company_id == company_id)
                                  .values(next_poll_at=later))
        assert await sync.due_companies() == []
        assert await sync.poll_soon(company_id, delay=7200) is True  # later than planned: no change
        async with db.transaction() as session:
            state = await session.get(InboxSync, company_id)
            assert state is not None and state.next_poll_at == later
        assert await sync.poll_soon(company_id) is True
        assert await sync.due_companies() == [company_id]
        assert await sync.poll_soon(company_id + 1000) is False  # no such company: nothing to make due
    finally:
        await services.ksef_clients.aclose()


async def test_concurrent_empty_polls_commit_together_and_a_raced_one_is_told_apart(db: Database,
                                                                                     sim: Any) -> None:
    sync, logins, vault, first, _, services = await _setup(db, sim)
    try:
        others = []
        for _ in range(4):  # more companies, polled at the same time as the first
            nip, token = sim.create_subject()
            async with db.transaction() as session:
                company = Company(nip=nip, environment=sim.base_url)
                session.add(company)
                await session.flush()
                session.add(KsefToken(company_id=company.id, permissions=["InvoiceRead"], status="active",
                                      token_blob=vault.encrypt(token.encode(), aad=token_aad(company.id))))
                others.append(company.id)
        targets = {t.company_id: t for t in await sync.due_polls()}  # baselines, all due, one read
        assert set(targets) == {first, *others}
        raced = others[0]
        source_factory = sync.sources

        def racing(company: int, environment: str, login: KsefLogin) -> Any:
            source = source_factory(company, environment, login)

            class Racing:  # one company's cursor is moved by someone else while its poll asks KSeF
                async def received_since(self, cursor: str | None) -> Any:
                    batch = await source.received_since(cursor)
                    if company == raced:
                        async with db.transaction() as session:
                            await session.execute(update(InboxSync).where(InboxSync.company_id == company)
                                                  .values(cursor="someone-else"))
                    return batch

                async def download_invoice(self, ksef_number: str) -> bytes:
                    return await source.download_invoice(ksef_number)

            return Racing()

        concurrent = _sync(services, logins, racing)
        results = await asyncio.gather(*(concurrent.poll(i, target=targets[i]) for i in targets))
        expected = {i: "raced" if i == raced else None for i in targets}
        assert {r.company_id: r.error for r in results} == expected
        async with db.transaction() as session:
            rows = {row.company_id: row for row in (await session.execute(select(InboxSync))).scalars()}
        assert rows[raced].cursor == "someone-else" and rows[raced].last_poll_at is None  # not overwritten
        assert all(rows[i].last_poll_at is not None for i in targets if i != raced)  # written
    finally:
        await services.ksef_clients.aclose()


async def test_a_decrypted_login_is_kept_for_a_bounded_time(db: Database, sim: Any) -> None:
    _, logins, _, company_id, _, services = await _setup(db, sim)
    clock = MutableClock()
    sync = SyncService(services.db, services.inbox, clock, logins=logins,
                       sources=services.ksef_clients.for_login, interval=0, login_lifetime=timedelta(hours=1))
    try:
        assert (await sync.poll(company_id)).error is None
        assert (await sync.poll(company_id)).error is None
        assert logins.calls == 1  # reused between polls
        clock.advance(timedelta(minutes=61))
        assert (await sync.poll(company_id)).error is None
        assert logins.calls == 2  # older than its lifetime: decrypted anew
        clock.advance(timedelta(minutes=61))  # not polled meanwhile (e.g. its token was revoked)
        await sync.due_companies()
        assert company_id not in sync._poll_logins  # swept: no login stays for good
    finally:
        await services.ksef_clients.aclose()
