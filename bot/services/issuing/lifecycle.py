"""Issuing a sales invoice: draft → preview → number + exact XML stored → KSeF → told to the user.

Nothing is lost and nothing is sent twice: the invoice row (state ``prepared``, XML bytes, SHA-256) is
committed before any byte goes to KSeF; the session reference is recorded before the send, so after a
crash :meth:`IssuingService.advance` first looks the invoice up in that session by its hash and only
sends when KSeF has never seen it. One lock per invoice (in-process, or a PostgreSQL advisory lock when
several processes work) keeps the chat handler and the background work off the same invoice at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, and_, or_, select

from bot.metrics import ksef_error
from bot.pacing import Priority
from bot.services.access import require_member
from bot.services.availability import CallTally
from bot.services.companies import CompanyService
from bot.services.contractors import ContractorService
from bot.services.errors import ServiceError
from bot.services.issuing.columns import RegisterColumns
from bot.services.issuing.draft import (
    PREVIEW_NUMBER,
    Draft,
    Preview,
    invoice_of,
    preview_of,
    preview_version,
)
from bot.services.issuing.news import (
    DEADLINE_WARNING,
    ISSUED_DOCUMENTS,
    ISSUED_RESULT,
    WITH_DOCUMENTS,
    DeadlineWarning,
    IssuedDocuments,
    IssuedResult,
)
from bot.services.issuing.offline import OfflineIssuer, warning_due
from bot.services.issuing.printout import Codes, Printout, make_codes, make_printout
from bot.services.issuing.rates import rate_is_current
from bot.services.issuing.records import ONLINE, IssuedInvoices, IssuedView, view_of
from bot.services.issuing.state import REPORTED, UNFINISHED, InvoiceState
from bot.services.ksef_clients import KsefClients
from bot.services.numbering import next_number
from bot.services.outbox import Outbox
from bot.services.ports import Clock
from bot.services.seller_profile import ProfileView, SellerProfileService
from bot.store.db import Database
from bot.store.locks import NamedLocks
from bot.store.models import CompanyMember, User
from bot.store.models_issuing import IssuedInvoice
from ksef.availability import AvailabilityState
from ksef.crypto import sha256_b64
from ksef.environments import Environment
from ksef.errors import (
    ErrorCode,
    KsefApiError,
    KsefError,
    KsefServerError,
    KsefUnavailableError,
    KsefValidationError,
    RateLimitedError,
)
from ksef.fa3 import build
from ksef.models import SentInvoice
from ksef.offline import OfflineMode, send_deadlines, today_in_poland

log = logging.getLogger(__name__)

DUPLICATE_CODE = 440
WARN_AHEAD_DAYS = 10  # deadlines this near are checked against the working-day rule (holidays included)
ONLINE_GRACE = timedelta(hours=1)  # an invoice meant for online sending is warned about once stuck this long
TECHNICAL_REJECTIONS = (430, 435, 450)  # offline invoices rejected for these get a technical correction
_UNAVAILABLE = (KsefUnavailableError, KsefServerError)


class AvailabilityReader(Protocol):
    """The part of ``bot.services.availability.AvailabilityService`` issuing reads."""

    async def current(self) -> AvailabilityState: ...


class IssuingService:
    """Use cases of issuing; the chat layer renders and delivers what these return.

    ``locks``: cross-process invoice locks (scale-out), else one ``asyncio.Lock`` per invoice.
    ``advance_here``: False in a scale-out gateway, whose workers do the KSeF part (:meth:`advance`).
    ``release_held``: builds a held correction once its corrected invoice has a KSeF number (True: it is
    ``prepared`` now), ``bot.services.sales.corrections.CorrectionService.release``.
    """

    def __init__(self, db: Database, *, companies: CompanyService, profiles: SellerProfileService,
                 contractors: ContractorService, offline: OfflineIssuer, records: IssuedInvoices,
                 clients: KsefClients, availability: AvailabilityReader | None, env: Environment,
                 clock: Clock, outbox: Outbox, locks: NamedLocks | None = None, advance_here: bool = True,
                 release_held: Callable[[int], Awaitable[bool]] | None = None,
                 calls: CallTally | None = None) -> None:
        self.db, self.companies, self.profiles, self.contractors = db, companies, profiles, contractors
        self.outbox = outbox
        self.offline, self.records, self.clients = offline, records, clients
        self.availability, self.env, self.clock = availability, env, clock
        self.locks, self.advance_here, self.release_held = locks, advance_here, release_held
        self.calls = calls or CallTally()  # each send's outcome, for the availability monitor
        self._locks: dict[int, asyncio.Lock] = {}
        self._in_chat: set[int] = set()  # invoices a chat handler is issuing and telling the user about

    # --- drafts -----------------------------------------------------------------------------------
    async def profile(self, company_id: int) -> ProfileView:
        found = await self.profiles.get(company_id)
        if found is None:
            raise ServiceError("no_profile")
        return found

    def today(self) -> date:
        return today_in_poland(self.clock())

    async def preview(self, company_id: int, draft: Draft) -> Preview:
        """Validate the draft as the real invoice would be and compute its totals."""
        return preview_of(invoice_of(await self.profile(company_id), draft, PREVIEW_NUMBER, self.today()))

    # --- issuing ----------------------------------------------------------------------------------
    async def prepare(self, user_id: int, chat_id: int, company_id: int, draft: Draft,
                      language: str = "pl", *, version: str | None = None) -> IssuedView:
        """Allocate the number, build and validate FA(3), store the exact bytes (state ``prepared``).

        ``version`` is the one its preview showed (``Preview.version``): when the invoice would now say
        anything else (the draft, the seller's profile or the issue date changed since), ServiceError
        ``preview_stale`` and nothing is stored. A foreign-currency draft whose NBP rate belongs to
        another day is refused the same way (``rate_stale``): the chat fixes the rate and shows it again.
        """
        profile = await self.profile(company_id)
        issue_date = self.today()
        shown = invoice_of(profile, draft, PREVIEW_NUMBER, issue_date)  # bad data refused before a number
        if version is not None and preview_version(shown) != version:
            raise ServiceError("preview_stale")
        if not rate_is_current(draft, issue_date):
            raise ServiceError("rate_stale")
        async with self.db.transaction() as session:
            number = await next_number(session, company_id, profile.pattern, profile.reset, issue_date)
            await require_member(session, user_id, company_id)
            try:
                xml = build(invoice_of(profile, draft, number, issue_date), created_at=self.clock())
            except KsefError as exc:
                raise ServiceError("invoice_data", user_message=str(exc)) from None
            buyer = draft.buyer
            if buyer is not None and buyer.nip:
                await self.contractors.remember(session, company_id, buyer.nip, buyer.name,
                                                list(buyer.address))
            now = self.clock()
            # Sent after its P_1 day, an "online" invoice is an offline24 one by law: every unfinished
            # invoice has that deadline from the start (going offline may set another).
            deadlines = send_deadlines(OfflineMode.OFFLINE24, issue_date)
            row = IssuedInvoice(company_id=company_id, user_id=user_id, chat_id=chat_id, language=language,
                                number=number, issue_date=issue_date, draft=draft.to_json(), xml=xml,
                                invoice_hash=sha256_b64(xml), state=InvoiceState.PREPARED.value, mode=ONLINE,
                                deadline=deadlines.conservative, legal_deadline=deadlines.legal,
                                attempts=0, created_at=now, updated_at=now)
            RegisterColumns.of_xml(xml).apply(row)
            session.add(row)
            await session.flush()
            return view_of(row)

    async def issue(self, invoice_id: int, *, offline: bool = False) -> IssuedView:
        """Send a prepared invoice online (or issue it offline when asked or when KSeF is down)."""
        async with self._lock(invoice_id):
            current = await self.records.get(invoice_id)
            if current.state is not InvoiceState.PREPARED:
                return current  # a background job (another worker) got to it first: never send twice
            announced = None if offline else await self._announced()
            if announced is not None:  # KSeF announced unavailability: no online attempt
                mode = announced.offline_mode or OfflineMode.OFFLINE24
                return await self.offline.go_offline(invoice_id, mode, announced)
            if offline:
                return await self.offline.go_offline(invoice_id, OfflineMode.OFFLINE24)
            try:
                sent = await self._send(invoice_id)
                self.calls.record(True)
                return sent
            except _UNAVAILABLE as exc:
                ksef_error(exc)
                self.calls.record(False)
                view = await self.records.get(invoice_id)
                if view.state in (InvoiceState.SENDING, InvoiceState.PREPARED):
                    return await self.offline.go_offline(invoice_id, OfflineMode.OFFLINE24)
                return view  # KSeF has it; the job follows the status up
            except (KsefError, ServiceError) as exc:
                if isinstance(exc, KsefError):
                    ksef_error(exc)
                    self.calls.record(isinstance(exc, KsefApiError))  # a 4xx is an answer
                # E.g. a revoked token: the invoice stays stored and the job tries again later.
                text = exc.user_message if isinstance(exc, ServiceError) else str(exc)
                return await self.records.update(invoice_id, status_text=(text or type(exc).__name__)[:1000])

    async def get(self, invoice_id: int) -> IssuedView:
        return await self.records.get(invoice_id)

    async def get_for_user(self, user_id: int, invoice_id: int) -> IssuedView:
        view = await self.records.get(invoice_id)
        async with self.db.transaction() as session:
            await require_member(session, user_id, view.company_id)
        return view

    async def draft_of(self, user_id: int, invoice_id: int) -> Draft:
        """A past invoice's draft, to issue it again."""
        await self.get_for_user(user_id, invoice_id)
        return await self.records.draft(invoice_id)

    async def announce(self, invoice_id: int, *, chosen_offline: bool = False,
                       priority: Priority = Priority.NOTIFICATION) -> list[int]:
        """Queue what the user must hear about the invoice's current state (its result, and its documents
        when there is a printout to give) and record it as told, in one transaction; the new outbox rows
        (none when this state was told already)."""
        async with self.db.transaction() as session:
            row = (await session.execute(select(IssuedInvoice).where(IssuedInvoice.id == invoice_id)
                                         .with_for_update())).scalar_one_or_none()
            if row is None or row.notified_state == row.state:
                return []
            state = InvoiceState(row.state)
            row.notified_state = state.value
            if await session.get(User, row.user_id) is None:
                return []  # the issuer deleted their data: nobody to tell
            queued = [await self.outbox.add(
                session, ISSUED_RESULT, chat_id=row.chat_id,
                payload=IssuedResult(row.id, state, chosen_offline), user_id=row.user_id,
                company_id=row.company_id, priority=priority,
                dedupe_key=f"issued:{row.id}:{state.value}")]
            if state in WITH_DOCUMENTS and not (state is InvoiceState.ACCEPTED and row.mode != ONLINE):
                queued.append(await self.outbox.add(
                    session, ISSUED_DOCUMENTS, chat_id=row.chat_id, payload=IssuedDocuments(row.id),
                    user_id=row.user_id, company_id=row.company_id, priority=priority,
                    dedupe_key=f"issued:{row.id}:documents"))
            return [q for q in queued if q is not None]

    async def printout(self, invoice_id: int) -> Printout:
        """The PDF, QR images and XML of an issued invoice.

        Laid out in a worker thread: a PDF takes tens of milliseconds of CPU, during which the event
        loop keeps answering other chats."""
        view = await self.records.get(invoice_id)
        xml = await self.records.xml(invoice_id)
        return await asyncio.to_thread(make_printout, xml, number=view.number, mode=view.mode,
                                       ksef_number=view.ksef_number, kod2_url=view.kod2_url, env=self.env)

    async def codes(self, invoice_id: int) -> Codes | None:
        """The QR code picture and links of an issued invoice (None: issued without codes)."""
        view = await self.records.get(invoice_id)
        xml = await self.records.xml(invoice_id)
        return await asyncio.to_thread(make_codes, xml, mode=view.mode, ksef_number=view.ksef_number,
                                       kod2_url=view.kod2_url, env=self.env)

    async def upo(self, user_id: int, invoice_id: int) -> bytes:
        """The per-invoice UPO (accepted invoices only): fetched from KSeF the first time, then stored
        (it does not change, and MF asks that its download API does not serve repeated views)."""
        view = await self.get_for_user(user_id, invoice_id)
        if view.ksef_number is None or view.session_reference is None:
            raise ServiceError("upo_not_ready")
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            if row is not None and row.upo is not None:
                return row.upo
        client = await self.clients.get(view.company_id)
        try:
            upo = await client.get_invoice_upo(view.session_reference, ksef_number=view.ksef_number)
        except KsefError:
            raise ServiceError("upo_unavailable") from None
        await self.records.update(invoice_id, upo=upo)
        return upo

    # --- background: reconcile, upload offline invoices, warn before deadlines ---------------------
    async def process_pending(self) -> int:
        """Finish unfinished invoices (reconciling with KSeF first), then queue what the user must hear;
        returns how many outbox rows that queued.

        In a scale-out gateway (``advance_here`` False) the workers do the KSeF part (``advance``) and
        queue the news themselves; this only catches news nobody queued yet."""
        if self.advance_here:
            for invoice_id in await self.unfinished():
                await self.advance(invoice_id)
        return await self.announce_news()

    async def unfinished(self, *, grace: timedelta | None = None) -> list[int]:
        """Invoices not in a final state; with ``grace``, ``prepared`` ones younger than that are left to
        the chat handler that is sending them right now."""
        condition: ColumnElement[bool] = IssuedInvoice.state.in_(UNFINISHED)
        if grace is not None:
            young = and_(IssuedInvoice.state == InvoiceState.PREPARED,
                         IssuedInvoice.updated_at > self.clock() - grace)
            condition = and_(condition, ~young)
        async with self.db.transaction() as session:
            return list((await session.execute(select(IssuedInvoice.id).where(condition)
                                               .order_by(IssuedInvoice.id))).scalars())

    async def advance(self, invoice_id: int) -> bool:
        """One step of the background work on one invoice (send, reconcile, follow, upload offline);
        False when someone else (a chat handler, another worker) holds it now."""
        async with self._lock(invoice_id, wait=False) as got:
            if not got:
                return False
            try:
                await self._advance(invoice_id)
                self.calls.record(True)
            except _UNAVAILABLE as exc:
                ksef_error(exc)  # KSeF still down: try on the next tick
                self.calls.record(False)
            except KsefError as exc:
                ksef_error(exc)
                self.calls.record(isinstance(exc, KsefApiError))  # a 4xx is an answer
                await self.records.update(invoice_id, status_text=str(exc)[:1000])
            return True

    async def _advance(self, invoice_id: int) -> None:
        view = await self.records.get(invoice_id)
        if view.state in (InvoiceState.PREPARED, InvoiceState.WAITING):
            await self._send(invoice_id)
        elif view.state is InvoiceState.SENDING:
            await self._reconcile_sending(view)
        elif view.state is InvoiceState.PROCESSING:
            await self._follow(view)
        elif view.state is InvoiceState.OFFLINE:
            await self._send(invoice_id, offline_mode=True)
        elif view.state is InvoiceState.HELD and self.release_held is not None:
            if await self.release_held(invoice_id):
                await self._send(invoice_id)

    async def announce_news(self, only: int | None = None) -> int:
        """Queue the news of every invoice (or of ``only``) whose state was not told yet, and the deadline
        warnings that are due; returns how many outbox rows that queued."""
        today = self.today()
        # A state not yet told (an offline invoice is told by the handler that issued it offline).
        news = select(IssuedInvoice.id).where(
            IssuedInvoice.state.in_(REPORTED), IssuedInvoice.state != InvoiceState.OFFLINE,
            or_(IssuedInvoice.notified_state.is_(None), IssuedInvoice.notified_state != IssuedInvoice.state))
        # Every unfinished invoice not yet warned about its deadline, deadline near (the exact working-day
        # rule is applied per invoice below).
        near = select(IssuedInvoice.id).where(
            IssuedInvoice.state.in_(UNFINISHED), IssuedInvoice.warned_at.is_(None),
            IssuedInvoice.deadline.is_not(None),
            IssuedInvoice.deadline <= today + timedelta(days=WARN_AHEAD_DAYS))
        if only is not None:
            news, near = news.where(IssuedInvoice.id == only), near.where(IssuedInvoice.id == only)
        async with self.db.transaction() as session:
            told = list((await session.execute(news.order_by(IssuedInvoice.id))).scalars())
            warn = list((await session.execute(near.order_by(IssuedInvoice.id))).scalars())
        queued = 0
        for invoice_id in told:
            if invoice_id not in self._in_chat:  # the handler tells the user itself
                queued += len(await self.announce(invoice_id))
        for invoice_id in warn:
            if invoice_id not in self._in_chat:
                queued += await self._warn_if_due(invoice_id, today)
        return queued

    async def _warn_if_due(self, invoice_id: int, today: date) -> int:
        """The deadline warning of an unfinished invoice, to its issuer and the company's owner (once when
        they are the same person), queued with its mark in one transaction (at least once: the outbox
        delivers what the mark promises)."""
        async with self.db.transaction() as session:
            row = (await session.execute(select(IssuedInvoice).where(IssuedInvoice.id == invoice_id)
                                         .with_for_update())).scalar_one_or_none()
            if row is None or row.warned_at is not None or row.deadline is None \
                    or InvoiceState(row.state) not in UNFINISHED or not warning_due(row.deadline, today):
                return 0
            if row.state != InvoiceState.OFFLINE and row.created_at > self.clock() - ONLINE_GRACE:
                return 0  # an online send normally ends within minutes: warn only about one that is stuck
            row.warned_at = self.clock()
            owners = (await session.execute(select(CompanyMember.user_id).where(
                CompanyMember.company_id == row.company_id, CompanyMember.role == "owner"))).scalars().all()
            recipients = list(dict.fromkeys([row.user_id, *owners]))
            added = 0
            for user_id in recipients:
                user = await session.get(User, user_id)
                if user is None:
                    continue  # the issuer deleted their data
                chat_id = row.chat_id if user_id == row.user_id else user.chat_id
                if await self.outbox.add(
                        session, DEADLINE_WARNING, chat_id=chat_id,
                        payload=DeadlineWarning(row.id, row.deadline), user_id=user_id,
                        company_id=row.company_id,
                        dedupe_key=f"deadline:{row.id}:{row.deadline.isoformat()}:{user_id}") is not None:
                    added += 1
            return added

    # --- internals --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def handled_in_chat(self, invoice_id: int) -> Iterator[None]:
        """While the confirming handler issues and announces, the job does not announce the same news (it
        would be queued once either way; the handler's words and priority fit better)."""
        self._in_chat.add(invoice_id)
        try:
            yield
        finally:
            self._in_chat.discard(invoice_id)

    @contextlib.asynccontextmanager
    async def _lock(self, invoice_id: int, *, wait: bool = True) -> AsyncIterator[bool]:
        """One actor per invoice: across processes when ``locks`` is set (PostgreSQL), else in-process."""
        if self.locks is not None:
            async with self.locks.hold(f"issue:{invoice_id}", wait=wait) as got:
                yield got
            return
        lock = self._locks.setdefault(invoice_id, asyncio.Lock())
        if not wait and lock.locked():
            yield False
            return
        async with lock:
            yield True

    async def _send(self, invoice_id: int, *, offline_mode: bool = False) -> IssuedView:
        view = await self.records.get(invoice_id)
        xml = await self.records.xml(invoice_id)
        corrected = view.corrected_hash if offline_mode else None
        client = await self.clients.get(view.company_id)
        online = await client.sessions.ensure()
        # Recorded before the send: after a crash the invoice is looked up in this session by its hash.
        await self.records.update(invoice_id, session_reference=online.reference_number, attempts=0,
                                  state=InvoiceState.SENDING if not offline_mode else view.state)
        try:
            sent = await client.send_invoice(xml, offline_mode=offline_mode, wait=False,
                                             hash_of_corrected_invoice=corrected)
        except _UNAVAILABLE:
            raise
        except RateLimitedError as exc:
            ksef_error(exc)
            # Refused before acceptance (locally paced or HTTP 429): nothing reached KSeF, retried later.
            return await self.records.update(
                invoice_id, state=InvoiceState.PREPARED if not offline_mode else view.state)
        except KsefApiError as exc:
            ksef_error(exc)
            return await self.records.update(invoice_id, state=InvoiceState.REJECTED,
                                             status_code=exc.code or 400, status_text=_explain_api_error(exc))
        await self.records.update(invoice_id, state=InvoiceState.PROCESSING,
                                  session_reference=sent.session_reference,
                                  invoice_reference=sent.reference_number)
        final = await client.sessions.follow(sent.session_reference, sent.reference_number)
        return await self._record(invoice_id, final)

    async def _follow(self, view: IssuedView) -> IssuedView:
        # Both are recorded when an invoice becomes ``processing``.
        assert view.session_reference is not None and view.invoice_reference is not None
        client = await self.clients.get(view.company_id)
        return await self._record(view.id, await client.invoice_status(view.session_reference,
                                                                       view.invoice_reference))

    async def _reconcile_sending(self, view: IssuedView) -> IssuedView:
        """The send's outcome is unknown: ask the session whether KSeF has this hash before sending."""
        client = await self.clients.get(view.company_id)
        if view.session_reference:
            for sent in await client.session_invoices(view.session_reference):
                if sent.invoice_hash == view.invoice_hash:
                    await self.records.update(view.id, invoice_reference=sent.reference_number,
                                              state=InvoiceState.PROCESSING)
                    if not sent.is_final:
                        sent = await client.sessions.follow(view.session_reference, sent.reference_number)
                    return await self._record(view.id, sent)
        return await self._send(view.id, offline_mode=view.mode != ONLINE)

    async def _record(self, invoice_id: int, sent: SentInvoice) -> IssuedView:
        if sent.warnings:  # e.g. xml-002 (discouraged characters): the user hears of it with the result
            codes = sorted({warning.code for warning in sent.warnings})
            await self.records.update(invoice_id, system_warnings=",".join(codes)[:200])
        if sent.status_code == 200:
            return await self.records.update(invoice_id, state=InvoiceState.ACCEPTED,
                                             ksef_number=sent.ksef_number, status_code=200, status_text=None)
        if sent.status_code == DUPLICATE_CODE:
            original = sent.extensions.get("originalKsefNumber")
            ours = await self._is_ours(invoice_id, original) if original else False
            if ours is None:  # what KSeF holds could not be read now: ask again on the next round
                return await self.records.update(invoice_id, state=InvoiceState.PROCESSING,
                                                 status_code=DUPLICATE_CODE,
                                                 status_text=sent.status_description)
            if ours:
                # KSeF already holds these very bytes (an earlier send): our invoice, never a new one.
                return await self.records.update(invoice_id, state=InvoiceState.ACCEPTED,
                                                 ksef_number=original, status_code=DUPLICATE_CODE,
                                                 status_text=sent.status_description)
        if sent.is_final and sent.status_code in TECHNICAL_REJECTIONS and await self._correct(invoice_id):
            return await self.records.get(invoice_id)
        if sent.is_final:
            text = "; ".join([sent.status_description, *sent.details])[:1000]
            return await self.records.update(invoice_id, state=InvoiceState.REJECTED,
                                             status_code=sent.status_code, status_text=text)
        return await self.records.update(invoice_id, state=InvoiceState.PROCESSING,
                                         status_code=sent.status_code)

    async def _is_ours(self, invoice_id: int, ksef_number: str) -> bool | None:
        """Is the invoice KSeF calls a duplicate byte-for-byte ours? Decided only on the hash of what KSeF
        holds: the duplicate key is seller + number + type, so another program's invoice with our number
        is a duplicate too. None: it could not be read now (429, 5xx, 21165 "not yet available", KSeF
        unreachable): the invoice stays in processing and is asked about again."""
        view = await self.records.get(invoice_id)
        try:
            original = await (await self.clients.get(view.company_id)).download_invoice(ksef_number)
        except KsefApiError as exc:
            if exc.code == ErrorCode.INVOICE_NOT_FOUND:
                return False  # KSeF holds no such invoice for us: nothing of ours to match
            ksef_error(exc)
            return None
        except KsefValidationError:
            return False  # not a KSeF number at all: no invoice can be behind it
        except KsefError as exc:
            ksef_error(exc)
            return None
        return sha256_b64(original) == view.invoice_hash

    async def _correct(self, invoice_id: int) -> bool:
        view = await self.records.get(invoice_id)
        profile = await self.profiles.get(view.company_id)
        return profile is not None and await self.offline.correct(view, profile)

    async def _announced(self) -> AvailabilityState | None:
        """The monitor's state when it opens an offline mode, else None (send online)."""
        if self.availability is None:
            return None
        try:
            state = await self.availability.current()
        except Exception:  # a broken monitor must not stop issuing: fall back to trying KSeF online
            log.warning("availability state unreadable; trying KSeF online")
            return None
        return state if state.offline_mode is not None else None


def _explain_api_error(exc: KsefApiError) -> str:
    return "; ".join(p for p in [exc.description or str(exc), *exc.details] if p)[:1000]
