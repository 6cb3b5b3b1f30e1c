"""Typed model of an invoice a Polish sole trader issues, checked before any XML is built.

Construction validates: an :class:`Invoice` that exists can be built into valid FA(3) XML.
Problems raise :class:`~ksef.errors.InvoiceDataError` with the field path (``lines[2].quantity``,
1-based line numbers as printed) and a Polish message for the user.

Text fields are XSD ``token`` types: leading/trailing whitespace is dropped and inner runs of
whitespace are collapsed to one space here, so what we store is exactly what the XSD compares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from ksef.banking import normalize_account
from ksef.errors import BankAccountError, InvoiceDataError
from ksef.fa3.codes import country_codes, currency_codes, eu_country_codes
from ksef.fa3.rates import VatRate as VatRate  # re-exported: the model's own name for it
from ksef.fa3.textrules import DISCOURAGED
from ksef.fa3.totals import compute_totals
from ksef.identifiers import nip_is_valid, normalize_nip

DEFAULT_EXEMPTION_BASIS = "art. 113 ust. 1 ustawy o VAT"
MIN_DATE = date(2006, 1, 1)  # TDataT bounds in the FA(3) XSD
MAX_DATE = date(2050, 1, 1)
MAX_LINES = 10000
MAX_DUE_DAYS = 365

# The XSD's NIP pattern: besides the checksum, the 2nd and 3rd digits may not both be 0.
_NIP_PATTERN = re.compile(r"[1-9]((\d[1-9])|([1-9]\d))\d{7}")
_EU_VAT_PATTERN = re.compile(r"[0-9A-Z+*]{1,12}")
# Characters XML 1.0 cannot carry at all; lxml would refuse them, so reject them with a message.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_WS = re.compile(r"\s+")


class PaymentMethod(StrEnum):
    """FA(3) ``FormaPlatnosci`` codes."""

    CASH = "1"
    CARD = "2"
    VOUCHER = "3"
    CHEQUE = "4"
    CREDIT = "5"
    TRANSFER = "6"
    MOBILE = "7"

    @property
    def label(self) -> str:
        """Polish name of the method."""
        return PAYMENT_LABELS[self.value]

    @classmethod
    def parse(cls, text: str) -> PaymentMethod:
        """Accept the code (``6``), the English name (``transfer``) or the Polish label (``przelew``)."""
        key = str(text).strip().lower()
        for method in cls:
            if key in (method.value, method.name.lower(), method.label):
                return method
        names = ", ".join(m.name.lower() for m in cls)
        raise InvoiceDataError("payment.method", f"Nieznana forma płatności „{text}”. Dozwolone: {names}.")


PAYMENT_LABELS: dict[str, str] = {
    "1": "gotówka", "2": "karta", "3": "bon", "4": "czek", "5": "kredyt", "6": "przelew",
    "7": "płatność mobilna",
}


class ExemptionBasis(StrEnum):
    """Which ``Adnotacje/Zwolnienie`` element carries the legal basis of an exemption (``P_19`` = 1)."""

    ACT = "P_19A"  # a provision of the Polish VAT act or a regulation under it (art. 43, art. 113...)
    DIRECTIVE = "P_19B"  # a provision of Council Directive 2006/112/EC
    OTHER = "P_19C"  # another legal basis


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)  # normalising fields of a frozen dataclass in __post_init__


def _text(path: str, label: str, value: str | None, max_len: int, *, required: bool = False,
          collapse: bool = True) -> str | None:
    """Normalise one text field and check it against the XSD's length limit."""
    if value is None or not str(value).strip():
        if required:
            raise InvoiceDataError(path, f"Pole „{label}” jest wymagane.")
        return None
    text = _WS.sub(" ", str(value)).strip() if collapse else str(value).strip()
    if _NOT_XML.search(text):
        raise InvoiceDataError(path, f"Pole „{label}” zawiera niedozwolone znaki sterujące.")
    if (bad := DISCOURAGED.search(text)) is not None:
        # KSeF warns about these (xml-002) and announced rejecting them; the bot cleans typed text
        # with ksef.fa3.textrules.sanitize before it gets here.
        message = (f"Pole „{label}” zawiera niewidoczny lub sterujący znak (U+{ord(bad.group()):04X}), "
                   "którego KSeF nie przyjmuje. Usuń go i wpisz tekst jeszcze raz.")
        raise InvoiceDataError(path, message)
    if len(text) > max_len:
        raise InvoiceDataError(path, f"Pole „{label}” może mieć najwyżej {max_len} znaków (ma {len(text)}).")
    return text


