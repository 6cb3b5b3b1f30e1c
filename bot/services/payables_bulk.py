"""Overdue supplier invoices marked paid in one go, and that undone in one go.

After the paid state was introduced (and after every back-fill) the invoices found earlier all count as
unpaid, so ``/platnosci`` shows a long overdue list of invoices paid long ago. Here the user marks every
invoice of a company still unpaid with a due date before a day (the cut-off: today, "overdue today") as
paid, in three steps, each stored:

1. :meth:`BulkPayments.propose` stores a *proposal* (``payable_batches``, state "proposed") naming the
   invoices and what each had paid then: the confirmation shows exactly these.
2. :meth:`BulkPayments.apply` ("yes") applies it once: each invoice by the compare-and-set of a single
   mark (still unpaid, still the same amount paid); an invoice changed meanwhile (paid, partly paid,
   by another member) is skipped and counted. The amounts before and after are stored per invoice.
3. :meth:`BulkPayments.undo` restores exactly the invoices the batch changed, once, each by the
   compare-and-set of the single undo (still as the batch left it); one changed since is skipped.

A second press of "yes" or "undo", a proposal of another company, one older than a day: nothing
changes (``payable_bulk_stale``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from bot.services.access import require_member
from bot.services.errors import ServiceError
from bot.services.ports import Clock
from bot.store.db import Database
from bot.store.models import Company
from bot.store.models_inbox import PayableBatch, ReceivedInvoice
from ksef.offline import today_in_poland

USER_SOURCE = "user"  # as bot.services.payables.USER_SOURCE (that module imports this one)
PROPOSED, DONE, UNDONE, DROPPED = "proposed", "done", "undone", "dropped"
PROPOSAL_TTL = timedelta(days=1)  # a confirmation older than this is stale: the list has moved on
MAX_BATCH = 5000  # invoices one batch names at most (a company's backlog of years fits)


@dataclass(frozen=True)
class BatchItem:
    """One invoice of a batch: paid (grosze) before; after and whether the batch changed it."""

    invoice_id: int
    before_minor: int
    after_minor: int
    applied: bool

    def to_json(self) -> list[int]:
        return [self.invoice_id, self.before_minor, self.after_minor, int(self.applied)]

    @classmethod
    def from_json(cls, data: list[int]) -> BatchItem:
        invoice_id, before, after, applied = (int(v) for v in data)
        return cls(invoice_id, before, after, bool(applied))


@dataclass(frozen=True)
class BulkSummary:
    """A batch as the user sees it: how many invoices, what is left (or was paid) per currency, how many
    were skipped as changed meanwhile, how many have an amount that is no number."""

    batch_id: int
    company_id: int
    company_nip: str
    cutoff: date
    count: int
    totals: dict[str, Decimal]
    skipped: int = 0
    unknown: int = 0


def _summary(batch: PayableBatch, nip: str, rows: list[tuple[ReceivedInvoice, int]], skipped: int = 0
             ) -> BulkSummary:
    """``rows``: each invoice with the amount (grosze) that counts for it."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    unknown = 0
    for row, amount in rows:
        if row.gross_minor() is None:
            unknown += 1
        else:
            totals[row.currency] += Decimal(amount) / 100
    return BulkSummary(batch.id, batch.company_id, nip, batch.cutoff, len(rows), dict(totals), skipped,
                       unknown)


