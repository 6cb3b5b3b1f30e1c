"""The seller profile: collected once, repeated on every invoice (name, address, VAT status, defaults)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from bot.services.access import require_member
from bot.services.errors import ServiceError
from bot.services.numbering import DEFAULT_PATTERN, RESETS, check_pattern
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
          "prices")


@dataclass(frozen=True)
class ProfileChange:
    """A change someone other than the owner made: whom to tell (the owner) and what changed."""

    owner_chat_id: int
    owner_language: str
    nip: str
    changed_by: int
    changes: tuple[tuple[str, str, str], ...]  # (field, old value, new value), shown as text


@dataclass(frozen=True)
class SavedProfile:
    profile: ProfileView
    change: ProfileChange | None  # None: the owner saved it, or nothing changed


def _shown(view: ProfileView | None) -> dict[str, str]:
    if view is None:
        return dict.fromkeys(FIELDS, "—")
    return {"name": view.name, "address": ", ".join(view.address),
            "vat_exempt": "zw" if view.vat_exempt else "VAT",
            "bank_account": format_account(view.bank_account) if view.bank_account else "—",
            "default_rate": view.default_rate, "payment_days": str(view.payment_days),
            "pattern": view.pattern, "prices": view.prices}


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

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

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
                   prices: str = "net") -> SavedProfile:
        """Validate everything (as the invoice builder would) and store it.

        Any member may save the profile, but only the owner may change the bank account customers pay
        to (ServiceError ``account_owner_only``); a change by anyone else is returned for the owner."""
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
        before = await self.get(company_id)
        async with self.db.transaction() as session:
            member = await require_member(session, user_id, company_id)
            row = await session.get(SellerProfile, company_id, with_for_update=True)
            if member.role != "owner" and bank_account != (row.bank_account if row else None):
                raise ServiceError("account_owner_only")
            if row is None:
                row = SellerProfile(company_id=company_id)
                session.add(row)
            row.name, row.address, row.vat_exempt, row.bank_account = name, address, vat_exempt, bank_account
            row.default_rate, row.payment_days, row.pattern, row.reset = rate, payment_days, pattern, reset
            row.prices = prices
            row.updated_at = self.clock()
            owner = (await session.execute(
                select(User.chat_id, User.language).join(CompanyMember, CompanyMember.user_id == User.id)
                .where(CompanyMember.company_id == company_id, CompanyMember.role == "owner"))).first()
        found = await self.get(company_id)
        assert found is not None
        old, new = _shown(before), _shown(found)
        changes = tuple((field, old[field], new[field]) for field in FIELDS if old[field] != new[field])
        change = None
        if member.role != "owner" and changes and owner is not None:
            change = ProfileChange(owner.chat_id, owner.language, found.nip, user_id, changes)
        return SavedProfile(found, change)

    async def set_correction_pattern(self, user_id: int, company_id: int, pattern: str) -> ProfileView:
        """The numbering pattern of corrections (their own series, e.g. ``KOR/{n}/{YYYY}``); it restarts
        monthly when it shows the month, else yearly, so it must show the period (``check_pattern``)."""
        cleaned = check_pattern(pattern, "monthly" if "{MM}" in pattern else "yearly")
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            row = await session.get(SellerProfile, company_id)
            if row is None:
                raise ServiceError("no_profile")
            row.correction_pattern, row.updated_at = cleaned, self.clock()
        found = await self.get(company_id)
        assert found is not None
        return found
