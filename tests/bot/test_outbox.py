"""The one outbox's storage: the upgrade that moves queued rows of the old tables into it (nothing lost),
and idempotent producers (a dedupe key queues once)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.services.inbox import NEW_INVOICE, InvoiceNews
from bot.services.outbox import Outbox, Status
from bot.store.db import Database, migrate
from bot.store.models_outbox import ChatCursor, OutboxRow
from tests.fixtures.bot import MutableClock, postgres_schema

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database with no schema yet (the test migrates it step by step)."""
    if request.param == "sqlite":
        db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'upgrade.sqlite'}")
        yield db
        await db.dispose()
        return
    async with postgres_schema() as (url, schema):
        db = Database.from_url(url, schema=schema)
        yield db
        await db.dispose()


async def test_upgrade_moves_queued_rows_into_the_outbox(fresh: Database) -> None:
    await migrate(fresh.engine, "0005")
    at = T0.replace(tzinfo=None)  # the old tables store naive UTC
    async with fresh.engine.begin() as conn:
        for sql in (
            "INSERT INTO users (id, chat_id, language, created_at) VALUES (7, 70, 'pl', :at)",
            "INSERT INTO companies (id, nip, environment, created_at) VALUES (3, '5260250274', 'test', :at)",
            "INSERT INTO inbox_outbox (id, company_id, user_id, chat_id, kind, invoice_ids, status, "
            "after_message_id, message_id, created_at, sent_at, params) VALUES "
            "(41, 3, 7, 70, 'invoice', '[5]', 'sent', 10, 11, :at, :at, '{}'), "
            "(42, 3, 7, 70, 'summary', '[6, 7, 8]', 'sending', 11, NULL, :at, NULL, '{\"count\": 3}'), "
            "(43, 3, 7, 70, 'invoice', '[9]', 'blocked', NULL, NULL, :at, NULL, '{}')",
            "INSERT INTO inbox_chat_cursor (chat_id, last_message_id) VALUES (70, 11)",
            "INSERT INTO availability_transitions (id, environment, from_state, to_state, at, reason, info) "
            "VALUES (2, 'test', 'AVAILABLE', 'FAILURE', :at, 'latarnia', '{}')",
            "INSERT INTO broadcast_deliveries (id, transition_id, user_id, chat_id, text, status, "
            "created_at) VALUES (1, 2, 7, 70, 'Awaria KSeF', 'pending', :at)",
        ):
            await conn.execute(text(sql), {"at": at})
    await fresh.migrate()
    async with fresh.transaction() as session:
        rows = {r.id: r for r in (await session.execute(select(OutboxRow))).scalars()}
        cursor = await session.get(ChatCursor, 70)
    assert cursor is not None and cursor.last_message_id == 11
    sent, sending, blocked = rows[41], rows[42], rows[43]
    # Inbox rows keep their ids (their buttons name them: the delivery probe stays exact) and state.
    assert (sent.kind, sent.status, sent.message_ids, sent.payload) == (
        "inbox.invoice", "sent", [11], {"invoice_ids": [5]})
    assert (sending.kind, sending.status, sending.after_message_id, sending.payload) == (
        "inbox.summary", "sending", 11, {"invoice_ids": [6, 7, 8]})
    assert blocked.status == "blocked" and blocked.created_at == T0
    [alert] = [r for r in rows.values() if r.kind == "availability.alert"]
    assert (alert.status, alert.user_id, alert.chat_id, alert.priority) == ("pending", 7, 70, 2)
    assert alert.payload == {"transition_id": 2, "text": "Awaria KSeF"}
    # New rows get ids after the copied ones.
    outbox = Outbox(fresh, MutableClock())
    async with fresh.transaction() as session:
        new = await outbox.add(session, NEW_INVOICE, chat_id=70, payload=InvoiceNews((10,)), user_id=7,
                               company_id=3)
    assert new is not None and new > 43
    async with fresh.engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(c.dialect.get_table_names(c)))
    assert not names & {"inbox_outbox", "broadcast_deliveries", "inbox_chat_cursor"}


async def test_a_dedupe_key_queues_once(any_database: Database) -> None:
    outbox = Outbox(any_database, MutableClock())
    async with any_database.transaction() as session:
        await session.execute(text("INSERT INTO users (id, chat_id, language, created_at) "
                                   "VALUES (8, 80, 'pl', CURRENT_TIMESTAMP)"))
    added = []
    for _ in range(2):  # e.g. the chat handler and the background job telling the same news
        async with any_database.transaction() as session:
            added.append(await outbox.add(session, NEW_INVOICE, chat_id=80, payload=InvoiceNews((1,)),
                                          user_id=8, dedupe_key="issued:1:accepted"))
    assert added[0] is not None and added[1] is None
    assert await outbox.counts() == {"pending": 1}
    item = await outbox.get(added[0])
    assert item is not None and item.decode(NEW_INVOICE) == InvoiceNews((1,))
    assert item.status is Status.PENDING and item.language == "pl" and item.member
