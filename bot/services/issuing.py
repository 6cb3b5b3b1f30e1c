"""Issuing sales invoices: draft → preview → number + exact XML stored → KSeF → printout.

Nothing is lost and nothing is sent twice: the invoice row (state ``prepared``, XML bytes, SHA-256)
is committed before any byte goes to KSeF; the session reference is recorded before the send, so
after a crash :meth:`IssuingService.process_pending` first looks the invoice up in that session by its
hash and only sends when KSeF has never seen it. One in-process lock per invoice keeps the chat
handler and the background job from working on the same invoice at once (single bot process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_der_private_key
from sqlalchemy import ColumnElement, and_, or_, select

from bot.metrics import ksef_error
from bot.services.access import require_member
from bot.services.cert_login import KsefLogin
from bot.services.certificates import CertificateService
from bot.services.companies import CompanyService
from bot.services.contractors import ContractorService
from bot.services.errors import ServiceError
from bot.services.numbering import next_number
from bot.services.offline_queue import warning_due
from bot.services.ports import Clock, SecretBox
from bot.services.seller_profile import ProfileView, SellerProfileService
from bot.store.db import Database
from bot.store.locks import NamedLocks
from bot.store.models import Company
from bot.store.models_issuing import UNFINISHED_STATES, IssuedInvoice
from ksef import qr
from ksef.amounts import parse_amount, parse_quantity
from ksef.availability import AvailabilityState
from ksef.client import KsefClient
from ksef.crypto import sha256_b64
from ksef.environments import Environment, resolve_environment
from ksef.errors import (
    AmountError,
    InvoiceDataError,
    KsefApiError,
    KsefError,
    KsefServerError,
    KsefUnavailableError,
    RateLimitedError,
)
from ksef.fa3 import Invoice, VatRate, build, compute_totals, invoice_from_dict, parse
from ksef.identifiers import nip_is_valid, normalize_nip
from ksef.models import SentInvoice
from ksef.offline import OfflineMode, SendDeadlines, send_deadlines, today_in_poland
from ksef.pdf import (
    LABEL_CERTIFICATE,
    LABEL_OFFLINE,
    OfflineQr,
    QrBlock,
    render_summary_pdf,
    verification_codes,
)

log = logging.getLogger(__name__)

MAX_LINES_IN_CHAT = 50
FOLLOW_SECONDS = 20.0  # how long a confirmation waits for the KSeF number before the job takes over
DUPLICATE_CODE = 440
TECHNICAL_REJECTIONS = (430, 435, 450)  # offline invoices rejected for these get a technical correction
_UNAVAILABLE = (KsefUnavailableError, KsefServerError)
# "<name> <qty> [unit] x <price> [brutto] [rate]" — e.g. "Usługa programistyczna 1 x 5000 23%".
_LINE = re.compile(
    r"^(?P<name>.+?)\s+(?P<qty>-?[\d.,]+)\s*(?P<unit>[^\W\d_][\w.]*)?\s*[x×*]\s*(?P<price>\S+)"
    r"(?:\s+(?P<gross>brutto|netto))?(?:\s+(?P<rate>\S+))?$", re.IGNORECASE | re.DOTALL)
_NIP_PREFIX = re.compile(r"^(?:PL)?(?P<nip>\d{3}-?\d{3}-?\d{2}-?\d{2}|\d{10})\s+(?P<rest>.+)$", re.DOTALL)


# ----------------------------------------------------------------------------------------------- parsing

def _data_error(exc: InvoiceDataError | AmountError) -> ServiceError:
    return ServiceError("invoice_data", user_message=str(exc))


def check_buyer_nip(text: str) -> str:
    """A buyer's NIP (digits, dashes and a ``PL`` prefix allowed) or ServiceError ``nip_invalid``."""
    nip = normalize_nip(text)
    if not nip_is_valid(nip):
        raise ServiceError("nip_invalid", nip=text.strip()[:20])
    return nip


