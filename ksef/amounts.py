"""Amounts and quantities as Polish users type them, and as they are printed.

Accepted: ``1 234,50``, ``1234.5``, ``1.234,50``, ``1,234.50``, ``1 234 zł``, ``99,99 PLN``.
Rejected with a Polish message: words (``5 tys.``), ``1,2,3``, empty text, too many decimals.
Everything is :class:`~decimal.Decimal`; floats never appear.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, format_decimal

from ksef.errors import AmountError

# Spaces people (and spreadsheets) put between thousands: normal, no-break, narrow no-break, thin.
_SPACES = re.compile(r"[ \u00a0\u202f\u2009]+")
_CURRENCY_SUFFIX = re.compile(r"\s*(zł|zl|pln)\.?\s*$", re.IGNORECASE)
_MAX_INTEGER_DIGITS = 16  # TKwotowy in the FA(3) XSD: at most 16 digits before the separator


def _fail(what: str, text: str, reason: str) -> AmountError:
    return AmountError(f"Nie rozumiem {what} „{text.strip()}”: {reason}.")


def _check_groups(groups: list[str], what: str, text: str) -> str:
    """Join thousands groups, insisting that every group after the first has exactly 3 digits."""
    if not groups[0] or any(len(g) != 3 for g in groups[1:]):
        raise _fail(what, text, "niepoprawne grupowanie cyfr (np. 1 234 567,89)")
    return "".join(groups)


def _parse_number(text: str, *, max_decimals: int, allow_negative: bool, what: str) -> Decimal:
    raw = text
    cleaned = _CURRENCY_SUFFIX.sub("", text.strip())
    cleaned = cleaned.strip()
    if not cleaned:
        raise AmountError("Podaj kwotę, np. 1 234,50." if what == "kwoty" else "Podaj ilość, np. 1 lub 2,5.")
    negative = cleaned.startswith("-")
    if negative:
        cleaned = cleaned[1:].lstrip()
    if not re.fullmatch(r"[0-9 \u00a0\u202f\u2009.,]+", cleaned) or not cleaned[0].isdigit():
        raise _fail(what, raw, "dozwolone są tylko cyfry, spacje, przecinek i kropka")
    # Spaces only ever separate thousands.
    space_groups = _SPACES.split(cleaned)
    if len(space_groups) > 1:
        # Only the last group may carry the decimal part, e.g. "1 234,50".
        head = space_groups[:-1]
        tail = space_groups[-1]
        if any(not g.isdigit() for g in head):
            raise _fail(what, raw, "niepoprawne grupowanie cyfr (np. 1 234 567,89)")
        tail_int = re.split(r"[.,]", tail, maxsplit=1)[0]
        _check_groups([*head, tail_int], what, raw)
        cleaned = "".join(head) + tail
    commas, dots = cleaned.count(","), cleaned.count(".")
    if commas and dots:
        decimal_sep = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        thousands_sep = "." if decimal_sep == "," else ","
        if cleaned.count(decimal_sep) != 1:
            raise _fail(what, raw, "za dużo separatorów")
        int_part, frac = cleaned.split(decimal_sep)
        int_digits = _check_groups(int_part.split(thousands_sep), what, raw)
    elif commas > 1:
        raise _fail(what, raw, "za dużo przecinków")
    elif dots > 1:
        # "1.234.567" is a Polish way of writing thousands; anything else is ambiguous.
        int_digits, frac = _check_groups(cleaned.split("."), what, raw), ""
    elif commas or dots:
        int_digits, frac = re.split(r"[.,]", cleaned)
    else:
        int_digits, frac = cleaned, ""
    if not int_digits.isdigit() or (frac and not frac.isdigit()) or cleaned[-1] in ".,":
        raise _fail(what, raw, "brakuje cyfr przed lub po separatorze")
    if len(frac) > max_decimals:
        if max_decimals == 2:
            raise _fail(what, raw, "kwota może mieć najwyżej 2 miejsca po przecinku (grosze)")
        raise _fail(what, raw, f"najwyżej {max_decimals} miejsc po przecinku")
    if len(int_digits.lstrip("0")) > _MAX_INTEGER_DIGITS:
        raise _fail(what, raw, "liczba jest za duża")
    try:
        value = Decimal(f"{int_digits}.{frac}" if frac else int_digits)
    except InvalidOperation as exc:  # pragma: no cover - the regexes above make this unreachable
        raise _fail(what, raw, "to nie jest liczba") from exc
    if negative and value != 0:
        if not allow_negative:
            raise _fail(what, raw, "wartość nie może być ujemna")
        value = -value
    return value


def parse_amount(text: str, *, allow_negative: bool = False, max_decimals: int = 2) -> Decimal:
    """Parse a money amount typed by a user (Polish or English separators, optional ``zł``/``PLN``).

    ``max_decimals`` may be raised (up to 8) for unit prices, which FA(3) allows with 8 decimals.
    Raises :class:`AmountError` with a Polish message.
    """
    return _parse_number(text, max_decimals=max_decimals, allow_negative=allow_negative, what="kwoty")


def parse_quantity(text: str) -> Decimal:
    """Parse a positive quantity with up to 6 decimals (FA(3) ``P_8B``), e.g. ``2``, ``1,5``, ``0.125``."""
    value = _parse_number(text, max_decimals=6, allow_negative=False, what="ilości")
    if value <= 0:
        raise AmountError(f"Ilość musi być większa od zera (podano „{text.strip()}”).")
    return value


def format_amount(value: Decimal, currency: str = "PLN") -> str:
    """Format money the Polish way: ``1 234,50 zł`` (no-break spaces as thousands separator)."""
    return str(format_currency(value, currency, locale="pl_PL"))


def format_quantity(value: Decimal) -> str:
    """Format a quantity without trailing zeros: ``1,5``, ``2``, ``1 000``."""
    return str(format_decimal(value, format="#,##0.######", locale="pl_PL"))
