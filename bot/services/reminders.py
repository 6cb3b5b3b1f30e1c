"""Reminders stored as rows with a due time; a periodic tick sends what is due (restart-safe)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.ports import Clock
from bot.services.token_dates import LAST_SWITCH_REMINDER, TOKENS_END
from bot.store.db import Database
from bot.store.models import Company, CompanyMember, KsefToken, Reminder, User

# What the inbox poll records as ``last_error`` when KSeF refuses a token login (``ksef.errors`` names).
TOKEN_LOGIN_REFUSALS = ("InvalidTokenError", "TokenRevokedError")


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
            await self._notice_ended_tokens(session)
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
                if row.kind == "token_expiry":
                    await self._last_switch_reminder(session, row)

    async def _last_switch_reminder(self, session: AsyncSession, sent: Reminder) -> None:
        """After the 1 Dec token notice, one more "switch to a certificate" reminder just before the end
        (only while the company still logs in with a token)."""
        if self.clock() >= LAST_SWITCH_REMINDER:
            return
        token = await session.execute(select(KsefToken.id).where(KsefToken.company_id == sent.company_id))
        if token.first() is None:
            return
        await schedule_reminder(session, user_id=sent.user_id, company_id=sent.company_id,
                                kind="token_switch", due_at=LAST_SWITCH_REMINDER,
                                subject=f"switch:{sent.company_id}:{LAST_SWITCH_REMINDER:%Y-%m-%d}",
                                params=dict(sent.params))

    async def _notice_ended_tokens(self, session: AsyncSession) -> None:
        """From 1 Jan 2027, a company whose token login KSeF refused (seen by the inbox poll) gets one
        ``tokens_ended`` reminder per owner with the exact steps to switch to a certificate (issue 8)."""
        from bot.store.models_inbox import InboxSync

        now = self.clock()
        if now < TOKENS_END:
            return
        rows = await session.execute(
            select(Company.id, Company.nip, CompanyMember.user_id)
            .join(KsefToken, KsefToken.company_id == Company.id)
            .join(InboxSync, InboxSync.company_id == Company.id)
            .join(CompanyMember, CompanyMember.company_id == Company.id)
            .where(CompanyMember.role == "owner", InboxSync.last_error.in_(TOKEN_LOGIN_REFUSALS)))
        for company_id, nip, user_id in rows.all():
            subject = f"ended:{company_id}"
            known = await session.execute(select(Reminder.id).where(
                Reminder.user_id == user_id, Reminder.kind == "tokens_ended", Reminder.subject == subject))
            if known.first() is None:  # once per company; connecting a certificate removes it
                session.add(Reminder(user_id=user_id, company_id=company_id, kind="tokens_ended",
                                     subject=subject, params={"nip": nip}, due_at=now))
