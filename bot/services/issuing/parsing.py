"""Invoice lines and buyers typed in the chat: ``Usługa 2 szt x 150,50 [brutto] [23%]``, a buyer's NIP."""

from __future__ import annotations

import re

from bot.services.errors import ServiceError
from bot.services.issuing.draft import DraftLine, data_error
from ksef.amounts import parse_amount, parse_quantity
from ksef.errors import AmountError, InvoiceDataError
from ksef.fa3 import VatRate
from ksef.identifiers import nip_is_valid, normalize_nip

# "<name> <qty> [unit] x <price> [brutto] [rate]" — e.g. "Usługa programistyczna 1 x 5000 23%".
_LINE = re.compile(
    r"^(?P<name>.+?)\s+(?P<qty>-?[\d.,]+)\s*(?P<unit>[^\W\d_][\w.]*)?\s*[x×*]\s*(?P<price>\S+)"
    r"(?:\s+(?P<gross>brutto|netto))?(?:\s+(?P<rate>\S+))?$", re.IGNORECASE | re.DOTALL)
_NIP_PREFIX = re.compile(r"^(?:PL)?(?P<nip>\d{3}-?\d{3}-?\d{2}-?\d{2}|\d{10})\s+(?P<rest>.+)$", re.DOTALL)
ONLY_NIP = re.compile(r"(?:PL)?[\d -]{10,13}")


def check_buyer_nip(text: str) -> str:
    """A buyer's NIP (digits, dashes and a ``PL`` prefix allowed) or ServiceError ``nip_invalid``."""
    nip = normalize_nip(text)
    if not nip_is_valid(nip):
        raise ServiceError("nip_invalid", nip=text.strip()[:20])
    return nip


def parse_line(text: str, default_rate: str) -> DraftLine:
    """One invoice line typed as ``Usługa 2 szt x 150,50 [brutto] [23%]``."""
    match = _LINE.match(" ".join(text.split()))
    if match is None:
        raise ServiceError("line_format")
    try:
        quantity = parse_quantity(match["qty"])
        price = parse_amount(match["price"].removesuffix("zł").removesuffix("PLN"), max_decimals=8)
        rate = VatRate.parse(match["rate"] or default_rate).value
    except (AmountError, InvoiceDataError) as exc:
        raise data_error(exc) from None
    return DraftLine(name=match["name"], quantity=quantity, unit_price=price, vat_rate=rate,
                     unit=match["unit"] or "szt.", gross=(match["gross"] or "").lower() == "brutto")


def parse_fast_path(text: str, default_rate: str) -> tuple[str | None, DraftLine]:
    """``/wystaw 5260250274 Usługa 1 x 5000 23%`` (arguments only) → (buyer NIP or None, line)."""
    match = _NIP_PREFIX.match(text.strip())
    if match is None:
        return None, parse_line(text, default_rate)
    return check_buyer_nip(match["nip"]), parse_line(match["rest"], default_rate)