class BulkPayments:
    """Propose, apply and undo marking a company's overdue supplier invoices paid in one go."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    async def propose(self, user_id: int, company_id: int, cutoff: date) -> BulkSummary:
        """Store the proposal: every unpaid invoice of the company due before ``cutoff`` (at most today);
        ``payable_bulk_nothing`` when there is none."""
        today = today_in_poland(self.clock())
        if cutoff > today:  # a forged date would mark invoices not yet due
            raise ServiceError("payable_bulk_stale")
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            rows = [row for row in (await session.execute(
                select(ReceivedInvoice).options(defer(ReceivedInvoice.xml))
                .where(ReceivedInvoice.company_id == company_id, ReceivedInvoice.paid_at.is_(None),
                       ReceivedInvoice.due_date < cutoff)
                .order_by(ReceivedInvoice.due_date, ReceivedInvoice.id).limit(MAX_BATCH))).scalars()
                if row.outstanding_minor() != 0]
            if not rows:
                raise ServiceError("payable_bulk_nothing")
            items = [BatchItem(r.id, r.paid_minor or 0, r.paid_minor or 0, False).to_json() for r in rows]
            batch = PayableBatch(company_id=company_id, user_id=user_id, cutoff=cutoff, state=PROPOSED,
                                 items=items, created_at=self.clock())
            session.add(batch)
            await session.flush()
            return _summary(batch, await self._nip(session, company_id),
                            [(r, r.outstanding_minor() or 0) for r in rows])

    async def apply(self, user_id: int, batch_id: int) -> BulkSummary:
        """Mark the proposal's invoices paid (once); those changed since it was shown are skipped."""
        now = self.clock()
        async with self.db.transaction() as session:
            batch = await self._claim(session, user_id, batch_id, PROPOSED, DONE, now)
            items = [BatchItem.from_json(i) for i in batch.items]
            rows = await self._rows(session, batch.company_id, items)
            done: list[BatchItem] = []
            marked: list[tuple[ReceivedInvoice, int]] = []
            skipped = 0
            for item in items:
                row = rows.get(item.invoice_id)
                gross = row.gross_minor() if row is not None else None
                after = gross if gross is not None else item.before_minor  # unreadable: "paid", amount kept
                if row is None or (gross is not None and gross < item.before_minor):
                    changed = False
                else:
                    # The single mark's compare-and-set: still unpaid, still the amount the proposal saw.
                    changed = await self._set(session, item.invoice_id, item.before_minor,
                                              paid_at_is_none=True, paid_minor=after or None, paid_at=now,
                                              paid_source=USER_SOURCE)
                done.append(BatchItem(item.invoice_id, item.before_minor, after, changed))
                if changed and row is not None:
                    marked.append((row, after - item.before_minor))
                skipped += not changed
            batch.items, batch.done_at = [i.to_json() for i in done], now
            return _summary(batch, await self._nip(session, batch.company_id), marked, skipped)

    async def drop(self, user_id: int, batch_id: int) -> None:
        """"No" to a proposal: it can no longer be applied."""
        async with self.db.transaction() as session:
            await self._claim(session, user_id, batch_id, PROPOSED, DROPPED)

    async def undo(self, user_id: int, batch_id: int) -> BulkSummary:
        """Restore exactly the invoices the batch marked (once); one changed since is skipped."""
        async with self.db.transaction() as session:
            batch = await self._claim(session, user_id, batch_id, DONE, UNDONE)
            items = [BatchItem.from_json(i) for i in batch.items if i[3]]
            rows = await self._rows(session, batch.company_id, items)
            restored: list[tuple[ReceivedInvoice, int]] = []
            skipped = 0
            for item in items:
                # The single undo's compare-and-set: paid in full by the user, the amount the batch left.
                changed = await self._set(session, item.invoice_id, item.after_minor,
                                          paid_at_is_none=False, paid_minor=item.before_minor or None,
                                          paid_at=None, paid_source=None)
                row = rows.get(item.invoice_id)
                if changed and row is not None:
                    restored.append((row, item.after_minor - item.before_minor))
                skipped += not changed
            return _summary(batch, await self._nip(session, batch.company_id), restored, skipped)

    # --- helpers -----------------------------------------------------------------------------------

    @staticmethod
    async def _claim(session: AsyncSession, user_id: int, batch_id: int, state: str, new_state: str,
                     now: datetime | None = None) -> PayableBatch:
        """The batch, moved from ``state`` to ``new_state`` by a compare-and-set before anything else is
        written: of two presses at once (two members, a double tap) exactly one proceeds, the other
        finds the state moved on (``payable_bulk_stale``). ``now``: a proposal older than a day is stale."""
        batch = await session.get(PayableBatch, batch_id)
        if batch is None:
            raise ServiceError("payable_bulk_stale")
        await require_member(session, user_id, batch.company_id)
        if now is not None and now - batch.created_at > PROPOSAL_TTL:
            raise ServiceError("payable_bulk_stale")
        claimed = await session.execute(
            update(PayableBatch).where(PayableBatch.id == batch_id, PayableBatch.state == state)
            .values(state=new_state).execution_options(synchronize_session=False))
        if not getattr(claimed, "rowcount", 0):
            raise ServiceError("payable_bulk_stale")
        await session.refresh(batch)
        return batch

    @staticmethod
    async def _rows(session: AsyncSession, company_id: int, items: list[BatchItem]
                    ) -> dict[int, ReceivedInvoice]:
        ids = [i.invoice_id for i in items]
        found: dict[int, ReceivedInvoice] = {}
        for start in range(0, len(ids), 500):
            for row in (await session.execute(
                    select(ReceivedInvoice).options(defer(ReceivedInvoice.xml))
                    .where(ReceivedInvoice.company_id == company_id,
                           ReceivedInvoice.id.in_(ids[start:start + 500])))).scalars():
                found[row.id] = row
        return found

    @staticmethod
    async def _set(session: AsyncSession, invoice_id: int, expected_minor: int, *, paid_at_is_none: bool,
                   paid_minor: int | None, paid_at: datetime | None, paid_source: str | None) -> bool:
        """Compare-and-set of one invoice's paid state: applies only while the row still shows
        ``expected_minor`` paid and is unpaid (``paid_at_is_none``) or paid in full by the user."""
        state = (ReceivedInvoice.paid_at.is_(None) if paid_at_is_none
                 else ReceivedInvoice.paid_at.is_not(None) & (ReceivedInvoice.paid_source == USER_SOURCE))
        result = await session.execute(
            update(ReceivedInvoice)
            .where(ReceivedInvoice.id == invoice_id,
                   func.coalesce(ReceivedInvoice.paid_minor, 0) == expected_minor, state)
            .values(paid_minor=paid_minor, paid_at=paid_at, paid_source=paid_source)
            .execution_options(synchronize_session=False))
        return bool(getattr(result, "rowcount", 0))

    @staticmethod
    async def _nip(session: AsyncSession, company_id: int) -> str:
        company = await session.get(Company, company_id)
        return company.nip if company is not None else ""
