"""Read-only, display-oriented view of an FA(3) invoice.

`ksef.fa3.parse` produces an :class:`InvoiceSummary` from any FA(3) XML; the PDF
printout and the bot render from it. Fields may be added later, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ksef.fa3.correction.summary import CorrectionSummary


@dataclass(frozen=True)
class PartySummary:
    """Seller or buyer (Podmiot1 / Podmiot2) as printed on the invoice."""

    nip: str | None
    eu_code: str | None
    eu_vat: str | None
    other_id: str | None
    name: str | None
    address_lines: tuple[str, ...]
    country: str | None
    email: str | None
    phone: str | None
    other_id_country: str | None = None  # KodKraju beside NrID (added later, hence the default)


@dataclass(frozen=True)
class LineSummary:
    """One invoice line (FaWiersz)."""

    number: int
    name: str | None
    unit: str | None
    quantity: Decimal | None
    unit_net_price: Decimal | None
    unit_gross_price: Decimal | None
    net: Decimal | None
    gross: Decimal | None
    vat_rate: str | None  # XSD P_12 value: "23", "8", "5", "0 KR", "zw", "np I", "oo"...
    before: bool = False  # StanPrzed: a correction's row showing the position before the correction


@dataclass(frozen=True)
class RateTotal:
    """Totals for one VAT rate (P_13_x / P_14_x); gross = net + vat."""

    rate: str  # P_12 code ("23", "8", "0 KR", "zw", "np II"...), or "taxi" / "oss" / "marza" (P_13_4/5/11)
    label: str  # Polish, e.g. "23%", "zw.", "odwrotne obciążenie"
    net: Decimal
    vat: Decimal
    gross: Decimal
    vat_pln: Decimal | None = None  # P_14_xW: the VAT converted to PLN on foreign-currency invoices


@dataclass(frozen=True)
class DueTerm:
    """A payment term described instead of (or besides) a date: ``TerminOpis``, e.g. 14 dni od
    wystawienia faktury."""

    count: int  # Ilosc
    unit: str  # Jednostka, e.g. "dni"
    event: str  # ZdarzeniePoczatkowe, e.g. "wystawienie faktury"


@dataclass(frozen=True)
class PaymentSummary:
    """Payment terms (Platnosc)."""

    method: str | None  # FormaPlatnosci code "1".."7" (or None when only described)
    method_label: str | None  # Polish label, e.g. "przelew"
    due_dates: tuple[date, ...]
    paid: bool
    paid_date: date | None
    bank_accounts: tuple[str, ...]
    # Added later (with defaults, so existing constructors keep working):
    due_terms: tuple[DueTerm, ...] = ()  # TerminOpis of each TerminPlatnosci that has one


@dataclass(frozen=True)
class InvoiceSummary:
    """Everything a printout of an FA(3) invoice needs."""

    seller: PartySummary
    buyer: PartySummary
    number: str
    issue_date: date
    sale_date: date | None  # P_6; None when not given (then it is the issue date, or see sale_period)
    issue_place: str | None
    currency: str
    invoice_type: str  # RodzajFaktury: "VAT", "KOR", "ZAL", ...
    lines: tuple[LineSummary, ...]
    totals: tuple[RateTotal, ...]
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal
    payment: PaymentSummary | None
    notes: tuple[str, ...]
    exemption_basis: str | None
    created_at: datetime | None
    # Added later (with defaults, so existing constructors keep working):
    sale_period: tuple[date, date] | None = None  # OkresFa (P_6_Od, P_6_Do) instead of a single P_6
    correction: CorrectionSummary | None = None  # what a correction (KOR...) corrects, rows before/after
    exemption_basis_kind: str | None = None  # the element holding exemption_basis: P_19A, P_19B or P_19C
    reverse_charge: bool = False  # Adnotacje/P_18 = 1: "odwrotne obciążenie"
    split_payment: bool = False  # Adnotacje/P_18A = 1: "mechanizm podzielonej płatności"
    exchange_rate: Decimal | None = None  # FaWiersz/KursWaluty when all lines share one (else KursWalutyZ)
    exchange_rate_table: str | None = None  # NBP table number, from our DodatkowyOpis "Kurs waluty"
    exchange_rate_date: date | None = None  # that table's date