def _check_nip(path: str, value: str) -> str:
    nip = normalize_nip(value)
    if not (nip_is_valid(nip) and _NIP_PATTERN.fullmatch(nip)):
        raise InvoiceDataError(path, f"NIP „{value}” jest niepoprawny (10 cyfr z poprawną cyfrą kontrolną).")
    return nip


def _check_country(path: str, value: str | None, allowed: frozenset[str]) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    if code not in allowed:
        raise InvoiceDataError(path, f"Nieznany kod kraju „{value}” (np. PL, DE).")
    return code


def _address(path: str, lines: tuple[str, ...], *, required: bool) -> tuple[str, ...]:
    cleaned = tuple(t for i, line in enumerate(lines)
                    if (t := _text(f"{path}[{i + 1}]", "adres", line, 512)) is not None)
    if required and not cleaned:
        raise InvoiceDataError(path, "Adres jest wymagany (ulica i numer, kod pocztowy i miejscowość).")
    if len(cleaned) > 2:
        raise InvoiceDataError(path, "Adres może mieć najwyżej 2 linie (ulica; kod i miejscowość).")
    return cleaned


def _contacts(obj: Seller | Buyer, who: str) -> None:
    email = _text(f"{who}.email", "e-mail", obj.email, 255)
    if email is not None and not re.fullmatch(r".+@.+", email):
        raise InvoiceDataError(f"{who}.email", f"Adres e-mail „{email}” jest niepoprawny.")
    _set(obj, "email", email)
    _set(obj, "phone", _text(f"{who}.phone", "telefon", obj.phone, 16))


@dataclass(frozen=True)
class Seller:
    """The issuing sole trader (``Podmiot1``)."""

    nip: str
    name: str
    address: tuple[str, ...]
    country: str = "PL"
    email: str | None = None
    phone: str | None = None
    vat_exempt: bool = False  # subjective exemption, art. 113 ustawy o VAT

    def __post_init__(self) -> None:
        _set(self, "nip", _check_nip("seller.nip", self.nip))
        _set(self, "name", _text("seller.name", "nazwa sprzedawcy", self.name, 512, required=True))
        _set(self, "address", _address("seller.address", tuple(self.address), required=True))
        _set(self, "country", _check_country("seller.country", self.country, country_codes()))
        _contacts(self, "seller")


@dataclass(frozen=True)
class Buyer:
    """The buyer (``Podmiot2``): Polish NIP, EU VAT number, another tax id, or a consumer with none.

    Exactly one of ``nip`` / (``eu_code`` + ``eu_vat``) / ``other_id`` may be given; none means
    ``BrakID`` (a consumer).
    """

    name: str
    nip: str | None = None
    eu_code: str | None = None
    eu_vat: str | None = None
    other_id: str | None = None
    other_id_country: str | None = None
    address: tuple[str, ...] = ()
    country: str = "PL"
    email: str | None = None
    phone: str | None = None

    def __post_init__(self) -> None:
        _set(self, "name", _text("buyer.name", "nazwa nabywcy", self.name, 512, required=True))
        kinds = [self.nip is not None, self.eu_code is not None or self.eu_vat is not None,
                 self.other_id is not None]
        if sum(kinds) > 1:
            message = "Podaj tylko jeden identyfikator nabywcy: NIP, numer VAT UE albo inny."
            raise InvoiceDataError("buyer", message)
        if self.nip is not None:
            _set(self, "nip", _check_nip("buyer.nip", self.nip))
        if kinds[1]:
            if not self.eu_code or not self.eu_vat:
                message = "Numer VAT UE wymaga kodu kraju i numeru (np. DE 123456789)."
                raise InvoiceDataError("buyer.eu_vat", message)
            code = _check_country("buyer.eu_code", self.eu_code, eu_country_codes())
            number = re.sub(r"[\s.-]", "", self.eu_vat).upper()
            if code and number.startswith(code):
                number = number[len(code):]
            if code == "PL":
                message = "Dla polskiego nabywcy podaj NIP zamiast numeru VAT UE."
                raise InvoiceDataError("buyer.eu_code", message)
            if not _EU_VAT_PATTERN.fullmatch(number):
                raise InvoiceDataError("buyer.eu_vat", f"Numer VAT UE „{self.eu_vat}” jest niepoprawny.")
            _set(self, "eu_code", code)
            _set(self, "eu_vat", number)
        if self.other_id is not None:
            _set(self, "other_id", _text("buyer.other_id", "identyfikator podatkowy", self.other_id, 50,
                                         required=True))
        _set(self, "other_id_country",
             _check_country("buyer.other_id_country", self.other_id_country, country_codes()))
        _set(self, "address", _address("buyer.address", tuple(self.address), required=False))
        _set(self, "country", _check_country("buyer.country", self.country, country_codes()))
        _contacts(self, "buyer")

    @property
    def is_consumer(self) -> bool:
        """True when no tax identifier is given (``BrakID``)."""
        return self.nip is None and self.eu_vat is None and self.other_id is None