def parse_line(text: str, default_rate: str) -> dict[str, Any]:
    """One invoice line typed as ``Usługa 2 szt x 150,50 [brutto] [23%]`` → draft line dict."""
    match = _LINE.match(" ".join(text.split()))
    if match is None:
        raise ServiceError("line_format")
    try:
        quantity = parse_quantity(match["qty"])
        price = parse_amount(match["price"].removesuffix("zł").removesuffix("PLN"), max_decimals=8)
        rate = VatRate.parse(match["rate"] or default_rate).value
    except (AmountError, InvoiceDataError) as exc:
        raise _data_error(exc) from None
    line = {"name": match["name"], "quantity": f"{quantity:f}", "unit": match["unit"] or "szt.",
            "unit_price": f"{price:f}", "vat_rate": rate}
    if (match["gross"] or "").lower() == "brutto":
        line["gross"] = True
    return line


def parse_fast_path(text: str, default_rate: str) -> tuple[str | None, dict[str, Any]]:
    """``/wystaw 5260250274 Usługa 1 x 5000 23%`` (arguments only) → (buyer NIP or None, line)."""
    match = _NIP_PREFIX.match(text.strip())
    if match is None:
        return None, parse_line(text, default_rate)
    return check_buyer_nip(match["nip"]), parse_line(match["rest"], default_rate)


def new_draft(profile: ProfileView) -> dict[str, Any]:
    """An empty draft with the profile's payment defaults."""
    return {"buyer": None, "lines": [], "prices": "net", "payment_days": profile.payment_days,
            "method": "transfer" if profile.bank_account else None}


def invoice_of(profile: ProfileView, draft: dict[str, Any], number: str, issue_date: date) -> Invoice:
    """The FA(3) model of a draft (every check of ``ksef.fa3``), or ServiceError with its Polish text."""
    buyer = draft.get("buyer")
    lines = draft.get("lines") or []
    if not buyer:
        raise ServiceError("no_buyer")
    if not lines:
        raise ServiceError("no_lines")
    if len(lines) > MAX_LINES_IN_CHAT:
        raise ServiceError("too_many_lines", limit=MAX_LINES_IN_CHAT)
    gross = any(line.get("gross") for line in lines)
    payment: dict[str, Any] | None = None
    days = draft.get("payment_days")
    if draft.get("method") or days is not None:
        payment = {"method": draft.get("method") or "transfer"}
        if days is not None:
            payment["due_date"] = (issue_date + timedelta(days=int(days))).isoformat()
        if payment["method"] == "transfer" and profile.bank_account:
            payment["bank_account"] = profile.bank_account
    data = {
        "number": number, "issue_date": issue_date.isoformat(), "prices": "gross" if gross else "net",
        "seller": {"nip": profile.nip, "name": profile.name, "address": list(profile.address),
                   "vat_exempt": profile.vat_exempt},
        "buyer": {k: v for k, v in buyer.items() if k in ("nip", "name", "address") and v},
        "lines": [{k: v for k, v in line.items() if k != "gross"} for line in lines],
        "payment": payment,
    }
    try:
        return invoice_from_dict(data)
    except InvoiceDataError as exc:
        raise _data_error(exc) from None


# ----------------------------------------------------------------------------------------------- views

@dataclass(frozen=True)
class Preview:
    invoice: Invoice
    net: Decimal
    vat: Decimal
    gross: Decimal
    rates: tuple[tuple[str, Decimal, Decimal, Decimal], ...]


@dataclass(frozen=True)
class IssuedView:
    id: int
    company_id: int
    chat_id: int
    language: str
    number: str
    issue_date: date
    state: str
    mode: str
    ksef_number: str | None
    status_code: int | None
    status_text: str | None
    invoice_hash: str
    deadline: date | None
    legal_deadline: date | None
    notified_state: str | None
    session_reference: str | None


def _view(row: IssuedInvoice) -> IssuedView:
    return IssuedView(row.id, row.company_id, row.chat_id, row.language, row.number, row.issue_date,
                      row.state, row.mode, row.ksef_number, row.status_code, row.status_text,
                      row.invoice_hash, row.deadline, row.legal_deadline, row.notified_state,
                      row.session_reference)


@dataclass(frozen=True)
class Printout:
    """What the user receives: the PDF, the QR image(s), the XML and the links the codes carry."""

    pdf: bytes
    kod1_png: bytes | None  # None: issued during a total failure (no codes printed)
    kod1_url: str | None
    xml: bytes
    file_stem: str
    kod2_png: bytes | None = None
    kod2_url: str | None = None


