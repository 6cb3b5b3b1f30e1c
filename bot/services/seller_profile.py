"""The seller profile: collected once, repeated on every invoice (name, address, VAT status, defaults)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.pacing import Priority
from bot.services.access import require_member
from bot.services.errors import ServiceError
from bot.services.numbering import DEFAULT_PATTERN, RESETS, check_pattern
from bot.services.outbox import JsonObject, Kind, Outbox, json_int, json_str
from bot.services.ports import Clock
from bot.store.db import Database
from bot.store.models import Company, CompanyMember, User
from bot.store.models_issuing import SellerProfile
from ksef.banking import format_account, normalize_account
from ksef.errors import BankAccountError, InvoiceDataError
from ksef.fa3 import Seller, VatRate
from ksef.fa3.textrules import sanitize
from ksef.plinput import InputError, parse_payment_term, parse_vat_rate

MAX_PAYMENT_DAYS = 365
_STEP = timedelta(microseconds=1)
PRICING_METHODS = ("net", "gross")


@dataclass(frozen=True)
class ProfileView:
    company_id: int
    nip: str
    name: str
    address: tuple[str, ...]
    vat_exempt: bool
    bank_account: str | None
    default_rate: str
    payment_days: int
    pattern: str
    reset: str
    prices: str = "net"  # the pricing method new drafts start with: "net" or "gross"
    correction_pattern: str = "KOR/{n}/{YYYY}"  # corrections' own numbering series


# The profile's fields as the owner is told about a change (the label keys are ``pf.field.<name>``).
FIELDS = ("name", "address", "vat_exempt", "bank_account", "default_rate", "payment_days", "pattern",
          "prices", "correction_pattern")


@dataclass(frozen=True)
class FieldChange:
    """One field of the profile as shown before and after a change."""

    field: str  # one of FIELDS
    old: str
    new: str


@dataclass(frozen=True)
class ProfileChanged:
    """The payload of the owner's notice: what someone else changed in the seller profile (the values as
    they were then: a later change does not rewrite an earlier notice)."""

    nip: str
    changed_by: int  # the member's Telegram user id
    changes: tuple[FieldChange, ...]

    def to_json(self) -> JsonObject:
        return {"nip": self.nip, "changed_by": self.changed_by,
                "changes": [[c.field, c.old, c.new] for c in self.changes]}

    @classmethod
    def from_json(cls, data: JsonObject) -> ProfileChanged:
        raw = data.get("changes")
        changes = []
        for item in raw if isinstance(raw, list) else []:
            if isinstance(item, list) and len(item) == 3:
                field, old, new = item
                if isinstance(field, str) and isinstance(old, str) and isinstance(new, str):
                    changes.append(FieldChange(field, old, new))
        return cls(json_str(data, "nip"), json_int(data, "changed_by"), tuple(changes))


PROFILE_CHANGED = Kind("profile.changed", ProfileChanged.from_json, Priority.NOTIFICATION)


def _shown(row: SellerProfile | None) -> dict[str, str]:
    if row is None:
        return dict.fromkeys(FIELDS, "—")
    return {"name": row.name, "address": ", ".join(row.address),
            "vat_exempt": "zw" if row.vat_exempt else "VAT",
            "bank_account": format_account(row.bank_account) if row.bank_account else "—",
            "default_rate": row.default_rate, "payment_days": str(row.payment_days),
            "pattern": row.pattern, "prices": row.prices or "net",
            "correction_pattern": row.correction_pattern or "—"}


def check_name(text: str) -> str:
    """The seller's name as printed (characters KSeF flags, pasted from elsewhere, removed)."""
    return _seller_field("x", sanitize(text).text, ("-",)).name


def check_address(text: str) -> list[str]:
    """One or two lines (split on a newline or on ``;``), cleaned like :func:`check_name`."""
    lines = [part.strip() for part in sanitize(text).text.replace(";", "\n").splitlines() if part.strip()]
    return list(_seller_field("Nazwa", None, tuple(lines)).address)


def _seller_field(name: str, real_name: str | None, address: tuple[str, ...]) -> Seller:
    try:
        return Seller(nip="5260250274", name=real_name if real_name is not None else name, address=address)
    except InvoiceDataError as exc:
        raise ServiceError("invoice_data", user_message=exc.message) from None


def check_account(text: str) -> str | None:
    if text.strip() in ("-", "brak", "none"):
        return None
    try:
        return normalize_account(text)
    except BankAccountError as exc:
        raise ServiceError("invoice_data", user_message=str(exc)) from None


def check_rate(text: str) -> str:
    """A VAT rate typed the usual ways ("23 %", "zw.", "np.")."""
    try:
        return parse_vat_rate(text).value
    except InputError as exc:
        raise ServiceError("invoice_data", user_message=exc.message) from None


