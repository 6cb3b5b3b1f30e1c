"""The payment card of a supplier invoice ("Zapłać"): what to pay, to whom, with which title and QR
code, the check of the account against MF's VAT taxpayer list, and "Zapłać wszystkie" (one transfer
for every unpaid invoice of one supplier, under a collective identifier, IZ, created in KSeF).

No Telegram here; ``bot.chat.pay`` shows the card. Decisions (``docs/payments.md`` §5):

- The QR code (ZBP Standard 2D) is for transfers in złoty only: a foreign-currency invoice gets the
  text fields and no code. An amount above 9 999,99 zł (the code's limit) gives a code without the
  amount (``000000``: the payer types it) and the amount as text.
- The VAT-list check is stored on the invoice (account, answer, ``requestId``, day); asked again the
  same day for the same account it is read from the row (no request). Only a Polish account of a
  seller with a Polish NIP can be on the list; anything else is "not checkable", said plainly.
- The 15 000 zł warning (art. 19 of the Entrepreneurs' Law; art. 22p PIT / 15d CIT; art. 117ba VAT):
  the invoice's gross amount in złoty above 15 000 zł and the account not on the list. A foreign-
  currency invoice is converted at NBP's rate of the day before paying, which the bot does not know
  ahead: its warning is given whenever the account is not on the list, with that condition spelled
  out. A collective payment is judged by its total (the conservative reading).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

import httpx
from sqlalchemy import select

from bot.services.access import require_member
from bot.services.errors import AccessDenied, ServiceError
from bot.services.ksef_clients import KsefClients
from bot.services.ports import Clock
from bot.store.db import Database
from bot.store.models_inbox import ReceivedInvoice
from ksef.banking import normalize_account
from ksef.client import KsefClient
from ksef.collective import NUMBERS_PER_LIST_CALL, CollectiveInvoice
from ksef.errors import (
    BankAccountError,
    KsefApiError,
    KsefError,
    RateLimitedError,
    WhiteListDailyLimitError,
    WhiteListError,
    WhiteListServerError,
    WhiteListTimeoutError,
    WhiteListUnavailableError,
)
from ksef.fa3.model import PaymentMethod
from ksef.identifiers import nip_is_valid
from ksef.offline import today_in_poland
from ksef.transfer_qr import (
    TransferQr,
    TransferQrRefused,
    TransferRequest,
    TransferTitle,
    transfer_qr,
    transfer_title,
)
from ksef.whitelist import WhiteListClient

log = logging.getLogger(__name__)

WL_THRESHOLD = Decimal("15000.00")  # zł: above it an account off the list costs the payer (see above)
MAX_COLLECTIVE = 500  # KSeF's default limit of invoices in one IZ
# FormaPlatnosci codes settled at the counter: shown, never taken as "paid" without Zaplacono=1
# (a card may also be charged later, and the supplier's invoice is the only evidence we have).
COUNTER_METHODS = frozenset({PaymentMethod.CASH.value, PaymentMethod.CARD.value, PaymentMethod.MOBILE.value})


class ListStatus(StrEnum):
    """What MF's VAT taxpayer list said about the account."""

    ASSIGNED = "assigned"  # TAK: the account is the active VAT taxpayer's
    NOT_ASSIGNED = "not_assigned"  # NIE
    NOT_CHECKABLE = "not_checkable"  # a foreign account or a seller without a Polish NIP
    BAD_ACCOUNT = "bad_account"  # a Polish account number that fails its checksum: a typo, or worse
    LIMIT = "limit"  # today's requests to MF are used up
    UNAVAILABLE = "unavailable"  # MF did not answer (or refused the request)


@dataclass(frozen=True)
class ListCheck:
    """The VAT-list answer for the account on the card; ``request_id`` is the proof to keep."""

    status: ListStatus
    request_id: str | None = None
    checked_on: date | None = None


@dataclass(frozen=True)
class PayCard:
    """Everything the payment card shows."""

    invoice_id: int
    company_id: int
    seller_name: str
    seller_nip: str
    invoice_number: str
    ksef_number: str
    currency: str
    gross: Decimal | None
    to_pay: Decimal | None  # what is left to pay (None: the stored amount is not a number)
    accounts: tuple[str, ...]
    account_index: int
    split_payment: bool
    payment_method: str | None
    paid: bool
    due_date: date | None
    title: TransferTitle | None
    title_problem: str | None  # why there is no title (a malformed number; the text is the library's)
    qr: TransferQr | TransferQrRefused | None  # None: foreign currency, or nothing left to pay
    white_list: ListCheck | None  # None: no account to check
    warn_threshold: bool  # the account is off the list and the amount is above 15 000 zł (see above)
    unpaid_of_seller: int  # unpaid invoices of this supplier in this company, this one included
    gross_text: str = ""  # the gross amount as stored (shown when it is not a number)
    paid_source: str | None = None  # "xml" | "user" when paid
    collective_id: str | None = None  # set on a "Zapłać wszystkie" card
    invoice_numbers: tuple[str, ...] = ()  # the invoices a collective card pays

    @property
    def account(self) -> str | None:
        return self.accounts[self.account_index] if self.accounts else None


