"""Customers' payments of issued invoices: what is due, what the seller recorded as paid, what is overdue.

An invoice's amount due is its gross plus the gross of each of its corrections that was not rejected (a
correction's gross is the difference: negative when the buyer pays less). Payments are rows
(``sales_payments``) the seller records in the chat: the rest in one tap, or an amount typed; the
latest can be undone. Payments belong to the invoice, never to its corrections.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import require_member
from bot.services.errors import ServiceError
from bot.services.issuing.columns import minor
from bot.services.issuing.state import InvoiceState as DocState
from bot.services.ports import Clock
from bot.store.db import Database
from bot.store.models_issuing import IssuedInvoice, SalesPayment
from ksef.offline import today_in_poland

# Documents that count: everything issued or on its way, not what KSeF rejected.
_COUNTED = tuple(s.value for s in DocState if s is not DocState.REJECTED)


class PaymentState(StrEnum):
    """Where an invoice's payment stands."""

    UNPAID = "unpaid"
    PARTLY = "partly"
    PAID = "paid"
    NOTHING_DUE = "nothing_due"  # corrected to zero (or a correction giving money back)


@dataclass(frozen=True)
class PaymentStatus:
    """Amounts in hundredths of the invoice's currency."""

    invoice_id: int
    currency: str
    due_minor: int
    paid_minor: int
    last_paid_on: date | None
    due_date: date | None
    last_payment_id: int | None = None  # the newest recorded payment (what "undo" removes)

    @property
    def remaining_minor(self) -> int:
        return max(0, self.due_minor - self.paid_minor)

    @property
    def state(self) -> PaymentState:
        if self.due_minor <= 0:
            return PaymentState.NOTHING_DUE
        if self.paid_minor <= 0:
            return PaymentState.UNPAID
        return PaymentState.PAID if self.paid_minor >= self.due_minor else PaymentState.PARTLY

    @property
    def remaining(self) -> Decimal:
        return Decimal(self.remaining_minor) / 100

    @property
    def due(self) -> Decimal:
        return Decimal(self.due_minor) / 100

    @property
    def paid(self) -> Decimal:
        return Decimal(self.paid_minor) / 100


@dataclass(frozen=True)
class Recorded:
    """A payment just recorded (``payment_id`` undoes it) and the invoice's status after it."""

    payment_id: int
    amount_minor: int
    status: PaymentStatus


async def statuses(session: AsyncSession, roots: Iterable[IssuedInvoice]) -> dict[int, PaymentStatus]:
    """The payment status of each invoice (two grouped queries for any number of invoices)."""
    rows = {row.id: row for row in roots}
    if not rows:
        return {}
    ids = list(rows)
    corrected = dict((await session.execute(
        select(IssuedInvoice.original_id, func.sum(IssuedInvoice.gross_minor))
        .where(IssuedInvoice.original_id.in_(ids), IssuedInvoice.state.in_(_COUNTED))
        .group_by(IssuedInvoice.original_id))).all())
    payments = await session.execute(
        select(SalesPayment.invoice_id, func.sum(SalesPayment.amount_minor), func.max(SalesPayment.paid_on),
               func.max(SalesPayment.id))
        .where(SalesPayment.invoice_id.in_(ids)).group_by(SalesPayment.invoice_id))
    paid = {invoice: (int(total or 0), last, newest)
            for invoice, total, last, newest in payments.all()}
    result = {}
    for invoice_id, row in rows.items():
        total, last, newest = paid.get(invoice_id, (0, None, None))
        due = row.gross_minor + int(corrected.get(invoice_id) or 0)
        result[invoice_id] = PaymentStatus(invoice_id, row.currency, due, total, last, row.due_date, newest)
    return result


class PaymentService:
    """Record and undo payments; read statuses."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    def today(self) -> date:
        return today_in_poland(self.clock())

    async def _root(self, session: AsyncSession, user_id: int, invoice_id: int) -> IssuedInvoice:
        row = await session.get(IssuedInvoice, invoice_id)
        if row is None:
            raise ServiceError("invoice_unknown")
        await require_member(session, user_id, row.company_id)
        if row.original_id is not None:
            found = await session.get(IssuedInvoice, row.original_id)
            if found is None:
                raise ServiceError("invoice_unknown")
            row = found
        if DocState(row.state) is DocState.REJECTED:
            raise ServiceError("payment_rejected_invoice")
        return row

    async def status(self, user_id: int, invoice_id: int) -> PaymentStatus:
        async with self.db.transaction() as session:
            root = await self._root(session, user_id, invoice_id)
            return (await statuses(session, [root]))[root.id]

    async def mark_paid(self, user_id: int, invoice_id: int) -> Recorded:
        """The rest of the amount due paid today (one tap)."""
        return await self._record(user_id, invoice_id, None)

    async def add_payment(self, user_id: int, invoice_id: int, amount: Decimal) -> Recorded:
        """Part (or all) of the amount due paid today; more than is left is refused."""
        if amount <= 0:
            raise ServiceError("payment_not_positive")
        return await self._record(user_id, invoice_id, minor(amount))

    async def _record(self, user_id: int, invoice_id: int, amount_minor: int | None) -> Recorded:
        async with self.db.transaction() as session:
            root = await self._root(session, user_id, invoice_id)
            status = (await statuses(session, [root]))[root.id]
            if status.state is PaymentState.NOTHING_DUE:
                raise ServiceError("payment_nothing_due")
            if status.remaining_minor <= 0:
                raise ServiceError("payment_already_paid")
            if amount_minor is None:
                amount_minor = status.remaining_minor
            elif amount_minor > status.remaining_minor:
                raise ServiceError("payment_too_much", remaining_minor=status.remaining_minor,
                                   currency=status.currency)
            payment = SalesPayment(invoice_id=root.id, user_id=user_id, amount_minor=amount_minor,
                                   paid_on=self.today(), created_at=self.clock())
            session.add(payment)
            await session.flush()
            after = (await statuses(session, [root]))[root.id]
            return Recorded(payment.id, amount_minor, after)

    async def undo(self, user_id: int, invoice_id: int, payment_id: int) -> PaymentStatus:
        """Remove a recorded payment (the undo button); ``payment_unknown`` when it is gone already."""
        async with self.db.transaction() as session:
            root = await self._root(session, user_id, invoice_id)
            result = await session.execute(delete(SalesPayment).where(SalesPayment.id == payment_id,
                                                                       SalesPayment.invoice_id == root.id))
            if not getattr(result, "rowcount", 0):
                raise ServiceError("payment_unknown")
            return (await statuses(session, [root]))[root.id]
