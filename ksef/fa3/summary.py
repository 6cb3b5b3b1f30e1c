"""Read-only, display-oriented view of an FA(3) invoice.

`ksef.fa3.parse` produces an :class:`InvoiceSummary` from any FA(3) XML; the PDF
printout and the bot render from it. Fields may be added later, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


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
class PartialPayment:
    """One ``ZaplataCzesciowa``: an amount paid on a day (in the invoice's currency)."""

    amount: Decimal
    day: date


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
    partial_payments: tuple[PartialPayment, ...] = ()  # ZaplataCzesciowa: paid before the invoice was issued
    paid_in_parts: bool = False  # ZnacznikZaplatyCzesciowej = 2: the parts paid it in full


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


# --------------------------------------------------------------------------- corrections
# What a correction (``RodzajFaktury`` KOR, KOR_ZAL, KOR_ROZ) corrects: :func:`ksef.fa3.parse` fills
# :attr:`InvoiceSummary.correction`; the printout and the bot render from it.

#: ``TypKorekty`` codes: when the correction takes effect in the VAT records (FA(3) XSD ``TTypKorekty``).
CORRECTION_TYPE_LABELS: dict[str, str] = {
    "1": "w dacie ujęcia faktury korygowanej",
    "2": "w dacie wystawienia faktury korygującej",
    "3": "w innej dacie",
}


@dataclass(frozen=True)
class CorrectedInvoiceSummary:
    """One ``DaneFaKorygowanej``: the invoice this one corrects."""

    number: str | None
    issue_date: date | None
    ksef_number: str | None
    outside_ksef: bool  # NrKSeFN: the corrected invoice was issued outside KSeF


def _difference(before: Decimal | None, after: Decimal | None) -> Decimal | None:
    if before is None and after is None:
        return None
    return (after or Decimal(0)) - (before or Decimal(0))


def _get(line: LineSummary | None, name: str) -> Decimal | None:
    value = getattr(line, name) if line is not None else None
    return value if isinstance(value, Decimal) else None


@dataclass(frozen=True)
class LineChangeSummary:
    """One corrected position: its row before the correction (``StanPrzed``), its row after, or both.

    A position only "after" was added (or the row states a difference); only "before" was removed.
    """

    number: int
    before: LineSummary | None
    after: LineSummary | None

    @property
    def quantity_difference(self) -> Decimal | None:
        """After − before quantity (``P_8B``); None when neither row states one."""
        return _difference(_get(self.before, "quantity"), _get(self.after, "quantity"))

    @property
    def net_difference(self) -> Decimal | None:
        """After − before net value (``P_11``); None for gross-priced rows."""
        return _difference(_get(self.before, "net"), _get(self.after, "net"))


@dataclass(frozen=True)
class CorrectionSummary:
    """The correction part of a corrective invoice (``PrzyczynaKorekty`` … ``Podmiot2K``, rows)."""

    reason: str | None  # PrzyczynaKorekty
    correction_type: str | None  # TypKorekty "1" | "2" | "3"
    corrected: tuple[CorrectedInvoiceSummary, ...]  # DaneFaKorygowanej (usually one)
    period: str | None  # OkresFaKorygowanej (a discount for a period)
    corrected_number: str | None  # NrFaKorygowany: the right number when the corrected number was wrong
    seller_before: PartySummary | None  # Podmiot1K: the seller as on the corrected invoice
    buyer_before: PartySummary | None  # Podmiot2K: the buyer as on the corrected invoice
    changes: tuple[LineChangeSummary, ...]  # the rows paired by NrWierszaFa, in document order

    @property
    def type_label(self) -> str | None:
        """Polish wording of ``TypKorekty`` (when the correction takes effect), or None."""
        return CORRECTION_TYPE_LABELS.get(self.correction_type or "")