@dataclass(frozen=True)
class InvoiceLine:
    """One line: name, quantity, unit and unit price (net or gross, see :attr:`Invoice.prices_gross`)."""

    name: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: VatRate
    unit: str | None = None

    def validate(self, number: int) -> None:
        """Check the line; ``number`` is its 1-based position, used in messages."""
        path = f"lines[{number}]"
        _set(self, "name", _text(f"{path}.name", f"nazwa (pozycja {number})", self.name, 512, required=True))
        _set(self, "unit", _text(f"{path}.unit", f"jednostka (pozycja {number})", self.unit, 256))
        if not isinstance(self.vat_rate, VatRate):
            _set(self, "vat_rate", VatRate.parse(str(self.vat_rate)))
        q, p = self.quantity, self.unit_price
        if not isinstance(q, Decimal) or not q.is_finite():
            raise InvoiceDataError(f"{path}.quantity", f"Pozycja {number}: ilość musi być liczbą.")
        if q <= 0:
            raise InvoiceDataError(f"{path}.quantity", f"Pozycja {number}: ilość musi być większa od zera.")
        if _decimals(q) > 6:
            message = f"Pozycja {number}: ilość może mieć najwyżej 6 miejsc po przecinku."
            raise InvoiceDataError(f"{path}.quantity", message)
        if not isinstance(p, Decimal) or not p.is_finite():
            raise InvoiceDataError(f"{path}.unit_price", f"Pozycja {number}: cena musi być liczbą.")
        if p < 0:
            raise InvoiceDataError(f"{path}.unit_price", f"Pozycja {number}: cena nie może być ujemna.")
        if _decimals(p) > 8:
            message = f"Pozycja {number}: cena może mieć najwyżej 8 miejsc po przecinku."
            raise InvoiceDataError(f"{path}.unit_price", message)
        if q.adjusted() > 15 or p.adjusted() > 13 or (q * p).adjusted() > 15:
            raise InvoiceDataError(path, f"Pozycja {number}: wartość jest za duża.")


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@dataclass(frozen=True)
class Payment:
    """Payment terms (``Platnosc``)."""

    method: PaymentMethod | None = None
    due_date: date | None = None
    bank_account: str | None = None  # stored as the 26-digit NRB
    paid: bool = False
    paid_date: date | None = None
    # Added later (defaults keep existing callers working):
    due_days: int | None = None  # "14 dni": days from the issue date (TerminOpis; the date is computed)

    def __post_init__(self) -> None:
        if self.due_days is not None:
            if isinstance(self.due_days, bool) or not isinstance(self.due_days, int) \
                    or not 0 <= self.due_days <= MAX_DUE_DAYS:
                message = f"Termin płatności w dniach musi być liczbą od 0 do {MAX_DUE_DAYS} (np. 14)."
                raise InvoiceDataError("payment.due_days", message)
            if self.due_date is not None:
                message = "Podaj termin płatności jako datę albo jako liczbę dni, nie oba naraz."
                raise InvoiceDataError("payment.due_days", message)
        if self.method is not None and not isinstance(self.method, PaymentMethod):
            _set(self, "method", PaymentMethod.parse(str(self.method)))
        if self.bank_account is not None:
            try:
                _set(self, "bank_account", normalize_account(self.bank_account))
            except BankAccountError as exc:
                raise InvoiceDataError("payment.bank_account", str(exc)) from exc
        if self.paid and self.paid_date is None:
            raise InvoiceDataError("payment.paid_date", "Podaj datę zapłaty dla faktury zapłaconej.")
        if self.paid_date is not None and not self.paid:
            raise InvoiceDataError("payment.paid", "Data zapłaty jest podana, ale faktura nie jest oznaczona "
                                                   "jako zapłacona.")
        for name, value in (("due_date", self.due_date), ("paid_date", self.paid_date)):
            _check_date(f"payment.{name}", value)