class PayAllProblem(StrEnum):
    """Why "Zapłać wszystkie" made no IZ."""

    TOO_FEW = "too_few"  # fewer than two unpaid invoices of the supplier in that currency
    NO_LOGIN = "no_login"  # the company cannot log in to KSeF
    REFUSED = "refused"  # KSeF refused (message kept)
    UNAVAILABLE = "unavailable"  # KSeF did not answer


class PayAllError(Exception):
    """No IZ: ``problem`` says why, ``detail`` carries KSeF's own words when it refused."""

    def __init__(self, problem: PayAllProblem, detail: str = "") -> None:
        super().__init__(problem.value)
        self.problem, self.detail = problem, detail


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except ArithmeticError:
        return None
    return value if value.is_finite() else None


def _polish_nip(nip: str) -> str | None:
    clean = "".join(nip.split()).upper().removeprefix("PL")
    return clean if len(clean) == 10 and clean.isdigit() and nip_is_valid(clean) else None


def accounts_of(inv: ReceivedInvoice) -> tuple[str, ...]:
    """Every account of the invoice, the stored list first (older rows have only ``bank_account``)."""
    found = [a for a in (inv.bank_accounts or []) if isinstance(a, str) and a.strip()]
    if not found and inv.bank_account:
        found = [inv.bank_account]
    return tuple(dict.fromkeys(found))


def outstanding(inv: ReceivedInvoice) -> Decimal | None:
    """What is left to pay as a decimal of the invoice's currency."""
    minor = inv.outstanding_minor()
    return None if minor is None else Decimal(minor) / 100


