"""Reminders stored as rows with a due time; a periodic tick sends what is due (restart-safe)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.ports import Clock
from bot.store.db import Database
from bot.store.models import Reminder, User


async def schedule_reminder(session: AsyncSession, *, user_id: int, company_id: int, kind: str, subject: str,
                            due_at: datetime, params: dict[str, Any]) -> None:
    """Create or move the reminder identified by (user, kind, subject); a moved one is sent again."""
    result = await session.execute(select(Reminder).where(
        Reminder.user_id == user_id, Reminder.kind == kind, Reminder.subject == subject))
    row = result.scalar_one_or_none()
    if row is None:
        session.add(Reminder(user_id=user_id, company_id=company_id, kind=kind, subject=subject,
                             params=params, due_at=due_at))
    else:
        if row.due_at != due_at:  # a new date means a new reminder; the same date is not sent twice
            row.due_at, row.sent_at = due_at, None
        row.company_id, row.params = company_id, params


@dataclass(frozen=True)
class DueReminder:
    """A reminder to send now."""

    id: int
    chat_id: int
    language: str
    kind: str
    params: dict[str, Any]


class ReminderService:
    """Finds due reminders and marks them sent (after the message went out: at-least-once)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    async def due(self, limit: int = 100) -> list[DueReminder]:
        async with self.db.transaction() as session:
            rows = await session.execute(
                select(Reminder, User).join(User, User.id == Reminder.user_id)
                .where(Reminder.sent_at.is_(None), Reminder.due_at <= self.clock())
                .order_by(Reminder.due_at).limit(limit)
            )
            return [DueReminder(r.id, u.chat_id, u.language, r.kind, dict(r.params))
                    for r, u in rows.all()]

    async def mark_sent(self, reminder_id: int) -> None:
        async with self.db.transaction() as session:
            row = await session.get(Reminder, reminder_id)
            if row is not None:
                row.sent_at = self.clock()
