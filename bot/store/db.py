"""Engine, sessions and migrations: SQLite (aiosqlite) by default, PostgreSQL (asyncpg) with the same code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.files import private_file


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores ON DELETE CASCADE unless asked on every connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str, *, schema: str | None = None) -> AsyncEngine:
    """An async engine for ``url``; ``schema`` (PostgreSQL only) becomes the search path."""
    kwargs: dict[str, Any] = {}
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        # Created 0600 in a 0700 directory before SQLite opens it (SQLite would make it 0644, and its
        # journal files take the database file's mode).
        private_file(Path(parsed.database))
    if url.startswith("postgresql") and schema:
        kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
    if url.startswith("postgresql"):
        # Polls hold an advisory-lock connection besides their transactions (bot.store.locks).
        kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def alembic_config() -> Config:
    """Alembic configuration shipped inside the package (works from an installed wheel)."""
    ini = resources.files("bot.store") / "alembic.ini"
    cfg = Config(str(ini))
    cfg.set_main_option("script_location", str(resources.files("bot.store") / "migrations"))
    return cfg


_MIGRATE_LOCK = 0x6B73_6566_6D69_6772  # "ksefmigr": one advisory lock key for schema migrations


def _upgrade(connection: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent)."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several processes (workers, gateway) may start together on a new database: one migrates,
            # the others wait here and then find the schema up to date. Released at commit.
            from sqlalchemy import text

            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATE_LOCK})
        await conn.run_sync(_upgrade, revision)


class Database:
    """The engine plus a session factory; one per process."""

    def __init__(self, engine: AsyncEngine, schema: str | None = None) -> None:
        self.engine = engine
        self.schema = schema  # PostgreSQL schema (tests); scopes advisory lock names
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, *, schema: str | None = None) -> Database:
        return cls(make_engine(url, schema=schema), schema)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def migrate(self) -> None:
        await migrate(self.engine)

    async def dispose(self) -> None:
        await self.engine.dispose()
