"""The month's figures of a company (``/miesiac``, the automatic summary, the accountant's package).

Which documents belong to a month: those whose issue date ``P_1`` falls in it (the register's
``issue_date`` column on both sides). Sales are the company's issued documents accepted in KSeF (register
columns ``state``, ``kind``), corrections included: a correction's FA(3) amounts are its differences, so
summing documents gives the month's effect. Purchases are the received invoices of the month, corrections
included, read from their stored XML with :func:`ksef.fa3.parse`. Amounts are :class:`~decimal.Decimal`;
a foreign-currency document counts in PLN by its own exchange rate (``KursWaluty``/``KursWalutyZ``, VAT by
``P_14_xW`` where given) and is listed apart when the XML gives no rate. The VAT difference is an ESTIMATE,
never a VAT return (``docs/month.md``).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from bot.pacing import Priority
from bot.services.access import require_member
from bot.services.inbox import quiet_until
from bot.services.issuing.state import InvoiceState as DocState
from bot.services.outbox import JsonObject, Kind, Outbox, json_int
from bot.services.ports import Clock
from bot.services.sales.payments import statuses
from bot.store.db import Database
from bot.store.models import Company, CompanyMember, User
from bot.store.models_inbox import InboxPrefs, ReceivedInvoice
from bot.store.models_issuing import IssuedInvoice
from ksef.fa3 import parse
from ksef.fa3.summary import InvoiceSummary
from ksef.offline import is_working_day, next_working_day
from ksef.timezone import WARSAW

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
TOP_SUPPLIERS = 5
CHART_MONTHS = 12
SEND_AT = time(9, 0)  # Warsaw time of the automatic summary on the month's first working day
# Issued and owed by the buyer: in KSeF, or legally issued offline and on its way (the receivables).
_OWED = (DocState.ACCEPTED.value, DocState.OFFLINE.value, DocState.WAITING.value, DocState.KEPT.value)
# P_12 codes in the order a VAT return lists them; anything else after them.
_RATE_ORDER = ("23", "22", "8", "7", "5", "4", "3", "0 KR", "0 WDT", "0 EX", "zw", "oo", "np I", "np II",
               "taxi", "oss", "marza")


class Side(StrEnum):
    SALE = "sale"
    PURCHASE = "purchase"


@dataclass(frozen=True)
class Money:
    """An amount in one currency."""

    currency: str
    amount: Decimal


@dataclass(frozen=True)
class RateSum:
    """Net and VAT at one rate, in PLN."""

    rate: str  # P_12 code: "23", "8", "zw", "np I"…
    label: str  # as printed: "23%", "zw."…
    net: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Doc:
    """One document of the month as stored (what the figures, the CSV and the ZIP read)."""

    side: Side
    id: int
    number: str
    ksef_number: str | None
    issue_date: date
    counterparty_nip: str | None
    counterparty_name: str
    currency: str
    correction: bool
    gross_text: str  # a purchase's gross as stored (its XML may be missing or unreadable)
    xml: bytes | None
    upo: bytes | None = None  # a sale's UPO once fetched
    mode: str = "online"  # a sale's issuing mode (its printout's codes)
    kod2_url: str | None = None


@dataclass(frozen=True)
class DocAmounts:
    """One document's amounts: in its currency, and in PLN when known (None: no rate in the XML)."""

    net: Decimal
    vat: Decimal
    gross: Decimal
    rates: tuple[RateSum, ...]  # in PLN (empty when not convertible)
    pln: tuple[Decimal, Decimal, Decimal] | None  # net, VAT, gross in PLN
    correction: bool = False  # RodzajFaktury KOR, KOR_ZAL, KOR_ROZ
    rate: Decimal | None = None  # the exchange rate used (a foreign currency)


@dataclass(frozen=True)
class SideFigures:
    """Sales or purchases of a month, in PLN."""

    documents: int = 0
    corrections: int = 0
    net: Decimal = ZERO
    vat: Decimal = ZERO
    gross: Decimal = ZERO
    rates: tuple[RateSum, ...] = ()
    converted: int = 0  # foreign-currency documents counted by their own exchange rate
    unconverted: tuple[Money, ...] = ()  # foreign-currency gross without a rate: NOT in the sums
    unreadable: int = 0  # documents whose XML is missing or does not parse: NOT in the sums