def _check_date(path: str, value: date | None) -> None:
    if value is not None and not MIN_DATE <= value <= MAX_DATE:
        raise InvoiceDataError(path, f"Data {value.isoformat()} jest poza zakresem 2006-01-01 – 2050-01-01.")


@dataclass(frozen=True)
class Invoice:
    """A basic (``RodzajFaktury`` = ``VAT``) invoice of a VAT payer or an art. 113 exempt sole trader.

    ``prices_gross`` selects how every line's ``unit_price`` is meant: net (default; ``P_9A``/``P_11``)
    or gross (art. 106e ust. 7–8; ``P_9B``/``P_11A``). ``exemption_basis`` is the legal basis
    printed for ``zw`` lines (``P_19A``); for an exempt seller it defaults to art. 113 ust. 1.
    ``exchange_rate`` (PLN per unit of ``currency``) is required for foreign-currency invoices with
    VAT, because the VAT must also be shown in PLN (``P_14_xW``).
    """

    seller: Seller
    buyer: Buyer
    number: str
    issue_date: date
    lines: tuple[InvoiceLine, ...]
    sale_date: date | None = None
    issue_place: str | None = None
    currency: str = "PLN"
    prices_gross: bool = False
    payment: Payment | None = None
    notes: tuple[str, ...] = field(default=())
    exemption_basis: str | None = None
    exchange_rate: Decimal | None = None
    # Added later (defaults keep existing callers working); checked in _check_cases:
    exemption_basis_kind: ExemptionBasis = ExemptionBasis.ACT
    sale_period: tuple[date, date] | None = None  # OkresFa (P_6_Od, P_6_Do) instead of one sale date
    split_payment: bool = False  # P_18A "mechanizm podzielonej płatności"
    reverse_charge: bool | None = None  # P_18 "odwrotne obciążenie"; None = as the lines' rates require
    exchange_rate_table: str | None = None  # NBP table number, e.g. "236/A/NBP/2026"
    exchange_rate_date: date | None = None  # the table's effective date

    def __post_init__(self) -> None:
        _set(self, "number", _text("number", "numer faktury", self.number, 256, required=True))
        _check_date("issue_date", self.issue_date)
        _check_date("sale_date", self.sale_date)
        _set(self, "issue_place", _text("issue_place", "miejsce wystawienia", self.issue_place, 256))
        currency = str(self.currency).strip().upper()
        if currency not in currency_codes():
            raise InvoiceDataError("currency", f"Nieznana waluta „{self.currency}” (np. PLN, EUR).")
        _set(self, "currency", currency)
        lines = tuple(self.lines)
        if not lines:
            raise InvoiceDataError("lines", "Faktura musi mieć co najmniej jedną pozycję.")
        if len(lines) > MAX_LINES:
            raise InvoiceDataError("lines", f"Faktura może mieć najwyżej {MAX_LINES} pozycji.")
        for i, line in enumerate(lines, start=1):
            line.validate(i)
        _set(self, "lines", lines)
        if self.seller.vat_exempt:
            for i, line in enumerate(lines, start=1):
                if line.vat_rate is not VatRate.ZW:
                    raise InvoiceDataError(
                        f"lines[{i}].vat_rate",
                        f"Sprzedawca zwolniony z VAT (art. 113) stosuje tylko stawkę „zw”; pozycja {i} ma "
                        f"„{line.vat_rate.label}”.")
        basis = _text("exemption_basis", "podstawa zwolnienia", self.exemption_basis, 256)
        has_exempt = any(line.vat_rate is VatRate.ZW for line in lines)
        if has_exempt and basis is None:
            if not self.seller.vat_exempt:
                message = ("Pozycje ze stawką „zw” wymagają podstawy prawnej zwolnienia "
                           "(np. art. 43 ust. 1 pkt 29 ustawy o VAT).")
                raise InvoiceDataError("exemption_basis", message)
            basis = DEFAULT_EXEMPTION_BASIS
        if basis is not None and not has_exempt:
            raise InvoiceDataError("exemption_basis", "Podano podstawę zwolnienia, ale żadna pozycja nie ma "
                                                      "stawki „zw”.")
        _set(self, "exemption_basis", basis)
        notes = tuple(t for i, n in enumerate(self.notes)
                      if (t := _text(f"notes[{i + 1}]", "uwagi", n, 3500, collapse=False)) is not None)
        if len(notes) > 3:
            raise InvoiceDataError("notes", "Faktura może mieć najwyżej 3 uwagi w stopce.")
        _set(self, "notes", notes)
        if self.payment is not None and self.payment.due_date is not None \
                and self.payment.due_date < self.issue_date:
            raise InvoiceDataError("payment.due_date", "Termin płatności nie może być wcześniejszy niż data "
                                                       "wystawienia.")
        needs_rate = currency != "PLN" and any(line.vat_rate.percent is not None for line in lines)
        if self.exchange_rate is not None:
            rate = self.exchange_rate
            if currency == "PLN":
                message = "Kurs waluty podaje się tylko dla faktur w walucie obcej."
                raise InvoiceDataError("exchange_rate", message)
            if not rate.is_finite() or rate <= 0 or _decimals(rate) > 6:
                raise InvoiceDataError("exchange_rate", "Kurs waluty musi być dodatni (najwyżej 6 miejsc po "
                                                        "przecinku).")
        elif needs_rate:
            raise InvoiceDataError("exchange_rate", f"Faktura w {currency} ze stawką VAT wymaga kursu waluty "
                                                    "(VAT trzeba wykazać także w złotych).")
        _check_cases(self)
        self._check_magnitude()

    def _check_magnitude(self) -> None:
        # TKwotowy allows 16 integer digits; per-line limits do not bound the sum of 10 000 lines.
        totals = compute_totals(self)
        if totals.gross.adjusted() > 15 or totals.net.adjusted() > 15:
            raise InvoiceDataError("lines", "Suma faktury jest za duża (najwyżej 16 cyfr przed przecinkiem).")

    @property
    def effective_sale_date(self) -> date:
        """The sale date as printed: the issue date when none was given (the period's end for a period)."""
        if self.sale_period is not None:
            return self.sale_period[1]
        return self.sale_date or self.issue_date

    @property
    def reverse_charge_annotation(self) -> bool:
        """Whether ``P_18`` ("odwrotne obciążenie") is 1: as set, or as the lines' rates require."""
        return self.reverse_charge if self.reverse_charge is not None else _requires_reverse_charge(self)

    @property
    def due_date(self) -> date | None:
        """The payment due date: as given, or the issue date plus ``payment.due_days``."""
        if self.payment is None:
            return None
        if self.payment.due_days is not None:
            return self.issue_date + timedelta(days=self.payment.due_days)
        return self.payment.due_date


