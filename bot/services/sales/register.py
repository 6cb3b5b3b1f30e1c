"""The sales register: the company's issued invoices and corrections, newest first, paged, filtered by
month, buyer and state, searched by number, buyer name or NIP — all from the stored columns
(``bot.services.issuing.columns``), never from KSeF (MF asks that downloads do not serve previews).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ColumnElement, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import require_member
from bot.services.errors import ServiceError
from bot.services.issuing.columns import search_key, search_pattern
from bot.services.issuing.records import IssuedView, view_of
from bot.services.issuing.state import InvoiceState as DocState
from bot.services.sales.payments import PaymentStatus, statuses
from bot.store.db import Database
from bot.store.models_issuing import IssuedInvoice

PAGE_SIZE = 8
MAX_MONTHS = 12
MAX_BUYERS = 8


class StateFilter(StrEnum):
    """The register's state filter; the values are one letter (they travel in button data)."""

    ACCEPTED = "a"  # in KSeF
    OFFLINE = "o"  # issued offline (or held), waiting for KSeF
    REJECTED = "r"
    CORRECTION = "k"  # corrections, whatever their state

    def condition(self) -> ColumnElement[bool]:
        if self is StateFilter.ACCEPTED:
            return IssuedInvoice.state == DocState.ACCEPTED.value
        if self is StateFilter.OFFLINE:
            return IssuedInvoice.state.in_([DocState.OFFLINE.value, DocState.WAITING.value,
                                            DocState.HELD.value])
        if self is StateFilter.REJECTED:
            return IssuedInvoice.state == DocState.REJECTED.value
        return IssuedInvoice.kind == "KOR"


@dataclass(frozen=True)
class SalesQuery:
    """One view of the register: page, filters and the search text as typed."""

    page: int = 0
    month: tuple[int, int] | None = None  # (year, month)
    state: StateFilter | None = None
    buyer_nip: str | None = None
    search: str = ""

    def at(self, page: int) -> SalesQuery:
        return replace(self, page=max(0, page))

    @property
    def filtered(self) -> bool:
        return bool(self.month or self.state or self.buyer_nip or self.search)


@dataclass(frozen=True)
class SalesRow:
    """One document in a list."""

    id: int
    number: str
    kind: str
    issue_date: date
    buyer_name: str
    buyer_nip: str | None
    gross: Decimal
    currency: str
    state: DocState
    payment: PaymentStatus | None  # invoices only


@dataclass(frozen=True)
class SalesPage:
    rows: tuple[SalesRow, ...]
    total: int
    query: SalesQuery

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def has_next(self) -> bool:
        return (self.query.page + 1) * PAGE_SIZE < self.total


@dataclass(frozen=True)
class SalesCard:
    """Everything the invoice card shows, from the stored row."""

    view: IssuedView
    kind: str
    buyer_name: str
    buyer_nip: str | None
    currency: str
    net: Decimal
    vat: Decimal
    gross: Decimal
    due_date: date | None
    corrects: str | None  # a correction: the number of the document it corrects
    corrections: tuple[str, ...]  # an invoice: the numbers of its corrections (not rejected)
    payment: PaymentStatus | None  # an invoice: its payment status
    has_upo: bool

    @property
    def is_correction(self) -> bool:
        return self.kind == "KOR"


def _amount(value: int) -> Decimal:
    return Decimal(value) / 100


def _month_range(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return start, end


def _conditions(company_id: int, query: SalesQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [IssuedInvoice.company_id == company_id]
    if query.month is not None:
        start, end = _month_range(*query.month)
        conditions += [IssuedInvoice.issue_date >= start, IssuedInvoice.issue_date < end]
    if query.state is not None:
        conditions.append(query.state.condition())
    if query.buyer_nip:
        conditions.append(IssuedInvoice.buyer_nip == query.buyer_nip)
    key = search_key(query.search) if query.search else ""
    if key:
        conditions.append(IssuedInvoice.search_text.like(search_pattern(key), escape="\\"))
    return conditions


class SalesRegister:
    """Reads of the register (each in one short transaction)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def page(self, user_id: int, company_id: int, query: SalesQuery) -> SalesPage:
        """One page of the documents matching ``query`` (a page past the end shows the last one)."""
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            conditions = _conditions(company_id, query)
            total = int(await session.scalar(select(func.count()).select_from(IssuedInvoice)
                                             .where(*conditions)) or 0)
            last_page = max(0, (total - 1) // PAGE_SIZE)
            query = query.at(min(query.page, last_page))
            found = list((await session.execute(
                select(IssuedInvoice).where(*conditions)
                .order_by(IssuedInvoice.issue_date.desc(), IssuedInvoice.id.desc())
                .offset(query.page * PAGE_SIZE).limit(PAGE_SIZE))).scalars())
            paid = await statuses(session, [r for r in found if r.original_id is None and r.kind != "KOR"])
            rows = tuple(SalesRow(r.id, r.number, r.kind, r.issue_date, r.buyer_name, r.buyer_nip,
                                  _amount(r.gross_minor), r.currency, DocState(r.state), paid.get(r.id))
                         for r in found)
            return SalesPage(rows, total, query)

    async def months(self, user_id: int, company_id: int) -> list[tuple[int, int]]:
        """The months with documents, newest first (at most :data:`MAX_MONTHS`)."""
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            day = IssuedInvoice.issue_date
            year, month = extract("year", day), extract("month", day)
            rows = await session.execute(select(year, month).where(IssuedInvoice.company_id == company_id)
                                         .group_by(year, month).order_by(year.desc(), month.desc())
                                         .limit(MAX_MONTHS))
            return [(int(y), int(m)) for y, m in rows.all()]

    async def buyers(self, user_id: int, company_id: int) -> list[tuple[str, str]]:
        """(NIP, name) of the buyers invoiced most recently (at most :data:`MAX_BUYERS`)."""
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            last = func.max(IssuedInvoice.id)
            rows = await session.execute(
                select(IssuedInvoice.buyer_nip, func.max(IssuedInvoice.buyer_name))
                .where(IssuedInvoice.company_id == company_id, IssuedInvoice.buyer_nip.is_not(None))
                .group_by(IssuedInvoice.buyer_nip).order_by(last.desc()).limit(MAX_BUYERS))
            return [(str(nip), str(name)) for nip, name in rows.all()]

    async def card(self, user_id: int, invoice_id: int) -> SalesCard:
        """The card of one document; ServiceError ``invoice_unknown`` or AccessDenied."""
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            if row is None:
                raise ServiceError("invoice_unknown")
            await require_member(session, user_id, row.company_id)
            return await self._card(session, row)

    async def _card(self, session: AsyncSession, row: IssuedInvoice) -> SalesCard:
        corrects = None
        if row.corrects_id is not None:
            corrected = await session.get(IssuedInvoice, row.corrects_id)
            corrects = corrected.number if corrected is not None else None
        corrections: tuple[str, ...] = ()
        payment = None
        if row.kind != "KOR" and row.original_id is None:
            corrections = tuple((await session.execute(
                select(IssuedInvoice.number).where(IssuedInvoice.original_id == row.id,
                                                   IssuedInvoice.state != DocState.REJECTED.value)
                .order_by(IssuedInvoice.id))).scalars())
            if DocState(row.state) is not DocState.REJECTED:
                payment = (await statuses(session, [row]))[row.id]
        return SalesCard(view_of(row), row.kind, row.buyer_name, row.buyer_nip, row.currency,
                         _amount(row.net_minor), _amount(row.vat_minor), _amount(row.gross_minor),
                         row.due_date, corrects, corrections, payment, row.upo is not None)