@dataclass(frozen=True)
class Supplier:
    nip: str
    name: str
    gross: Decimal  # PLN
    documents: int


@dataclass(frozen=True)
class MonthFigures:
    """What the month's summary shows."""

    company_id: int
    nip: str
    year: int
    month: int
    sales: SideFigures
    purchases: SideFigures
    receivables: tuple[Money, ...]  # unpaid sales issued up to the month's end, as they stand now
    payables: tuple[Money, ...]  # unpaid purchases issued up to the month's end, as they stand now
    suppliers: tuple[Supplier, ...]  # the largest by gross in PLN, at most TOP_SUPPLIERS

    @property
    def vat_difference(self) -> Decimal:
        """Output VAT minus input VAT of the month: an estimate (positive: to pay)."""
        return self.sales.vat - self.purchases.vat

    @property
    def empty(self) -> bool:
        return not (self.sales.documents or self.purchases.documents or self.receivables or self.payables)


@dataclass(frozen=True)
class MonthPoint:
    """One month of the chart: net sales and net purchases in PLN."""

    year: int
    month: int
    sales: Decimal
    purchases: Decimal


@dataclass(frozen=True)
class MonthDocs:
    """Every document of one month of a company, oldest first, for the accountant's package."""

    company_id: int
    nip: str
    environment: str
    year: int
    month: int
    docs: tuple[Doc, ...]


# ------------------------------------------------------------------------------------------ months

def month_range(year: int, month: int) -> tuple[date, date]:
    """The month's first day and the next month's first day."""
    return date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1)


def shift(year: int, month: int, by: int) -> tuple[int, int]:
    """The month ``by`` months after (before, when negative) ``year``/``month``."""
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def first_working_day(year: int, month: int) -> date:
    """The month's first working day (Monday–Friday, not a Polish public holiday)."""
    day = date(year, month, 1)
    return day if is_working_day(day) else next_working_day(day)


def due_month(now: datetime) -> tuple[int, int] | None:
    """The month whose automatic summary is due at ``now``: the previous one, from 09:00 (Warsaw) of this
    month's first working day to the end of the working day after it (a catch-up after downtime)."""
    local = now.astimezone(WARSAW)
    today = local.date()
    first = first_working_day(today.year, today.month)
    if today < first or today > next_working_day(first) or (today == first and local.time() < SEND_AT):
        return None
    return shift(today.year, today.month, -1)


# ------------------------------------------------------------------------------------------ amounts

def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def amounts_of(summary: InvoiceSummary) -> DocAmounts:
    """The document's amounts; a foreign currency converted by the invoice's own rate (per rate total:
    net × rate, VAT from ``P_14_xW`` when the XML gives it, else VAT × rate; rounded to grosze)."""
    net, vat, gross = summary.net_total, summary.vat_total, summary.gross_total
    correction = summary.invoice_type.startswith("KOR")
    if summary.currency == "PLN":
        rates = tuple(RateSum(r.rate, r.label, r.net, r.vat) for r in summary.totals)
        return DocAmounts(net, vat, gross, rates, (net, vat, gross), correction)
    rate = summary.exchange_rate
    if rate is None or rate <= 0:
        return DocAmounts(net, vat, gross, (), None, correction)
    converted = tuple(RateSum(r.rate, r.label, _cents(r.net * rate),
                              r.vat_pln if r.vat_pln is not None else _cents(r.vat * rate))
                      for r in summary.totals)
    net_pln = sum((r.net for r in converted), ZERO)
    vat_pln = sum((r.vat for r in converted), ZERO)
    return DocAmounts(net, vat, gross, converted, (net_pln, vat_pln, net_pln + vat_pln), correction, rate)


def read_amounts(doc: Doc) -> DocAmounts | None:
    """The amounts from the document's XML; None when it is missing or not a readable FA(3) invoice."""
    if doc.xml is None:
        return None
    try:
        return amounts_of(parse(doc.xml))
    except Exception:  # a supplier's XML may be anything: counted as unreadable, never raised
        return None


def _rate_key(rate: RateSum) -> tuple[int, str]:
    return (_RATE_ORDER.index(rate.rate) if rate.rate in _RATE_ORDER else len(_RATE_ORDER), rate.rate)


