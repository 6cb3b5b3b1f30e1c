"""Polling one company for new purchase invoices (it is the buyer, ``Subject2``).

One poll: ``received_since(cursor)``; for a handful of new invoices the XML is downloaded and parsed
(due date, bank account); then, in ONE transaction, the invoice rows, their outbox rows and the new
cursor are written. Any error before that commit leaves the cursor where it was, so nothing is
skipped; the unique (company, KSeF number) key makes a repeated poll harmless.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from sqlalchemy import ColumnElement, Executable, Update, bindparam, exists, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, aliased

from bot.metrics import ksef_error, observe_poll
from bot.services.cert_login import AUTH_TYPE, KsefLogin
from bot.services.inbox import SINGLE_LIMIT, FoundInvoice, InboxService
from bot.services.ksef_clients import Logins
from bot.services.ports import Clock
from bot.store.db import Database
from bot.store.models import Certificate, Company, KsefToken
from bot.store.models_inbox import InboxSync
from bot.vault import VaultError
from ksef.models import InvoiceMetadata, ReceivedBatch

log = logging.getLogger(__name__)

ERROR_BACKOFF_MAX = timedelta(hours=1)


class InboxSource(Protocol):
    """What a poll needs from KSeF for one company (``ksef.client.KsefClient`` has this shape)."""

    async def received_since(self, cursor: str | None) -> ReceivedBatch: ...

    async def download_invoice(self, ksef_number: str) -> bytes: ...


SourceFactory = Callable[[int, str, KsefLogin], InboxSource]  # (company id, environment, login)


def _poll_statements() -> tuple[Executable, Update]:
    """The read and the empty-poll write of :meth:`SyncService.poll`, built once: constructing these
    statements cost ~2 ms CPU per poll (bench_inbox), against a bar of 2 ms per empty poll (§6)."""
    best = aliased(Certificate)
    # The certificate ``CertLoginService.login_certificate`` would use: valid now, latest expiry.
    valid_cert = (select(best.id)
                  .where(best.company_id == bindparam("company"), best.cert_type == AUTH_TYPE,
                         best.not_before <= bindparam("now"), best.not_after > bindparam("now"))
                  .order_by(best.not_after.desc()).limit(1).scalar_subquery())
    read = (select(InboxSync.cursor, Company.environment, KsefToken.id, KsefToken.token_blob,
                   Certificate.id, Certificate.serial_hex)
            .join(Company, Company.id == InboxSync.company_id)
            .outerjoin(KsefToken, KsefToken.company_id == InboxSync.company_id)
            .outerjoin(Certificate, Certificate.id == valid_cert)
            .where(InboxSync.company_id == bindparam("company")))
    write = (update(InboxSync)
             .where(InboxSync.company_id == bindparam("company"), InboxSync.cursor == bindparam("old_cursor"))
             .values(cursor=bindparam("new_cursor"), last_poll_at=bindparam("now"), last_error=None,
                     failures=0, next_poll_at=bindparam("next_poll")))
    return read, write


_POLL_READ, _EMPTY_POLL_WRITE = _poll_statements()


def _can_log_in(company_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """The company has an active token or an Authentication certificate (it can be polled)."""
    return or_(exists().where(KsefToken.company_id == company_id, KsefToken.status == "active"),
               exists().where(Certificate.company_id == company_id, Certificate.cert_type == AUTH_TYPE))


@dataclass(frozen=True)
class PollResult:
    """What one poll did."""

    company_id: int
    new_invoice_ids: tuple[int, ...]
    error: str | None = None
    complete: bool = True


def _found(meta: InvoiceMetadata, xml: bytes | None) -> FoundInvoice:
    issue: date | None
    try:
        issue = date.fromisoformat(meta.issue_date[:10]) if meta.issue_date else None
    except ValueError:
        issue = None
    gross = str(Decimal(str(meta.gross_amount)).quantize(Decimal("0.01")))
    due_date: date | None = None
    account: str | None = None
    seller_name, number, currency = meta.seller_name, meta.invoice_number, meta.currency or "PLN"
    if xml is not None:
        from ksef.fa3 import parse

        try:
            summary = parse(xml)
        except Exception as exc:  # a malformed XML must not block the notification: metadata suffices
            log.warning("invoice %s: XML not parsed (%s)", meta.ksef_number, type(exc).__name__)
        else:
            gross = str(summary.gross_total)
            currency = summary.currency or currency
            seller_name = summary.seller.name or seller_name
            number = summary.number or number
            issue = summary.issue_date or issue
            if summary.payment is not None:
                due_date = min(summary.payment.due_dates) if summary.payment.due_dates else None
                account = summary.payment.bank_accounts[0] if summary.payment.bank_accounts else None
    return FoundInvoice(meta.ksef_number, meta.seller_nip, seller_name or "", number, issue, gross, currency,
                        meta.permanent_storage_date, due_date, account, xml)


class SyncService:
    """Polls companies; writes invoices, outbox rows and the cursor atomically."""

    def __init__(self, db: Database, inbox: InboxService, clock: Clock, *, sources: SourceFactory,
                 logins: Logins, interval: float = 900.0) -> None:
        self.db, self.inbox, self.clock = db, inbox, clock
        # The shared KSeF clients (``KsefClients.for_login``); tests put a scripted source in between.
        self.sources = sources
        # A company logs in with its Authentication certificate or its token
        # (``CertLoginService.credentials``).
        self.logins = logins
        self.interval = interval
        # KSeF I/O of many companies runs concurrently; their short write transactions take turns
        # (SQLite has one writer; waiting here beats "database is locked" after its busy timeout).
        self._writes = asyncio.Lock()
        # company id -> (what identifies its login in the database, the login): an empty poll decrypts
        # the token / loads the key only when that identity changed (token replaced, certificate added).
        self._poll_logins: dict[int, tuple[tuple[object, ...], KsefLogin]] = {}

    async def _source(self, company_id: int) -> InboxSource | None:
        """The KSeF source of a company, or None when it is gone or has no login any more."""
        async with self.db.transaction() as session:
            company = await session.get(Company, company_id)
            if company is None:
                return None
            environment = company.environment
        login = await self.logins(company_id)
        return None if login is None else self.sources(company_id, environment, login)

    async def due_companies(self, limit: int = 500) -> list[int]:
        """Companies that can log in (an active token or an Authentication certificate) whose next poll
        time has come (new ones get a baseline first)."""
        await self._baselines(limit)
        now = self.clock()
        async with self.db.transaction() as session:
            return list((await session.execute(
                select(InboxSync.company_id)
                .where(InboxSync.next_poll_at <= now, _can_log_in(InboxSync.company_id))
                .order_by(InboxSync.company_id).limit(limit))).scalars())

    async def claim_due(self, limit: int, lease: float) -> list[int]:
        """Scale-out scheduling: the due companies, each claimed for ``lease`` seconds (its next poll
        time moved on), so concurrent schedulers in several workers hand out disjoint sets.

        ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (nothing on SQLite, which has one writer): a row another
        scheduler is claiming is skipped, not waited for. A claim whose job is lost (its worker killed)
        comes due again when the lease ends; the poll itself moves the time on by the interval.
        """
        from sqlalchemy.exc import IntegrityError

        try:
            await self._baselines(max(limit, 5000))  # cheap rows; all new companies at once
        except IntegrityError:
            pass  # another worker created the same baseline row first: it is there, which is all we need
        now = self.clock()
        async with self._writes, self.db.transaction() as session:
            rows = list((await session.execute(
                select(InboxSync).where(InboxSync.next_poll_at <= now, _can_log_in(InboxSync.company_id))
                .order_by(InboxSync.next_poll_at).limit(limit)
                .with_for_update(skip_locked=True))).scalars())
            for row in rows:
                row.next_poll_at = now + timedelta(seconds=lease)
            return [row.company_id for row in rows]

    async def poll_soon(self, company_id: int, delay: float = 0.0) -> bool:
        """Make the company's next poll due in ``delay`` seconds (or keep an earlier one); the scheduler
        starts it at its next look. False when the company has no polling state yet (not connected, or
        before its baseline, which is polled at once anyway)."""
        due = self.clock() + timedelta(seconds=max(0.0, delay))
        async with self._writes, self.db.transaction() as session:
            state = await session.get(InboxSync, company_id)
            if state is None:
                return False
            if state.next_poll_at > due:
                state.next_poll_at = due
            return True

    async def _baselines(self, limit: int) -> None:
        """Start newly connected companies at the moment they were connected, so the history before it is
        not announced (no flood); everything after it is."""
        from ksef.sync import cursor_at

        now = self.clock()
        async with self._writes, self.db.transaction() as session:
            rows = (await session.execute(
                select(Company.id, Company.created_at)
                .outerjoin(InboxSync, InboxSync.company_id == Company.id)
                .where(_can_log_in(Company.id), InboxSync.company_id.is_(None))
                .order_by(Company.id).limit(limit))).all()
            for company_id, created_at in rows:
                session.add(InboxSync(company_id=company_id, cursor=cursor_at(created_at), next_poll_at=now,
                                      failures=0))

    async def poll(self, company_id: int, *, download_limit: int = SINGLE_LIMIT) -> PollResult:
        """One incremental poll of one company. Every failure (KSeF, network, a secret that does not
        decrypt, a bug) is recorded with backoff and returned as ``error``: none escapes as a traceback to
        be retried at every scheduler tick. Only a failure to record it (database down) propagates."""
        from ksef.errors import KsefError, RateLimitedError

        try:
            return await self._poll(company_id, download_limit)
        except RateLimitedError as exc:
            return await self._failed(company_id, "429", max(float(exc.retry_after), 1.0), exc)
        except (KsefError, OSError, TimeoutError, VaultError) as exc:
            log.warning("poll of company %s failed: %s", company_id, type(exc).__name__)
            return await self._failed(company_id, type(exc).__name__, None, exc)
        except Exception as exc:  # unexpected: keep the traceback once per backoff step, not once a tick
            log.warning("poll of company %s failed: %s", company_id, type(exc).__name__, exc_info=True)
            return await self._failed(company_id, type(exc).__name__, None, exc)

    async def _poll(self, company_id: int, download_limit: int) -> PollResult:
        now = self.clock()
        async with self.db.engine.connect() as conn:
            row = (await conn.execute(_POLL_READ, {"company": company_id, "now": now})).first()
        if row is None:  # no sync state or no company (deleted)
            self._poll_logins.pop(company_id, None)
            return observe_poll(PollResult(company_id, (), "gone"))
        cursor: str = row[0]
        environment: str = row[1]
        # The token blob, not only its id: SQLite may give a new token the id of a deleted one.
        identity: tuple[object, ...] = tuple(row[2:])
        cached = self._poll_logins.get(company_id)
        if cached is not None and cached[0] == identity:
            login = cached[1]
        else:
            fresh = await self.logins(company_id)
            if fresh is None:
                self._poll_logins.pop(company_id, None)
                return observe_poll(PollResult(company_id, (), "gone"))
            self._poll_logins[company_id] = (identity, fresh)
            login = fresh
        source = self.sources(company_id, environment, login)
        batch = await source.received_since(cursor)
        found: list[FoundInvoice] = []
        download = len(batch.invoices) <= download_limit
        for meta in batch.invoices:
            xml = await source.download_invoice(meta.ksef_number) if download else None
            found.append(_found(meta, xml))
        now = self.clock()
        if not found:
            # Nothing new: only the cursor moves, as one compare-and-set UPDATE (no ORM). On PostgreSQL a
            # concurrent poll that advanced the cursor first makes this match no row (the WHERE is
            # re-checked on the committed row), so the two cannot both advance it.
            async with self._writes, self.db.engine.begin() as conn:
                moved = await conn.execute(_EMPTY_POLL_WRITE, {
                    "company": company_id, "old_cursor": cursor, "new_cursor": batch.next_cursor,
                    "now": now, "next_poll": now + timedelta(seconds=self.interval)})
            if moved.rowcount != 1:
                return observe_poll(PollResult(company_id, (), "raced"))  # someone else polled meanwhile
            return observe_poll(PollResult(company_id, (), None, batch.complete))
        async with self._writes, self.db.transaction() as session:
            # Row-locked: a concurrent poll of the same company (another process) cannot interleave
            # between this check and the cursor advance.
            state = await session.get(InboxSync, company_id, with_for_update=True)
            if state is None or state.cursor != cursor:
                return observe_poll(PollResult(company_id, (), "raced"))  # someone else polled meanwhile
            ids = await self.inbox.store_found(session, company_id, found)
            state.cursor = batch.next_cursor
            state.last_poll_at, state.last_error, state.failures = now, None, 0
            # An incomplete batch (the backlog met the hourly limit) continues at the next interval.
            state.next_poll_at = now + timedelta(seconds=self.interval)
        return observe_poll(PollResult(company_id, tuple(ids), None, batch.complete))

    async def _failed(self, company_id: int, error: str, retry_after: float | None,
                      exc: BaseException | None = None) -> PollResult:
        if exc is not None:
            ksef_error(exc)
        now = self.clock()
        async with self._writes, self.db.transaction() as session:
            state = await session.get(InboxSync, company_id)
            if state is not None:
                state.failures += 1
                backoff = min(ERROR_BACKOFF_MAX.total_seconds(),
                              self.interval * 2 ** min(state.failures - 1, 6))
                wait = max(retry_after or 0.0, backoff if retry_after is None else self.interval)
                state.last_error, state.next_poll_at = error[:200], now + timedelta(seconds=wait)
        log.info("poll of company %s failed (%s); cursor kept", company_id, error)
        return observe_poll(PollResult(company_id, (), error))

    async def backfill(self, company_id: int, days: int) -> tuple[int, str | None]:
        """Store (without notifying) the purchase invoices of the last ``days`` days; the regular
        cursor is not touched. Returns (new invoices, error or None)."""
        from ksef.errors import KsefError
        from ksef.sync import cursor_at

        source = await self._source(company_id)
        if source is None:
            return 0, "gone"
        try:
            batch = await source.received_since(cursor_at(self.clock() - timedelta(days=days)))
        except (KsefError, OSError, TimeoutError) as exc:
            return 0, type(exc).__name__
        found = [_found(meta, None) for meta in batch.invoices]
        async with self._writes, self.db.transaction() as session:
            ids = await self.inbox.store_found(session, company_id, found, notify=False)
        return len(ids), None

    async def fetch_xml(self, invoice_id: int) -> bytes:
        """The invoice XML: stored, or downloaded now (and stored with what it tells)."""
        stored = await self.inbox.invoice_xml(invoice_id)
        if stored is not None:
            return stored
        from bot.store.models_inbox import ReceivedInvoice

        async with self.db.transaction() as session:
            inv = await session.get(ReceivedInvoice, invoice_id)
            if inv is None:
                raise LookupError(invoice_id)
            number, company_id = inv.ksef_number, inv.company_id
        source = await self._source(company_id)
        if source is None:
            raise LookupError(invoice_id)
        xml = await source.download_invoice(number)
        parsed = _found_from_xml(xml)
        await self.inbox.save_xml(invoice_id, xml, *parsed)
        return xml


def _found_from_xml(xml: bytes) -> tuple[date | None, str | None]:
    from ksef.fa3 import parse

    try:
        summary = parse(xml)
    except Exception:
        return None, None
    payment = summary.payment
    if payment is None:
        return None, None
    return (min(payment.due_dates) if payment.due_dates else None,
            payment.bank_accounts[0] if payment.bank_accounts else None)