_NBP_TABLE_A = re.compile(r"\d{3}/A/NBP/\d{4}")


def _requires_reverse_charge(invoice: Invoice) -> bool:
    # Domestic reverse charge (oo) and art. 100 ust. 1 pkt 4 services (np II: B2B services taxed in
    # another member state, where the buyer settles the VAT) must carry "odwrotne obciążenie"
    # (art. 106e ust. 1 pkt 18). Other np I sales are left to the user (reverse_charge=True).
    return any(line.vat_rate in (VatRate.OO, VatRate.NP_II) for line in invoice.lines)


def _check_cases(invoice: Invoice) -> None:
    """Checks of the fields added for sale periods, exemption bases, annotations and exchange rates."""
    if not isinstance(invoice.exemption_basis_kind, ExemptionBasis):
        try:
            _set(invoice, "exemption_basis_kind", ExemptionBasis(str(invoice.exemption_basis_kind)))
        except ValueError:
            raise InvoiceDataError("exemption_basis_kind", "Rodzaj podstawy zwolnienia: P_19A (ustawa), "
                                                           "P_19B (dyrektywa) albo P_19C (inna).") from None
    period = invoice.sale_period
    if period is not None:
        start, end = tuple(period)
        _check_date("sale_period", start)
        _check_date("sale_period", end)
        if start > end:
            message = "Okres sprzedaży musi zaczynać się nie później, niż się kończy."
            raise InvoiceDataError("sale_period", message)
        if invoice.sale_date is not None:
            # FA(3) allows P_6 or OkresFa, never both (xsd:choice).
            raise InvoiceDataError("sale_period", "Podaj datę sprzedaży albo okres, którego dotyczy faktura, "
                                                  "nie oba naraz.")
        _set(invoice, "sale_period", (start, end))
    has_np = any(line.vat_rate in (VatRate.NP_I, VatRate.NP_II, VatRate.OO) for line in invoice.lines)
    if invoice.reverse_charge is True and not has_np:
        message = ("Adnotacja „odwrotne obciążenie” dotyczy tylko pozycji „oo” albo „np” (nabywca rozlicza "
                   "podatek); żadna pozycja nie ma takiej stawki.")
        raise InvoiceDataError("reverse_charge", message)
    if invoice.reverse_charge is False and _requires_reverse_charge(invoice):
        message = ("Pozycje ze stawką „oo” albo „np” za usługi z art. 100 ust. 1 pkt 4 wymagają adnotacji "
                   "„odwrotne obciążenie”.")
        raise InvoiceDataError("reverse_charge", message)
    if invoice.split_payment and invoice.seller.vat_exempt:
        message = ("Mechanizm podzielonej płatności dotyczy faktur z VAT; sprzedawca zwolniony z VAT "
                   "(art. 113) go nie stosuje.")
        raise InvoiceDataError("split_payment", message)
    _check_rate_source(invoice)