@dataclass
class Notice:
    """Something the background job found that the user must hear about."""

    invoice: IssuedView
    kind: str  # accepted | rejected | processing | waiting | deadline
    params: dict[str, Any] = field(default_factory=dict)


class AvailabilityReader(Protocol):
    """The part of ``bot.services.availability.AvailabilityService`` issuing reads."""

    async def current(self) -> AvailabilityState: ...


def _deadlines(mode: OfflineMode, issue_date: date, announced: AvailabilityState | None,
               today: date) -> SendDeadlines:
    """Deadlines of an offline invoice; while an announced window has no end yet, it is taken to end
    today (the earliest possible end, so the deadline is never later than the legal one)."""
    end = announced.window_end if announced is not None else None
    end_day = today_in_poland(end) if end is not None else today
    failure_end = announced.last_failure_end if announced is not None else None
    failure_day = today_in_poland(failure_end) if failure_end is not None else today
    if mode is OfflineMode.OFFLINE:
        return send_deadlines(mode, issue_date, unavailability_end=end_day)
    if mode is OfflineMode.AWARYJNY:
        return send_deadlines(mode, issue_date, failure_ends=[failure_day])
    return send_deadlines(mode, issue_date)


# ----------------------------------------------------------------------------------------------- service

class IssuingService:
    """Use cases of issuing; the chat layer renders and delivers what these return."""

    def __init__(self, db: Database, companies: CompanyService, profiles: SellerProfileService,
                 contractors: ContractorService, certificates: CertificateService, environment: str,
                 clock: Clock) -> None:
        self.db, self.companies, self.profiles = db, companies, profiles
        self.contractors, self.certificates, self.clock = contractors, certificates, clock
        self.environment = environment
        self.env: Environment = resolve_environment(environment)
        self._clients: dict[int, tuple[KsefClient, float]] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._in_chat: set[int] = set()  # invoices a chat handler is issuing and telling the user about
        self.follow_seconds = FOLLOW_SECONDS
        self.availability: AvailabilityReader | None = None  # set by the composition root (issue 7)
        # Set by the composition root (issue 8): the company's login, certificate or token.
        self.logins: Callable[[int], Awaitable[KsefLogin | None]] | None = None
        self.pace = True  # keep to KSeF's published limits (False only for a simulator with limits off)
        self.idle_session = timedelta(minutes=10)
        # Scale-out (bot.jobs): cross-process locks, and the gateway leaves KSeF work to the workers.
        self.locks: NamedLocks | None = None
        self.advance_here = True

    @classmethod
    def create(cls, db: Database, vault: SecretBox, environment: str, clock: Clock) -> IssuingService:
        """With its own (stateless) helper services, for the composition root."""
        return cls(db, CompanyService(db, vault, clock), SellerProfileService(db, clock),
                   ContractorService(db, clock), CertificateService(db, vault, clock), environment, clock)

    # --- drafts -----------------------------------------------------------------------------------
    async def company_for(self, user_id: int) -> int:
        """The company the user works on (the active one, or the only one)."""
        companies = await self.companies.list(user_id)
        if not companies:
            raise ServiceError("no_company")
        active = [c for c in companies if c.active]
        return (active or companies)[0].id

    async def profile(self, company_id: int) -> ProfileView:
        found = await self.profiles.get(company_id)
        if found is None:
            raise ServiceError("no_profile")
        return found

    def today(self) -> date:
        return today_in_poland(self.clock())

    async def preview(self, company_id: int, draft: dict[str, Any]) -> Preview:
        """Validate the draft as the real invoice would be and compute its totals."""
        invoice = invoice_of(await self.profile(company_id), draft, "PODGLĄD", self.today())
        totals = compute_totals(invoice)
        return Preview(invoice, totals.net, totals.vat, totals.gross,
                       tuple((r.label, r.net, r.vat, r.gross) for r in totals.rates))

    # --- issuing ----------------------------------------------------------------------------------
    async def prepare(self, user_id: int, chat_id: int, company_id: int, draft: dict[str, Any],
                      language: str = "pl") -> IssuedView:
        """Allocate the number, build and validate FA(3), store the exact bytes (state ``prepared``)."""
        profile = await self.profile(company_id)
        issue_date = self.today()
        invoice_of(profile, draft, "X", issue_date)  # refuse bad data before a number is taken
        async with self.db.transaction() as session:
            number = await next_number(session, company_id, profile.pattern, profile.reset, issue_date)
            await require_member(session, user_id, company_id)
            try:
                xml = build(invoice_of(profile, draft, number, issue_date), created_at=self.clock())
            except KsefError as exc:
                raise ServiceError("invoice_data", user_message=str(exc)) from None
            buyer = draft["buyer"]
            if buyer.get("nip"):
                await self.contractors.remember(session, company_id, buyer["nip"], buyer["name"],
                                                list(buyer.get("address") or []))
            now = self.clock()
            row = IssuedInvoice(company_id=company_id, user_id=user_id, chat_id=chat_id, language=language,
                                number=number, issue_date=issue_date, draft=draft, xml=xml,
                                invoice_hash=sha256_b64(xml), state="prepared", mode="online", attempts=0,
                                created_at=now, updated_at=now)
            session.add(row)
            await session.flush()
            return _view(row)

    async def issue(self, invoice_id: int, *, offline: bool = False) -> IssuedView:
        """Send a prepared invoice online (or issue it offline when asked or when KSeF is down)."""
        async with self._lock(invoice_id):
            current = await self.get(invoice_id)
            if current.state != "prepared":
                return current  # a background job (another worker) got to it first: never send twice
            announced = None if offline else await self._announced()
            if announced is not None:  # KSeF announced unavailability: no online attempt
                return await self._go_offline(invoice_id, announced.offline_mode or OfflineMode.OFFLINE24,
                                              announced)
            if offline:
                return await self._go_offline(invoice_id, OfflineMode.OFFLINE24)
            try:
                return await self._send(invoice_id)
            except _UNAVAILABLE as exc:
                ksef_error(exc)
                view = await self.get(invoice_id)
                if view.state in ("sending", "prepared"):
                    return await self._go_offline(invoice_id, OfflineMode.OFFLINE24)
                return view  # KSeF has it; the job follows the status up
            except (KsefError, ServiceError) as exc:
                if isinstance(exc, KsefError):
                    ksef_error(exc)
                # E.g. a revoked token: the invoice stays stored and the job tries again later.
                text = exc.user_message if isinstance(exc, ServiceError) else str(exc)
                return await self._update(invoice_id, status_text=(text or type(exc).__name__)[:1000])

    async def get(self, invoice_id: int) -> IssuedView:
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            if row is None:
                raise ServiceError("invoice_unknown")
            return _view(row)

    async def get_for_user(self, user_id: int, invoice_id: int) -> IssuedView:
        view = await self.get(invoice_id)
        async with self.db.transaction() as session:
            await require_member(session, user_id, view.company_id)
        return view

    async def draft_of(self, user_id: int, invoice_id: int) -> dict[str, Any]:
        """A past invoice's draft, to issue it again."""
        await self.get_for_user(user_id, invoice_id)
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            assert row is not None
            return dict(row.draft)

    async def mark_notified(self, invoice_id: int, state: str) -> None:
        await self._update(invoice_id, notified_state=state)

    async def printout(self, invoice_id: int) -> Printout:
        """PDF + KOD I image (labelled with the KSeF number, or OFFLINE) + XML; KOD II for offline ones."""
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            if row is None:
                raise ServiceError("invoice_unknown")
            xml, mode, ksef_number = row.xml, row.mode, row.ksef_number
            kod2, number = row.kod2_url, row.number
        summary = parse(xml)
        stem = re.sub(r"[^\w.-]+", "_", number)
        if mode == OfflineMode.TOTAL_FAILURE.value:
            return Printout(render_summary_pdf(summary, kod1=None), None, None, xml, stem)
        if mode == "online":
            kod1, _ = verification_codes(xml, summary, env=self.env, ksef_number=ksef_number)
            assert kod1 is not None
            pdf = render_summary_pdf(summary, kod1=kod1, ksef_number=ksef_number)
            return Printout(pdf, qr.qr_png(kod1.url, kod1.label), kod1.url, xml, stem)
        kod1_link = qr.kod1_url(self.env, summary.seller.nip or "", summary.issue_date, xml)
        kod1 = QrBlock(kod1_link, LABEL_OFFLINE)
        kod2_block = QrBlock(kod2, LABEL_CERTIFICATE) if kod2 else None
        pdf = render_summary_pdf(summary, kod1=kod1, kod2=kod2_block)
        return Printout(pdf, qr.qr_png(kod1.url, kod1.label), kod1.url, xml, stem,
                        qr.qr_png(kod2, LABEL_CERTIFICATE) if kod2 else None, kod2)

    async def upo(self, user_id: int, invoice_id: int) -> bytes:
        """The per-invoice UPO from KSeF (accepted invoices only)."""
        view = await self.get_for_user(user_id, invoice_id)
        if view.ksef_number is None or view.session_reference is None:
            raise ServiceError("upo_not_ready")
        client = await self._client(view.company_id)
        try:
            return await client.get_invoice_upo(view.session_reference, ksef_number=view.ksef_number)
        except KsefError:
            raise ServiceError("upo_unavailable") from None

    # --- background: reconcile, upload offline invoices, warn before deadlines ---------------------
    async def process_pending(self) -> list[Notice]:
        """Finish unfinished invoices (reconciling with KSeF first); returns what the user must hear.

        In a scale-out gateway (``advance_here`` False) the workers do the KSeF part (``advance``) and
        this only collects the news to tell."""
        if self.advance_here:
            for invoice_id in await self.unfinished():
                await self.advance(invoice_id)
        return await self._notices()

    async def unfinished(self, *, grace: timedelta | None = None) -> list[int]:
        """Invoices not in a final state; with ``grace``, ``prepared`` ones younger than that are left to
        the chat handler that is sending them right now."""
        condition: ColumnElement[bool] = IssuedInvoice.state.in_(UNFINISHED_STATES)
        if grace is not None:
            young = and_(IssuedInvoice.state == "prepared", IssuedInvoice.updated_at > self.clock() - grace)
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
            except _UNAVAILABLE as exc:
                ksef_error(exc)  # KSeF still down: try on the next tick
            except KsefError as exc:
                ksef_error(exc)
                await self._update(invoice_id, status_text=str(exc)[:1000])
            return True

    async def _advance(self, invoice_id: int) -> None:
        view = await self.get(invoice_id)
        if view.state == "prepared" or view.state == "waiting":
            await self._send(invoice_id)
        elif view.state == "sending":
            await self._reconcile_sending(view)
        elif view.state == "processing":
            await self._follow(view)
        elif view.state == "offline":
            await self._send(invoice_id, offline_mode=True)

    async def _notices(self) -> list[Notice]:
        notices: list[Notice] = []
        today = self.today()
        async with self.db.transaction() as session:
            states = ("accepted", "rejected", "processing", "waiting", "offline")
            # Only rows with news: a state not yet told, or an offline invoice not yet warned about.
            news = or_(IssuedInvoice.notified_state.is_(None),
                       IssuedInvoice.notified_state != IssuedInvoice.state,
                       and_(IssuedInvoice.state == "offline", IssuedInvoice.warned_at.is_(None)))
            rows = list((await session.execute(
                select(IssuedInvoice).where(IssuedInvoice.state.in_(states), news))).scalars())
            for row in rows:
                if row.id in self._in_chat:
                    continue  # the handler tells the user itself
                view = _view(row)
                if row.state == "offline" and row.warned_at is None and warning_due(row.deadline, today):
                    row.warned_at = self.clock()  # at most one warning (sent right after this commit)
                    notices.append(Notice(view, "deadline"))
                elif row.state != row.notified_state and row.state not in ("offline",):
                    notices.append(Notice(view, row.state))
        return notices

    async def close_idle(self) -> None:
        """Close the online sessions nobody used for a while (KSeF then prepares the session UPO)."""
        now = asyncio.get_running_loop().time()
        for company_id, (client, used) in list(self._clients.items()):
            if now - used > self.idle_session.total_seconds():
                self._clients.pop(company_id, None)
                with contextlib.suppress(KsefError):
                    await client.close_session()
                await client.aclose()

    async def aclose(self) -> None:
        for client, _ in self._clients.values():
            await client.aclose()
        self._clients.clear()

    # --- internals --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def handled_in_chat(self, invoice_id: int) -> Iterator[None]:
        """While the confirming handler issues and delivers, the job does not report the same news."""
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

    async def _update(self, invoice_id: int, **values: Any) -> IssuedView:
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            assert row is not None
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = self.clock()
            return _view(row)

    async def _client(self, company_id: int) -> KsefClient:
        found = self._clients.get(company_id)
        loop_now = asyncio.get_running_loop().time()
        if found is not None:
            self._clients[company_id] = (found[0], loop_now)
            return found[0]
        certificate = None
        if self.logins is not None:
            login = await self.logins(company_id)
            nip, token = (login.nip, login.token) if login else (None, None)
            certificate = login.certificate if login else None
        else:
            token = await self.companies.ksef_token(company_id)
            async with self.db.transaction() as session:
                company = await session.get(Company, company_id)
                nip = company.nip if company else None
        if nip is None or (token is None and certificate is None):
            raise ServiceError("no_token")
        client = KsefClient(self.env, nip=nip, token=token, certificate=certificate, max_retries=1,
                            max_wait=10.0, pace=self.pace)
        client.sessions.status_timeout = self.follow_seconds
        self._clients[company_id] = (client, loop_now)
        return client

    async def _send(self, invoice_id: int, *, offline_mode: bool = False) -> IssuedView:
        view = await self.get(invoice_id)
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            assert row is not None
            xml, corrected = row.xml, row.corrected_hash if offline_mode else None
        client = await self._client(view.company_id)
        online = await client.sessions.ensure()
        # Recorded before the send: after a crash the invoice is looked up in this session by its hash.
        await self._update(invoice_id, session_reference=online.reference_number, attempts=0,
                           state="sending" if not offline_mode else view.state)
        try:
            sent = await client.send_invoice(xml, offline_mode=offline_mode, wait=False,
                                             hash_of_corrected_invoice=corrected)
        except _UNAVAILABLE:
            raise
        except RateLimitedError as exc:
            ksef_error(exc)
            # Refused before acceptance (locally paced or HTTP 429): nothing reached KSeF, retried later.
            return await self._update(invoice_id, state="prepared" if not offline_mode else view.state)
        except KsefApiError as exc:
            ksef_error(exc)
            return await self._update(invoice_id, state="rejected", status_code=exc.code or 400,
                                      status_text=_explain_api_error(exc))
        await self._update(invoice_id, state="processing", session_reference=sent.session_reference,
                           invoice_reference=sent.reference_number)
        final = await client.sessions.follow(sent.session_reference, sent.reference_number)
        return await self._record(invoice_id, final)

    async def _follow(self, view: IssuedView) -> IssuedView:
        assert view.session_reference is not None
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, view.id)
            assert row is not None
            ref = row.invoice_reference
        assert ref is not None
        client = await self._client(view.company_id)
        return await self._record(view.id, await client.invoice_status(view.session_reference, ref))

    async def _reconcile_sending(self, view: IssuedView) -> IssuedView:
        """The send's outcome is unknown: ask the session whether KSeF has this hash before sending."""
        client = await self._client(view.company_id)
        if view.session_reference:
            for sent in await client.session_invoices(view.session_reference):
                if sent.invoice_hash == view.invoice_hash:
                    await self._update(view.id, invoice_reference=sent.reference_number, state="processing")
                    if not sent.is_final:
                        sent = await client.sessions.follow(view.session_reference, sent.reference_number)
                    return await self._record(view.id, sent)
        return await self._send(view.id, offline_mode=view.mode != "online")

    async def _record(self, invoice_id: int, sent: SentInvoice) -> IssuedView:
        if sent.status_code == 200:
            return await self._update(invoice_id, state="accepted", ksef_number=sent.ksef_number,
                                      status_code=200, status_text=None)
        if sent.status_code == DUPLICATE_CODE:
            original = sent.extensions.get("originalKsefNumber")
            if original and await self._is_ours(invoice_id, original):
                # KSeF already holds these very bytes (an earlier send): our invoice, never a new one.
                return await self._update(invoice_id, state="accepted", ksef_number=original,
                                          status_code=DUPLICATE_CODE, status_text=sent.status_description)
        if sent.is_final and sent.status_code in TECHNICAL_REJECTIONS and await self._correct(invoice_id):
            return await self.get(invoice_id)
        if sent.is_final:
            text = "; ".join([sent.status_description, *sent.details])[:1000]
            return await self._update(invoice_id, state="rejected", status_code=sent.status_code,
                                      status_text=text)
        return await self._update(invoice_id, state="processing", status_code=sent.status_code)

    async def _is_ours(self, invoice_id: int, ksef_number: str) -> bool:
        """Is the invoice KSeF calls a duplicate byte-for-byte ours? (Same number, other content: no.)"""
        view = await self.get(invoice_id)
        try:
            original = await (await self._client(view.company_id)).download_invoice(ksef_number)
        except KsefError:
            return True  # UNCONFIRMED reading: KSeF matched seller + number + type; trust it over nothing
        return sha256_b64(original) == view.invoice_hash

    async def _correct(self, invoice_id: int) -> bool:
        """Technical correction (DIGEST 12.2) of an offline invoice KSeF rejected for technical reasons:
        the same invoice regenerated, sent once more with ``hashOfCorrectedInvoice``. Only one try."""
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            assert row is not None
            if row.mode == "online" or row.corrected_hash is not None:
                return False
            draft, number, issue_date = dict(row.draft), row.number, row.issue_date
            rejected_hash, company_id = row.invoice_hash, row.company_id
        profile = await self.profile(company_id)
        try:
            xml = build(invoice_of(profile, draft, number, issue_date), created_at=self.clock())
        except (KsefError, ServiceError):
            return False
        await self._update(invoice_id, xml=xml, invoice_hash=sha256_b64(xml), corrected_hash=rejected_hash,
                           state="offline", session_reference=None, invoice_reference=None)
        await self._go_offline(invoice_id, OfflineMode(await self._mode(invoice_id)))  # new KOD II
        return True

    async def _mode(self, invoice_id: int) -> str:
        return (await self.get(invoice_id)).mode

    async def _announced(self) -> AvailabilityState | None:
        """The monitor's state when it opens an offline mode (issue 7), else None (send online)."""
        if self.availability is None:
            return None
        try:
            state = await self.availability.current()
        except Exception:  # a broken monitor must not stop issuing: fall back to trying KSeF online
            log.warning("availability state unreadable; trying KSeF online")
            return None
        return state if state.offline_mode is not None else None

    async def _go_offline(self, invoice_id: int, mode: OfflineMode,
                          announced: AvailabilityState | None = None) -> IssuedView:
        """Issue the stored invoice offline: KOD II signed with the company's Offline certificate."""
        view = await self.get(invoice_id)
        if mode is OfflineMode.TOTAL_FAILURE:
            # Total failure announced: no sending obligation and no codes; the invoice is kept as issued.
            return await self._update(invoice_id, state="kept", mode=mode.value)
        material = await self.certificates.signing_material(view.company_id)
        if material is None:
            # Not issued offline without KOD II; kept and sent online as soon as KSeF answers.
            return await self._update(invoice_id, state="waiting")
        key = load_der_private_key(material.key_der, password=None)
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            assert row is not None
            xml = row.xml
        summary = parse(xml)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ServiceError("cert_invalid")
        _, kod2 = verification_codes(xml, summary, env=self.env, offline=OfflineQr(material.serial_hex, key))
        assert kod2 is not None
        deadlines = _deadlines(mode, view.issue_date, announced, self.today())
        return await self._update(invoice_id, state="offline", mode=mode.value, kod2_url=kod2.url,
                                  deadline=deadlines.conservative, legal_deadline=deadlines.legal)


def _explain_api_error(exc: KsefApiError) -> str:
    return "; ".join(p for p in [exc.description or str(exc), *exc.details] if p)[:1000]