def side_figures(docs: Sequence[Doc], amounts: Sequence[DocAmounts | None]) -> SideFigures:
    """The sums of one side (``amounts`` parallel to ``docs``)."""
    net = vat = gross = ZERO
    by_rate: dict[str, list[Decimal]] = {}
    labels: dict[str, str] = {}
    unconverted: dict[str, Decimal] = defaultdict(lambda: ZERO)
    converted = unreadable = corrections = 0
    for doc, found in zip(docs, amounts, strict=True):
        corrections += found.correction if found is not None else doc.correction
        if found is None:
            unreadable += 1
            continue
        if found.pln is None:
            unconverted[doc.currency] += found.gross
            continue
        converted += doc.currency != "PLN"
        net, vat, gross = net + found.pln[0], vat + found.pln[1], gross + found.pln[2]
        for rate in found.rates:
            sums = by_rate.setdefault(rate.rate, [ZERO, ZERO])
            sums[0] += rate.net
            sums[1] += rate.vat
            labels[rate.rate] = rate.label
    rates = sorted((RateSum(code, labels[code], n, v) for code, (n, v) in by_rate.items()), key=_rate_key)
    return SideFigures(len(docs), corrections, net, vat, gross, tuple(rates),
                       converted, tuple(Money(c, a) for c, a in sorted(unconverted.items())), unreadable)


def largest_suppliers(docs: Sequence[Doc], amounts: Sequence[DocAmounts | None],
                      limit: int = TOP_SUPPLIERS) -> tuple[Supplier, ...]:
    """The suppliers with the largest gross in PLN, by NIP (documents without a PLN amount left out)."""
    gross: dict[str, Decimal] = defaultdict(lambda: ZERO)
    counts: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    for doc, found in zip(docs, amounts, strict=True):
        if found is None or found.pln is None:
            continue
        key = doc.counterparty_nip or doc.counterparty_name
        gross[key] += found.pln[2]
        counts[key] += 1
        names[key] = doc.counterparty_name or names.get(key, "")
    suppliers = sorted((Supplier(key, names[key], gross[key], counts[key]) for key in gross),
                       key=lambda s: (-s.gross, s.name, s.nip))
    return tuple(suppliers[:limit])


def _money(sums: dict[str, int]) -> tuple[Money, ...]:
    """Amounts in hundredths per currency, złoty first."""
    ordered = sorted(sums.items(), key=lambda item: (item[0] != "PLN", item[0]))
    return tuple(Money(c, Decimal(m) / 100) for c, m in ordered if m > 0)


# ------------------------------------------------------------------------------------------ outbox

@dataclass(frozen=True)
class MonthNews:
    """The automatic summary of one company's month (the chart and the text are two rows)."""

    company_id: int
    year: int
    month: int

    def to_json(self) -> JsonObject:
        return {"company_id": self.company_id, "year": self.year, "month": self.month}

    @classmethod
    def from_json(cls, data: JsonObject) -> MonthNews:
        return cls(json_int(data, "company_id"), json_int(data, "year"), json_int(data, "month"))


MONTH_SUMMARY = Kind("month.summary", MonthNews.from_json, Priority.NOTIFICATION)
MONTH_CHART = Kind("month.chart", MonthNews.from_json, Priority.NOTIFICATION)


# ------------------------------------------------------------------------------------------ the service

@dataclass
class _Loaded:
    nip: str = ""
    environment: str = ""
    sales: list[Doc] = field(default_factory=list)
    purchases: list[Doc] = field(default_factory=list)
    receivables: dict[str, int] = field(default_factory=dict)
    payables: dict[str, int] = field(default_factory=dict)


def _sale(row: IssuedInvoice) -> Doc:
    return Doc(Side.SALE, row.id, row.number, row.ksef_number, row.issue_date, row.buyer_nip,
               row.buyer_name, row.currency, row.kind != "VAT", str(Decimal(row.gross_minor) / 100), row.xml,
               row.upo, row.mode, row.kod2_url)


def _purchase(row: ReceivedInvoice, issue_date: date) -> Doc:
    # Whether it is a correction is read from its XML with the amounts (DocAmounts.correction).
    return Doc(Side.PURCHASE, row.id, row.invoice_number, row.ksef_number, issue_date, row.seller_nip,
               row.seller_name, row.currency, False, row.gross, row.xml)


