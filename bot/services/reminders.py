"""Reminders stored as rows with a due time; a periodic tick queues what is due in the outbox (the kind
:data:`REMINDER`), marking the reminder done in the same transaction (restart-safe, told once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.outbox import JsonObject, Kind, Outbox, json_opt_str, json_str
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


@dataclass(frozen=True)
class ReminderNotice:
    """The payload of a reminder message: which reminder (``token_expiry``, ``certificate_expiry``,
    ``token_switch``, ``tokens_ended``) and what it names."""

    reminder: str
    nip: str
    until: str | None = None  # ISO date-time: the token's or certificate's end
    name: str | None = None  # certificate name
    serial: str | None = None  # certificate serial number

    @classmethod
    def of(cls, kind: str, params: dict[str, Any]) -> ReminderNotice:
        until = params.get("valid_until") or params.get("not_after")
        return cls(kind, str(params.get("nip", "")), str(until) if until else None,
                   str(params["name"]) if "name" in params else None,
                   str(params["serial"]) if "serial" in params else None)

    def to_json(self) -> JsonObject:
        return {"reminder": self.reminder, "nip": self.nip, "until": self.until, "name": self.name,
                "serial": self.serial}

    @classmethod
    def from_json(cls, data: JsonObject) -> ReminderNotice:
        return cls(json_str(data, "reminder"), json_str(data, "nip"), json_opt_str(data, "until"),
                   json_opt_str(data, "name"), json_opt_str(data, "serial"))


REMINDER = Kind("reminder", ReminderNotice.from_json)


class ReminderService:
    """Finds due reminders and queues them in the outbox (the outbox delivers them exactly once)."""

    def __init__(self, db: Database, clock: Clock, outbox: Outbox) -> None:
        self.db, self.clock, self.outbox = db, clock, outbox

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

    async def queue_due(self, limit: int = 100) -> list[DueReminder]:
        """Queue every due reminder in the outbox and mark it done, in one transaction; returns them."""
        async with self.db.transaction() as session:
            await self._notice_ended_tokens(session)
            rows = (await session.execute(
                select(Reminder, User).join(User, User.id == Reminder.user_id)
                .where(Reminder.sent_at.is_(None), Reminder.due_at <= self.clock())
                .order_by(Reminder.due_at).limit(limit))).all()
            for reminder, user in rows:
                await self.outbox.add(session, REMINDER, chat_id=user.chat_id,
                                      payload=ReminderNotice.of(reminder.kind, dict(reminder.params)),
                                      user_id=user.id, company_id=reminder.company_id,
                                      dedupe_key=f"reminder:{reminder.id}:{reminder.due_at:%Y%m%d%H%M}")
                reminder.sent_at = self.clock()
                if reminder.kind == "token_expiry":
                    await self._last_switch_reminder(session, reminder)
            return [DueReminder(r.id, u.chat_id, u.language, r.kind, dict(r.params)) for r, u in rows]

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
        ``tokens_ended`` reminder per owner with the exact steps to switch to a certificate."""
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
