"""The stored issued invoices: what the chat and the background work read of one (:class:`IssuedView`),
and their reads and single-row updates (:class:`IssuedInvoices`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.companies import UnfinishedInvoice
from bot.services.errors import ServiceError
from bot.services.issuing.draft import Draft
from bot.services.issuing.state import UNFINISHED, InvoiceState
from bot.services.ports import Clock
from bot.store.db import Database
from bot.store.models_issuing import IssuedInvoice

ONLINE = "online"  # the mode of an invoice sent online; offline ones carry a ``ksef.offline.OfflineMode``


@dataclass(frozen=True)
class IssuedView:
    """One issued invoice without its XML and draft."""

    id: int
    company_id: int
    user_id: int
    chat_id: int
    language: str
    number: str
    issue_date: date
    state: InvoiceState
    mode: str
    ksef_number: str | None
    status_code: int | None
    status_text: str | None
    invoice_hash: str
    deadline: date | None
    legal_deadline: date | None
    notified_state: InvoiceState | None
    session_reference: str | None
    invoice_reference: str | None = None
    corrected_hash: str | None = None
    kod2_url: str | None = None
    system_warnings: tuple[str, ...] = ()  # KSeF's X-System-Warning codes for it, e.g. "xml-002"


def view_of(row: IssuedInvoice) -> IssuedView:
    return IssuedView(row.id, row.company_id, row.user_id, row.chat_id, row.language, row.number,
                      row.issue_date, InvoiceState(row.state), row.mode, row.ksef_number, row.status_code,
                      row.status_text, row.invoice_hash, row.deadline, row.legal_deadline,
                      InvoiceState(row.notified_state) if row.notified_state else None, row.session_reference,
                      row.invoice_reference, row.corrected_hash, row.kod2_url,
                      tuple(row.system_warnings.split(",")) if row.system_warnings else ())


class IssuedInvoices:
    """Reads and single-row updates of ``issued_invoices`` (each in its own short transaction)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    async def unfinished(self, session: AsyncSession, company_id: int) -> tuple[UnfinishedInvoice, ...]:
        """The company's invoices not yet final in KSeF, oldest first, read in the caller's transaction
        (``bot.services.companies.UnfinishedWork``: what blocks removing the company)."""
        rows = (await session.execute(
            select(IssuedInvoice.number, IssuedInvoice.state, IssuedInvoice.deadline)
            .where(IssuedInvoice.company_id == company_id, IssuedInvoice.state.in_(UNFINISHED))
            .order_by(IssuedInvoice.id))).all()
        return tuple(UnfinishedInvoice(number, state, deadline) for number, state, deadline in rows)

    async def get(self, invoice_id: int) -> IssuedView:
        """The invoice, or ServiceError ``invoice_unknown``."""
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            if row is None:
                raise ServiceError("invoice_unknown")
            return view_of(row)

    async def xml(self, invoice_id: int) -> bytes:
        """The exact bytes stored for KSeF."""
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            if row is None:
                raise ServiceError("invoice_unknown")
            return row.xml

    async def draft(self, invoice_id: int) -> Draft:
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            if row is None:
                raise ServiceError("invoice_unknown")
            return Draft.from_json(row.draft)

    async def update(self, invoice_id: int, **values: Any) -> IssuedView:
        """Set columns of one invoice (``updated_at`` too) and return it as it now is."""
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            if row is None:
                raise ServiceError("invoice_unknown")
            for key, value in values.items():
                setattr(row, key, value.value if isinstance(value, InvoiceState) else value)
            row.updated_at = self.clock()
            return view_of(row)
