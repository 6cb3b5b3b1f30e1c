"""Invoices past their due date: the day after it, the seller is told once per invoice which of them are
unpaid and how much is left, with a ready text to forward to the buyer (the bot never writes to buyers).

:meth:`OverdueService.queue` finds them, marks them told and queues the messages in the outbox in ONE
transaction, so an invoice is told once whatever crashes: one summary per seller and company
(:data:`OVERDUE_SUMMARY`, its buttons open the cards) and one forwardable reminder per invoice
(:data:`OVERDUE_REMINDER`, a text with no keyboard, so nothing of the bot is forwarded with it). Quiet
hours the seller set for the company hold the messages until they end. The messages are made when sent,
from what is stored then: an invoice paid meanwhile is left out (and a reminder for it dropped).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.pacing import Priority
from bot.services.inbox import quiet_until
from bot.services.issuing.state import InvoiceState as DocState
from bot.services.outbox import JsonObject, Kind, Outbox, json_int, json_ints
from bot.services.ports import Clock
from bot.services.sales.payments import statuses
from bot.store.db import Database
from bot.store.models import User
from bot.store.models_inbox import InboxPrefs
from bot.store.models_issuing import IssuedInvoice, SellerProfile
from ksef.offline import today_in_poland

# Issued (in KSeF or legally issued offline); a rejected or not yet sent invoice is not owed.
_OWED = (DocState.ACCEPTED.value, DocState.OFFLINE.value, DocState.WAITING.value, DocState.KEPT.value)
MAX_PER_MESSAGE = 10  # a summary lists at most this many (the rest are told the next time)


@dataclass(frozen=True)
class OverdueSummary:
    """The overdue invoices of one company told to one seller."""

    company_id: int
    invoice_ids: tuple[int, ...]

    def to_json(self) -> JsonObject:
        return {"company_id": self.company_id, "invoice_ids": list(self.invoice_ids)}

    @classmethod
    def from_json(cls, data: JsonObject) -> OverdueSummary:
        return cls(json_int(data, "company_id"), json_ints(data, "invoice_ids"))


@dataclass(frozen=True)
class OverdueReminder:
    """The ready text for the buyer of one overdue invoice."""

    invoice_id: int

    def to_json(self) -> JsonObject:
        return {"invoice_id": self.invoice_id}

    @classmethod
    def from_json(cls, data: JsonObject) -> OverdueReminder:
        return cls(json_int(data, "invoice_id"))


OVERDUE_SUMMARY = Kind("sales.overdue", OverdueSummary.from_json, Priority.NOTIFICATION)
OVERDUE_REMINDER = Kind("sales.overdue_text", OverdueReminder.from_json, Priority.NOTIFICATION)


@dataclass(frozen=True)
class OverdueInvoice:
    """One unpaid invoice past its due date, as it stands now."""

    invoice_id: int
    number: str
    buyer_name: str
    ksef_number: str | None
    issue_date: date
    due_date: date
    remaining: Decimal
    currency: str
    days_late: int
    seller_name: str
    bank_account: str | None


class OverdueService:
    """Queues the overdue messages and reads what they show (see the module docstring)."""

    def __init__(self, db: Database, clock: Clock, outbox: Outbox) -> None:
        self.db, self.clock, self.outbox = db, clock, outbox

    def today(self) -> date:
        return today_in_poland(self.clock())

    async def queue(self) -> int:
        """Tell every seller about invoices that became overdue; the number of outbox rows queued."""
        now, today = self.clock(), self.today()
        queued = 0
        async with self.db.transaction() as session:
            # The index (overdue_told_at, due_date) finds only the invoices not told yet.
            rows = list((await session.execute(
                select(IssuedInvoice).where(IssuedInvoice.overdue_told_at.is_(None),
                                            IssuedInvoice.due_date < today, IssuedInvoice.kind != "KOR",
                                            IssuedInvoice.original_id.is_(None),
                                            IssuedInvoice.state.in_(_OWED))
                .order_by(IssuedInvoice.due_date, IssuedInvoice.id))).scalars())
            if not rows:
                return 0
            paid = await statuses(session, rows)
            groups: dict[tuple[int, int], list[IssuedInvoice]] = defaultdict(list)
            for row in rows:
                if paid[row.id].remaining_minor <= 0:
                    row.overdue_told_at = now  # paid (or corrected to zero) in time: nothing to tell, ever
                elif len(groups[(row.company_id, row.user_id)]) < MAX_PER_MESSAGE:
                    row.overdue_told_at = now
                    groups[(row.company_id, row.user_id)].append(row)
            for (company_id, user_id), invoices in groups.items():
                queued += await self._queue_group(session, company_id, user_id, invoices)
        return queued

    async def _queue_group(self, session: AsyncSession, company_id: int, user_id: int,
                           invoices: list[IssuedInvoice]) -> int:
        user = await session.get(User, user_id)
        if user is None:
            return 0  # the issuer deleted their data: nobody to tell
        prefs = (await session.execute(select(InboxPrefs).where(
            InboxPrefs.company_id == company_id, InboxPrefs.user_id == user_id))).scalar_one_or_none()
        held = quiet_until(self.clock(), prefs.quiet_from, prefs.quiet_to) if prefs is not None else None
        first = invoices[0].id
        added = [await self.outbox.add(session, OVERDUE_SUMMARY, chat_id=user.chat_id,
                                       payload=OverdueSummary(company_id, tuple(i.id for i in invoices)),
                                       user_id=user_id, company_id=company_id, not_before=held,
                                       dedupe_key=f"overdue:{company_id}:{user_id}:{first}")]
        for invoice in invoices:
            added.append(await self.outbox.add(session, OVERDUE_REMINDER, chat_id=user.chat_id,
                                               payload=OverdueReminder(invoice.id), user_id=user_id,
                                               company_id=company_id, not_before=held,
                                               dedupe_key=f"overdue_text:{invoice.id}"))
        return sum(1 for a in added if a is not None)

    async def read(self, invoice_ids: tuple[int, ...]) -> list[OverdueInvoice]:
        """The invoices among ``invoice_ids`` that are still unpaid, as they stand now."""
        today = self.today()
        async with self.db.transaction() as session:
            rows = list((await session.execute(
                select(IssuedInvoice).where(IssuedInvoice.id.in_(invoice_ids))
                .order_by(IssuedInvoice.due_date, IssuedInvoice.id))).scalars())
            paid = await statuses(session, rows)
            found = []
            for row in rows:
                status = paid[row.id]
                if status.remaining_minor <= 0 or row.due_date is None:
                    continue
                profile = await session.get(SellerProfile, row.company_id)
                found.append(OverdueInvoice(
                    row.id, row.number, row.buyer_name, row.ksef_number, row.issue_date, row.due_date,
                    status.remaining, row.currency, (today - row.due_date).days,
                    profile.name if profile else "", profile.bank_account if profile else None))
            return found