class PayCards:
    """Builds payment cards; checks accounts on the VAT list; creates the IZ of "Zapłać wszystkie"."""

    def __init__(self, db: Database, clock: Clock, white_list: WhiteListClient, clients: KsefClients) -> None:
        self.db, self.clock, self.white_list, self.clients = db, clock, white_list, clients
        self._pay_all_locks: dict[tuple[int, str], asyncio.Lock] = {}

    async def _load(self, user_id: int, invoice_id: int) -> tuple[ReceivedInvoice, list[ReceivedInvoice]]:
        """The invoice (member only) and the unpaid invoices of its supplier in the same currency."""
        async with self.db.transaction() as session:
            inv = await session.get(ReceivedInvoice, invoice_id)
            if inv is None:
                raise AccessDenied()
            await require_member(session, user_id, inv.company_id)
            same = (await session.execute(select(ReceivedInvoice).where(
                ReceivedInvoice.company_id == inv.company_id, ReceivedInvoice.seller_nip == inv.seller_nip,
                ReceivedInvoice.currency == inv.currency, ReceivedInvoice.paid_at.is_(None))
                # NULL due dates last on every backend (SQLite and PostgreSQL sort NULL differently)
                .order_by(ReceivedInvoice.due_date.is_(None), ReceivedInvoice.due_date, ReceivedInvoice.id)
                .limit(MAX_COLLECTIVE)
            )).scalars().all()
            unpaid = [i for i in same if (i.outstanding_minor() or 0) > 0]
            session.expunge_all()
            return inv, unpaid

    async def card(self, user_id: int, invoice_id: int, account_index: int = 0) -> PayCard:
        """The card of one invoice, paying to its account ``account_index`` (the first by default; an index
        past the list falls back to the first). :class:`AccessDenied` for a non-member or a gone invoice."""
        inv, unpaid = await self._load(user_id, invoice_id)
        accounts = accounts_of(inv)
        index = account_index if 0 <= account_index < len(accounts) else 0
        to_pay = outstanding(inv)
        title, problem = _title(inv.invoice_number, ksef_number=inv.ksef_number)
        account = accounts[index] if accounts else None
        paid = inv.paid_at is not None
        check = None if account is None or paid else await self._check(inv.seller_nip, account, [inv.id])
        gross = _decimal(inv.gross)
        return PayCard(
            invoice_id=inv.id, company_id=inv.company_id, seller_name=inv.seller_name,
            seller_nip=inv.seller_nip,
            invoice_number=inv.invoice_number, ksef_number=inv.ksef_number, currency=inv.currency,
            gross=gross, to_pay=to_pay, accounts=accounts, account_index=index,
            split_payment=bool(inv.split_payment), payment_method=inv.payment_method, paid=paid,
            due_date=inv.due_date, title=title, title_problem=problem,
            qr=_code(account, to_pay, inv.currency, inv.seller_name, inv.seller_nip, title,
                     bool(inv.split_payment)),
            white_list=check, warn_threshold=_warn(check, gross, inv.currency),
            unpaid_of_seller=len(unpaid),
            gross_text=inv.gross, paid_source=inv.paid_source)

    async def pay_all(self, user_id: int, invoice_id: int) -> PayCard:
        """One IZ in KSeF for every unpaid invoice of this invoice's supplier (same currency), stored on
        each invoice; the card pays their total under it. Pressed again with the same invoices, the stored
        IZ is reused (no second IZ). :class:`PayAllError` when there is no IZ to pay."""
        inv, unpaid = await self._load(user_id, invoice_id)
        if len(unpaid) < 2:
            raise PayAllError(PayAllProblem.TOO_FEW)
        lock = self._pay_all_locks.setdefault((inv.company_id, inv.seller_nip), asyncio.Lock())
        async with lock:
            inv, unpaid = await self._load(user_id, invoice_id)  # what another press stored meanwhile
            if len(unpaid) < 2:
                raise PayAllError(PayAllProblem.TOO_FEW)
            iz = await self._stored_collective(inv.company_id, unpaid)
            if iz is None:
                iz = await self._create(inv.company_id, unpaid)
                await self._store_collective(iz, [i.id for i in unpaid])
        total = sum((outstanding(i) or Decimal(0) for i in unpaid), Decimal(0))
        numbers = tuple(i.invoice_number for i in unpaid)
        title, problem = _title(None, collective_id=iz, invoice_numbers=numbers)
        accounts = accounts_of(inv)
        account = accounts[0] if accounts else None
        ids = [i.id for i in unpaid]
        check = None if account is None else await self._check(inv.seller_nip, account, ids)
        return PayCard(
            invoice_id=inv.id, company_id=inv.company_id, seller_name=inv.seller_name,
            seller_nip=inv.seller_nip,
            invoice_number=inv.invoice_number, ksef_number=inv.ksef_number, currency=inv.currency,
            gross=total, to_pay=total, accounts=accounts[:1], account_index=0,
            split_payment=any(i.split_payment for i in unpaid), payment_method=inv.payment_method, paid=False,
            due_date=min((i.due_date for i in unpaid if i.due_date), default=None), title=title,
            title_problem=problem,
            qr=_code(account, total, inv.currency, inv.seller_name, inv.seller_nip, title,
                     any(i.split_payment for i in unpaid)),
            white_list=check, warn_threshold=_warn(check, total, inv.currency), unpaid_of_seller=len(unpaid),
            gross_text=str(total), collective_id=iz, invoice_numbers=numbers)

    async def _create(self, company_id: int, invoices: Sequence[ReceivedInvoice]) -> str:
        """A new IZ — unless KSeF already holds one of this company for exactly these invoices and amounts
        (created by an earlier press whose answer never got stored: a timeout, a crash)."""
        items = [CollectiveInvoice(i.ksef_number, outstanding(i), i.currency) for i in invoices]
        try:
            client = await self.clients.get(company_id)
            found = await _existing(client, items)
            if found is not None:
                return found
            return await client.create_collective_identifier(items)
        except ServiceError as exc:
            raise PayAllError(PayAllProblem.NO_LOGIN) from exc
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise PayAllError(PayAllProblem.UNAVAILABLE) from exc
        except RateLimitedError as exc:
            raise PayAllError(PayAllProblem.UNAVAILABLE) from exc
        except KsefApiError as exc:
            log.info("company %s: IZ refused (%s %s)", company_id, exc.http_status, exc.code)
            if exc.http_status >= 500:
                raise PayAllError(PayAllProblem.UNAVAILABLE) from exc
            raise PayAllError(PayAllProblem.REFUSED, "; ".join(exc.details) or exc.description) from exc
        except KsefError as exc:  # no answer, an answer we cannot read
            log.info("company %s: IZ not created (%s)", company_id, type(exc).__name__)
            raise PayAllError(PayAllProblem.UNAVAILABLE) from exc

    async def _stored_collective(self, company_id: int, unpaid: Sequence[ReceivedInvoice]) -> str | None:
        """The IZ stored on every one of ``unpaid`` and on no other invoice (one paid since, or a new one,
        means another set of invoices: a new IZ)."""
        stored = {i.collective_id for i in unpaid}
        if len(stored) != 1 or None in stored:
            return None
        iz = stored.pop()
        async with self.db.transaction() as session:
            members = (await session.execute(select(ReceivedInvoice.id).where(
                ReceivedInvoice.company_id == company_id, ReceivedInvoice.collective_id == iz)
            )).scalars().all()
        return iz if set(members) == {i.id for i in unpaid} else None

    async def _store_collective(self, iz: str, invoice_ids: list[int]) -> None:
        async with self.db.transaction() as session:
            rows = (await session.execute(select(ReceivedInvoice).where(
                ReceivedInvoice.id.in_(invoice_ids)))).scalars().all()
            for row in rows:
                row.collective_id = iz

    async def _check(self, seller_nip: str, account: str, invoice_ids: list[int]) -> ListCheck:
        """The account on MF's list today: from the invoice when checked today, else asked and stored."""
        nip = _polish_nip(seller_nip)
        try:
            nrb = normalize_account(account)
        except BankAccountError:
            compact = "".join(account.split()).upper()
            polish = compact.startswith("PL") or compact.isdigit()
            return ListCheck(ListStatus.BAD_ACCOUNT if polish else ListStatus.NOT_CHECKABLE)
        if nip is None:
            return ListCheck(ListStatus.NOT_CHECKABLE)
        today = today_in_poland(self.clock())
        async with self.db.transaction() as session:
            first = await session.get(ReceivedInvoice, invoice_ids[0])
            if first is not None and first.wl_checked_on == today and first.wl_account == nrb \
                    and first.wl_assigned is not None:
                return ListCheck(ListStatus.ASSIGNED if first.wl_assigned else ListStatus.NOT_ASSIGNED,
                                 first.wl_request_id, today)
        try:
            answer = await self.white_list.check_account(nip, nrb)
        except WhiteListDailyLimitError:
            return ListCheck(ListStatus.LIMIT)
        except (WhiteListUnavailableError, WhiteListTimeoutError, WhiteListServerError) as exc:
            log.info("white list unavailable for a payment check: %s", type(exc).__name__)
            return ListCheck(ListStatus.UNAVAILABLE)
        except WhiteListError as exc:  # MF refused the question itself: we cannot say more than "not checked"
            log.warning("white list refused an account check: %s %s", type(exc).__name__, exc.code or "")
            return ListCheck(ListStatus.UNAVAILABLE)
        async with self.db.transaction() as session:
            rows = (await session.execute(select(ReceivedInvoice).where(
                ReceivedInvoice.id.in_(invoice_ids)))).scalars().all()
            for row in rows:
                row.wl_account, row.wl_assigned = nrb, answer.assigned
                row.wl_request_id, row.wl_checked_on = answer.request_id[:64], answer.date
        return ListCheck(ListStatus.ASSIGNED if answer.assigned else ListStatus.NOT_ASSIGNED,
                         answer.request_id, answer.date)


