"""The draft of a sales invoice as the chat collects it, and the FA(3) invoice it becomes.

A :class:`Draft` is kept in the chat's dialogue and, once issued, in ``issued_invoices.draft`` (to issue
it again, or to regenerate it for a technical correction), both as the JSON of :meth:`Draft.to_json`.
:meth:`Draft.from_json` reads every shape stored so far.

The draft has ONE pricing method (``prices``: every line's ``unit_price`` is net, or every one is
gross), chosen explicitly: the profile's default, switched only by the user in the preview. Drafts
stored before that had a ``gross`` flag on lines, any of which made the whole invoice gross-priced;
they load with that same meaning, so an old invoice regenerates exactly as it was issued.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from bot.services.errors import ServiceError
from bot.services.seller_profile import ProfileView
from ksef.errors import InvoiceDataError
from ksef.fa3 import Invoice, VatRate, compute_totals, invoice_from_dict, invoice_to_dict

MAX_LINES_IN_CHAT = 50
NET, GROSS = "net", "gross"
PLN = "PLN"
PREVIEW_NUMBER = "PODGLĄD"  # the number a preview carries: the real one is taken at confirmation


@dataclass(frozen=True)
class DraftBuyer:
    """The buyer: a Polish company (NIP), an EU one (VAT number), another foreign one (its tax id) or a
    consumer (none of them); the name is asked after the identifier.

    ``vat_status`` is what MF's VAT taxpayer list said when the NIP was looked up (shown, not printed).
    """

    nip: str | None = None
    name: str = ""
    address: tuple[str, ...] = ()
    eu_code: str | None = None  # with eu_vat: an EU VAT number (country code apart, as FA(3) has it)
    eu_vat: str | None = None
    other_id: str | None = None  # a non-EU tax id, with its country in ``country``
    country: str | None = None  # the address's country code; None: Poland
    vat_status: str | None = None

    @property
    def is_consumer(self) -> bool:
        """True when the buyer has no tax identifier (``BrakID``)."""
        return self.nip is None and self.eu_vat is None and self.other_id is None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"nip": self.nip, "name": self.name, "address": list(self.address)}
        for key in ("eu_code", "eu_vat", "other_id", "country", "vat_status"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> DraftBuyer:
        def text(key: str) -> str | None:
            return str(raw[key]) if raw.get(key) else None

        return cls(nip=text("nip"), name=str(raw.get("name") or ""),
                   address=tuple(str(a) for a in raw.get("address") or ()), eu_code=text("eu_code"),
                   eu_vat=text("eu_vat"), other_id=text("other_id"), country=text("country"),
                   vat_status=text("vat_status"))


@dataclass(frozen=True)
class DraftLine:
    """One line; ``unit_price`` is net or gross as the draft's ``prices`` says."""

    name: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: str
    unit: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "quantity": f"{self.quantity:f}",
                                "unit_price": f"{self.unit_price:f}", "vat_rate": self.vat_rate}
        if self.unit is not None:
            data["unit"] = self.unit
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DraftLine:
        return cls(name=str(data["name"]), quantity=Decimal(str(data["quantity"])),
                   unit_price=Decimal(str(data["unit_price"])), vat_rate=str(data["vat_rate"]),
                   unit=str(data["unit"]) if data.get("unit") is not None else None)

    @property
    def rate(self) -> VatRate:
        return VatRate(self.vat_rate)


@dataclass(frozen=True)
class ExchangeRate:
    """The NBP table A rate fixed into a foreign-currency draft, and the day it was looked up for
    (``ksef.fa3.vatrules.rate_lookup_date``: when that day changes the rate is looked up again)."""

    rate: Decimal  # PLN per unit of the currency
    table: str  # e.g. "236/A/NBP/2026"
    table_date: date
    lookup_date: date

    def to_json(self) -> dict[str, str]:
        return {"rate": f"{self.rate:f}", "table": self.table, "table_date": self.table_date.isoformat(),
                "lookup_date": self.lookup_date.isoformat()}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ExchangeRate:
        return cls(Decimal(str(raw["rate"])), str(raw["table"]), date.fromisoformat(raw["table_date"]),
                   date.fromisoformat(raw["lookup_date"]))


def _day(raw: Any) -> date | None:
    return date.fromisoformat(str(raw)) if raw else None


