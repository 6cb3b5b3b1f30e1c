"""VAT rates of invoice lines (FA(3) ``P_12`` codes), their percentages and Polish labels.

Its own module so that the invoice model and the invoice arithmetic (:mod:`ksef.fa3.totals`) can both
use it without importing each other.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum

from ksef.errors import InvoiceDataError

_WS = re.compile(r"\s+")


class VatRate(StrEnum):
    """VAT rate of a line; the value is the FA(3) ``P_12`` code."""

    R23 = "23"
    R8 = "8"
    R5 = "5"
    R0 = "0 KR"  # 0% domestic (not intra-EU supply, not export)
    R0_WDT = "0 WDT"  # 0% intra-Community supply of goods
    R0_EX = "0 EX"  # 0% export of goods
    ZW = "zw"  # exempt (art. 43 / art. 113)
    NP_I = "np I"  # outside Poland, other than art. 100 services
    NP_II = "np II"  # services of art. 100 ust. 1 pkt 4 (B2B services to the EU)
    OO = "oo"  # domestic reverse charge

    @property
    def percent(self) -> Decimal | None:
        """The VAT percentage that produces tax, or None for rates without VAT on this invoice."""
        return _PERCENT.get(self)

    @property
    def label(self) -> str:
        """Polish label as printed in a rate column."""
        return RATE_LABELS[self.value]

    @classmethod
    def parse(cls, text: str) -> VatRate:
        """Accept ``23``, ``23%``, ``0``, ``zw``, ``np``, ``oo`` and the exact XSD codes."""
        key = _WS.sub(" ", str(text).strip()).rstrip("%").strip()
        key = _RATE_ALIASES.get(key, key)
        try:
            return cls(key)
        except ValueError:
            allowed = ", ".join(r.value for r in cls)
            message = f"Nieznana stawka VAT „{text}”. Dozwolone: {allowed}."
            raise InvoiceDataError("vat_rate", message) from None


_RATE_ALIASES = {"0": "0 KR", "np": "np I", "ZW": "zw", "NP": "np I", "OO": "oo", "zw.": "zw", "np.": "np I"}
_PERCENT = {VatRate.R23: Decimal(23), VatRate.R8: Decimal(8), VatRate.R5: Decimal(5)}

#: Polish labels for every ``P_12`` code the XSD knows (also the ones we never issue).
RATE_LABELS: dict[str, str] = {
    "23": "23%", "22": "22%", "8": "8%", "7": "7%", "5": "5%", "4": "4%", "3": "3%",
    "0 KR": "0%", "0 WDT": "0% (WDT)", "0 EX": "0% (eksport)", "zw": "zw.",
    "oo": "odwrotne obciążenie", "np I": "np.", "np II": "np. (art. 100 ust. 1 pkt 4)",
}