async def _existing(client: KsefClient, items: Sequence[CollectiveInvoice]) -> str | None:
    """The newest IZ created in this context whose invoices and amounts are exactly ``items`` (two
    read-only calls: the IZs of the first invoice, then the invoices of up to ten of them)."""
    wanted = {(i.ksef_number, i.amount) for i in items}
    of_first = await client.collective_identifiers_of(items[0].ksef_number)
    candidates = [iz.number for iz in of_first if iz.created_in_current_context
                  and iz.invoice_count in (None, len(items))][:NUMBERS_PER_LIST_CALL]
    if not candidates:
        return None
    listed: dict[str, set[tuple[str, Decimal | None]]] = {}
    for entry in await client.collective_identifier_invoices(candidates):
        listed.setdefault(entry.collective_identifier_number, set()).add((entry.ksef_number, entry.amount))
    return next((number for number in candidates if listed.get(number) == wanted), None)


def _title(invoice_number: str | None, *, ksef_number: str | None = None, collective_id: str | None = None,
           invoice_numbers: Sequence[str] = ()) -> tuple[TransferTitle | None, str | None]:
    """The transfer title; a KSeF number or IZ with a wrong checksum gives no title (never a wrong one)."""
    try:
        return transfer_title(invoice_number, ksef_number=ksef_number, collective_id=collective_id,
                              invoice_numbers=invoice_numbers), None
    except KsefError as exc:
        return None, str(exc)


def _code(account: str | None, amount: Decimal | None, currency: str, name: str, nip: str,
          title: TransferTitle | None, split: bool) -> TransferQr | TransferQrRefused | None:
    """The Standard 2D code, its refusal, or None where no code applies (foreign currency, nothing to pay,
    no account or no title)."""
    if account is None or amount is None or amount <= 0 or title is None or currency != "PLN":
        return None
    request = TransferRequest(account, amount, name, title, recipient_nip=_polish_nip(nip),
                              split_payment=split)
    return transfer_qr(request, manual_amount_over_limit=True)


def _warn(check: ListCheck | None, amount: Decimal | None, currency: str) -> bool:
    if check is None or check.status is not ListStatus.NOT_ASSIGNED:
        return False
    if currency != "PLN":
        return True  # its złoty value is only known on the day of paying: warn (see the module docstring)
    return amount is not None and amount > WL_THRESHOLD