class MonthService:
    """The figures, the chart's series, the package's documents and the automatic summary."""

    def __init__(self, db: Database, clock: Clock, outbox: Outbox) -> None:
        self.db, self.clock, self.outbox = db, clock, outbox

    def today(self) -> date:
        return self.clock().astimezone(WARSAW).date()

    async def _load(self, session: AsyncSession, company_id: int, start: date, end: date, *,
                    balances: bool) -> _Loaded:
        loaded = _Loaded()
        company = await session.get(Company, company_id)
        if company is not None:
            loaded.nip, loaded.environment = company.nip, company.environment
        sales = (await session.execute(
            select(IssuedInvoice).where(IssuedInvoice.company_id == company_id,
                                        IssuedInvoice.issue_date >= start, IssuedInvoice.issue_date < end,
                                        IssuedInvoice.state == DocState.ACCEPTED.value)
            .order_by(IssuedInvoice.issue_date, IssuedInvoice.id))).scalars()
        loaded.sales = [_sale(row) for row in sales]
        purchases = (await session.execute(
            select(ReceivedInvoice).where(ReceivedInvoice.company_id == company_id,
                                          ReceivedInvoice.issue_date >= start,
                                          ReceivedInvoice.issue_date < end)
            .order_by(ReceivedInvoice.issue_date, ReceivedInvoice.id))).scalars()
        loaded.purchases = [_purchase(row, row.issue_date) for row in purchases if row.issue_date is not None]
        if balances:
            loaded.receivables = await self._receivables(session, company_id, end)
            loaded.payables = await self._payables(session, company_id, end)
        return loaded

    async def _receivables(self, session: AsyncSession, company_id: int, end: date) -> dict[str, int]:
        # Only the columns the payment status reads: never the XML of every invoice ever issued.
        columns = load_only(IssuedInvoice.id, IssuedInvoice.gross_minor, IssuedInvoice.currency,
                            IssuedInvoice.due_date)
        owed = (IssuedInvoice.company_id == company_id, IssuedInvoice.issue_date < end,
                IssuedInvoice.kind != "KOR", IssuedInvoice.original_id.is_(None),
                IssuedInvoice.state.in_(_OWED))
        roots = list((await session.execute(select(IssuedInvoice).options(columns).where(*owed))).scalars())
        sums: dict[str, int] = defaultdict(int)
        for status in (await statuses(session, roots)).values():
            sums[status.currency] += status.remaining_minor
        return dict(sums)

    async def _payables(self, session: AsyncSession, company_id: int, end: date) -> dict[str, int]:
        columns = load_only(ReceivedInvoice.id, ReceivedInvoice.gross, ReceivedInvoice.currency,
                            ReceivedInvoice.paid_minor, ReceivedInvoice.paid_at)
        rows = (await session.execute(
            select(ReceivedInvoice).options(columns).where(ReceivedInvoice.company_id == company_id,
                                                           ReceivedInvoice.issue_date < end,
                                                           ReceivedInvoice.paid_at.is_(None)))).scalars()
        sums: dict[str, int] = defaultdict(int)
        for row in rows:
            sums[row.currency] += row.outstanding_minor() or 0
        return dict(sums)

    async def require_member(self, user_id: int, company_id: int) -> None:
        """AccessDenied unless the user is a member of the company (before any work is announced)."""
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)

    async def figures(self, user_id: int, company_id: int, year: int, month: int) -> MonthFigures:
        """The month's figures (AccessDenied for a non-member); XML parsed in a worker thread."""
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
        return await self.figures_of(company_id, year, month)

    async def figures_of(self, company_id: int, year: int, month: int) -> MonthFigures:
        """The month's figures without a membership check (the outbox renderer checked the member)."""
        start, end = month_range(year, month)
        async with self.db.transaction() as session:
            loaded = await self._load(session, company_id, start, end, balances=True)
        return await asyncio.to_thread(_figures, company_id, year, month, loaded)

    async def series(self, company_id: int, year: int, month: int,
                     months: int = CHART_MONTHS) -> list[MonthPoint]:
        """Net sales and purchases in PLN of the ``months`` months ending with ``year``/``month``."""
        first = shift(year, month, -(months - 1))
        start, end = month_range(*first)[0], month_range(year, month)[1]
        async with self.db.transaction() as session:
            loaded = await self._load(session, company_id, start, end, balances=False)
        return await asyncio.to_thread(_series, first, months, loaded)

    async def documents(self, user_id: int, company_id: int, year: int, month: int) -> MonthDocs:
        """Every document of the month for the accountant's package (AccessDenied for a non-member)."""
        start, end = month_range(year, month)
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            loaded = await self._load(session, company_id, start, end, balances=False)
        return MonthDocs(company_id, loaded.nip, loaded.environment, year, month,
                         tuple(loaded.sales + loaded.purchases))

    # --- the member's switch (the settings menu shows it) ----------------------------------------------
    async def month_summary(self, user_id: int, company_id: int) -> bool:
        """Whether the member gets the automatic summary of this company (default: yes)."""
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            prefs = await _prefs(session, company_id, user_id)
            return prefs is None or prefs.month_summary

    async def set_month_summary(self, user_id: int, company_id: int, enabled: bool) -> bool:
        """Switch the automatic summary on or off for this member and company; the value stored."""
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            prefs = await _prefs(session, company_id, user_id)
            if prefs is None:
                prefs = InboxPrefs(company_id=company_id, user_id=user_id)
                session.add(prefs)
            prefs.month_summary = enabled
            return enabled

    # --- the automatic summary ---------------------------------------------------------------------------
    async def queue_due(self) -> int:
        """Queue the previous month's summary for every member who wants it, once per company, member
        and month (the dedupe key); held by quiet hours, skipped when muted. The rows queued."""
        due = due_month(self.clock())
        if due is None:
            return 0
        year, month = due
        now = self.clock()
        queued = 0
        async with self.db.transaction() as session:
            rows = (await session.execute(
                select(CompanyMember.company_id, User, InboxPrefs)
                .join(User, User.id == CompanyMember.user_id)
                .outerjoin(InboxPrefs, (InboxPrefs.company_id == CompanyMember.company_id)
                           & (InboxPrefs.user_id == CompanyMember.user_id))
                .order_by(CompanyMember.company_id, CompanyMember.user_id))).all()
            for company_id, user, prefs in rows:
                if prefs is not None and (not prefs.month_summary or prefs.muted):
                    continue
                held = quiet_until(now, prefs.quiet_from, prefs.quiet_to) if prefs is not None else None
                news = MonthNews(company_id, year, month)
                key = f"{company_id}:{user.id}:{year:04d}-{month:02d}"
                for kind, prefix in ((MONTH_CHART, "month_chart"), (MONTH_SUMMARY, "month")):
                    added = await self.outbox.add(session, kind, chat_id=user.chat_id, payload=news,
                                                  user_id=user.id, company_id=company_id, not_before=held,
                                                  dedupe_key=f"{prefix}:{key}")
                    queued += added is not None
        return queued


