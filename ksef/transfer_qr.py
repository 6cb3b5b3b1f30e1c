"""Polish bank-transfer QR codes: the Polish Bank Association's "Standard 2D" recommendation (ZBP, 2013).

Nine fields separated by ``|``, UTF-8 (``docs/payments.md`` has the sources and the decisions)::

    NIP|PL|NRB|amount in grosze (6 digits)|recipient name|title|reserved|reserved|reserved

===================  ===========================================================================
recipient NIP        10 digits; empty for a recipient without NIP
country              ``PL``
account              the 26-digit NRB
amount               6 digits in grosze, zero-padded (at most 9 999,99 zł; ``000000``: the payer types it)
recipient name       at most 20 characters
title                at most 32 characters
reserved × 3         empty (direct-debit id 20, Invoobill id 12, reserve 24: not ours to fill)
===================  ===========================================================================

A KSeF number or a collective identifier (IZ) has 35 characters and the title field 32, so the
code never carries one: its title field gets the invoice number (whole, or nothing of it), and the
full transfer title — invoice number and KSeF number, or the IZ — is given as text beside the code.
Nothing that identifies money (account, amount, KSeF number) is ever shortened; a value that does
not fit gives :class:`TransferQrRefused` naming it, so the caller shows the text fields instead.
The standard has no split-payment (MPP) field: :attr:`TransferQr.split_payment` carries it along.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

from ksef.amounts import format_amount
from ksef.banking import normalize_account
from ksef.errors import BankAccountError, KsefValidationError
from ksef.identifiers import collective_id_is_valid, ksef_number_is_valid, normalize_nip
from ksef.qr import qr_png

SEPARATOR: Final = "|"
COUNTRY: Final = "PL"
NAME_MAX: Final = 20
TITLE_MAX: Final = 32
AMOUNT_DIGITS: Final = 6
MAX_AMOUNT: Final = Decimal(10**AMOUNT_DIGITS - 1) / 100  # 9 999,99 zł
PAYLOAD_MAX: Final = 160
# A transfer title in Polish clearing (Elixir) is 4 lines of 35 characters.
TRANSFER_TITLE_MAX: Final = 140

_POLISH_LETTERS: Final = "ĄĆĘŁŃÓŚŹŻąćęłńóśźż"
# UNCONFIRMED beyond "UTF-8, '|' separates": printable ASCII and Polish letters are what every
# Polish banking system carries; other characters (emoji, typographic quotes) are refused or folded.
_ALLOWED: Final = frozenset(chr(c) for c in range(0x20, 0x7F) if chr(c) != SEPARATOR) | set(_POLISH_LETTERS)
_FOLD: Final = str.maketrans({"„": '"', "”": '"', "“": '"', "«": '"', "»": '"', "‘": "'", "’": "'",
                              "‚": "'", "–": "-", "—": "-", "\u00a0": " ", "|": "/"})
# Legal forms spelled out in registers, and their usual abbreviations (longest first).
_LEGAL_FORMS: Final = (
    (re.compile(r"spółka z ograniczoną odpowiedzialnością", re.IGNORECASE), "sp. z o.o."),
    (re.compile(r"spółka komandytowo-akcyjna", re.IGNORECASE), "S.K.A."),
    (re.compile(r"spółka akcyjna", re.IGNORECASE), "S.A."),
    (re.compile(r"spółka komandytowa", re.IGNORECASE), "sp.k."),
    (re.compile(r"spółka jawna", re.IGNORECASE), "sp.j."),
    (re.compile(r"spółka cywilna", re.IGNORECASE), "s.c."),
)
_SINGLE_FALLBACK: Final = "Zapłata za fakturę"
_COLLECTIVE_FALLBACK: Final = "Płatność zbiorcza"


@dataclass(frozen=True)
class TransferTitle:
    """The transfer title: ``full`` to copy into the bank form, ``short`` for the code's 32 characters.

    ``reference`` is the KSeF number or IZ contained in ``full`` (None for an invoice without one yet);
    ``short`` never holds a part of it.
    """

    full: str
    short: str
    reference: str | None

    @property
    def reference_in_short(self) -> bool:
        """True when the code's title carries the whole KSeF number / IZ (never with 32 characters)."""
        return self.reference is not None and self.reference in self.short


