"""An invitation link is one-use even when two people open it at the same moment (PostgreSQL, where
the two acceptances really run in parallel transactions)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.services import ServiceOptions, Services
from bot.services.errors import ServiceError
from bot.services.members import Joined
from bot.store.db import Database
from bot.store.models import CompanyMember
from bot.vault import Vault
from tests.fixtures.bot import MutableClock

try:  # SQLAlchemy 2.1 name; 2.0 calls it await_only
    from sqlalchemy.util import await_ as wait_in_greenlet
except ImportError:  # pragma: no cover
    from sqlalchemy.util import await_only as wait_in_greenlet


def _reads_invitation(statement: str) -> bool:
    return statement.lstrip().upper().startswith("SELECT") and "FROM invitations" in statement


@pytest.mark.postgres
async def test_two_simultaneous_accepts_of_one_link_do_not_both_succeed(pg_database: tuple[str, str],
                                                                         sim: Any) -> None:
    import asyncpg  # type: ignore[import-untyped]

    url, schema = pg_database
    db = Database.from_url(url, schema=schema)
    await db.migrate()
    services = Services.build(db, Vault(os.urandom(32)), ServiceOptions(environment=sim.base_url),
                              clock=MutableClock())
    nip, token = sim.create_subject()
    done = await services.connect.connect_token(1, 1, nip, token)
    payload = await services.members.invite(1, done.company_id)
    observer = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))

    # Force the race: the acceptance that reads the invitation first goes on only once the other one's
    # read has either returned (no row lock: both see the link unused) or is waiting for a lock in
    # PostgreSQL (row lock: it will see the link used once the first commits).
    readers: list[int] = []  # backend pid of each transaction that read the invitation
    second_returned = asyncio.Event()

    async def second_read_returned_or_blocked() -> None:
        while not second_returned.is_set():
            if len(readers) == 2 and await observer.fetchval(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", readers[1]):
                return
            with contextlib.suppress(TimeoutError):  # look again soon, or at once when it returns
                await asyncio.wait_for(second_returned.wait(), 0.02)

    def before(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if _reads_invitation(statement):
            readers.append(conn.connection.driver_connection.get_server_pid())

    returned: list[int] = []

    def after(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not _reads_invitation(statement):
            return
        returned.append(conn.connection.driver_connection.get_server_pid())
        if len(returned) == 1:  # the first read back: hold this transaction until the race is set up
            wait_in_greenlet(asyncio.wait_for(second_read_returned_or_blocked(), 20))
        else:
            second_returned.set()

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)
    event.listen(db.engine.sync_engine, "after_cursor_execute", after)
    try:
        outcomes = await asyncio.gather(services.members.accept(2, 2, payload),
                                        services.members.accept(3, 3, payload), return_exceptions=True)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", before)
        event.remove(db.engine.sync_engine, "after_cursor_execute", after)
        await observer.close()
    try:
        joined = [o for o in outcomes if isinstance(o, Joined)]
        refused = [o for o in outcomes if isinstance(o, ServiceError)]
        assert len(joined) == 1 and [e.code for e in refused] == ["invitation_used"], outcomes
        async with db.transaction() as session:
            members = (await session.execute(select(CompanyMember.user_id).where(
                CompanyMember.company_id == done.company_id))).scalars().all()
        assert sorted(members) == [1, 2 if outcomes[0] is joined[0] else 3]
    finally:
        await db.dispose()
