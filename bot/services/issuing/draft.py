"""The draft of a sales invoice as the chat collects it, and the FA(3) invoice it becomes.

A :class:`Draft` is kept in the chat's dialogue and, once issued, in ``issued_invoices.draft`` (to issue
it again, or to regenerate it for a technical correction), both as the JSON of :meth:`Draft.to_json`.
:meth:`Draft.from_json` reads every shape stored so far.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bot.services.errors import ServiceError
from bot.services.seller_profile import ProfileView
from ksef.errors import InvoiceDataError
from ksef.fa3 import Invoice, compute_totals, invoice_from_dict

MAX_LINES_IN_CHAT = 50


@dataclass(frozen=True)
class DraftBuyer:
    """The buyer: a company (NIP) or a consumer (no NIP); the name is asked after the NIP."""

    nip: str | None = None
    name: str = ""
    address: tuple[str, ...] = ()


@dataclass(frozen=True)
class DraftLine:
    """One line as typed: ``unit_price`` is gross when ``gross`` (the whole invoice then has gross prices)."""

    name: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: str
    unit: str | None = None
    gross: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "quantity": f"{self.quantity:f}",
                                "unit_price": f"{self.unit_price:f}", "vat_rate": self.vat_rate}
        if self.unit is not None:
            data["unit"] = self.unit
        if self.gross:
            data["gross"] = True
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DraftLine:
        return cls(name=str(data["name"]), quantity=Decimal(str(data["quantity"])),
                   unit_price=Decimal(str(data["unit_price"])), vat_rate=str(data["vat_rate"]),
                   unit=str(data["unit"]) if data.get("unit") is not None else None,
                   gross=bool(data.get("gross")))


@dataclass(frozen=True)
class Draft:
    """What the user has said so far; every change gives a new draft."""

    buyer: DraftBuyer | None = None
    lines: tuple[DraftLine, ...] = ()
    payment_days: int | None = None
    method: str | None = None  # FA(3) payment method name (``transfer``); None: not printed

    @property
    def gross_prices(self) -> bool:
        """A line typed with ``brutto`` makes the whole invoice one with gross prices."""
        return any(line.gross for line in self.lines)

    def with_buyer(self, buyer: DraftBuyer) -> Draft:
        return replace(self, buyer=buyer)

    def with_line(self, line: DraftLine) -> Draft:
        return replace(self, lines=(*self.lines, line))

    def without_last_line(self) -> Draft:
        return replace(self, lines=self.lines[:-1])

    def without_lines(self) -> Draft:
        return replace(self, lines=())

    def to_json(self) -> dict[str, Any]:
        buyer = None if self.buyer is None else {
            "nip": self.buyer.nip, "name": self.buyer.name, "address": list(self.buyer.address)}
        return {"buyer": buyer, "lines": [line.to_json() for line in self.lines],
                "prices": "gross" if self.gross_prices else "net", "payment_days": self.payment_days,
                "method": self.method}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Draft:
        """A stored draft (``prices`` is derived from the lines, so an old value is not read)."""
        raw = data.get("buyer")
        buyer = None if not raw else DraftBuyer(
            nip=raw.get("nip") or None, name=str(raw.get("name") or ""),
            address=tuple(str(a) for a in raw.get("address") or ()))
        days = data.get("payment_days")
        return cls(buyer=buyer, lines=tuple(DraftLine.from_json(line) for line in data.get("lines") or ()),
                   payment_days=int(days) if days is not None else None, method=data.get("method") or None)


def new_draft(profile: ProfileView) -> Draft:
    """An empty draft with the profile's payment defaults."""
    return Draft(payment_days=profile.payment_days, method="transfer" if profile.bank_account else None)


def data_error(exc: Exception) -> ServiceError:
    """A refusal of ``ksef`` (its Polish text) as a ServiceError the chat shows."""
    return ServiceError("invoice_data", user_message=str(exc))


def invoice_of(profile: ProfileView, draft: Draft, number: str, issue_date: date) -> Invoice:
    """The FA(3) model of a draft (every check of ``ksef.fa3``), or ServiceError with its Polish text."""
    if draft.buyer is None:
        raise ServiceError("no_buyer")
    if not draft.lines:
        raise ServiceError("no_lines")
    if len(draft.lines) > MAX_LINES_IN_CHAT:
        raise ServiceError("too_many_lines", limit=MAX_LINES_IN_CHAT)
    payment: dict[str, Any] | None = None
    if draft.method or draft.payment_days is not None:
        payment = {"method": draft.method or "transfer"}
        if draft.payment_days is not None:
            payment["due_date"] = (issue_date + timedelta(days=draft.payment_days)).isoformat()
        if payment["method"] == "transfer" and profile.bank_account:
            payment["bank_account"] = profile.bank_account
    buyer = draft.buyer
    parties = (("nip", buyer.nip), ("name", buyer.name), ("address", list(buyer.address)))
    lines = []
    for line in draft.lines:
        item = line.to_json()
        item.pop("gross", None)
        lines.append(item)
    data = {
        "number": number, "issue_date": issue_date.isoformat(),
        "prices": "gross" if draft.gross_prices else "net",
        "seller": {"nip": profile.nip, "name": profile.name, "address": list(profile.address),
                   "vat_exempt": profile.vat_exempt},
        "buyer": {k: v for k, v in parties if v},
        "lines": lines,
        "payment": payment,
    }
    try:
        return invoice_from_dict(data)
    except InvoiceDataError as exc:
        raise data_error(exc) from None


@dataclass(frozen=True)
class Preview:
    """The invoice as it will be issued (number aside) and its totals, for the user to confirm."""

    invoice: Invoice
    net: Decimal
    vat: Decimal
    gross: Decimal
    rates: tuple[tuple[str, Decimal, Decimal, Decimal], ...]  # (label, net, vat, gross) per rate


def preview_of(invoice: Invoice) -> Preview:
    totals = compute_totals(invoice)
    return Preview(invoice, totals.net, totals.vat, totals.gross,
                   tuple((r.label, r.net, r.vat, r.gross) for r in totals.rates))