def transfer_title(invoice_number: str | None = None, *, ksef_number: str | None = None,
                   collective_id: str | None = None, invoice_numbers: Sequence[str] = ()) -> TransferTitle:
    """The title of a transfer paying one invoice (its number and KSeF number) or several (their IZ).

    One invoice: ``FV 12/2026 KSeF 5265877635-20261204-0100A0B1C2D3-4F``; several invoices of one
    seller: ``KSeF 5265877635-IZ202612-…`` followed by their numbers when they fit in 140 characters.
    An invoice without a KSeF number yet (issued offline) is paid by its number alone. A KSeF number
    or IZ with a wrong checksum raises :class:`KsefValidationError`: a wrong number is worse than none.
    """
    if ksef_number and collective_id:
        raise KsefValidationError("tytuł przelewu: numer KSeF albo identyfikator zbiorczy, nie oba")
    number = _clean(invoice_number or "")
    if collective_id is not None:
        iz = collective_id.strip()
        if not collective_id_is_valid(iz):
            raise KsefValidationError(f"„{collective_id}” nie jest poprawnym identyfikatorem zbiorczym (IZ)")
        numbers = [n for n in (_clean(n) for n in invoice_numbers) if n]
        full = f"KSeF {iz}"
        listed = f"{full} {', '.join(numbers)}"
        if numbers and len(listed) <= TRANSFER_TITLE_MAX:
            full = listed
        candidates = [full, f"Faktury {', '.join(numbers)}" if numbers else "", _COLLECTIVE_FALLBACK]
        return TransferTitle(full, _first_fitting(candidates), iz)
    if ksef_number is not None:
        ksef = ksef_number.strip()
        if not ksef_number_is_valid(ksef):
            raise KsefValidationError(f"„{ksef_number}” nie jest poprawnym numerem KSeF")
        full = f"{number} KSeF {ksef}" if number else f"KSeF {ksef}"
        if len(full) > TRANSFER_TITLE_MAX:  # an absurdly long invoice number gives way, the KSeF number never
            full = f"KSeF {ksef}"
        return TransferTitle(full, _first_fitting([full, number, _SINGLE_FALLBACK]), ksef)
    if not number:
        raise KsefValidationError("tytuł przelewu: podaj numer faktury, numer KSeF albo IZ")
    if len(number) > TRANSFER_TITLE_MAX:
        raise KsefValidationError(f"numer faktury ma ponad {TRANSFER_TITLE_MAX} znaków (limit tytułu)")
    return TransferTitle(number, _first_fitting([number, _SINGLE_FALLBACK]), None)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _fits(text: str) -> bool:
    return 0 < len(text) <= TITLE_MAX and all(c in _ALLOWED for c in text)


def _first_fitting(candidates: Sequence[str]) -> str:
    """The first candidate that fits the code's title field whole (the last one always does).

    The candidates are the full title (it holds the whole KSeF number or IZ, so it comes first), then
    the invoice numbers alone, then a generic title: never a cut-off piece of anything.
    """
    return next(c for c in candidates if _fits(c))


@dataclass(frozen=True)
class TransferRequest:
    """What to pay: account (NRB or PL IBAN), amount in PLN, recipient, title, split payment or not."""

    account: str
    amount: Decimal
    recipient_name: str
    title: TransferTitle
    recipient_nip: str | None = None
    split_payment: bool = False


