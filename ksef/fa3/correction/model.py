"""Typed model of a correction: the corrected invoice, the states before and after, the changed lines.

Build one with :mod:`ksef.fa3.correction.edit` (it compares and checks); the constructors here only
normalise and check the fields of each object on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ksef.errors import CorrectionError, InvoiceDataError
from ksef.fa3.model import (
    Buyer,
    ExemptionBasis,
    Invoice,
    InvoiceLine,
    Payment,
    Seller,
    VatRate,
    _check_date,
    _set,
    _text,
)
from ksef.fa3.summary import CORRECTION_TYPE_LABELS, RateTotal
from ksef.fa3.totals import RATE_FIELDS, Totals, line_value, lines_totals
from ksef.identifiers import ksef_number_is_valid


class CorrectionType(StrEnum):
    """``TypKorekty``: when the correction takes effect in the VAT records (FA(3) XSD ``TTypKorekty``).

    ``ORIGINAL_DATE`` for an error on the corrected invoice (wrong price, quantity, rate);
    ``CORRECTION_DATE`` for a later event (a discount, a return); ``OTHER_DATE`` otherwise.
    """

    ORIGINAL_DATE = "1"
    CORRECTION_DATE = "2"
    OTHER_DATE = "3"

    @property
    def label(self) -> str:
        """Polish wording, e.g. ``w dacie wystawienia faktury korygującej``."""
        return CORRECTION_TYPE_LABELS[self.value]


@dataclass(frozen=True)
class CorrectedInvoice:
    """The invoice a correction corrects (``DaneFaKorygowanej``).

    ``ksef_number`` once KSeF has numbered it; ``outside_ksef`` for an invoice issued outside KSeF
    (before the KSeF obligation: ``NrKSeFN``). Neither: an invoice waiting for its KSeF number (an
    offline invoice not sent yet) — a correction of it can be prepared but not built, since KSeF
    takes a correction only once the original has its number (MF's KSeF documentation, tryby-offline).
    """

    number: str
    issue_date: date
    ksef_number: str | None = None
    outside_ksef: bool = False

    def __post_init__(self) -> None:
        _set(self, "number", _text("corrected.number", "numer faktury korygowanej", self.number, 256,
                                   required=True))
        _check_date("corrected.issue_date", self.issue_date)
        if self.ksef_number is not None:
            number = self.ksef_number.strip()
            if not ksef_number_is_valid(number):
                raise InvoiceDataError("corrected.ksef_number", f"Numer KSeF „{self.ksef_number}” jest "
                                                                "niepoprawny.")
            if self.outside_ksef:
                message = "Faktura z numerem KSeF nie może być jednocześnie wystawiona poza KSeF."
                raise InvoiceDataError("corrected.outside_ksef", message)
            _set(self, "ksef_number", number)

    @property
    def ready(self) -> bool:
        """True when a correction of it can be sent: it has a KSeF number or was issued outside KSeF."""
        return self.ksef_number is not None or self.outside_ksef

    def with_ksef_number(self, ksef_number: str) -> CorrectedInvoice:
        """The same reference once KSeF has numbered the invoice."""
        return replace(self, ksef_number=ksef_number, outside_ksef=False)


@dataclass(frozen=True)
class NumberedLine:
    """A line with its number on the invoice (``NrWierszaFa``); the number stays across corrections."""

    number: int
    line: InvoiceLine


@dataclass(frozen=True)
class InvoiceState:
    """An invoice's content as it stands now (after any corrections): what a correction starts from.

    Get one with :meth:`of` (a model), :func:`ksef.fa3.correction.invoice_state` (stored XML) or
    :attr:`Correction.after`. The ``with_*`` methods give an edited copy for
    :func:`ksef.fa3.correction.correction_from_edit`.
    """

    seller: Seller
    buyer: Buyer
    lines: tuple[NumberedLine, ...]
    sale_date: date
    currency: str = "PLN"
    prices_gross: bool = False
    exchange_rate: Decimal | None = None
    exemption_basis: str | None = None
    # Kept from the corrected invoice so that a correction repeats them as they were:
    exemption_basis_kind: ExemptionBasis = ExemptionBasis.ACT  # P_19A / P_19B / P_19C
    sale_period: tuple[date, date] | None = None  # OkresFa; ``sale_date`` is then its last day
    split_payment: bool = False  # P_18A of the corrected invoice (never recomputed from differences)
    exchange_rate_table: str | None = None  # the NBP table the rate came from (printed, not required)
    exchange_rate_date: date | None = None

    def __post_init__(self) -> None:
        lines = tuple(self.lines)
        numbers = [n.number for n in lines]
        if len(set(numbers)) != len(numbers) or any(n < 1 for n in numbers):
            raise ValueError(f"line numbers must be unique and positive: {numbers}")
        _set(self, "lines", lines)

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceState:
        """The state of an ordinary invoice: its lines numbered 1, 2, … as the builder numbers them."""
        return cls(seller=invoice.seller, buyer=invoice.buyer,
                   lines=tuple(NumberedLine(i, line) for i, line in enumerate(invoice.lines, start=1)),
                   sale_date=invoice.effective_sale_date, currency=invoice.currency,
                   prices_gross=invoice.prices_gross, exchange_rate=invoice.exchange_rate,
                   exemption_basis=invoice.exemption_basis, exemption_basis_kind=invoice.exemption_basis_kind,
                   sale_period=invoice.sale_period, split_payment=invoice.split_payment,
                   exchange_rate_table=invoice.exchange_rate_table,
                   exchange_rate_date=invoice.exchange_rate_date)

    def line(self, number: int) -> InvoiceLine:
        """The line numbered ``number``; KeyError when there is none."""
        for numbered in self.lines:
            if numbered.number == number:
                return numbered.line
        raise KeyError(number)

    @property
    def next_number(self) -> int:
        """The number a line added now gets."""
        return max((n.number for n in self.lines), default=0) + 1

    def totals(self) -> Totals:
        """Per-rate totals of the lines, computed as for an ordinary invoice."""
        return lines_totals([n.line for n in self.lines], gross_prices=self.prices_gross,
                            exchange_rate=self.exchange_rate)

    # --- edited copies -----------------------------------------------------------------------
    def with_line(self, number: int, **changes: Any) -> InvoiceState:
        """A copy with line ``number`` changed (``quantity=``, ``unit_price=``, ``vat_rate=``, ``name=``…).

        A quantity of 0 removes the line in the correction.
        """
        self.line(number)  # KeyError for an unknown number
        return replace(self, lines=tuple(NumberedLine(n.number, replace(n.line, **changes))
                                         if n.number == number else n for n in self.lines))

    def without_line(self, number: int) -> InvoiceState:
        """A copy without line ``number`` (the correction removes it)."""
        self.line(number)
        return replace(self, lines=tuple(n for n in self.lines if n.number != number))

    def with_added_line(self, line: InvoiceLine) -> InvoiceState:
        """A copy with ``line`` added under the next free number."""
        return replace(self, lines=(*self.lines, NumberedLine(self.next_number, line)))

    def with_buyer(self, buyer: Buyer) -> InvoiceState:
        """A copy with the buyer's data corrected (name, address; not the NIP, see ``correct_buyer_nip``)."""
        return replace(self, buyer=buyer)


@dataclass(frozen=True)
class LineChange:
    """One corrected position: ``before`` as on the corrected invoice (None: the correction adds it) and
    ``after`` (quantity 0: the correction removes it)."""

    number: int
    before: InvoiceLine | None
    after: InvoiceLine

    @property
    def added(self) -> bool:
        """The position is new."""
        return self.before is None

    @property
    def removed(self) -> bool:
        """The position is removed (shown with quantity 0)."""
        return self.after.quantity == 0

    @property
    def difference(self) -> Decimal:
        """After − before line value (net or gross, as the invoice's prices are)."""
        before = line_value(self.before) if self.before is not None else Decimal("0.00")
        return line_value(self.after) - before


@dataclass(frozen=True)
class CorrectionRow:
    """One ``FaWiersz`` of a correction: the position's number and its line before or after."""

    number: int
    line: InvoiceLine
    before: bool  # StanPrzed


def _zero(value: Decimal) -> Decimal:
    return value if value != 0 else abs(value)  # no "-0.00" in the XML


def _amount(total: RateTotal | None, name: str) -> Decimal:
    value = getattr(total, name) if total is not None else None
    return value if isinstance(value, Decimal) else Decimal("0.00")


@dataclass(frozen=True)
class Correction:
    """A corrective invoice (``RodzajFaktury`` KOR) ready to build with ``build_correction``.

    ``number`` and ``issue_date`` are the correction's own (its numbering series is the caller's);
    ``before`` is the corrected invoice's content, ``after`` the content after this correction;
    ``changes`` the positions that differ, in number order.
    """

    number: str
    issue_date: date
    corrected: CorrectedInvoice
    reason: str
    before: InvoiceState
    after: InvoiceState
    changes: tuple[LineChange, ...]
    correction_type: CorrectionType | None = None
    issue_place: str | None = None
    payment: Payment | None = None
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        _set(self, "number", _text("number", "numer faktury korygującej", self.number, 256, required=True))
        _check_date("issue_date", self.issue_date)
        if self.issue_date < self.corrected.issue_date:
            message = (f"Data korekty ({self.issue_date.isoformat()}) nie może być wcześniejsza niż data "
                       f"faktury korygowanej ({self.corrected.issue_date.isoformat()}).")
            raise CorrectionError("issue_date", message)
        _set(self, "reason", _text("reason", "przyczyna korekty", self.reason, 256, required=True))
        if self.correction_type is not None and not isinstance(self.correction_type, CorrectionType):
            _set(self, "correction_type", CorrectionType(str(self.correction_type)))
        _set(self, "issue_place", _text("issue_place", "miejsce wystawienia", self.issue_place, 256))
        _set(self, "changes", tuple(sorted(self.changes, key=lambda change: change.number)))
        _set(self, "notes", tuple(self.notes))
        self.as_invoice()  # every check of an ordinary invoice (rates of an exempt seller, bases, sizes)

    @property
    def ready(self) -> bool:
        """True when it can be built and sent (see :attr:`CorrectedInvoice.ready`)."""
        return self.corrected.ready

    def with_corrected_ksef_number(self, ksef_number: str) -> Correction:
        """The same correction once the corrected invoice has its KSeF number."""
        return replace(self, corrected=self.corrected.with_ksef_number(ksef_number))

    def rows(self) -> tuple[CorrectionRow, ...]:
        """The ``FaWiersz`` rows in document order: per change its row before (if any), then after."""
        rows: list[CorrectionRow] = []
        for change in self.changes:
            if change.before is not None:
                rows.append(CorrectionRow(change.number, change.before, before=True))
            rows.append(CorrectionRow(change.number, change.after, before=False))
        return tuple(rows)

    def as_invoice(self) -> Invoice:
        """An ordinary invoice with the correction's header and parties, which the builder writes first.

        Its lines are the rows (a removed line's "after" row stands in with its quantity from before, the
        builder of corrections zeroes it), or the invoice's lines when no row changes; its annotations
        (reverse charge, exemption) thus cover every rate the rows show. Its amounts are replaced by
        the differences when the correction is built.
        """
        rows = self.rows()
        if rows:
            lines = tuple(row.line if row.line.quantity != 0 else self._before_line(row.number)
                          for row in rows)
        else:
            lines = tuple(n.line for n in (self.after.lines or self.before.lines))
        has_exempt = any(line.vat_rate is VatRate.ZW for line in lines)
        after, before = self.after, self.before
        basis = (after.exemption_basis or before.exemption_basis) if has_exempt else None
        kind = after.exemption_basis_kind if after.exemption_basis else before.exemption_basis_kind
        period = after.sale_period
        # P_18A repeats the corrected invoice's marking: the differences of a correction are not the
        # amount the split-payment threshold is about (UNCONFIRMED in MF's examples; the safe reading).
        return Invoice(seller=after.seller, buyer=after.buyer, number=self.number,
                       issue_date=self.issue_date, lines=lines,
                       sale_date=after.sale_date if period is None else None, sale_period=period,
                       issue_place=self.issue_place, currency=after.currency,
                       prices_gross=after.prices_gross, payment=self.payment, notes=self.notes,
                       exemption_basis=basis, exemption_basis_kind=kind if basis else ExemptionBasis.ACT,
                       exchange_rate=after.exchange_rate, split_payment=before.split_payment,
                       exchange_rate_table=after.exchange_rate_table if after.exchange_rate else None,
                       exchange_rate_date=after.exchange_rate_date if after.exchange_rate else None)

    def _before_line(self, number: int) -> InvoiceLine:
        for change in self.changes:
            if change.number == number and change.before is not None:
                return change.before
        raise KeyError(number)

    @property
    def buyer_changed(self) -> bool:
        """The buyer's name or address differs from the corrected invoice (``Podmiot2K``)."""
        return _party_data(self.before.buyer) != _party_data(self.after.buyer)

    @property
    def seller_changed(self) -> bool:
        """The seller's name or address differs from the corrected invoice (``Podmiot1K``)."""
        return _party_data(self.before.seller) != _party_data(self.after.seller)

    def totals(self) -> tuple[RateTotal, ...]:
        """The differences after − before per rate that has a corrected row (``P_13_x``/``P_14_x[W]``)."""
        before = {t.rate: t for t in self.before.totals().rates}
        after = {t.rate: t for t in self.after.totals().rates}
        rates = {line.vat_rate for change in self.changes
                 for line in (change.before, change.after) if line is not None}
        result = []
        for rate in RATE_FIELDS:
            if rate not in rates:
                continue
            b, a = before.get(rate.value), after.get(rate.value)
            net = _zero(_amount(a, "net") - _amount(b, "net"))
            vat = _zero(_amount(a, "vat") - _amount(b, "vat"))
            has_pln = any(t is not None and t.vat_pln is not None for t in (a, b))
            pln = _zero(_amount(a, "vat_pln") - _amount(b, "vat_pln")) if has_pln else None
            result.append(RateTotal(rate.value, rate.label, net, vat, net + vat, pln))
        return tuple(result)

    @property
    def gross(self) -> Decimal:
        """``P_15``: after − before amount due (negative: the buyer gets money back)."""
        return _zero(self.after.totals().gross - self.before.totals().gross)

    @property
    def net(self) -> Decimal:
        """After − before net total."""
        return _zero(self.after.totals().net - self.before.totals().net)

    @property
    def vat(self) -> Decimal:
        """After − before VAT total."""
        return _zero(self.after.totals().vat - self.before.totals().vat)


def _party_data(party: Seller | Buyer) -> tuple[object, ...]:
    """What ``Podmiot1K``/``Podmiot2K`` can show: the name and the address (contacts are not invoice data)."""
    return party.name, party.address, party.country if party.address else None

