"""What the user types while issuing, read with the Polish input parsers of :mod:`ksef.plinput`.

* a line: ``<name> <quantity> [unit] x <price> [zł|EUR…] [netto|brutto] [rate]``, e.g.
  ``Usługa programistyczna 10 h x 150,50 zł 23%``, ``Konsultacja 2 szt x 200 zł brutto``,
  ``Hosting 1 x 5 000`` (the profile's rate), ``Szkolenie 1 x 1.234,50 zw.``;
* a buyer: a NIP (``526-025-02-74``, ``PL5260250274``), an EU VAT number (``DE123456789``), a
  foreign tax id with its country (``US 12-3456789``), or ``-`` for a consumer;
* the fast path: ``/wystaw <buyer> <line>``.

Every refusal is a :class:`ServiceError` whose text says which form is expected, with an example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.services.errors import ServiceError
from bot.services.issuing.draft import DraftBuyer, DraftLine
from ksef.fa3.codes import country_codes, eu_country_codes
from ksef.identifiers import nip_is_valid, normalize_nip
from ksef.plinput import (
    InputError,
    PriceKind,
    clean_text,
    parse_amount_input,
    parse_quantity_input,
    parse_vat_rate,
)

MAX_PRICE_DECIMALS = 8  # P_9A / P_9B: unit prices may have 8 decimals ("0,125 zł")
DEFAULT_UNIT = "szt."
CONSUMER_WORDS = ("-", "–", "konsument", "brak", "brak nip", "osoba prywatna")

# The "x" between quantity and price: after a digit, a space or a unit's dot, before the price.
_TIMES = re.compile(r"(?:(?<=\d)|(?<=\s)|(?<=\.))[x×X*](?=\s*\S)")
# The rate typed after the price: "23%", "23 %", "0% WDT", "zw.", "np.", "np II", "oo", or a bare 23/8/5/0.
_RATE_AT_END = re.compile(
    r"^(?P<rest>.+?)\s+(?P<rate>\d{1,2}\s?%(?:\s?(?:wdt|ex|eksport|kr))?|zw\.?|zwolnion\w*|"
    r"np\.?(?:\s?(?:ii|i|1|2))?|oo|o\.o\.|23|8|5|0)$", re.IGNORECASE)
_BARE_RATE = re.compile(r"\d{1,2}")
# The quantity (and its unit) ending the part before the "x".
_NAME_QUANTITY = re.compile(r"^(?P<name>.+?)\s+(?P<qty>-?\d+(?:[.,]\d+)?\s*(?:[^\W\d_][\w.²³]*)?)$")
_NIP_TEXT = re.compile(r"(?:PL)?\s?[\d -]{10,13}", re.IGNORECASE)
# Tax numbers hold digits: "STRONA" is not a buyer from São Tomé.
_EU_VAT = re.compile(r"(?P<code>[A-Z]{2})[\s-]?(?P<number>(?=[^\d]*\d)[0-9A-Z+*]{2,12})")
_FOREIGN_ID = re.compile(r"(?P<code>[A-Z]{2})[\s:-]?\s*(?P<number>(?=[^\d]*\d)[0-9A-Z][0-9A-Z./ -]{1,48})")


@dataclass(frozen=True)
class TypedLine:
    """A line as typed: the line (price as typed) and what the user said about the price."""

    line: DraftLine
    kind: PriceKind | None = None  # "netto"/"brutto" said explicitly
    currency: str | None = None  # "zł", "EUR"… written with the price
    cleaned: bool = False  # characters KSeF flags were removed from the name


def input_error(exc: InputError) -> ServiceError:
    """A parser's refusal (its Polish text names the form expected, with an example)."""
    return ServiceError("input", user_message=exc.message)


def check_buyer_nip(text: str) -> str:
    """A buyer's NIP (digits, dashes and a ``PL`` prefix allowed) or ServiceError ``nip_invalid``."""
    nip = normalize_nip(text)
    if not nip_is_valid(nip):
        raise ServiceError("nip_invalid", nip=text.strip()[:20])
    return nip