@dataclass(frozen=True)
class TransferQr:
    """A Standard 2D payload and what went into it (``*_in_code``), next to the full values to show."""

    payload: str
    account: str
    amount: Decimal
    amount_in_code: bool
    recipient_name: str
    name_in_code: str
    title: TransferTitle
    title_in_code: str
    recipient_nip: str | None
    split_payment: bool

    @property
    def ksef_number_in_code(self) -> bool:
        """True when the code's title holds the whole KSeF number or IZ (the copyable title always does)."""
        return self.title.reference is not None and self.title.reference in self.title_in_code

    @property
    def name_shortened(self) -> bool:
        """True when the code carries a shortened or folded recipient name."""
        return self.name_in_code != self.recipient_name

    def png(self, *, label: str = "", box_size: int = 6) -> bytes:
        """The QR image (UTF-8, error correction M, 4-module quiet zone) with an optional label under it."""
        return qr_png(self.payload, label, box_size=box_size)


@dataclass(frozen=True)
class FieldProblem:
    """One value that cannot go into the code: ``field`` (``account``, ``amount``, ``recipient_nip``,
    ``recipient_name``), the value as given, and a plain Polish sentence saying why."""

    field: str
    value: str
    message: str


@dataclass(frozen=True)
class TransferQrRefused:
    """No code: the values that do not fit. Show the text fields (account, amount, ``title.full``)."""

    problems: tuple[FieldProblem, ...]
    title: TransferTitle
    split_payment: bool

    @property
    def fields(self) -> tuple[str, ...]:
        """Names of the fields that do not fit."""
        return tuple(p.field for p in self.problems)


def transfer_qr(request: TransferRequest, *,
                manual_amount_over_limit: bool = False) -> TransferQr | TransferQrRefused:
    """The Standard 2D code for ``request``, or :class:`TransferQrRefused` saying which values do not fit.

    With ``manual_amount_over_limit`` an amount above 9 999,99 zł gives a code with ``000000`` (the
    standard's "amount typed by the payer"; ``amount_in_code`` False) instead of a refusal.
    """
    problems: list[FieldProblem] = []
    account = ""
    try:
        account = normalize_account(request.account)
    except BankAccountError as exc:
        problems.append(FieldProblem("account", request.account, str(exc)))
    nip = ""
    if request.recipient_nip:
        nip = normalize_nip(request.recipient_nip)
        if not re.fullmatch(r"\d{10}", nip):
            problems.append(FieldProblem("recipient_nip", request.recipient_nip,
                                         "NIP odbiorcy w kodzie QR musi mieć 10 cyfr."))
    amount_field, amount_problem = _amount_field(request.amount, manual_amount_over_limit)
    if amount_problem:
        problems.append(FieldProblem("amount", str(request.amount), amount_problem))
    name = recipient_name_in_code(request.recipient_name)
    if not name:
        problems.append(FieldProblem("recipient_name", request.recipient_name,
                                     "Nazwa odbiorcy jest pusta albo bez liter, które przyjmuje przelew."))
    if problems:
        return TransferQrRefused(tuple(problems), request.title, request.split_payment)
    fields = [nip, COUNTRY, account, amount_field, name, request.title.short, "", "", ""]
    payload = SEPARATOR.join(fields)
    if len(payload) > PAYLOAD_MAX:  # cannot happen with the field limits above; kept as the standard's rule
        raise AssertionError(f"Standard 2D payload of {len(payload)} characters")  # pragma: no cover
    return TransferQr(payload=payload, account=account, amount=request.amount,
                      amount_in_code=amount_field != "0" * AMOUNT_DIGITS,
                      recipient_name=request.recipient_name,
                      name_in_code=name, title=request.title, title_in_code=request.title.short,
                      recipient_nip=nip or None, split_payment=request.split_payment)


