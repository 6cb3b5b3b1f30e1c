"""Display view of what a correction (``RodzajFaktury`` KOR, KOR_ZAL, KOR_ROZ) corrects.

:func:`ksef.fa3.parse` fills :attr:`ksef.fa3.summary.InvoiceSummary.correction` with a
:class:`CorrectionSummary`; the printout and the bot render from it. Fields may be added later,
never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ksef.fa3.summary import LineSummary, PartySummary

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

    @property
    def gross_difference(self) -> Decimal | None:
        """After − before gross value (``P_11A``); None for net-priced rows."""
        return _difference(_get(self.before, "gross"), _get(self.after, "gross"))


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