def read_buyer_id(text: str) -> DraftBuyer:
    """A buyer's identifier typed at the buyer step (the name is asked next), or ServiceError.

    ``-`` is a consumer; ten digits a NIP; two letters of an EU country and a number an EU VAT number;
    two letters of another country, a space and its number a foreign tax id.
    """
    raw = " ".join(text.split())
    if raw.lower() in CONSUMER_WORDS:
        return DraftBuyer()
    if _NIP_TEXT.fullmatch(raw):
        return DraftBuyer(nip=check_buyer_nip(raw))
    upper = raw.upper()
    if (eu := _EU_VAT.fullmatch(upper)) is not None and eu["code"] != "PL" \
            and eu["code"] in eu_country_codes():
        return DraftBuyer(eu_code=eu["code"], eu_vat=eu["number"],
                          country="GR" if eu["code"] == "EL" else eu["code"])
    if (foreign := _FOREIGN_ID.fullmatch(upper)) is not None and foreign["code"] != "PL" \
            and foreign["code"] in country_codes() and foreign["code"] not in eu_country_codes():
        return DraftBuyer(other_id=foreign["number"].strip(), country=foreign["code"])
    raise ServiceError("buyer_id_invalid", text=raw[:30])


def read_line(text: str, default_rate: str) -> TypedLine:
    """One invoice line (see the module docstring), or ServiceError saying the form expected."""
    work = " ".join(text.split())
    found = list(_TIMES.finditer(work))
    if not found:
        raise ServiceError("line_format")
    times = found[-1]  # a name may hold an "x" ("Xbox"); the price part never does
    left, right = work[:times.start()].strip(), work[times.end():].strip()
    match = _NAME_QUANTITY.match(left)
    if match is None or not right:
        raise ServiceError("line_format")
    try:
        quantity = parse_quantity_input(match["qty"])
        price_text, rate = _split_rate(right, default_rate)
        amount = parse_amount_input(price_text, max_decimals=MAX_PRICE_DECIMALS)
    except InputError as exc:
        raise input_error(exc) from None
    name = clean_text(match["name"])
    if not name.text.strip():
        raise ServiceError("line_format")
    unit = clean_text(quantity.unit).text if quantity.unit else DEFAULT_UNIT
    line = DraftLine(name=" ".join(name.text.split()), quantity=quantity.quantity, unit_price=amount.amount,
                     vat_rate=rate, unit=unit)
    return TypedLine(line, amount.kind, amount.currency, name.changed)


def _split_rate(right: str, default_rate: str) -> tuple[str, str]:
    """(the price text, the FA(3) rate code): the rate typed at the end, else the default."""
    match = _RATE_AT_END.match(right)
    if match is not None:
        typed = match["rate"]
        if _BARE_RATE.fullmatch(typed) and not _is_amount(match["rest"]):
            return right, default_rate  # "1 023" is an amount, not "1" at 23 %
        return match["rest"], parse_vat_rate(typed).value
    return right, default_rate


def _is_amount(text: str) -> bool:
    try:
        parse_amount_input(text, max_decimals=MAX_PRICE_DECIMALS)
    except InputError:
        return False
    return True


def read_fast_path(text: str, default_rate: str) -> tuple[DraftBuyer | None, TypedLine | None]:
    """``/wystaw <buyer> [line]`` arguments → (the buyer when given, the line when given).

    The buyer is the first word (a NIP may be written with spaces or dashes: ``526 025 02 74``).
    """
    work = " ".join(text.split())
    if not work:
        return None, None
    nip = re.match(r"^(?:PL)?(\d{3}[- ]?\d{3}[- ]?\d{2}[- ]?\d{2}|\d{10})(?:\s+|$)", work, re.IGNORECASE)
    if nip is not None:
        buyer: DraftBuyer | None = DraftBuyer(nip=check_buyer_nip(nip.group(1)))
        rest = work[nip.end():]
    else:
        first, _, rest = work.partition(" ")
        try:
            buyer = read_buyer_id(first)
        except ServiceError:
            if not _TIMES.search(work):
                raise  # neither a buyer nor a line: say what a buyer looks like
            buyer, rest = None, work  # the line alone: the buyer is asked next
    return buyer, read_line(rest, default_rate) if rest.strip() else None
