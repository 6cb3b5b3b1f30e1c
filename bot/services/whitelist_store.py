"""MF's VAT taxpayer list: today's answers and today's request count kept in the database.

MF limits the list's requests per client IP and day, and blocks the IP until midnight past the limit
(``docs/payments.md``). Every process of one deployment leaves through the same IP, so the count must
be shared, and so must the answers (a NIP looked up by one process costs nothing in another) and
survive a restart. These are the database forms of ``ksef.whitelist.WhiteListCache`` and
``ksef.whitelist.RequestBudget``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.db import Database
from bot.store.models_issuing import WhiteListAnswer, WhiteListBudget


class DbWhiteListCache:
    """Answers of the day in ``whitelist_answers``; rows of past days are dropped as new ones come."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str, today: date) -> str | None:
        """Today's raw answer under ``key``, or None."""
        async with self.db.transaction() as session:
            return (await session.execute(select(WhiteListAnswer.answer).where(
                WhiteListAnswer.key == key, WhiteListAnswer.day == today))).scalar_one_or_none()

    async def put(self, key: str, today: date, answer: str) -> None:
        """Keep ``answer`` for the rest of ``today`` (another process may have kept it first: fine)."""
        async with self.db.transaction() as session:
            await session.execute(delete(WhiteListAnswer).where(WhiteListAnswer.day < today))
            found = await session.get(WhiteListAnswer, key)
            if found is not None:
                found.day, found.answer = today, answer
                return
            try:
                async with session.begin_nested():
                    session.add(WhiteListAnswer(key=key, day=today, answer=answer))
            except IntegrityError:
                pass  # the same answer was stored by another process a moment ago


class DbRequestBudget:
    """Today's requests per method in ``whitelist_budget``; each count is one conditional UPDATE, so
    processes sharing the database never together pass the limit."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def take(self, method: str, today: date, limit: int) -> bool:
        """Count one request of ``method`` today; False (nothing counted) when the limit is reached."""
        async with self.db.transaction() as session:
            await self._start_day(session, method, today)
            counted = await session.execute(
                update(WhiteListBudget)
                .where(WhiteListBudget.method == method, WhiteListBudget.day == today,
                       WhiteListBudget.exhausted.is_(False), WhiteListBudget.used < limit)
                .values(used=WhiteListBudget.used + 1))
            return bool(getattr(counted, "rowcount", 0))

    async def exhaust(self, method: str, today: date) -> None:
        """MF refused with WL-191: no more ``method`` requests today."""
        async with self.db.transaction() as session:
            await self._start_day(session, method, today)
            await session.execute(update(WhiteListBudget).where(
                WhiteListBudget.method == method, WhiteListBudget.day == today).values(exhausted=True))

    async def used(self, method: str, today: date) -> int:
        """Requests of ``method`` counted today."""
        async with self.db.transaction() as session:
            row = await session.get(WhiteListBudget, method)
            return row.used if row is not None and row.day == today else 0

    @staticmethod
    async def _start_day(session: AsyncSession, method: str, today: date) -> None:
        # A new day starts from zero; the WHERE makes a second process's reset a no-op.
        await session.execute(update(WhiteListBudget).where(
            WhiteListBudget.method == method, WhiteListBudget.day != today).values(
            day=today, used=0, exhausted=False))
        if await session.get(WhiteListBudget, method) is None:
            try:
                async with session.begin_nested():
                    session.add(WhiteListBudget(method=method, day=today, used=0, exhausted=False))
            except IntegrityError:
                pass  # created by another process at the same moment
