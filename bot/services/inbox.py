"""The purchase-invoice inbox in the database: storing found invoices with their notifications (outbox
rows of the kinds :data:`NEW_INVOICE` and :data:`INVOICE_SUMMARY`) in one transaction, listing, and
per-member preferences (mute, quiet hours, paused while the bot is blocked)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import require_member
from bot.services.outbox import JsonObject, Kind, Outbox, Status, json_ints
from bot.services.ports import Clock
from bot.store.db import Database
from bot.store.models import Company, CompanyMember, User
from bot.store.models_inbox import InboxPrefs, ReceivedInvoice
from bot.store.models_outbox import OutboxRow
from ksef.fa3.due import PayingFacts
from ksef.timezone import WARSAW

SINGLE_LIMIT = 10  # more new invoices than this in one poll become one summary message per chat
REQUEUE_DAYS = 7  # on return after blocking the bot, missed invoices this recent are sent again
_IN_CHUNK = 500  # bound on IN (...) lists (SQLite allows 32 766 variables, PostgreSQL more)


@dataclass(frozen=True)
class FoundInvoice:
    """What the poller learnt about one invoice (from the metadata, and the XML when downloaded)."""

    ksef_number: str
    seller_nip: str
    seller_name: str
    invoice_number: str
    issue_date: date | None
    gross: str
    currency: str
    stored_at: datetime | None
    due_date: date | None = None
    bank_account: str | None = None
    xml: bytes | None = None
    # What paying needs, from the XML (``ksef.fa3.due.paying_facts``):
    split_payment: bool = False
    bank_accounts: tuple[str, ...] = ()
    payment_method: str | None = None  # FormaPlatnosci code
    paid: bool = False  # Zaplacono = 1: stored as paid in full (paid_source "xml")
    paid_date: date | None = None  # DataZaplaty
    paid_so_far: Decimal | None = None  # the parts paid before the invoice was issued (ZaplataCzesciowa)


@dataclass(frozen=True)
class InvoiceView:
    """A stored invoice for display."""

    id: int
    company_id: int
    company_nip: str
    ksef_number: str
    seller_nip: str
    seller_name: str
    invoice_number: str
    issue_date: date | None
    gross: str
    currency: str
    due_date: date | None
    bank_account: str | None
    has_xml: bool
    environment: str
    split_payment: bool = False
    bank_accounts: tuple[str, ...] = ()
    payment_method: str | None = None
    paid: bool = False  # paid in full (by the XML's Zaplacono, or marked by the user)
    paid_source: str | None = None  # "xml" | "user"
    outstanding_minor: int | None = None  # what is left to pay, in grosze (ReceivedInvoice.outstanding_minor)


@dataclass(frozen=True)
class InvoiceNews:
    """The payload of an inbox notification: the invoices it announces (one, or a summary of several)."""

    invoice_ids: tuple[int, ...]

    def to_json(self) -> JsonObject:
        return {"invoice_ids": list(self.invoice_ids)}

    @classmethod
    def from_json(cls, data: JsonObject) -> InvoiceNews:
        return cls(json_ints(data, "invoice_ids"))


NEW_INVOICE = Kind("inbox.invoice", InvoiceNews.from_json)  # one invoice, in full
INVOICE_SUMMARY = Kind("inbox.summary", InvoiceNews.from_json)  # several at once, one line each
INBOX_KINDS = (NEW_INVOICE.name, INVOICE_SUMMARY.name)


@dataclass(frozen=True)
class NewsView:
    """An inbox notification with what is needed to render it."""

    company_nip: str
    invoices: tuple[InvoiceView, ...]
    total_count: int


def _view(inv: ReceivedInvoice, company: Company) -> InvoiceView:
    return InvoiceView(inv.id, inv.company_id, company.nip, inv.ksef_number, inv.seller_nip, inv.seller_name,
                       inv.invoice_number, inv.issue_date, inv.gross, inv.currency, inv.due_date,
                       inv.bank_account, inv.xml is not None, company.environment,
                       bool(inv.split_payment), tuple(inv.bank_accounts or ()), inv.payment_method,
                       inv.paid_at is not None, inv.paid_source, inv.outstanding_minor())


def _paid_by_xml(inv: ReceivedInvoice, paid: bool, paid_date: date | None, paid_so_far: Decimal | None,
                 now: datetime) -> None:
    """What the supplier wrote about payment: ``Zaplacono=1`` (or parts paying it in full) makes the invoice
    paid on ``DataZaplaty`` / the last part's day (noon, Warsaw; now when no day is given), with
    ``paid_source`` "xml"; parts paid before issue (``ZaplataCzesciowa``) fill ``paid_minor``."""
    gross = inv.gross_minor()
    so_far = int((paid_so_far * 100).to_integral_value(ROUND_HALF_UP)) if paid_so_far is not None else None
    if not paid and not (so_far is not None and gross is not None and 0 < gross <= so_far):
        if so_far is not None and so_far > 0:
            inv.paid_minor = so_far
        return
    inv.paid_minor = gross if gross is not None else so_far
    inv.paid_at = datetime.combine(paid_date, time(12), tzinfo=WARSAW).astimezone(now.tzinfo) \
        if paid_date is not None else now
    inv.paid_source = "xml"


def quiet_until(now: datetime, quiet_from: int | None, quiet_to: int | None) -> datetime | None:
    """The end of the quiet period ``now`` falls in (Warsaw wall clock), or None outside it."""
    if quiet_from is None or quiet_to is None or quiet_from == quiet_to:
        return None
    local = now.astimezone(WARSAW)
    minute = local.hour * 60 + local.minute
    inside = (quiet_from <= minute < quiet_to) if quiet_from < quiet_to \
        else (minute >= quiet_from or minute < quiet_to)
    if not inside:
        return None
    end_day = local.date() if minute < quiet_to else local.date() + timedelta(days=1)
    end = datetime.combine(end_day, time(quiet_to // 60, quiet_to % 60), tzinfo=WARSAW)
    return end.astimezone(now.tzinfo)


class InboxService:
    """Database side of the inbox; no KSeF and no Telegram here."""

    def __init__(self, db: Database, clock: Clock, outbox: Outbox) -> None:
        self.db, self.clock, self.outbox = db, clock, outbox

    # --- storing what a poll found ----------------------------------------------------------------

    async def store_found(self, session: AsyncSession, company_id: int,
                          found: Sequence[FoundInvoice], *, notify: bool = True) -> list[int]:
        """Insert the invoices not yet known (unique per company and KSeF number) and their outbox
        rows, inside the caller's transaction (the one that advances the cursor). Returns new ids."""
        numbers = [f.ksef_number for f in found]
        known: set[str] = set()
        for start in range(0, len(numbers), _IN_CHUNK):
            chunk = numbers[start:start + _IN_CHUNK]
            rows = await session.execute(select(ReceivedInvoice.ksef_number).where(
                ReceivedInvoice.company_id == company_id, ReceivedInvoice.ksef_number.in_(chunk)))
            known.update(rows.scalars())
        now = self.clock()
        new: list[ReceivedInvoice] = []
        for f in found:
            if f.ksef_number in known:
                continue
            known.add(f.ksef_number)
            new.append(ReceivedInvoice(
                company_id=company_id, ksef_number=f.ksef_number, seller_nip=f.seller_nip[:20],
                seller_name=f.seller_name[:512], invoice_number=f.invoice_number[:256],
                issue_date=f.issue_date,
                gross=f.gross, currency=f.currency[:3] or "PLN", due_date=f.due_date,
                bank_account=f.bank_account, stored_at=f.stored_at, xml=f.xml, found_at=now,
                split_payment=f.split_payment, bank_accounts=list(f.bank_accounts) or None,
                payment_method=f.payment_method[:8] if f.payment_method else None))
            _paid_by_xml(new[-1], f.paid, f.paid_date, f.paid_so_far, now)
        if not new:
            return []
        session.add_all(new)
        await session.flush()
        ids = [inv.id for inv in new]
        if notify:
            await self._queue(session, company_id, ids, now)
        return ids

    async def _queue(self, session: AsyncSession, company_id: int, ids: list[int], now: datetime) -> None:
        members = await session.execute(
            select(CompanyMember.user_id, User.chat_id, InboxPrefs)
            .join(User, User.id == CompanyMember.user_id)
            .outerjoin(InboxPrefs,
                       (InboxPrefs.company_id == company_id) & (InboxPrefs.user_id == User.id))
            .where(CompanyMember.company_id == company_id))
        for user_id, chat_id, prefs in members.all():
            if prefs is not None and (prefs.muted or prefs.paused):
                continue
            held = quiet_until(now, prefs.quiet_from, prefs.quiet_to) if prefs is not None else None
            if len(ids) <= SINGLE_LIMIT:
                for invoice_id in ids:
                    await self.outbox.add(session, NEW_INVOICE, chat_id=chat_id,
                                          payload=InvoiceNews((invoice_id,)), user_id=user_id,
                                          company_id=company_id, not_before=held, created_at=now)
            else:
                await self.outbox.add(session, INVOICE_SUMMARY, chat_id=chat_id,
                                      payload=InvoiceNews(tuple(ids)), user_id=user_id,
                                      company_id=company_id, not_before=held, created_at=now)

    # --- rendering ---------------------------------------------------------------------------------------

    async def news(self, company_id: int | None, news: InvoiceNews, *,
                   max_invoices: int = 20) -> NewsView | None:
        """The invoices of a notification (up to ``max_invoices``), newest data; None when the company is
        gone."""
        async with self.db.transaction() as session:
            company = await session.get(Company, company_id) if company_id is not None else None
            if company is None:
                return None
            ids = list(news.invoice_ids)[:max_invoices]
            invoices = (await session.execute(
                select(ReceivedInvoice).where(ReceivedInvoice.id.in_(ids)).order_by(ReceivedInvoice.id)
            )).scalars().all() if ids else []
            return NewsView(company.nip, tuple(_view(i, company) for i in invoices), len(news.invoice_ids))

    async def pause_chat(self, chat_id: int) -> None:
        """The user blocked the bot: park the chat's undelivered rows and stop queueing new ones."""
        async with self.db.transaction() as session:
            await self.outbox.block_chat(session, chat_id)
            users = (await session.execute(select(User.id).where(User.chat_id == chat_id))).scalars().all()
            for user_id in users:
                companies = (await session.execute(select(CompanyMember.company_id).where(
                    CompanyMember.user_id == user_id))).scalars().all()
                for company_id in companies:
                    prefs = await self._prefs(session, company_id, user_id)
                    if not prefs.paused:
                        prefs.paused, prefs.paused_at = True, self.clock()

    # --- preferences --------------------------------------------------------------------------------

    @staticmethod
    async def _prefs(session: AsyncSession, company_id: int, user_id: int) -> InboxPrefs:
        found = (await session.execute(select(InboxPrefs).where(
            InboxPrefs.company_id == company_id, InboxPrefs.user_id == user_id))).scalar_one_or_none()
        if found is None:
            found = InboxPrefs(company_id=company_id, user_id=user_id, muted=False, paused=False)
            session.add(found)
            await session.flush()
        return found

    async def set_muted(self, user_id: int, company_id: int, muted: bool) -> None:
        """Mute or unmute notifications of one company for this member."""
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            (await self._prefs(session, company_id, user_id)).muted = muted

    async def set_quiet_hours(self, user_id: int, company_id: int, quiet_from: int | None,
                              quiet_to: int | None) -> None:
        """Quiet hours as minutes after midnight, Warsaw time (None, None: off)."""
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            prefs = await self._prefs(session, company_id, user_id)
            prefs.quiet_from, prefs.quiet_to = quiet_from, quiet_to

    async def resume_user(self, user_id: int, *, requeue_days: int = REQUEUE_DAYS) -> int | None:
        """The user is back (/start after blocking): notify again and queue what he missed.

        None when nothing was paused; else how many missed invoices were queued.

        Why re-queue at all: someone who unblocks the bot expects the invoices that came meanwhile.
        Missed are the invoices of the last ``requeue_days`` found since the first parked row of this
        pause: those in ``blocked`` rows and those found while paused (they got no row), minus any
        already in another row of his. They go out as one message per company (a summary when more
        than one) instead of a burst of pings; the parked rows become ``requeued``. Older ones are
        stale news: their rows become ``expired`` and /faktury still lists them. Muted companies stay
        silent (he chose that). Quiet hours are not applied: he is in the chat right now."""
        now = self.clock()
        since = now - timedelta(days=requeue_days)
        queued = 0
        async with self.db.transaction() as session:
            user = await session.get(User, user_id)
            paused = (await session.execute(select(InboxPrefs).where(
                InboxPrefs.user_id == user_id, InboxPrefs.paused.is_(True))
                .order_by(InboxPrefs.company_id))).scalars().all()
            if user is None or not paused:
                return None
            for prefs in paused:
                prefs.paused = False
                member = (await session.execute(select(CompanyMember.company_id).where(
                    CompanyMember.company_id == prefs.company_id, CompanyMember.user_id == user_id))
                ).scalar_one_or_none()
                if prefs.muted or member is None:
                    continue
                parked = (await session.execute(select(OutboxRow).where(
                    OutboxRow.user_id == user_id, OutboxRow.company_id == prefs.company_id,
                    OutboxRow.kind.in_(INBOX_KINDS), OutboxRow.status == Status.BLOCKED))).scalars().all()
                # every resume settles all parked rows, so the ones left belong to this pause
                starts = [r.created_at for r in parked] + ([prefs.paused_at] if prefs.paused_at else [])
                prefs.paused_at = None
                if not starts:
                    continue  # paused before the pause time was recorded, nothing parked: no known start
                start = max(min(starts), since)
                for row in parked:
                    row.status = Status.REQUEUED if row.created_at >= since else Status.EXPIRED
                recent = (await session.execute(select(OutboxRow.payload).where(
                    OutboxRow.user_id == user_id, OutboxRow.company_id == prefs.company_id,
                    OutboxRow.kind.in_(INBOX_KINDS), OutboxRow.created_at >= start,
                    OutboxRow.status.not_in((Status.REQUEUED, Status.EXPIRED))))).scalars().all()
                announced = {i for payload in recent for i in InvoiceNews.from_json(payload).invoice_ids}
                found = (await session.execute(select(ReceivedInvoice.id).where(
                    ReceivedInvoice.company_id == prefs.company_id, ReceivedInvoice.found_at >= start)
                    .order_by(ReceivedInvoice.id))).scalars().all()
                missed = [i for i in found if i not in announced]
                if not missed:
                    continue
                await self.outbox.add(session, NEW_INVOICE if len(missed) == 1 else INVOICE_SUMMARY,
                                      chat_id=user.chat_id, payload=InvoiceNews(tuple(missed)),
                                      user_id=user_id, company_id=prefs.company_id, created_at=now)
                queued += len(missed)
        return queued

    # --- reading --------------------------------------------------------------------------------------

    async def invoice_for(self, user_id: int, invoice_id: int) -> InvoiceView:
        """One invoice, if the user is a member of its company (else :class:`AccessDenied`)."""
        from bot.services.errors import AccessDenied

        async with self.db.transaction() as session:
            inv = await session.get(ReceivedInvoice, invoice_id)
            if inv is None:
                raise AccessDenied()
            await require_member(session, user_id, inv.company_id)
            company = await session.get(Company, inv.company_id)
            assert company is not None
            return _view(inv, company)

    async def invoice_xml(self, invoice_id: int) -> bytes | None:
        async with self.db.transaction() as session:
            inv = await session.get(ReceivedInvoice, invoice_id)
            return None if inv is None else inv.xml

    async def save_xml(self, invoice_id: int, xml: bytes, facts: PayingFacts | None) -> None:
        """Keep an XML downloaded later, and fill what it says about paying where nothing is stored yet."""
        async with self.db.transaction() as session:
            inv = await session.get(ReceivedInvoice, invoice_id)
            if inv is None:
                return
            inv.xml = xml
            if facts is None:
                return
            inv.due_date = inv.due_date or facts.due_date
            inv.bank_account = inv.bank_account or (facts.bank_accounts[0] if facts.bank_accounts else None)
            inv.bank_accounts = inv.bank_accounts or list(facts.bank_accounts) or None
            inv.split_payment = bool(inv.split_payment or facts.split_payment)
            inv.payment_method = inv.payment_method or facts.method
            if inv.paid_at is None and inv.paid_minor is None:
                _paid_by_xml(inv, facts.paid, facts.paid_date, facts.paid_so_far, self.clock())

    async def recent(self, user_id: int, company_id: int, offset: int = 0,
                     limit: int = 10) -> tuple[list[InvoiceView], int]:
        """Purchase invoices of a company, newest first, and how many there are."""
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            company = await session.get(Company, company_id)
            assert company is not None
            total = (await session.execute(select(func.count()).select_from(ReceivedInvoice).where(
                ReceivedInvoice.company_id == company_id))).scalar_one()
            rows = (await session.execute(select(ReceivedInvoice).where(
                ReceivedInvoice.company_id == company_id).order_by(ReceivedInvoice.id.desc())
                .offset(offset).limit(limit))).scalars().all()
            return [_view(r, company) for r in rows], int(total)
