"""Alembic environment: runs on a connection handed in by ``bot.store.db.migrate``.

Called from the ``alembic`` command line instead, it reads ``DATABASE_URL`` like the bot.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

# Each feature module registers its tables on Base.metadata when imported.
from bot.store import models_availability, models_inbox, models_issuing, models_outbox  # noqa: F401
from bot.store.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _from_environment() -> None:
    from bot.store.db import make_engine

    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("DATABASE_URL is not set")

    async def go() -> None:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(_run)
        await engine.dispose()

    asyncio.run(go())


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    _from_environment()