def _amount_field(amount: Decimal, manual_over_limit: bool) -> tuple[str, str | None]:
    try:
        grosze = amount * 100
        exact = grosze == grosze.to_integral_value()
    except (InvalidOperation, TypeError):
        return "", f"Kwota {amount!r} nie jest liczbą."
    if not exact:
        return "", f"Kwota {amount} ma więcej niż dwa miejsca po przecinku — przelew liczy się w groszach."
    if amount <= 0:
        return "", f"Do zapłaty nie ma dodatniej kwoty ({format_amount(amount)}) — kod QR nie powstanie."
    if amount > MAX_AMOUNT:
        if manual_over_limit:
            return "0" * AMOUNT_DIGITS, None
        return "", (f"Kwota {format_amount(amount)} nie mieści się w kodzie QR przelewu "
                    f"(najwyżej {format_amount(MAX_AMOUNT)}).")
    return f"{int(grosze):0{AMOUNT_DIGITS}d}", None


def recipient_name_in_code(name: str) -> str:
    """The recipient name as the code carries it: folded to allowed characters, at most 20 characters.

    Typographic quotes and dashes become ASCII ones, letters with non-Polish diacritics lose them
    (``é`` → ``e``), legal forms are abbreviated (``spółka z ograniczoną odpowiedzialnością`` →
    ``sp. z o.o.``), and a longer name is cut at the last word that fits (a hard cut when that would
    leave less than half). The name is only shown to the payer; the full name goes beside the code.
    """
    text = " ".join(name.translate(_FOLD).split())
    for pattern, short in _LEGAL_FORMS:
        text = pattern.sub(short, text)
    folded = []
    for char in text:
        if char in _ALLOWED:
            folded.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        folded.extend(c for c in base if c in _ALLOWED)
    text = " ".join("".join(folded).split())
    if not any(c.isalnum() for c in text):
        return ""
    if len(text) <= NAME_MAX:
        return text
    cut = text[:NAME_MAX + 1].rfind(" ")
    short = text[:cut] if cut >= NAME_MAX // 2 else text[:NAME_MAX]
    return short.rstrip(" ,.-/")


@dataclass(frozen=True)
class TransferFields:
    """A Standard 2D payload split back into its fields (for tests and checks of a decoded code)."""

    recipient_nip: str
    country: str
    account: str
    amount_grosze: int
    recipient_name: str
    title: str
    reserved: tuple[str, str, str]


def parse_transfer_payload(payload: str) -> TransferFields:
    """Split a Standard 2D payload; raises :class:`KsefValidationError` when it breaks a field rule."""
    parts = payload.split(SEPARATOR)
    if len(parts) != 9:
        raise KsefValidationError(f"kod przelewu ma {len(parts)} pól zamiast 9")
    nip, country, account, amount, name, title, r1, r2, r3 = parts
    rules = [
        (nip == "" or re.fullmatch(r"\d{10}", nip) is not None, "NIP: pusty albo 10 cyfr"),
        (country == COUNTRY, "kod kraju: PL"),
        (re.fullmatch(r"\d{26}", account) is not None, "rachunek: 26 cyfr"),
        (re.fullmatch(rf"\d{{{AMOUNT_DIGITS}}}", amount) is not None, "kwota: 6 cyfr w groszach"),
        (0 < len(name) <= NAME_MAX, "nazwa odbiorcy: 1–20 znaków"),
        (0 < len(title) <= TITLE_MAX, "tytuł: 1–32 znaki"),
        (len(r1) <= 20 and len(r2) <= 12 and len(r3) <= 24, "pola rezerwowe: 20, 12, 24 znaki"),
        (all(c in _ALLOWED for c in name + title), "niedozwolone znaki w nazwie albo tytule"),
        (len(payload) <= PAYLOAD_MAX, "cały kod: najwyżej 160 znaków"),
    ]
    for ok, rule in rules:
        if not ok:
            raise KsefValidationError(f"kod przelewu łamie regułę Standardu 2D — {rule}")
    return TransferFields(nip, country, account, int(amount), name, title, (r1, r2, r3))
