"""Named locks that hold across processes on PostgreSQL, the gateway's leader lock, and on SQLite the
file lock that keeps a second ``ksef-bot run`` off the same database.

Scale-out runs several worker processes and a standby gateway against one PostgreSQL database. "One
poll per company at a time" and "one process issues an invoice at a time" must hold across them, and
must not outlive a killed process. PostgreSQL session advisory locks give exactly that: the server
releases them when the holding connection goes away, so a SIGKILLed worker frees its companies at
once (no lease to wait out). On SQLite (embedded: one process) an ``asyncio.Lock`` per name is enough,
and :class:`DatabaseFileLock` makes "one process" true: an OS lock (``flock``) on ``<database>.lock``,
held for the process's life, which the kernel drops when the process ends however it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
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


class AlreadyRunningError(RuntimeError):
    """Another process already runs the bot on this SQLite database (the message says what to do)."""


def sqlite_file(db: Database) -> Path | None:
    """The SQLite database file of ``db`` (None for PostgreSQL or an in-memory database)."""
    url = make_url(str(db.engine.url))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).resolve()


class DatabaseFileLock:
    """An exclusive ``flock`` on ``<database>.lock`` beside an SQLite file, held until :meth:`release` or
    the end of the process (the kernel drops it with the process: a crash leaves no stale lock)."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock at once, or raise :class:`AlreadyRunningError` naming the holder's process id."""
        if self._fd is not None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            database = self.path.with_name(self.path.name.removesuffix(".lock"))
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise AlreadyRunningError(
                f"another ksef-bot process{who} is already running on the database {database} (it holds "
                f"{self.path}); stop it first. On SQLite one process does all the work; for several, use "
                "PostgreSQL (deploy/OPERATIONS.md, \"Scale-out\")") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # only for the message above; the lock is the flock
        self._fd = fd

    def release(self) -> None:
        """Give the lock up (a process that ends gives it up anyway)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # closing the only descriptor drops the flock


class LeaderLock:
    """Leadership of the Telegram gateway: at most one process polls Telegram (or takes the webhook) and
    drains the outbox. The lock lives on one dedicated connection for the life of the process; a standby
    retries until the leader is gone. On SQLite leadership is immediate, and a second process on the same
    database file is refused (:class:`DatabaseFileLock`): SQLite has no standby."""

    NAME = "ksef-bot:gateway-leader"

    def __init__(self, db: Database, *, retry: float = 2.0) -> None:
        self.db, self.retry = db, retry
        self.key = lock_key(f"{db.schema or ''}/{self.NAME}")
        self._conn: AsyncConnection | None = None
        self.is_leader = False
        database = sqlite_file(db)
        self._file_lock = DatabaseFileLock(database) if database is not None else None

    async def acquire(self, stop: asyncio.Event | None = None) -> bool:
        """Wait until this process leads (True) or ``stop`` is set (False)."""
        if self.db.engine.dialect.name != "postgresql":
            if self._file_lock is not None:
                self._file_lock.acquire()  # AlreadyRunningError when another process runs on this file
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
        if self._file_lock is not None:
            self._file_lock.release()  # what the kernel does when a process dies
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()

    async def release(self) -> None:
        """Give leadership up (graceful stop); a crash releases it through the closed connection."""
        conn, self._conn = self._conn, None
        self.is_leader = False
        if self._file_lock is not None:
            self._file_lock.release()
        if conn is not None:
            with contextlib.suppress(Exception):
                await _unlock(conn, self.key)
            with contextlib.suppress(Exception):
                await conn.close()