def check_days(text: str) -> int:
    """The default payment term in days: "14", "14 dni", "2 tygodnie" (a date is no default)."""
    try:
        term = parse_payment_term(text, today=date.today())
    except InputError:
        raise ServiceError("days_invalid", limit=MAX_PAYMENT_DAYS) from None
    if term.days is None or not 0 <= term.days <= MAX_PAYMENT_DAYS:
        raise ServiceError("days_invalid", limit=MAX_PAYMENT_DAYS)
    return term.days


class SellerProfileService:
    """Read and save the seller profile of a company."""

    def __init__(self, db: Database, clock: Clock, outbox: Outbox) -> None:
        self.db, self.clock, self.outbox = db, clock, outbox

    async def get(self, company_id: int) -> ProfileView | None:
        async with self.db.transaction() as session:
            row = await session.get(SellerProfile, company_id)
            company = await session.get(Company, company_id)
            if row is None or company is None:
                return None
            return ProfileView(company_id, company.nip, row.name, tuple(row.address), row.vat_exempt,
                               row.bank_account, row.default_rate, row.payment_days, row.pattern, row.reset,
                               row.prices or "net", row.correction_pattern)

    async def save(self, user_id: int, company_id: int, *, name: str, address: list[str], vat_exempt: bool,
                   bank_account: str | None, default_rate: str, payment_days: int,
                   pattern: str = DEFAULT_PATTERN, reset: str = "monthly",
                   prices: str = "net") -> ProfileView:
        """Validate everything (as the invoice builder would) and store it.

        Any member may save the profile, but only the owner may change the bank account customers pay
        to (ServiceError ``account_owner_only``); a change by anyone else is told to the owner (an outbox
        row in the same transaction)."""
        name = check_name(name)
        address = check_address("\n".join(address))
        rate = check_rate(default_rate)
        if vat_exempt and rate != VatRate.ZW.value:
            rate = VatRate.ZW.value  # an art. 113 seller issues only "zw" lines
        if reset not in RESETS:
            raise ServiceError("reset_invalid")
        if prices not in PRICING_METHODS:
            raise ServiceError("prices_invalid")
        pattern = check_pattern(pattern, reset)
        async with self.db.transaction() as session:
            member = await require_member(session, user_id, company_id)
            row = await session.get(SellerProfile, company_id, with_for_update=True)
            if member.role != "owner" and bank_account != (row.bank_account if row else None):
                raise ServiceError("account_owner_only")
            before = _shown(row)
            if row is None:
                row = SellerProfile(company_id=company_id)
                session.add(row)
            row.name, row.address, row.vat_exempt, row.bank_account = name, address, vat_exempt, bank_account
            row.default_rate, row.payment_days, row.pattern, row.reset = rate, payment_days, pattern, reset
            row.prices = prices
            await self._changed(session, row, before, member)
        found = await self.get(company_id)
        assert found is not None
        return found

    async def set_correction_pattern(self, user_id: int, company_id: int, pattern: str) -> ProfileView:
        """The numbering pattern of corrections (their own series, e.g. ``KOR/{n}/{YYYY}``); it restarts
        monthly when it shows the month, else yearly, so it must show the period (``check_pattern``)."""
        cleaned = check_pattern(pattern, "monthly" if "{MM}" in pattern else "yearly")
        async with self.db.transaction() as session:
            member = await require_member(session, user_id, company_id)
            row = await session.get(SellerProfile, company_id, with_for_update=True)
            if row is None:
                raise ServiceError("no_profile")
            before = _shown(row)
            row.correction_pattern = cleaned
            await self._changed(session, row, before, member)
        found = await self.get(company_id)
        assert found is not None
        return found

    async def _changed(self, session: AsyncSession, row: SellerProfile, before: dict[str, str],
                       member: CompanyMember) -> None:
        """Stamp the change and, when someone other than the owner made it, queue the owner's notice in
        the same transaction (stored with the change, or neither)."""
        # Strictly increasing per profile, even on a clock that stands still (tests) or steps back: the
        # stamp names this change in the notice's dedupe key.
        previous = row.updated_at
        now = self.clock()
        row.updated_at = max(now, previous + _STEP) if previous is not None else now
        if member.role == "owner":
            return
        after = _shown(row)
        changes = tuple(FieldChange(field, before[field], after[field]) for field in FIELDS
                        if before[field] != after[field])
        owner = (await session.execute(
            select(User.id, User.chat_id).join(CompanyMember, CompanyMember.user_id == User.id)
            .where(CompanyMember.company_id == row.company_id, CompanyMember.role == "owner"))).first()
        company = await session.get(Company, row.company_id)
        if not changes or owner is None or company is None:
            return
        await self.outbox.add(session, PROFILE_CHANGED, chat_id=owner.chat_id, user_id=owner.id,
                              company_id=row.company_id,
                              payload=ProfileChanged(company.nip, member.user_id, changes),
                              dedupe_key=f"profile:{row.company_id}:{row.updated_at.isoformat()}:{owner.id}")
