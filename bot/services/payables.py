"""Payables: supplier invoices the company still has to pay, the paid state the user records, and the
reminders before and on the due date.

The paid state lives on the invoice row (``received_invoices.paid_minor``, ``paid_at``, ``paid_source``):
what is left is :meth:`ReceivedInvoice.outstanding_minor`, the one definition every feature shares. The
user records a payment in one tap (the rest) or as a typed amount (part of it); either is undone by a
compare-and-set back to the amount paid before, so a second tap of "undo" (or an undo after another
payment) changes nothing. A payment the XML declared (``paid_source`` "xml") is never undone here.

Reminders (:meth:`PayablesService.queue_due`, run by an hourly job): from :data:`REMIND_FROM` (Warsaw)
on the day before the due date and on the due date, one message per member and company lists the
invoices not paid, for members with ``inbox_prefs.payment_reminders`` on who have not muted the company;
quiet hours hold the message until they end. Each (invoice, member, which reminder) is told at most
once: a row's payload names the invoices it reminds of, the ones already named in an earlier row are
left out, and the row's dedupe key is the first (invoice, which) pair it holds. An invoice found on the
day itself gets no reminder that day: its notification, which shows the due date, has just gone out.
Everything comes from the stored row (the due date the sync read from the XML), never from KSeF.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from bot.pacing import Priority
from bot.services.access import require_member
from bot.services.errors import ServiceError
from bot.services.inbox import quiet_until
from bot.services.issuing.columns import minor
from bot.services.outbox import JsonObject, Kind, Outbox, json_int, json_ints, json_opt_date
from bot.services.payables_bulk import BulkPayments
from bot.services.ports import Clock
from bot.store.db import Database
from bot.store.models import Company, CompanyMember, User
from bot.store.models_inbox import InboxPrefs, ReceivedInvoice
from bot.store.models_outbox import OutboxRow
from ksef.offline import today_in_poland
from ksef.timezone import WARSAW

REMIND_FROM = time(8, 0)  # reminders go out from this hour of the day (Warsaw): never at night
MAX_PER_MESSAGE = 500  # invoices one reminder's payload names at most (the message shows what fits)
_NO_XML = defer(ReceivedInvoice.xml)  # lists and reminders never need the invoice's XML
_ATTEMPTS = 5  # compare-and-set rounds of one payment against others recorded at the same moment
_IN_CHUNK = 500  # company ids per IN (...) list
_LOOKBACK = timedelta(days=3)  # earlier reminder rows looked at (an invoice is a candidate on 2 days)
USER_SOURCE = "user"


class Which(StrEnum):
    """Which reminder of a due date."""

    BEFORE = "before"  # the day before
    DAY = "day"  # on the day


@dataclass(frozen=True)
class PayablesDue:
    """The payload of a reminder: the invoices of one company due tomorrow and today, as of ``day``."""

    company_id: int
    day: date
    due_today: tuple[int, ...]
    due_tomorrow: tuple[int, ...]

    def to_json(self) -> JsonObject:
        return {"company_id": self.company_id, "day": self.day.isoformat(), "due_today": list(self.due_today),
                "due_tomorrow": list(self.due_tomorrow)}

    @classmethod
    def from_json(cls, data: JsonObject) -> PayablesDue:
        day = json_opt_date(data, "day")
        if day is None:
            raise ValueError("a payables reminder without its day")
        return cls(json_int(data, "company_id"), day, json_ints(data, "due_today"),
                   json_ints(data, "due_tomorrow"))

    def pairs(self) -> set[tuple[int, Which]]:
        return {(i, Which.DAY) for i in self.due_today} | {(i, Which.BEFORE) for i in self.due_tomorrow}


PAYABLES_DUE = Kind("payables.due", PayablesDue.from_json, Priority.NOTIFICATION)


@dataclass(frozen=True)
class Payable:
    """A supplier invoice as far as paying it goes; amounts in minor units of its currency."""

    invoice_id: int
    company_id: int
    company_nip: str
    seller_name: str
    seller_nip: str
    invoice_number: str
    currency: str
    due_date: date | None
    gross_minor: int | None  # None: the stored amount is not a number
    paid_minor: int
    left_minor: int | None  # what is left; 0 once paid
    days_late: int  # days past the due date (0 when not overdue)

    @property
    def left(self) -> Decimal | None:
        return None if self.left_minor is None else Decimal(self.left_minor) / 100

    @property
    def overdue(self) -> bool:
        return self.days_late > 0


@dataclass(frozen=True)
class Marked:
    """A payment just recorded: the amount, the paid amount before it (what undo restores) and after."""

    amount_minor: int
    before_minor: int
    payable: Payable

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_minor) / 100

    @property
    def full(self) -> bool:
        return self.payable.left_minor == 0


@dataclass(frozen=True)
class PayablesList:
    """The unpaid invoices of a company, by due date (overdue first, no due date last)."""

    company_id: int
    company_nip: str
    items: tuple[Payable, ...]
    overdue_count: int
    reminders_on: bool

    def totals(self) -> dict[str, Decimal]:
        """What is left to pay in all, per currency (amounts that are no number left out)."""
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for item in self.items:
            if item.left is not None:
                sums[item.currency] += item.left
        return dict(sums)


def _payable(row: ReceivedInvoice, nip: str, today: date) -> Payable:
    left = row.outstanding_minor()
    late = (today - row.due_date).days if row.due_date is not None and left else 0
    return Payable(row.id, row.company_id, nip, row.seller_name, row.seller_nip, row.invoice_number,
                   row.currency, row.due_date, row.gross_minor(), row.paid_minor or 0, left, max(late, 0))


def _unpaid(row: ReceivedInvoice) -> bool:
    left = row.outstanding_minor()
    return left is None or left > 0  # an unreadable amount is still a bill to pay


class PayablesService:
    """Record and undo payments of supplier invoices, list what is unpaid, queue due-date reminders."""

    def __init__(self, db: Database, clock: Clock, outbox: Outbox) -> None:
        self.db, self.clock, self.outbox = db, clock, outbox
        self.bulk = BulkPayments(db, clock)  # overdue invoices marked paid in one go

    def today(self) -> date:
        return today_in_poland(self.clock())

    # --- one invoice -------------------------------------------------------------------------------

    async def _row(self, session: AsyncSession, user_id: int, invoice_id: int, *,
                   lock: bool = False) -> tuple[ReceivedInvoice, str]:
        # ``lock``: two members paying one invoice at once are applied one after the other (PostgreSQL's
        # row lock; SQLite runs one writing transaction at a time anyway), so no payment is lost.
        row = await session.get(ReceivedInvoice, invoice_id, with_for_update=lock, populate_existing=True)
        if row is None:
            raise ServiceError("payable_unknown")
        await require_member(session, user_id, row.company_id)
        company = await session.get(Company, row.company_id)
        return row, company.nip if company is not None else ""

    async def get(self, user_id: int, invoice_id: int) -> Payable:
        """One supplier invoice of a company the user is a member of."""
        async with self.db.transaction() as session:
            row, nip = await self._row(session, user_id, invoice_id)
            return _payable(row, nip, self.today())

    async def mark_paid(self, user_id: int, invoice_id: int) -> Marked:
        """The rest paid (one tap); ``payable_already_paid`` when nothing is left."""
        return await self._record(user_id, invoice_id, None)

    async def add_payment(self, user_id: int, invoice_id: int, amount: Decimal) -> Marked:
        """Part (or all) of what is left paid; more than is left is refused (``payable_too_much``)."""
        if amount <= 0:
            raise ServiceError("payment_not_positive")
        return await self._record(user_id, invoice_id, minor(amount))

    async def _record(self, user_id: int, invoice_id: int, amount_minor: int | None) -> Marked:
        now = self.clock()
        async with self.db.transaction() as session:
            for _ in range(_ATTEMPTS):
                row, nip = await self._row(session, user_id, invoice_id, lock=True)
                left = row.outstanding_minor()
                if left == 0:
                    raise ServiceError("payable_already_paid")
                before = row.paid_minor or 0
                if left is None:  # the stored amount is not a number: only "paid in full" can be recorded
                    if amount_minor is not None:
                        raise ServiceError("payable_amount_unknown")
                    paid, full, recorded = row.paid_minor, True, 0
                else:
                    recorded = left if amount_minor is None else amount_minor
                    if recorded > left:
                        raise ServiceError("payable_too_much", left_minor=left, currency=row.currency)
                    paid, full = before + recorded, recorded == left
                if await self._set_paid(session, row, before, paid, now if full else None):
                    return Marked(recorded, before, _payable(row, nip, self.today()))
            raise ServiceError("payable_busy")

    @staticmethod
    async def _set_paid(session: AsyncSession, row: ReceivedInvoice, before: int, paid: int | None,
                        paid_at: datetime | None) -> bool:
        """Compare-and-set: the new paid state only if the row still shows ``before`` paid and not paid in
        full (else another payment came first: False, and the caller reads the row again)."""
        result = await session.execute(
            update(ReceivedInvoice)
            .where(ReceivedInvoice.id == row.id, func.coalesce(ReceivedInvoice.paid_minor, 0) == before,
                   ReceivedInvoice.paid_at.is_(None))
            .values(paid_minor=paid, paid_at=paid_at, paid_source=USER_SOURCE if paid_at else None)
            .execution_options(synchronize_session=False))
        if not getattr(result, "rowcount", 0):
            return False
        await session.refresh(row)
        return True

    async def undo(self, user_id: int, invoice_id: int, before_minor: int, after_minor: int) -> Payable:
        """Back to ``before_minor`` paid, if the invoice stands exactly as that payment left it
        (``after_minor`` paid, by the user); else ``payable_undo_stale`` and nothing changes."""
        if before_minor > after_minor:
            raise ServiceError("payable_undo_stale")
        async with self.db.transaction() as session:
            row, nip = await self._row(session, user_id, invoice_id, lock=True)
            # Only what the user recorded (an invoice paid by the XML stays paid), and only once: the
            # update applies while the row still shows the payment being undone.
            changed = await session.execute(
                update(ReceivedInvoice)
                .where(ReceivedInvoice.id == row.id,
                       func.coalesce(ReceivedInvoice.paid_minor, 0) == after_minor,
                       or_(ReceivedInvoice.paid_source.is_(None), ReceivedInvoice.paid_source == USER_SOURCE),
                       ReceivedInvoice.paid_at.is_not(None) if before_minor == after_minor else true())
                .values(paid_minor=before_minor or None, paid_at=None, paid_source=None)
                .execution_options(synchronize_session=False))
            if not getattr(changed, "rowcount", 0):
                raise ServiceError("payable_undo_stale")
            await session.refresh(row)
            return _payable(row, nip, self.today())

    # --- the list ----------------------------------------------------------------------------------

    async def unpaid(self, user_id: int, company_id: int) -> PayablesList:
        """The company's unpaid supplier invoices by due date: overdue first, those without one last."""
        today = self.today()
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            company = await session.get(Company, company_id)
            nip = company.nip if company is not None else ""
            rows = (await session.execute(
                select(ReceivedInvoice).options(_NO_XML)
                .where(ReceivedInvoice.company_id == company_id, ReceivedInvoice.paid_at.is_(None))
                .order_by(ReceivedInvoice.due_date.is_(None), ReceivedInvoice.due_date, ReceivedInvoice.id)
            )).scalars()
            items = tuple(_payable(r, nip, today) for r in rows if _unpaid(r))
            prefs = await self._prefs(session, company_id, user_id, create=False)
            return PayablesList(company_id, nip, items, sum(1 for i in items if i.overdue),
                                prefs.payment_reminders if prefs is not None else True)

    async def reminded(self, invoice_ids: tuple[int, ...]) -> list[Payable]:
        """The invoices among ``invoice_ids`` still not paid, as they stand now (a reminder's rendering)."""
        if not invoice_ids:
            return []
        today = self.today()
        async with self.db.transaction() as session:
            rows = (await session.execute(select(ReceivedInvoice, Company.nip).options(_NO_XML)
                                          .join(Company, Company.id == ReceivedInvoice.company_id)
                                          .where(ReceivedInvoice.id.in_(invoice_ids))
                                          .order_by(ReceivedInvoice.due_date, ReceivedInvoice.id))).all()
            return [_payable(r, nip, today) for r, nip in rows if _unpaid(r)]

    # --- the setting -------------------------------------------------------------------------------

    @staticmethod
    async def _prefs(session: AsyncSession, company_id: int, user_id: int, *,
                     create: bool) -> InboxPrefs | None:
        found = (await session.execute(select(InboxPrefs).where(
            InboxPrefs.company_id == company_id, InboxPrefs.user_id == user_id))).scalar_one_or_none()
        if found is None and create:
            found = InboxPrefs(company_id=company_id, user_id=user_id, muted=False, paused=False,
                               payment_reminders=True, month_summary=True)
            session.add(found)
            await session.flush()
        return found

    async def payment_reminders(self, user_id: int, company_id: int) -> bool:
        """Whether this member gets due-date reminders for this company (on unless turned off)."""
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            prefs = await self._prefs(session, company_id, user_id, create=False)
            return prefs.payment_reminders if prefs is not None else True

    async def set_payment_reminders(self, user_id: int, company_id: int, on: bool) -> None:
        """Turn this member's due-date reminders for this company on or off."""
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            prefs = await self._prefs(session, company_id, user_id, create=True)
            assert prefs is not None
            prefs.payment_reminders = on

    # --- reminders ---------------------------------------------------------------------------------

    async def queue_due(self) -> int:
        """Queue the reminders due now (see the module docstring); the number of outbox rows added."""
        now = self.clock()
        local = now.astimezone(WARSAW)
        if local.time() < REMIND_FROM:
            return 0
        today = local.date()
        tomorrow = today + timedelta(days=1)
        # The found day: an invoice found today was just announced with its due date.
        start_of_today = datetime.combine(today, time(0), tzinfo=WARSAW)
        queued = 0
        async with self.db.transaction() as session:
            # By company and due date: the index (company_id, due_date) answers each chunk of companies
            # with a few index lookups, however many invoices the table holds.
            companies = list((await session.execute(select(Company.id).order_by(Company.id))).scalars())
            by_company: dict[int, list[ReceivedInvoice]] = defaultdict(list)
            for start in range(0, len(companies), _IN_CHUNK):
                found = (await session.execute(select(ReceivedInvoice).options(_NO_XML).where(
                    ReceivedInvoice.company_id.in_(companies[start:start + _IN_CHUNK]),
                    ReceivedInvoice.due_date.in_((today, tomorrow)), ReceivedInvoice.paid_at.is_(None),
                    ReceivedInvoice.found_at < start_of_today)
                    .order_by(ReceivedInvoice.company_id, ReceivedInvoice.due_date, ReceivedInvoice.id)
                )).scalars()
                for row in found:
                    if _unpaid(row):
                        by_company[row.company_id].append(row)
            for company_id, invoices in by_company.items():
                queued += await self._queue_company(session, company_id, invoices, today, now)
        return queued

    async def _queue_company(self, session: AsyncSession, company_id: int, invoices: list[ReceivedInvoice],
                             today: date, now: datetime) -> int:
        members = (await session.execute(
            select(CompanyMember.user_id, User.chat_id, InboxPrefs)
            .join(User, User.id == CompanyMember.user_id)
            .outerjoin(InboxPrefs, (InboxPrefs.company_id == company_id) & (InboxPrefs.user_id == User.id))
            .where(CompanyMember.company_id == company_id))).all()
        queued = 0
        for user_id, chat_id, prefs in members:
            if prefs is not None and (not prefs.payment_reminders or prefs.muted or prefs.paused):
                continue
            told = await self._told(session, user_id, company_id, now)
            pairs = [(row.id, Which.DAY if row.due_date == today else Which.BEFORE) for row in invoices]
            fresh = [pair for pair in pairs if pair not in told][:MAX_PER_MESSAGE]
            if not fresh:
                continue
            payload = PayablesDue(company_id, today,
                                  tuple(i for i, which in fresh if which is Which.DAY),
                                  tuple(i for i, which in fresh if which is Which.BEFORE))
            held = quiet_until(now, prefs.quiet_from, prefs.quiet_to) if prefs is not None else None
            first_id, first_which = fresh[0]
            added = await self.outbox.add(session, PAYABLES_DUE, chat_id=chat_id, payload=payload,
                                          user_id=user_id, company_id=company_id, not_before=held,
                                          dedupe_key=f"payables.due:{first_id}:{user_id}:{first_which.value}",
                                          created_at=now)
            queued += added is not None
        return queued

    async def _told(self, session: AsyncSession, user_id: int, company_id: int,
                    now: datetime) -> set[tuple[int, Which]]:
        """The (invoice, which) pairs already in this member's reminder rows of the last days."""
        payloads = (await session.execute(select(OutboxRow.payload).where(
            OutboxRow.kind == PAYABLES_DUE.name, OutboxRow.user_id == user_id,
            OutboxRow.company_id == company_id, OutboxRow.created_at >= now - _LOOKBACK))).scalars()
        told: set[tuple[int, Which]] = set()
        for payload in payloads:
            told |= PayablesDue.from_json(payload).pairs()
        return told