@dataclass(frozen=True)
class Draft:
    """What the user has said so far; every change gives a new draft.

    Payment: ``method`` is an FA(3) method name (``transfer``, ``cash``, ``card``…; None: no payment
    block); the term is ``payment_days`` (``TerminOpis`` "N dni") or ``due_date``; ``paid_date`` marks
    it paid. ``bank_account`` replaces the profile's account on this invoice only.
    """

    buyer: DraftBuyer | None = None
    lines: tuple[DraftLine, ...] = ()
    payment_days: int | None = None
    method: str | None = None
    prices: str = NET
    due_date: date | None = None
    paid_date: date | None = None
    bank_account: str | None = None
    sale_date: date | None = None
    sale_period: tuple[date, date] | None = None
    currency: str = PLN
    exchange: ExchangeRate | None = None
    split_payment: bool | None = None  # None: not asked (nor marked) yet
    reverse_charge: bool | None = None  # np I lines: "odwrotne obciążenie" when the user says so
    exemption_basis: str | None = None  # the legal basis of "zw" lines (P_19A/B/C)
    exemption_kind: str | None = None  # which of P_19A/B/C holds it

    @property
    def gross_prices(self) -> bool:
        """True when every unit price is gross (art. 106e ust. 7–8)."""
        return self.prices == GROSS

    @property
    def needs_exemption_basis(self) -> bool:
        """A "zw" line without the legal basis FA(3) requires (P_19A/B/C)."""
        return self.exemption_basis is None and any(line.rate is VatRate.ZW for line in self.lines)

    def with_buyer(self, buyer: DraftBuyer) -> Draft:
        return replace(self, buyer=buyer)

    def with_line(self, line: DraftLine) -> Draft:
        return replace(self, lines=(*self.lines, line))

    def with_line_at(self, index: int, line: DraftLine) -> Draft:
        """Line ``index`` (0-based) replaced."""
        return replace(self, lines=(*self.lines[:index], line, *self.lines[index + 1:]))

    def without_line(self, index: int) -> Draft:
        """Line ``index`` (0-based) removed; an exemption basis goes with the last "zw" line."""
        lines = (*self.lines[:index], *self.lines[index + 1:])
        basis = self.exemption_basis if any(line.rate is VatRate.ZW for line in lines) else None
        return replace(self, lines=lines, exemption_basis=basis,
                       exemption_kind=self.exemption_kind if basis else None)

    def again(self, payment_days: int) -> Draft:
        """A new invoice like this one: buyer, lines, prices, currency and payment terms kept; what
        belonged to the old one's dates (sale date or period, payment made, due date, NBP rate) not."""
        days = self.payment_days if self.payment_days is not None or self.due_date is None else payment_days
        return replace(self, sale_date=None, sale_period=None, paid_date=None, due_date=None,
                       payment_days=days, exchange=None)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "buyer": None if self.buyer is None else self.buyer.to_json(),
            "lines": [line.to_json() for line in self.lines], "prices": self.prices,
            "payment_days": self.payment_days, "method": self.method}
        optional: dict[str, Any] = {
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "paid_date": self.paid_date.isoformat() if self.paid_date else None,
            "bank_account": self.bank_account,
            "sale_date": self.sale_date.isoformat() if self.sale_date else None,
            "sale_period": [d.isoformat() for d in self.sale_period] if self.sale_period else None,
            "currency": self.currency if self.currency != PLN else None,
            "exchange": self.exchange.to_json() if self.exchange else None,
            "split_payment": self.split_payment, "reverse_charge": self.reverse_charge,
            "exemption_basis": self.exemption_basis, "exemption_kind": self.exemption_kind}
        data.update({k: v for k, v in optional.items() if v is not None})
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Draft:
        """A stored draft of any shape so far (see the module docstring for the old ``gross`` flag)."""
        raw = data.get("buyer")
        buyer = None if not raw else DraftBuyer.from_json(raw)
        raw_lines = list(data.get("lines") or ())
        gross = data.get("prices") == GROSS or any(line.get("gross") for line in raw_lines)
        days = data.get("payment_days")
        period = data.get("sale_period")
        exchange = data.get("exchange")
        return cls(
            buyer=buyer, lines=tuple(DraftLine.from_json(line) for line in raw_lines),
            payment_days=int(days) if days is not None else None, method=data.get("method") or None,
            prices=GROSS if gross else NET, due_date=_day(data.get("due_date")),
            paid_date=_day(data.get("paid_date")), bank_account=data.get("bank_account") or None,
            sale_date=_day(data.get("sale_date")),
            sale_period=(date.fromisoformat(period[0]), date.fromisoformat(period[1])) if period else None,
            currency=str(data.get("currency") or PLN),
            exchange=ExchangeRate.from_json(exchange) if exchange else None,
            split_payment=data.get("split_payment"), reverse_charge=data.get("reverse_charge"),
            exemption_basis=data.get("exemption_basis") or None,
            exemption_kind=data.get("exemption_kind") or None)


def new_draft(profile: ProfileView) -> Draft:
    """An empty draft with the profile's payment defaults and pricing method."""
    return Draft(payment_days=profile.payment_days, method="transfer" if profile.bank_account else None,
                 prices=GROSS if profile.prices == GROSS else NET)


