"""Named locks that hold across processes on PostgreSQL, and the gateway's leader lock.

Scale-out runs several worker processes and a standby gateway against one PostgreSQL database. "One
poll per company at a time" and "one process issues an invoice at a time" must hold across them, and
must not outlive a killed process. PostgreSQL session advisory locks give exactly that: the server
releases them when the holding connection goes away, so a SIGKILLed worker frees its companies at
once (no lease to wait out). On SQLite (embedded: one process) an ``asyncio.Lock`` per name is enough.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.db import Database

log = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for ``name`` (same in every process and version)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class NamedLocks:
    """``async with locks.hold("poll:42", wait=False) as got:`` — ``got`` is False when someone else
    (this process or another) holds the name; with ``wait=True`` it waits and is always True."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.shared = db.engine.dialect.name == "postgresql"
        self._local: dict[str, asyncio.Lock] = {}

    def held_here(self, name: str) -> bool:
        """True when a task of this process holds ``name`` now."""
        lock = self._local.get(name)
        return lock is not None and lock.locked()

    @contextlib.asynccontextmanager
    async def hold(self, name: str, *, wait: bool = True) -> AsyncIterator[bool]:
        local = self._local.setdefault(name, asyncio.Lock())
        if not wait and local.locked():
            yield False
            return
        async with local:
            if not self.shared:
                yield True
                return
            async with self._advisory(name, wait=wait) as got:
                yield got

    @contextlib.asynccontextmanager
    async def _advisory(self, name: str, *, wait: bool) -> AsyncIterator[bool]:
        key = lock_key(f"{self.db.schema or ''}/{name}")
        async with self.db.engine.connect() as conn:
            if wait:
                await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                got = True
            else:
                got = bool((await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar())
            await conn.commit()  # the lock is session-level; end the implicit transaction at once
            try:
                yield got
            finally:
                if got:
                    await _unlock(conn, key)


async def _unlock(conn: AsyncConnection, key: int) -> None:
    try:
        await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        await conn.commit()
    except Exception:
        # A broken connection: the server dropped the session and its locks with it. Make sure the
        # pool does not hand this connection out again.
        log.warning("advisory unlock failed; invalidating the connection", exc_info=True)
        with contextlib.suppress(Exception):
            await conn.invalidate()


class LeaderLock:
    """Leadership of the Telegram gateway: at most one process polls Telegram (or takes the webhook) and
    drains the outbox. The lock lives on one dedicated connection for the life of the process; a standby
    retries until the leader is gone. On SQLite (one process by construction) leadership is immediate."""

    NAME = "ksef-bot:gateway-leader"

    def __init__(self, db: Database, *, retry: float = 2.0) -> None:
        self.db, self.retry = db, retry
        self.key = lock_key(f"{db.schema or ''}/{self.NAME}")
        self._conn: AsyncConnection | None = None
        self.is_leader = False

    async def acquire(self, stop: asyncio.Event | None = None) -> bool:
        """Wait until this process leads (True) or ``stop`` is set (False)."""
        if self.db.engine.dialect.name != "postgresql":
            self.is_leader = True
            return True
        announced = False
        while stop is None or not stop.is_set():
            conn = await self.db.engine.connect()
            got = bool((await conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                           {"k": self.key})).scalar())
            await conn.commit()
            if got:
                self._conn, self.is_leader = conn, True
                log.info("gateway: this process is the leader")
                return True
            await conn.close()
            if not announced:
                log.info("gateway: another process leads; standing by")
                announced = True
            await asyncio.sleep(self.retry)
        return False

    async def still_leader(self) -> bool:
        """Check the lock's connection (a lost connection means a lost lock)."""
        if self._conn is None:
            return self.is_leader
        try:
            await self._conn.execute(text("SELECT 1"))
            await self._conn.commit()
        except Exception:
            self.is_leader = False
        return self.is_leader

    async def abandon(self) -> None:
        """Drop the lock's connection without unlocking, as a crashed process would (tests)."""
        conn, self._conn = self._conn, None
        self.is_leader = False
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()

    async def release(self) -> None:
        """Give leadership up (graceful stop); a crash releases it through the closed connection."""
        conn, self._conn = self._conn, None
        self.is_leader = False
        if conn is not None:
            with contextlib.suppress(Exception):
                await _unlock(conn, self.key)
            with contextlib.suppress(Exception):
                await conn.close()
