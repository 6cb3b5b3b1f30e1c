"""What Polish sole traders type in chat, read into typed values.

Every parser is a pure function: it returns a typed value or raises :class:`InputError`, whose
message (Polish) says what was not understood, the form expected and an example — never a bare
list of codes. :class:`AmbiguousInputError` asks back when a text has two plausible readings
(``candidates``); the bot shows the message and waits for the user's choice.

* amounts: ``5 000``, ``5 000,50 zł``, ``5000zł``, ``1.234,50``, ``1,234.50``, ``200 zł brutto``,
  ``200 + VAT`` (net) → :func:`parse_amount_input` (amount, net/gross marker, currency);
* quantities: ``2 szt``, ``10 h``, ``1,5`` → :func:`parse_quantity_input` (quantity, unit);
* VAT rates: ``23 %``, ``23%``, ``zw.``, ``np.``, ``0%``, ``oo`` → :func:`parse_vat_rate`;
* payment terms: ``14 dni``, ``7``, ``2 tygodnie`` or a date → :func:`parse_payment_term`;
* dates: ``15.12``, ``15.12.2026``, ``15-12-2026``, ``2026-12-15``, ``15 grudnia``, ``dziś``,
  ``jutro``, ``wczoraj`` (relative to a given today) → :func:`parse_date`;
* months and periods: ``11.2026``, ``listopad 2026``, ``1.11–30.11.2026`` → :func:`parse_period`;
* the legal basis of an exemption → :func:`parse_exemption_basis` (text and its FA(3) element);
* free text → :func:`clean_text` (characters KSeF flags removed; see ``ksef.fa3.textrules``).

Ambiguity decided here: ``1.234`` (a dot and three digits) is 1234 to many Poles (the dot is a
common thousands separator) and 1.234 to anyone writing the English way, so it is asked back for
amounts and quantities. ``1,234`` is a decimal comma in Polish: accepted as 1,234 where three
decimals are allowed (quantities, unit prices), asked back for money amounts (grosze have two
digits, so the writer probably meant 1 234). A date without a year takes the year that puts it
nearest to today (``15.12`` typed on 3 January is last December).
"""

from __future__ import annotations

import re
import unicodedata
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from ksef.amounts import format_amount, format_quantity, parse_amount, parse_quantity
from ksef.errors import AmountError, KsefValidationError
from ksef.fa3 import ExemptionBasis, VatRate
from ksef.fa3.textrules import Sanitized, sanitize

__all__ = [
    "AmbiguousInputError",
    "AmountInput",
    "InputError",
    "PaymentTerm",
    "PriceKind",
    "QuantityInput",
    "clean_text",
    "parse_amount_input",
    "parse_date",
    "parse_exemption_basis",
    "parse_payment_term",
    "parse_period",
    "parse_quantity_input",
    "parse_vat_rate",
]


class InputError(KsefValidationError):
    """A typed text not understood. ``message`` (Polish) names the expected form with an example.

    ``kind`` says what was expected (``amount``, ``quantity``, ``vat_rate``, ``payment_term``,
    ``date``, ``period``, ``exemption_basis``), ``text`` is what was typed and ``example`` a valid
    input, so the bot can word the answer in another language too.
    """

    def __init__(self, kind: str, text: str, message: str, example: str) -> None:
        super().__init__(kind, text, message, example)  # all in args: the error survives pickling
        self.kind = kind
        self.text = text
        self.message = message
        self.example = example

    def __str__(self) -> str:
        return self.message


class AmbiguousInputError(InputError):
    """A text with more than one plausible reading; ``candidates`` are the readings, most likely first."""

    def __init__(self, kind: str, text: str, message: str, example: str,
                 candidates: tuple[object, ...]) -> None:
        super().__init__(kind, text, message, example)
        self.args = (kind, text, message, example, candidates)
        self.candidates = candidates


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


def _norm(text: str) -> str:
    """Lower case, one space between words, no leading/trailing space."""
    return _SPACES.sub(" ", text).strip().lower()