def _check_rate_source(invoice: Invoice) -> None:
    table, day = invoice.exchange_rate_table, invoice.exchange_rate_date
    if table is None and day is None:
        return
    if invoice.exchange_rate is None:
        raise InvoiceDataError("exchange_rate_table", "Tabela kursów jest podana, ale kurs waluty nie.")
    if table is None or day is None:
        message = "Podaj numer tabeli kursów NBP razem z jej datą (np. 236/A/NBP/2026 z 2026-12-04)."
        raise InvoiceDataError("exchange_rate_table", message)
    table = table.strip()
    if not _NBP_TABLE_A.fullmatch(table):
        raise InvoiceDataError("exchange_rate_table", f"Numer tabeli NBP „{table}” ma inny format niż "
                                                      "NNN/A/NBP/RRRR (np. 236/A/NBP/2026).")
    _check_date("exchange_rate_date", day)
    # Art. 31a ust. 1-2 ustawy o VAT: the rate of the last working day before the tax point, or before
    # the issue date when the invoice is issued earlier. Either way the table precedes the issue date;
    # which day exactly depends on the tax point (ksef.fa3.vatrules.rate_day picks it), so only this
    # bound, true in every case, is enforced here.
    if day >= invoice.issue_date:
        message = (f"Kurs z tabeli z {day.isoformat()} nie może być użyty: do przeliczenia stosuje się kurs "
                   "z ostatniego dnia roboczego przed powstaniem obowiązku podatkowego, a najpóźniej przed "
                   "dniem wystawienia faktury (art. 31a ustawy o VAT).")
        raise InvoiceDataError("exchange_rate_date", message)
    _set(invoice, "exchange_rate_table", table)