def data_error(exc: Exception) -> ServiceError:
    """A refusal of ``ksef`` (its Polish text) as a ServiceError the chat shows."""
    return ServiceError("invoice_data", user_message=str(exc))


def _payment(profile: ProfileView, draft: Draft) -> dict[str, Any] | None:
    if draft.method is None and draft.payment_days is None and draft.due_date is None \
            and draft.paid_date is None:
        return None
    method = draft.method or "transfer"
    payment: dict[str, Any] = {"method": method}
    if draft.paid_date is not None:
        # Paid already: a due date would only confuse the buyer (FA(3) Zaplacono + DataZaplaty).
        payment.update(paid=True, paid_date=draft.paid_date.isoformat())
    elif draft.due_date is not None:
        payment["due_date"] = draft.due_date.isoformat()
    elif draft.payment_days is not None:
        payment["due_days"] = draft.payment_days
    account = draft.bank_account or profile.bank_account
    if method == "transfer" and account:
        payment["bank_account"] = account
    return payment


def _buyer(buyer: DraftBuyer) -> dict[str, Any]:
    found = {"nip": buyer.nip, "name": buyer.name, "address": list(buyer.address),
             "eu_code": buyer.eu_code, "eu_vat": buyer.eu_vat, "other_id": buyer.other_id,
             "other_id_country": buyer.country if buyer.other_id else None, "country": buyer.country}
    return {k: v for k, v in found.items() if v}


def invoice_of(profile: ProfileView, draft: Draft, number: str, issue_date: date) -> Invoice:
    """The FA(3) model of a draft (every check of ``ksef.fa3``), or ServiceError with its Polish text."""
    if draft.buyer is None:
        raise ServiceError("no_buyer")
    if not draft.lines:
        raise ServiceError("no_lines")
    if len(draft.lines) > MAX_LINES_IN_CHAT:
        raise ServiceError("too_many_lines", limit=MAX_LINES_IN_CHAT)
    if draft.needs_exemption_basis and not profile.vat_exempt:
        raise ServiceError("exemption_basis_missing")
    data: dict[str, Any] = {
        "number": number, "issue_date": issue_date.isoformat(),
        "prices": draft.prices,
        "seller": {"nip": profile.nip, "name": profile.name, "address": list(profile.address),
                   "vat_exempt": profile.vat_exempt},
        "buyer": _buyer(draft.buyer),
        "lines": [line.to_json() for line in draft.lines],
        "payment": _payment(profile, draft),
        "currency": draft.currency,
        "sale_date": draft.sale_date.isoformat() if draft.sale_date else None,
        "sale_period": {"from": draft.sale_period[0].isoformat(), "to": draft.sale_period[1].isoformat()}
        if draft.sale_period else None,
        "split_payment": bool(draft.split_payment),
        "reverse_charge": draft.reverse_charge if any(
            line.rate is VatRate.NP_I for line in draft.lines) else None,
    }
    if any(line.rate is VatRate.ZW for line in draft.lines) and draft.exemption_basis:
        data["exemption_basis"] = draft.exemption_basis
        data["exemption_basis_kind"] = draft.exemption_kind
    if draft.currency != PLN and draft.exchange is not None:
        data.update(exchange_rate=f"{draft.exchange.rate:f}", exchange_rate_table=draft.exchange.table,
                    exchange_rate_date=draft.exchange.table_date.isoformat())
    try:
        return invoice_from_dict({k: v for k, v in data.items() if v is not None})
    except InvoiceDataError as exc:
        raise data_error(exc) from None


def preview_version(invoice: Invoice) -> str:
    """A short digest of everything the invoice will say (the number aside): a preview's buttons carry
    it, so a Confirm issues exactly the version its preview showed."""
    content = invoice_to_dict(invoice)
    content["number"] = PREVIEW_NUMBER
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Preview:
    """The invoice as it will be issued (number aside) and its totals, for the user to confirm."""

    invoice: Invoice
    net: Decimal
    vat: Decimal
    gross: Decimal
    rates: tuple[tuple[str, Decimal, Decimal, Decimal], ...]  # (label, net, vat, gross) per rate
    version: str = ""  # preview_version(invoice)
    line_values: tuple[Decimal, ...] = ()  # quantity × price of each line, rounded (net or gross)
    vat_pln: tuple[tuple[str, Decimal], ...] = ()  # (label, VAT in PLN) per taxed rate, foreign currency


def preview_of(invoice: Invoice) -> Preview:
    totals = compute_totals(invoice)
    vat_pln = tuple((r.label, r.vat_pln) for r in totals.rates if r.vat_pln is not None and r.vat)
    return Preview(invoice, totals.net, totals.vat, totals.gross,
                   tuple((r.label, r.net, r.vat, r.gross) for r in totals.rates),
                   preview_version(invoice), totals.line_values, vat_pln)