def _plain_letters(text: str) -> str:
    """Without Polish diacritics (people type ``zl``, ``pazdziernik``)."""
    decomposed = unicodedata.normalize("NFD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --------------------------------------------------------------------------- amounts

class PriceKind(StrEnum):
    """Whether a typed amount includes VAT."""

    NET = "net"
    GROSS = "gross"


@dataclass(frozen=True)
class AmountInput:
    """A typed amount: the number, ``kind`` when the user said netto/brutto, ``currency`` when named."""

    amount: Decimal
    kind: PriceKind | None = None
    currency: str | None = None


_AMOUNT_EXAMPLE = "1 234,50 zł"
# Words saying whether VAT is included; "+ VAT" and "bez VAT" are how people write a net price.
_KIND_WORDS: tuple[tuple[re.Pattern[str], PriceKind], ...] = (
    (re.compile(r"\bbrutto\b|\bz vat(em)?\b|\bw tym vat\b"), PriceKind.GROSS),
    (re.compile(r"\bnetto\b|\+ ?vat\b|\bbez vat(u)?\b"), PriceKind.NET),
)
_CURRENCIES = {"złotych": "PLN", "zlotych": "PLN", "złote": "PLN", "zlote": "PLN", "złoty": "PLN",
               "zł": "PLN", "zl": "PLN", "pln": "PLN", "euro": "EUR", "eur": "EUR", "€": "EUR",
               "usd": "USD", "$": "USD", "gbp": "GBP", "£": "GBP", "chf": "CHF"}
# A currency word or sign before or after the number ("5000zł", "€200", "200 EUR").
_CURRENCY = re.compile(r"(?:^|(?<=[\d\s]))(" + "|".join(re.escape(w) for w in _CURRENCIES)
                       + r")\.?(?=\s|$|\d)")
# One separator and exactly three digits after it: a thousands group or three decimals.
_THREE_AFTER = re.compile(r"\d{1,3}([.,])\d{3}")


def parse_amount_input(text: str, *, max_decimals: int = 2) -> AmountInput:
    """Read a money amount with an optional netto/brutto marker and currency (see the module docstring).

    ``max_decimals`` may be raised to 8 for unit prices (FA(3) ``P_9A``/``P_9B``).
    """
    raw = text
    work = _norm(text)
    kind: PriceKind | None = None
    for pattern, marker in _KIND_WORDS:
        if pattern.search(work):
            if kind is not None and kind is not marker:
                raise InputError("amount", raw, f"„{raw.strip()}” mówi jednocześnie „netto” i „brutto”. "
                                 f"Wpisz kwotę z jednym słowem, np. 200 zł brutto albo 162,60 zł netto.",
                                 "200 zł brutto")
            kind = marker
            work = pattern.sub(" ", work)
    currency: str | None = None
    found = {_CURRENCIES[m.group(1)] for m in _CURRENCY.finditer(work)}
    if len(found) > 1:
        message = f"„{raw.strip()}” ma kilka walut. Wpisz jedną kwotę, np. {_AMOUNT_EXAMPLE}."
        raise InputError("amount", raw, message, _AMOUNT_EXAMPLE)
    if found:
        currency = found.pop()
        work = _CURRENCY.sub(" ", work)
    number = _norm(work)
    if not number:
        raise InputError("amount", raw, f"Brakuje kwoty. Wpisz ją cyframi, np. {_AMOUNT_EXAMPLE}.",
                         _AMOUNT_EXAMPLE)
    _ask_if_thousands(number, raw, kind="amount", decimal_comma_ok=max_decimals >= 3)
    try:
        amount = parse_amount(number, max_decimals=max_decimals)
    except AmountError as exc:
        raise InputError("amount", raw, f"{exc} Wpisz kwotę cyframi, np. {_AMOUNT_EXAMPLE} "
                         "(dopisz „brutto”, jeśli zawiera VAT).", _AMOUNT_EXAMPLE) from None
    return AmountInput(amount, kind, currency)


def _ask_if_thousands(number: str, raw: str, *, kind: str, decimal_comma_ok: bool) -> None:
    match = _THREE_AFTER.fullmatch(number)
    if match is None or (match.group(1) == "," and decimal_comma_ok) or number[0] == "0":
        return  # "0,125" has no thousands to group: a fraction, refused or accepted by its decimals
    whole = Decimal(number.replace(".", "").replace(",", ""))
    fraction = Decimal(number.replace(",", "."))
    shown_whole = format_quantity(whole)
    shown_fraction = format_quantity(fraction)
    if kind == "amount":
        digits = number.replace(".", "").replace(",", "")
        message = (f"„{raw.strip()}” – czy chodzi o {format_amount(whole)}? Wpisz kwotę bez separatora "
                   f"tysięcy, np. {digits}, a grosze po przecinku, np. {digits},50.")
        example = f"{digits},50"
    else:
        # format_quantity groups thousands with no-break spaces; the suggestion is typed without them.
        message = (f"„{raw.strip()}” – czy chodzi o {shown_whole} czy o {shown_fraction}? Wpisz "
                   f"{_SPACES.sub('', shown_whole)} albo z przecinkiem: {shown_fraction}.")
        example = shown_fraction
    raise AmbiguousInputError(kind, raw, message, example, (whole, fraction))


# --------------------------------------------------------------------------- quantities

@dataclass(frozen=True)
class QuantityInput:
    """A typed quantity and its unit of measure (``None`` when none was typed)."""

    quantity: Decimal
    unit: str | None = None


_QUANTITY_EXAMPLE = "2 szt."
_QUANTITY = re.compile(r"(?P<number>\d[\d .,]*?)\s*(?P<unit>[^\d\s.,][^\d]*?\d?)?\s*")
# Units people abbreviate without the dot, written the usual way on an invoice.
_UNITS = {
    "szt": "szt.", "sztuka": "szt.", "sztuki": "szt.", "sztuk": "szt.",
    "godz": "godz.", "godzina": "godz.", "godziny": "godz.", "godzin": "godz.",
    "usl": "usł.", "usł": "usł.", "usługa": "usł.", "kpl": "kpl.", "opak": "opak.",
    "mies": "mies.", "miesiąc": "mies.", "miesiące": "mies.", "miesięcy": "mies.",
    "dzien": "dzień", "dni": "dzień",
}
_MAX_UNIT = 256  # P_8A (TZnakowy)


def parse_quantity_input(text: str) -> QuantityInput:
    """Read a quantity with an optional unit: ``2 szt``, ``10 h``, ``1,5``, ``0,5 kg``, ``1 000 szt.``."""
    raw = text
    work = _SPACES.sub(" ", text).strip()
    match = _QUANTITY.fullmatch(work)
    if match is None:
        raise InputError("quantity", raw, f"Nie rozumiem ilości „{raw.strip()}”. Wpisz liczbę i jednostkę, "
                         f"np. {_QUANTITY_EXAMPLE}, 10 h albo 1,5.", _QUANTITY_EXAMPLE)
    number = match["number"].strip()
    _ask_if_thousands(number, raw, kind="quantity", decimal_comma_ok=True)
    try:
        quantity = parse_quantity(number)
    except AmountError as exc:
        message = f"{exc} Wpisz liczbę i jednostkę, np. {_QUANTITY_EXAMPLE} albo 1,5."
        raise InputError("quantity", raw, message, _QUANTITY_EXAMPLE) from None
    unit = (match["unit"] or "").strip() or None
    if unit is not None:
        unit = _UNITS.get(unit.lower().rstrip("."), unit)
        if len(unit) > _MAX_UNIT:
            raise InputError("quantity", raw, f"Jednostka może mieć najwyżej {_MAX_UNIT} znaków, np. szt.",
                             _QUANTITY_EXAMPLE)
    return QuantityInput(quantity, unit)


# --------------------------------------------------------------------------- VAT rates

_RATE_EXAMPLE = "23%"
_RATE_WORDS = {
    "23": VatRate.R23, "8": VatRate.R8, "5": VatRate.R5, "0": VatRate.R0,
    "zw": VatRate.ZW, "zwolnione": VatRate.ZW, "zwolniony": VatRate.ZW, "zwolniona": VatRate.ZW,
    "zwolnienie": VatRate.ZW,
    "np": VatRate.NP_I, "np i": VatRate.NP_I, "np 1": VatRate.NP_I, "nie podlega": VatRate.NP_I,
    "np ii": VatRate.NP_II, "np 2": VatRate.NP_II, "np 100": VatRate.NP_II,
    "oo": VatRate.OO, "o o": VatRate.OO, "odwrotne obciazenie": VatRate.OO,
    "0 kr": VatRate.R0, "0 krajowe": VatRate.R0, "0 wdt": VatRate.R0_WDT, "wdt": VatRate.R0_WDT,
    "0 ex": VatRate.R0_EX, "0 eksport": VatRate.R0_EX, "eksport": VatRate.R0_EX,
}


def parse_vat_rate(text: str) -> VatRate:
    """Read a VAT rate: ``23%``, ``23 %``, ``8``, ``0%``, ``zw.``, ``np.``, ``np II``, ``oo``, ``0% WDT``."""
    raw = text
    key = _plain_letters(_norm(text)).replace("%", " ").replace(".", " ").replace("-", " ")
    key = " ".join(key.split())
    if key in _RATE_WORDS:
        return _RATE_WORDS[key]
    try:
        return VatRate(text.strip())  # the exact FA(3) codes ("np I", "0 KR"...)
    except ValueError:
        pass
    raise InputError("vat_rate", raw, f"Nie rozumiem stawki VAT „{raw.strip()}”. Wpisz stawkę z procentem, "
                     "np. 23%, 8%, 5% lub 0%, albo słowo: „zw” (sprzedaż zwolniona z VAT), „np” (nie podlega "
                     "VAT w Polsce), „oo” (odwrotne obciążenie).", _RATE_EXAMPLE)


# --------------------------------------------------------------------------- dates

_DATE_EXAMPLE = "15.12.2026"
_RELATIVE = {"dzis": 0, "dzisiaj": 0, "jutro": 1, "pojutrze": 2, "wczoraj": -1, "przedwczoraj": -2}
_MONTHS = {  # nominative, genitive and 3-letter abbreviations, without diacritics
    1: ("styczen", "stycznia", "sty"), 2: ("luty", "lutego", "lut"), 3: ("marzec", "marca", "mar"),
    4: ("kwiecien", "kwietnia", "kwi"), 5: ("maj", "maja"), 6: ("czerwiec", "czerwca", "cze"),
    7: ("lipiec", "lipca", "lip"), 8: ("sierpien", "sierpnia", "sie"), 9: ("wrzesien", "wrzesnia", "wrz"),
    10: ("pazdziernik", "pazdziernika", "paz"), 11: ("listopad", "listopada", "lis"),
    12: ("grudzien", "grudnia", "gru"),
}
_MONTH_WORDS = {word: month for month, words in _MONTHS.items() for word in words}
_DMY = re.compile(r"(?P<d>\d{1,2})[./-](?P<m>\d{1,2})(?:[./-](?P<y>\d{4}|\d{2}))?")
_YMD = re.compile(r"(?P<y>\d{4})[./-](?P<m>\d{1,2})[./-](?P<d>\d{1,2})")
_D_MONTH = re.compile(r"(?P<d>\d{1,2}) (?P<month>[a-z]+)\.?(?: (?P<y>\d{4}))?")


def _date_error(raw: str, reason: str = "") -> InputError:
    lead = reason or f"Nie rozumiem daty „{raw.strip()}”."
    return InputError("date", raw, f"{lead} Wpisz datę jako DZIEŃ.MIESIĄC.ROK, np. {_DATE_EXAMPLE} "
                      "(albo 15.12), albo słowo „dziś”, „jutro”, „wczoraj”.", _DATE_EXAMPLE)


def _make_date(raw: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _date_error(raw, f"Nie ma takiego dnia: {day:02d}.{month:02d}.{year}.") from None


def _nearest_year(raw: str, today: date, month: int, day: int) -> date:
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue  # 29.02 exists only in leap years
    if not candidates:
        raise _date_error(raw, f"Nie ma takiego dnia: {day:02d}.{month:02d}.")
    # Nearest to today; on a tie (never for real dates) the earlier one.
    return min(candidates, key=lambda d: (abs((d - today).days), d))


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def parse_date(text: str, *, today: date) -> date:
    """Read a date; ``today`` (the user's date in Poland) resolves ``jutro`` and a missing year."""
    raw = text
    key = _plain_letters(_norm(text)).rstrip(".")
    if key in _RELATIVE:
        return today + timedelta(days=_RELATIVE[key])
    if (m := _YMD.fullmatch(key)) is not None:
        return _make_date(raw, int(m["y"]), int(m["m"]), int(m["d"]))
    if (m := _DMY.fullmatch(key)) is not None:
        day, month = int(m["d"]), int(m["m"])
        if m["y"] is None:
            if not 1 <= month <= 12:
                raise _date_error(raw, f"Nie ma takiego miesiąca: {month}.")
            return _nearest_year(raw, today, month, day)
        return _make_date(raw, _year(m["y"]), month, day)
    if (m := _D_MONTH.fullmatch(key)) is not None and m["month"] in _MONTH_WORDS:
        month, day = _MONTH_WORDS[m["month"]], int(m["d"])
        if m["y"] is None:
            return _nearest_year(raw, today, month, day)
        return _make_date(raw, int(m["y"]), month, day)
    raise _date_error(raw)


# --------------------------------------------------------------------------- periods

_PERIOD_EXAMPLE = "11.2026"
_MONTH_YEAR = re.compile(r"(?P<m>\d{1,2})[./-](?P<y>\d{4})|(?P<y2>\d{4})[./-](?P<m2>\d{1,2})")
_MONTH_NAME = re.compile(r"(?P<month>[a-z]+)\.?(?: (?P<y>\d{4}))?")
_RANGE = re.compile(r"(?:od )?(?P<a>.+?) ?(?:-|–|—| do ) ?(?P<b>.+)")


def _period_error(raw: str, reason: str = "") -> InputError:
    lead = reason or f"Nie rozumiem okresu „{raw.strip()}”."
    return InputError("period", raw, f"{lead} Wpisz miesiąc i rok, np. {_PERIOD_EXAMPLE} albo listopad 2026, "
                      "albo daty od–do, np. 01.11.2026–30.11.2026.", _PERIOD_EXAMPLE)


def _month(raw: str, year: int, month: int) -> tuple[date, date]:
    if not 1 <= month <= 12:
        raise _period_error(raw, f"Nie ma takiego miesiąca: {month}.")
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def _nearest_month(today: date, month: int) -> int:
    """The year that puts ``month`` nearest to today's month (a billing period is close to now)."""
    options = ((year, abs((year - today.year) * 12 + month - today.month)) for year in
               (today.year - 1, today.year, today.year + 1))
    return min(options, key=lambda o: (o[1], o[0]))[0]


def parse_period(text: str, *, today: date) -> tuple[date, date]:
    """Read a billing period (``OkresFa``): a month (``11.2026``, ``listopad 2026``, ``listopad``) or
    a range of dates (``01.11.2026–30.11.2026``, ``1.11-30.11.2026``); returns (first day, last day)."""
    raw = text
    key = _plain_letters(_norm(text)).rstrip(".")
    if (m := _MONTH_YEAR.fullmatch(key)) is not None:
        month, year = (m["m"], m["y"]) if m["m"] is not None else (m["m2"], m["y2"])
        return _month(raw, int(year), int(month))
    if (m := _MONTH_NAME.fullmatch(key)) is not None and m["month"] in _MONTH_WORDS:
        month = _MONTH_WORDS[m["month"]]
        year = int(m["y"]) if m["y"] else _nearest_month(today, month)
        return _month(raw, year, month)
    if (m := _RANGE.fullmatch(key)) is not None:
        try:
            end = parse_date(m["b"], today=today)
            # "1.11-30.11.2026": the start takes the end's year when it has none.
            start_text = m["a"]
            start = parse_date(start_text, today=end if _DMY.fullmatch(start_text) else today)
        except InputError:
            raise _period_error(raw) from None
        if start > end:
            raise _period_error(raw, "Początek okresu jest późniejszy niż koniec.")
        return start, end
    raise _period_error(raw)


# --------------------------------------------------------------------------- payment terms

@dataclass(frozen=True)
class PaymentTerm:
    """A payment term: a number of days from the issue date, or a date (exactly one is set)."""

    days: int | None = None
    due_date: date | None = None


_TERM_EXAMPLE = "14 dni"
_MAX_TERM_DAYS = 365
_TERM = re.compile(r"(?P<n>\d{1,3}) ?(?P<unit>dni|dzien|dnia|d|tydzien|tygodnie|tygodni|tyg)?"
                   r"(?: od (?:daty )?(?:wystawienia|dzis|dzisiaj)(?: faktury)?)?")
_NOW = {"od razu", "natychmiast", "gotowka", "przy odbiorze"}


def parse_payment_term(text: str, *, today: date) -> PaymentTerm:
    """Read a payment term: ``14 dni``, ``7``, ``2 tygodnie``, ``od razu`` (0 days), or a due date."""
    raw = text
    key = _plain_letters(_norm(text)).rstrip(".")
    if key in _NOW:
        return PaymentTerm(days=0)
    if key in ("tydzien", "1 tydzien"):
        return PaymentTerm(days=7)
    if (m := _TERM.fullmatch(key)) is not None:
        days = int(m["n"]) * (7 if (m["unit"] or "").startswith("tyg") or m["unit"] == "tydzien" else 1)
        if days > _MAX_TERM_DAYS:
            message = (f"Termin płatności może mieć najwyżej {_MAX_TERM_DAYS} dni. Wpisz liczbę dni, "
                       f"np. {_TERM_EXAMPLE}, albo datę, np. 31.12.2026.")
            raise InputError("payment_term", raw, message, _TERM_EXAMPLE)
        return PaymentTerm(days=days)
    try:
        due = parse_date(text, today=today)
    except InputError:
        message = (f"Nie rozumiem terminu płatności „{raw.strip()}”. Wpisz liczbę dni, np. {_TERM_EXAMPLE} "
                   "(albo samo 14), albo datę, np. 31.12.2026.")
        raise InputError("payment_term", raw, message, _TERM_EXAMPLE) from None
    return PaymentTerm(due_date=due)


# --------------------------------------------------------------------------- exemption basis

_BASIS_EXAMPLE = "art. 43 ust. 1 pkt 29 lit. a ustawy o VAT"
_MAX_BASIS = 256  # P_19A/B/C (TZnakowy)


def parse_exemption_basis(text: str) -> tuple[str, ExemptionBasis]:
    """The legal basis of an exemption as it goes into FA(3), and the element that carries it.

    A provision of Directive 2006/112/EC goes to ``P_19B``, one of the Polish act (``art.``,
    ``ustawy``, ``rozporządzenia``) to ``P_19A``, anything else to ``P_19C``. A bare ``art. 43 ust. 1
    pkt 29 lit. a`` gets " ustawy o VAT" appended (the act must be named; the bot shows the result).
    """
    raw = text
    cleaned = " ".join(sanitize(text).text.split())
    if not re.search(r"\d", cleaned) or len(cleaned) < 5:
        message = ("Podaj przepis, na podstawie którego sprzedaż jest zwolniona z VAT, "
                   f"np. {_BASIS_EXAMPLE} albo art. 113 ust. 1 ustawy o VAT.")
        raise InputError("exemption_basis", raw, message, _BASIS_EXAMPLE)
    plain = _plain_letters(cleaned.lower())
    if "dyrektyw" in plain or "2006/112" in plain:
        kind = ExemptionBasis.DIRECTIVE
    elif plain.startswith("art") or "ustaw" in plain or "rozporzadz" in plain or "§" in plain:
        kind = ExemptionBasis.ACT
        if "ustaw" not in plain and "rozporzadz" not in plain:
            cleaned = f"{cleaned} ustawy o VAT"
    else:
        kind = ExemptionBasis.OTHER
    if len(cleaned) > _MAX_BASIS:
        message = (f"Podstawa zwolnienia może mieć najwyżej {_MAX_BASIS} znaków. Wpisz sam przepis, "
                   f"np. {_BASIS_EXAMPLE}.")
        raise InputError("exemption_basis", raw, message, _BASIS_EXAMPLE)
    return cleaned, kind


# --------------------------------------------------------------------------- free text

def clean_text(text: str) -> Sanitized:
    """Free text typed in chat without the characters KSeF flags (``xml-002``); show ``.text`` to
    the user when ``.changed``."""
    return sanitize(text)
