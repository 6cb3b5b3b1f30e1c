"""The sales-register columns of an issued document (``issued_invoices``), read from its FA(3) XML when
the XML is written, so that lists, cards and searches never parse XML or ask KSeF.

Search is by a folded text (lower case, no Polish diacritics, one space between words) of the number,
the buyer's name and NIP, filled here on write. Typed queries are folded the same way and matched as a
substring (``LIKE '%…%'``), which SQLite and PostgreSQL evaluate alike; see :func:`search_pattern`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.store.models_issuing import IssuedInvoice
from ksef.fa3 import parse
from ksef.fa3.correction import Correction
from ksef.fa3.summary import InvoiceSummary

_SPACES = re.compile(r"\s+")
_NIP_LIKE = re.compile(r"(?:PL)?[\d\s-]+", re.IGNORECASE)
MAX_SEARCH = 1400  # the column's size


def fold(text: str) -> str:
    """Lower case, without diacritics, one space between words: ``Łódź  Śląska`` → ``lodz slaska``.

    ``ł`` has no Unicode decomposition (it is a letter of its own), so it is mapped explicitly."""
    text = text.replace("ł", "l").replace("Ł", "L")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", plain).strip().casefold()


def search_key(query: str) -> str:
    """The folded form of a typed search: a NIP typed with dashes or spaces (or ``PL``) becomes its digits."""
    cleaned = query.strip()
    digits = "".join(c for c in cleaned if c.isdigit())
    # "526-025-02-74", "PL5260250274", "526 025 02 74"; but "10 2026" stays two words.
    if _NIP_LIKE.fullmatch(cleaned) and digits and (not re.search(r"\s", cleaned) or len(digits) == 10):
        return digits
    return fold(cleaned)


def search_pattern(key: str) -> str:
    """``LIKE`` pattern (escape ``\\``) finding ``key`` anywhere in the folded text."""
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def minor(amount: Decimal) -> int:
    """An amount in hundredths (grosze)."""
    return int((amount * 100).to_integral_value())


@dataclass(frozen=True)
class RegisterColumns:
    """What the register stores of one document."""

    kind: str
    buyer_name: str
    buyer_nip: str | None
    currency: str
    net_minor: int
    vat_minor: int
    gross_minor: int
    due_date: date | None

    @classmethod
    def of_xml(cls, xml: bytes) -> RegisterColumns:
        """From the document's FA(3) XML (an invoice or a correction: then the differences)."""
        return cls.of_summary(parse(xml))

    @classmethod
    def of_summary(cls, summary: InvoiceSummary) -> RegisterColumns:
        buyer = summary.buyer
        nip = buyer.nip or buyer.eu_vat or buyer.other_id
        payment = summary.payment
        due = min(payment.due_dates) if payment is not None and payment.due_dates else None
        return cls(kind=summary.invoice_type, buyer_name=(buyer.name or "")[:512],
                   buyer_nip=nip[:20] if nip else None, currency=summary.currency,
                   net_minor=minor(summary.net_total), vat_minor=minor(summary.vat_total),
                   gross_minor=minor(summary.gross_total), due_date=due)

    @classmethod
    def of_correction(cls, correction: Correction) -> RegisterColumns:
        """A correction not built yet (it waits for the corrected invoice's KSeF number)."""
        buyer = correction.after.buyer
        nip = buyer.nip or buyer.eu_vat or buyer.other_id
        return cls(kind="KOR", buyer_name=buyer.name[:512], buyer_nip=nip[:20] if nip else None,
                   currency=correction.after.currency, net_minor=minor(correction.net),
                   vat_minor=minor(correction.vat), gross_minor=minor(correction.gross), due_date=None)

    def apply(self, row: IssuedInvoice) -> None:
        """Set the columns on ``row`` (its ``number`` must be set: it is part of the search text)."""
        row.kind, row.buyer_name, row.buyer_nip, row.currency = (self.kind, self.buyer_name, self.buyer_nip,
                                                                 self.currency)
        row.net_minor, row.vat_minor, row.gross_minor = self.net_minor, self.vat_minor, self.gross_minor
        row.due_date = self.due_date
        row.search_text = fold(f"{row.number} {self.buyer_name} {self.buyer_nip or ''}")[:MAX_SEARCH]