async def _prefs(session: AsyncSession, company_id: int, user_id: int) -> InboxPrefs | None:
    return (await session.execute(select(InboxPrefs).where(
        InboxPrefs.company_id == company_id, InboxPrefs.user_id == user_id))).scalar_one_or_none()


def _figures(company_id: int, year: int, month: int, loaded: _Loaded) -> MonthFigures:
    sale_amounts = [read_amounts(d) for d in loaded.sales]
    purchase_amounts = [read_amounts(d) for d in loaded.purchases]
    return MonthFigures(company_id, loaded.nip, year, month, side_figures(loaded.sales, sale_amounts),
                        side_figures(loaded.purchases, purchase_amounts), _money(loaded.receivables),
                        _money(loaded.payables), largest_suppliers(loaded.purchases, purchase_amounts))


def _net_by_month(docs: Iterable[Doc]) -> dict[tuple[int, int], Decimal]:
    sums: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for doc in docs:
        found = read_amounts(doc)
        if found is not None and found.pln is not None:
            sums[(doc.issue_date.year, doc.issue_date.month)] += found.pln[0]
    return sums


def _series(first: tuple[int, int], months: int, loaded: _Loaded) -> list[MonthPoint]:
    sales, purchases = _net_by_month(loaded.sales), _net_by_month(loaded.purchases)
    points = []
    for index in range(months):
        key = shift(*first, index)
        points.append(MonthPoint(key[0], key[1], sales.get(key, ZERO), purchases.get(key, ZERO)))
    return points
