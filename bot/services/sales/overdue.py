"""Invoices past their due date: the day after it, the seller is told once per invoice which of them are
unpaid and how much is left, with a ready text to forward to the buyer (the bot never writes to buyers).

:meth:`OverdueService.collect` finds them and marks them told in the caller's transaction, the one that
also queues the message, so an invoice is told exactly once whatever crashes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.issuing.state import InvoiceState as DocState
from bot.services.sales.payments import statuses
from bot.store.models import User
from bot.store.models_issuing import IssuedInvoice, SellerProfile

# Issued (in KSeF or legally issued offline); a rejected or not yet sent invoice is not owed.
_OWED = (DocState.ACCEPTED.value, DocState.OFFLINE.value, DocState.WAITING.value, DocState.KEPT.value)
MAX_PER_MESSAGE = 10  # a message lists at most this many (the rest come the next day)


@dataclass(frozen=True)
class OverdueInvoice:
    """One unpaid invoice past its due date."""

    invoice_id: int
    number: str
    buyer_name: str
    ksef_number: str | None
    issue_date: date
    due_date: date
    remaining: Decimal
    currency: str
    days_late: int


@dataclass(frozen=True)
class OverdueNotice:
    """What one seller's chat is told about one company's overdue invoices."""

    company_id: int
    user_id: int
    chat_id: int
    language: str
    seller_name: str
    bank_account: str | None
    invoices: tuple[OverdueInvoice, ...]


class OverdueService:
    """Finds overdue invoices not told yet (see the module docstring)."""

    async def collect(self, session: AsyncSession, today: date, now: datetime) -> list[OverdueNotice]:
        """The notices due ``today``, their invoices marked told at ``now`` in ``session``."""
        rows = list((await session.execute(
            select(IssuedInvoice).where(IssuedInvoice.due_date < today,
                                        IssuedInvoice.overdue_told_at.is_(None), IssuedInvoice.kind != "KOR",
                                        IssuedInvoice.original_id.is_(None), IssuedInvoice.state.in_(_OWED))
            .order_by(IssuedInvoice.due_date, IssuedInvoice.id))).scalars())
        if not rows:
            return []
        paid = await statuses(session, rows)
        groups: dict[tuple[int, int], list[OverdueInvoice]] = defaultdict(list)
        for row in rows:
            status = paid[row.id]
            if status.remaining_minor <= 0:
                row.overdue_told_at = now  # paid (or corrected to zero) in time: nothing to tell, ever
                continue
            if len(groups[(row.company_id, row.user_id)]) >= MAX_PER_MESSAGE:
                continue
            assert row.due_date is not None
            row.overdue_told_at = now
            groups[(row.company_id, row.user_id)].append(OverdueInvoice(
                row.id, row.number, row.buyer_name, row.ksef_number, row.issue_date, row.due_date,
                status.remaining, row.currency, (today - row.due_date).days))
        notices = []
        for (company_id, user_id), invoices in groups.items():
            if not invoices:
                continue
            user = await session.get(User, user_id)
            profile = await session.get(SellerProfile, company_id)
            if user is None:
                continue
            notices.append(OverdueNotice(company_id, user_id, user.chat_id, user.language,
                                         profile.name if profile else "",
                                         profile.bank_account if profile else None, tuple(invoices)))
        return notices
