"""Polling one company for new purchase invoices (it is the buyer, ``Subject2``).

One poll: ``received_since(cursor)``; for a handful of new invoices the XML is downloaded and parsed
(due date, bank account); then, in ONE transaction, the invoice rows, their outbox rows and the new
cursor are written. Any error before that commit leaves the cursor where it was, so nothing is
skipped; the unique (company, KSeF number) key makes a repeated poll harmless.

How often each company is polled, and the on-demand checks ("Sprawdź teraz", back-fill) KSeF's limits
leave room for: :mod:`bot.services.polling` and ``docs/polling.md``.

The empty poll is the common case, so it is kept cheap (the bar: < 2 ms CPU of ours per poll): the
scheduler reads the state of every due company in one query (:meth:`SyncService.due_polls`), a login is
decrypted again only when it changed, and the cursor writes of concurrent empty polls share one
transaction (:class:`_EmptyPollWrites`), each still a compare-and-set on the cursor it started from.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Executable, Row, Update, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, aliased

from bot.metrics import ksef_error, observe_check, observe_poll
from bot.services.access import require_member
from bot.services.availability import CallTally
from bot.services.cert_login import AUTH_TYPE, KsefLogin
from bot.services.inbox import SINGLE_LIMIT, FoundInvoice, InboxService
from bot.services.ksef_clients import Logins
from bot.services.polling import METADATA_GROUP, Activity, PollPolicy, keep_recent, on_demand_wait
from bot.services.ports import Clock
from bot.services.rate_limits import RateLimitWatch
from bot.store.db import Database
from bot.store.models import Certificate, Company, KsefToken
from bot.store.models_inbox import InboxSync
from bot.vault import VaultError
from ksef.client import KsefClient
from ksef.fa3.due import PayingFacts, paying_facts
from ksef.limits import PUBLISHED_LIMITS, Limit
from ksef.models import InvoiceMetadata, ReceivedBatch
from ksef.timezone import WARSAW

log = logging.getLogger(__name__)

ERROR_BACKOFF_MAX = timedelta(hours=1)


class InboxSource(Protocol):
    """What a poll needs from KSeF for one company (``ksef.client.KsefClient`` has this shape)."""

    async def received_since(self, cursor: str | None, *, up_to_now: bool = False) -> ReceivedBatch: ...

    async def download_invoice(self, ksef_number: str) -> bytes: ...


SourceFactory = Callable[[int, str, KsefLogin], InboxSource]  # (company id, environment, login)


def _poll_statements() -> tuple[Executable, Executable, Update]:
    """The reads and the empty-poll write of :meth:`SyncService.poll`, built once: constructing these
    statements cost ~2 ms CPU per poll (bench_inbox), against a bar of 2 ms per empty poll."""
    best = aliased(Certificate)
    # The certificate ``CertLoginService.login_certificate`` would use: valid now, latest expiry.
    valid_cert = (select(best.id)
                  .where(best.company_id == InboxSync.company_id, best.cert_type == AUTH_TYPE,
                         best.not_before <= bindparam("now"), best.not_after > bindparam("now"))
                  .order_by(best.not_after.desc()).limit(1).correlate(InboxSync).scalar_subquery())
    # Activity: the last invoice found, else the moment the company was connected.
    read = (select(InboxSync.company_id, InboxSync.cursor, Company.environment,
                   func.coalesce(InboxSync.last_found_at, Company.created_at),
                   KsefToken.id, KsefToken.token_blob, Certificate.id, Certificate.serial_hex)
            .join(Company, Company.id == InboxSync.company_id)
            .outerjoin(KsefToken, KsefToken.company_id == InboxSync.company_id)
            .outerjoin(Certificate, Certificate.id == valid_cert))
    one = read.where(InboxSync.company_id == bindparam("company"))
    due = (read.where(InboxSync.next_poll_at <= bindparam("now"), _can_log_in(InboxSync.company_id))
           .order_by(InboxSync.next_poll_at, InboxSync.company_id).limit(bindparam("limit")))
    write = (update(InboxSync)
             .where(InboxSync.company_id == bindparam("company"), InboxSync.cursor == bindparam("old_cursor"))
             .values(cursor=bindparam("new_cursor"), last_poll_at=bindparam("now"), last_error=None,
                     failures=0, next_poll_at=bindparam("next_poll")))
    return one, due, write


def _can_log_in(company_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """The company has an active token or an Authentication certificate (it can be polled)."""
    # Aliases: the polls' read also joins these tables, and must not correlate into them.
    token, cert = aliased(KsefToken), aliased(Certificate)
    return or_(exists().where(token.company_id == company_id, token.status == "active"),
               exists().where(cert.company_id == company_id, cert.cert_type == AUTH_TYPE))


_POLL_READ, _DUE_READ, _EMPTY_POLL_WRITE = _poll_statements()


@dataclass(frozen=True)
class PollTarget:
    """A company's polling state as one poll needs it; read for all due companies at once by
    :meth:`SyncService.due_polls`. It may be a moment old when the poll runs: the cursor write is a
    compare-and-set on :attr:`cursor`, so a poll that ran in between only makes this one "raced"."""

    company_id: int
    cursor: str
    environment: str
    activity: datetime | None  # the last invoice found, else the moment the company was connected
    identity: tuple[object, ...]  # what identifies its login (token id and blob, certificate id and serial)


def _target(row: Row[Any]) -> PollTarget:
    # The token blob, not only its id: SQLite may give a new token the id of a deleted one.
    values = tuple(row)
    return PollTarget(values[0], values[1], values[2], values[3], values[4:])


@dataclass(frozen=True)
class CheckDecision:
    """May an on-demand query ("Sprawdź teraz", back-fill) go to KSeF now? ``wait``: seconds until it may."""

    wait: float

    @property
    def allowed(self) -> bool:
        return self.wait <= 0.0


@dataclass(frozen=True)
class PollingView:
    """How a company is polled, for the user: its interval now and why, and the last and next polls."""

    interval: float
    base: float
    activity: Activity
    last_poll_at: datetime | None
    next_poll_at: datetime | None


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
    facts: PayingFacts | None = None
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
            # In KSeF an invoice is received the day it gets its number (a term "from receipt").
            stored = meta.permanent_storage_date or meta.acquisition_date
            facts = paying_facts(summary, received_on=stored.astimezone(WARSAW).date() if stored else None)
            due_date = facts.due_date
            account = facts.bank_accounts[0] if facts.bank_accounts else None
    if facts is None:
        return FoundInvoice(meta.ksef_number, meta.seller_nip, seller_name or "", number, issue, gross,
                            currency, meta.permanent_storage_date, due_date, account, xml)
    return FoundInvoice(meta.ksef_number, meta.seller_nip, seller_name or "", number, issue, gross, currency,
                        meta.permanent_storage_date, due_date, account, xml,
                        split_payment=facts.split_payment,
                        bank_accounts=facts.bank_accounts, payment_method=facts.method, paid=facts.paid,
                        paid_date=facts.paid_date, paid_so_far=facts.paid_so_far)


class _EmptyPollWrites:
    """Group commit of empty polls: the cursor writes queued while one transaction commits go together
    into the next (one executemany), so concurrent polls share BEGIN, COMMIT and the connection instead
    of paying them each. Every write stays a compare-and-set on the cursor its poll started from, and a
    poll returns only once its write is committed. The commits run in a task of their own, so no poll
    waits for writes that are not its own."""

    def __init__(self, db: Database, writes: asyncio.Lock) -> None:
        self._db, self._writes = db, writes
        self._queue: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, params: dict[str, Any]) -> bool:
        """Queue one compare-and-set cursor write; True when it moved the cursor (False: raced)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((params, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_all(), name="ksef-bot-cursor-writes")
        return await future

    async def _flush_all(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            await self._flush(batch)

    async def _flush(self, batch: list[tuple[dict[str, Any], asyncio.Future[bool]]]) -> None:
        # Sorted by company: two transactions locking the same rows lock them in the same order.
        batch.sort(key=lambda item: int(item[0]["company"]))
        params = [p for p, _ in batch]
        try:
            async with self._writes, self._db.engine.begin() as conn:
                result = await conn.execute(_EMPTY_POLL_WRITE, params)
                if result.rowcount == len(params):
                    moved = [True] * len(params)
                else:  # some cursor moved meanwhile (or the driver does not count): look which
                    ids = [p["company"] for p in params]
                    now = dict((await conn.execute(select(InboxSync.company_id, InboxSync.cursor)
                                                   .where(InboxSync.company_id.in_(ids)))).all())
                    moved = [now.get(p["company"]) == p["new_cursor"] for p in params]
        except Exception as exc:  # the database failed: these polls hear of it (the next batch may work)
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:  # the loop is going: nothing more is written
            for _, future in [*batch, *self._queue]:
                future.cancel()
            self._queue = []
            raise
        for (_, future), ok in zip(batch, moved, strict=True):
            if not future.done():
                future.set_result(ok)


class SyncService:
    """Polls companies; writes invoices, outbox rows and the cursor atomically."""

    def __init__(self, db: Database, inbox: InboxService, clock: Clock, *, sources: SourceFactory,
                 logins: Logins, interval: float = 900.0, limits: RateLimitWatch | None = None,
                 pending: Callable[[int, str], float] | None = None,
                 calls: CallTally | None = None, login_lifetime: timedelta = timedelta(hours=6)) -> None:
        self.db, self.inbox, self.clock = db, inbox, clock
        # The shared KSeF clients (``KsefClients.for_login``); tests put a scripted source in between.
        self.sources = sources
        # A company logs in with its Authentication certificate or its token
        # (``CertLoginService.credentials``).
        self.logins = logins
        self.interval = interval  # of an active company; others are polled less often (``policy``)
        self.policy = PollPolicy(interval)
        # KSeF's figures in force (``GET /rate-limits``), shared with every client of the process.
        self.limits = limits
        # This process's own counters: how long a request of a group would wait for a company
        # (``KsefClients.seconds_until_allowed``).
        self._pending = pending or (lambda company_id, group: 0.0)
        self.calls = calls or CallTally()  # each poll's outcome, for the availability monitor
        # KSeF I/O of many companies runs concurrently; their short write transactions take turns
        # (SQLite has one writer; waiting here beats "database is locked" after its busy timeout).
        self._writes = asyncio.Lock()
        self._empty_writes = _EmptyPollWrites(db, self._writes)
        # company id -> (what identifies its login in the database, the login, when it was decrypted): an
        # empty poll decrypts the token / loads the key only when that identity changed (token replaced,
        # certificate added) or the decrypted login is older than ``login_lifetime``; entries of
        # companies no longer polled are swept after that time too, so no login stays for good.
        self._poll_logins: dict[int, tuple[tuple[object, ...], KsefLogin, datetime]] = {}
        self.login_lifetime = login_lifetime
        self._swept = clock()

    # --- the interval ------------------------------------------------------------------------------

    def _metadata_limit(self, environment: str) -> Limit | None:
        if self.limits is None:
            return PUBLISHED_LIMITS[METADATA_GROUP]
        return self.limits.limit(environment, METADATA_GROUP)

    def interval_of(self, environment: str, activity: Activity) -> float:
        """Seconds between automatic polls of a company of ``environment`` with ``activity``."""
        binding = self.limits.binding(environment, METADATA_GROUP) if self.limits is not None else None
        return self.policy.interval(activity, binding)

    def _next_poll(self, environment: str, last_activity: datetime | None, now: datetime) -> datetime:
        activity = self.policy.activity(last_activity, now)
        return now + timedelta(seconds=self.interval_of(environment, activity))

    async def polling_view(self, company_id: int) -> PollingView | None:
        """How the company is polled now (None: not polled yet, e.g. just connected)."""
        async with self.db.transaction() as session:
            row = (await session.execute(
                select(InboxSync.last_poll_at, InboxSync.next_poll_at, Company.environment,
                       func.coalesce(InboxSync.last_found_at, Company.created_at))
                .join(Company, Company.id == InboxSync.company_id)
                .where(InboxSync.company_id == company_id))).first()
        if row is None:
            return None
        activity = self.policy.activity(row[3], self.clock())
        return PollingView(self.interval_of(row[2], activity), self.interval, activity, row[0], row[1])

    # --- which company when --------------------------------------------------------------------------

    async def _source(self, company_id: int) -> InboxSource | None:
        """The KSeF source of a company, or None when it is gone or has no login any more."""
        async with self.db.transaction() as session:
            company = await session.get(Company, company_id)
            if company is None:
                return None
            environment = company.environment
        login = await self.logins(company_id)
        return None if login is None else self.sources(company_id, environment, login)

    def sweep_logins(self) -> None:
        """Forget decrypted logins older than ``login_lifetime`` (companies no longer polled: removed,
        token revoked); at most once a minute, so the scheduler's ticks stay cheap."""
        now = self.clock()
        if now - self._swept < timedelta(minutes=1):
            return
        self._swept = now
        for company_id, (_, _, decrypted) in list(self._poll_logins.items()):
            if now - decrypted > self.login_lifetime:
                del self._poll_logins[company_id]

    async def due_polls(self, limit: int = 500) -> list[PollTarget]:
        """Companies that can log in (an active token or an Authentication certificate) whose next poll
        time has come, with what their polls need, in one query (new companies get a baseline first)."""
        self.sweep_logins()
        await self._baselines(limit)
        async with self.db.engine.connect() as conn:
            rows = (await conn.execute(_DUE_READ, {"now": self.clock(), "limit": limit})).all()
        return [_target(row) for row in rows]

    async def due_companies(self, limit: int = 500) -> list[int]:
        """The ids of :meth:`due_polls`, by id."""
        return sorted(target.company_id for target in await self.due_polls(limit))

    async def claim_due(self, limit: int, lease: float) -> list[int]:
        """Scale-out scheduling: the due companies, each claimed for ``lease`` seconds (its next poll
        time moved on), so concurrent schedulers in several workers hand out disjoint sets.

        ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (nothing on SQLite, which has one writer): a row another
        scheduler is claiming is skipped, not waited for. A claim whose job is lost (its worker killed)
        comes due again when the lease ends; the poll itself moves the time on by the interval.
        """
        from sqlalchemy.exc import IntegrityError

        self.sweep_logins()
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

    async def request_check(self, user_id: int, company_id: int, *, poll: bool = True) -> CheckDecision:
        """May one on-demand metadata query ("Sprawdź teraz"; ``poll=False``: a back-fill) go to KSeF for
        the company now? Yes when its on-demand share of the ``invoiceMetadata`` limits, this process's
        own counters and any ``Retry-After`` of KSeF all allow it: then it is counted at once, and with
        ``poll`` the next poll is made due now (:meth:`poll_soon`). AccessDenied for a non-member."""
        from sqlalchemy.exc import IntegrityError

        try:
            await self._baselines(1000)  # a company connected a moment ago is checked like the others
        except IntegrityError:
            pass  # a worker created the same baseline row first: it is there, which is all we need
        now = self.clock()
        local = self._pending(company_id, METADATA_GROUP)
        async with self._writes, self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            company = await session.get(Company, company_id)
            state = await session.get(InboxSync, company_id, with_for_update=True)
            if company is None or state is None:  # no login (yet): nothing KSeF would answer
                observe_check(False)
                return CheckDecision(self.interval)
            limit = self._metadata_limit(company.environment)
            done = [datetime.fromisoformat(at) for at in state.on_demand or []]
            blocked = (state.next_poll_at - now).total_seconds() if state.last_error == "429" else 0.0
            wait = max(local, on_demand_wait(done, now, limit), blocked, 0.0)
            observe_check(wait <= 0.0)
            if wait > 0.0:
                return CheckDecision(wait)
            state.on_demand = [at.isoformat() for at in keep_recent([*done, now], now, limit)]
            if poll and state.next_poll_at > now:
                state.next_poll_at = now
        return CheckDecision(0.0)

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

    # --- one poll ------------------------------------------------------------------------------------

    async def poll(self, company_id: int, *, target: PollTarget | None = None,
                   download_limit: int = SINGLE_LIMIT, up_to_now: bool = False) -> PollResult:
        """One incremental poll of one company (``target``: its state as :meth:`due_polls` read it; else
        read now). ``up_to_now`` (someone pressed "Sprawdź teraz"): invoices KSeF stored a moment ago,
        above its high-water mark, are found too; the cursor still stops at the HWM, and the next poll
        finds them again and stores nothing twice (unique per company and KSeF number). Every failure
        (KSeF, network, a secret that does not decrypt, a bug) is recorded with backoff and returned as
        ``error``: none escapes as a traceback to be retried at every scheduler tick. Only a failure to
        record it (database down) propagates."""
        from ksef.errors import KsefApiError, KsefError, KsefServerError, RateLimitedError

        try:
            if target is None:
                async with self.db.engine.connect() as conn:
                    row = (await conn.execute(_POLL_READ, {"company": company_id,
                                                           "now": self.clock()})).first()
                if row is None:  # no sync state or no company (deleted)
                    self._poll_logins.pop(company_id, None)
                    return observe_poll(PollResult(company_id, (), "gone"))
                target = _target(row)
            result = await self._poll(target, download_limit, up_to_now)
        except RateLimitedError as exc:
            self.calls.record(True)  # KSeF answered (with a 429)
            return await self._failed(company_id, "429", max(float(exc.retry_after), 1.0), exc, target)
        except (KsefError, OSError, TimeoutError, VaultError) as exc:
            if not isinstance(exc, VaultError):  # a 4xx is an answer; 5xx, timeouts, refusals are not
                self.calls.record(isinstance(exc, KsefApiError) and not isinstance(exc, KsefServerError))
            log.warning("poll of company %s failed: %s", company_id, type(exc).__name__)
            return await self._failed(company_id, type(exc).__name__, None, exc, target)
        except Exception as exc:  # unexpected: keep the traceback once per backoff step, not once a tick
            log.warning("poll of company %s failed: %s", company_id, type(exc).__name__, exc_info=True)
            return await self._failed(company_id, type(exc).__name__, None, exc, target)
        if result.error != "gone":  # "gone" asked KSeF nothing
            self.calls.record(True)
        return result

    async def _poll(self, target: PollTarget, download_limit: int, up_to_now: bool = False) -> PollResult:
        company_id = target.company_id
        cached = self._poll_logins.get(company_id)
        now = self.clock()
        if cached is not None and cached[0] == target.identity and now - cached[2] <= self.login_lifetime:
            login = cached[1]
        else:
            fresh = await self.logins(company_id)
            if fresh is None:
                self._poll_logins.pop(company_id, None)
                return observe_poll(PollResult(company_id, (), "gone"))
            self._poll_logins[company_id] = (target.identity, fresh, now)
            login = fresh
        source = self.sources(company_id, target.environment, login)
        if self.limits is not None and self.limits.due(target.environment) and isinstance(source, KsefClient):
            # Before the first poll of the process, hourly, and after a 429 of an unexpected group.
            await self.limits.refresh(target.environment, source)
        batch = await (source.received_since(target.cursor, up_to_now=True) if up_to_now
                       else source.received_since(target.cursor))
        found: list[FoundInvoice] = []
        download = len(batch.invoices) <= download_limit
        for meta in batch.invoices:
            xml = await source.download_invoice(meta.ksef_number) if download else None
            found.append(_found(meta, xml))
        now = self.clock()
        if not found:
            # Nothing new: only the cursor moves, as a compare-and-set UPDATE (no ORM) committed with
            # those of other polls finishing now. On PostgreSQL a concurrent poll that advanced the
            # cursor first makes this match no row (the WHERE is re-checked on the committed row), so
            # the two cannot both advance it.
            moved = await self._empty_writes.write({
                "company": company_id, "old_cursor": target.cursor, "new_cursor": batch.next_cursor,
                "now": now, "next_poll": self._next_poll(target.environment, target.activity, now)})
            if not moved:
                return observe_poll(PollResult(company_id, (), "raced"))  # someone else polled meanwhile
            return observe_poll(PollResult(company_id, (), None, batch.complete))
        async with self._writes, self.db.transaction() as session:
            # Row-locked: a concurrent poll of the same company (another process) cannot interleave
            # between this check and the cursor advance.
            state = await session.get(InboxSync, company_id, with_for_update=True)
            if state is None or state.cursor != target.cursor:
                return observe_poll(PollResult(company_id, (), "raced"))  # someone else polled meanwhile
            ids = await self.inbox.store_found(session, company_id, found)
            if ids:
                state.last_found_at = now  # an invoice arrived: polled as an active company again
            state.cursor = batch.next_cursor
            state.last_poll_at, state.last_error, state.failures = now, None, 0
            # An incomplete batch (the backlog met the hourly limit) continues at the next interval.
            state.next_poll_at = self._next_poll(target.environment, state.last_found_at or target.activity,
                                                 now)
        return observe_poll(PollResult(company_id, tuple(ids), None, batch.complete))

    async def _failed(self, company_id: int, error: str, retry_after: float | None,
                      exc: BaseException | None = None, target: PollTarget | None = None) -> PollResult:
        if exc is not None:
            ksef_error(exc)
        now = self.clock()
        interval = self.interval if target is None else \
            self.interval_of(target.environment, self.policy.activity(target.activity, now))
        async with self._writes, self.db.transaction() as session:
            state = await session.get(InboxSync, company_id)
            if state is not None:
                state.failures += 1
                backoff = min(max(ERROR_BACKOFF_MAX.total_seconds(), interval),
                              interval * 2 ** min(state.failures - 1, 6))
                wait = max(retry_after or 0.0, backoff if retry_after is None else interval)
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
        await self.inbox.save_xml(invoice_id, xml, _found_from_xml(xml))
        return xml


def _found_from_xml(xml: bytes) -> PayingFacts | None:
    from ksef.fa3 import parse

    try:
        return paying_facts(parse(xml))
    except Exception:  # a malformed XML is still served; it just tells nothing about paying
        return None
