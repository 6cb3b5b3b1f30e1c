"""Parse any FA(3) invoice into an :class:`InvoiceSummary` for display.

Tolerant by design: unknown or optional elements are ignored, and values are read as written
(no XSD validation here — use :func:`ksef.schemas.schema_errors` for that). The namespace is
taken from the root element, so a document is read whatever prefix it uses.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from ksef.errors import InvoiceParseError
from ksef.fa3.model import PAYMENT_LABELS
from ksef.fa3.rates import RATE_LABELS
from ksef.fa3.summary import (
    CorrectedInvoiceSummary,
    CorrectionSummary,
    DueTerm,
    InvoiceSummary,
    LineChangeSummary,
    LineSummary,
    PartialPayment,
    PartySummary,
    PaymentSummary,
    RateTotal,
)
from ksef.schemas import safe_parser

_WS = re.compile(r"\s+")
_XS_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
# The widest decimal of FA(3) (TIlosci, TCenaJednostkowa) has totalDigits 22.
_MAX_DIGITS = 22

# (net field, VAT field or None, default rate code, label) in XSD order. P_13_1/P_13_2 also cover
# the historical 22%/7% rates: the code is refined from the lines when they say so.
_RATE_FIELDS: tuple[tuple[str, str | None, str, str], ...] = (
    ("P_13_1", "P_14_1", "23", "23%"),
    ("P_13_2", "P_14_2", "8", "8%"),
    ("P_13_3", "P_14_3", "5", "5%"),
    ("P_13_4", "P_14_4", "taxi", "ryczałt taxi"),
    ("P_13_5", "P_14_5", "oss", "procedura szczególna (OSS)"),
    ("P_13_6_1", None, "0 KR", RATE_LABELS["0 KR"]),
    ("P_13_6_2", None, "0 WDT", RATE_LABELS["0 WDT"]),
    ("P_13_6_3", None, "0 EX", RATE_LABELS["0 EX"]),
    ("P_13_7", None, "zw", RATE_LABELS["zw"]),
    ("P_13_8", None, "np I", RATE_LABELS["np I"]),
    ("P_13_9", None, "np II", RATE_LABELS["np II"]),
    ("P_13_10", None, "oo", RATE_LABELS["oo"]),
    ("P_13_11", None, "marza", "procedura marży"),
)
_HISTORICAL = {"P_13_1": "22", "P_13_2": "7"}


class _Reader:
    """Namespace-aware helpers bound to one document's namespace."""

    def __init__(self, namespace: str | None) -> None:
        self.ns = "{%s}" % namespace if namespace else ""  # noqa: UP031 - Clark notation prefix

    def path(self, path: str) -> str:
        return "/".join(self.ns + part for part in path.split("/"))

    def find(self, element: etree._Element | None, path: str) -> etree._Element | None:
        if element is None:
            return None
        return element.find(self.path(path))

    def findall(self, element: etree._Element | None, path: str) -> list[etree._Element]:
        if element is None:
            return []
        return list(element.findall(self.path(path)))

    def text(self, element: etree._Element | None, path: str) -> str | None:
        """Text of a token-typed field with whitespace collapsed as the XSD does; None if absent/empty."""
        found = self.find(element, path)
        if found is None or found.text is None:
            return None
        value = _WS.sub(" ", found.text).strip()
        return value or None

    def raw_text(self, element: etree._Element | None, path: str) -> str | None:
        """Text kept with its line breaks (free-text fields), only trimmed."""
        found = self.find(element, path)
        if found is None or found.text is None:
            return None
        return found.text.strip() or None

    def decimal(self, element: etree._Element | None, path: str) -> Decimal | None:
        value = self.text(element, path)
        if value is None:
            return None
        # Only xs:decimal's own form: Python's Decimal also reads "1E5000", "NaN" and "Infinity", which no
        # schema-valid invoice holds and which break formatting (and arithmetic) further on.
        shown = value if len(value) <= 40 else value[:40] + "…"
        if not _XS_DECIMAL.fullmatch(value):
            raise InvoiceParseError(f"{path}: „{shown}” nie jest liczbą")
        whole, _, fraction = value.lstrip("+-").partition(".")
        if len(whole.lstrip("0")) + len(fraction.rstrip("0")) > _MAX_DIGITS:
            raise InvoiceParseError(f"{path}: liczba „{shown}” ma więcej cyfr, niż pozwala FA(3)")
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            raise InvoiceParseError(f"{path}: „{shown}” nie jest liczbą") from None

    def date(self, element: etree._Element | None, path: str) -> date | None:
        value = self.text(element, path)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvoiceParseError(f"{path}: „{value}” nie jest datą (RRRR-MM-DD)") from None


def _party(r: _Reader, podmiot: etree._Element | None) -> PartySummary:
    ident = r.find(podmiot, "DaneIdentyfikacyjne")
    address = r.find(podmiot, "Adres")
    lines = tuple(t for t in (r.text(address, "AdresL1"), r.text(address, "AdresL2")) if t)
    email = phone = None
    for contact in r.findall(podmiot, "DaneKontaktowe"):
        email = email or r.text(contact, "Email")
        phone = phone or r.text(contact, "Telefon")
    return PartySummary(
        nip=r.text(ident, "NIP"),
        eu_code=r.text(ident, "KodUE"),
        eu_vat=r.text(ident, "NrVatUE"),
        other_id=r.text(ident, "NrID"),
        name=r.text(ident, "Nazwa"),
        address_lines=lines,
        country=r.text(address, "KodKraju"),
        email=email,
        phone=phone,
        other_id_country=r.text(ident, "KodKraju"),
    )


def _line(r: _Reader, wiersz: etree._Element, position: int) -> LineSummary:
    number_text = r.text(wiersz, "NrWierszaFa")
    try:
        number = int(number_text) if number_text is not None else position
    except ValueError:
        raise InvoiceParseError(f"NrWierszaFa: „{number_text}” nie jest numerem pozycji") from None
    return LineSummary(
        number=number,
        name=r.text(wiersz, "P_7"),
        unit=r.text(wiersz, "P_8A"),
        quantity=r.decimal(wiersz, "P_8B"),
        unit_net_price=r.decimal(wiersz, "P_9A"),
        unit_gross_price=r.decimal(wiersz, "P_9B"),
        net=r.decimal(wiersz, "P_11"),
        gross=r.decimal(wiersz, "P_11A"),
        vat_rate=r.text(wiersz, "P_12"),
        before=r.text(wiersz, "StanPrzed") == "1",
    )


def _totals(r: _Reader, fa: etree._Element | None, line_rates: set[str | None]) -> tuple[RateTotal, ...]:
    totals = []
    for net_field, vat_field, code, label in _RATE_FIELDS:
        net = r.decimal(fa, net_field)
        if net is None:
            continue
        vat = (r.decimal(fa, vat_field) if vat_field else None) or Decimal("0.00")
        old = _HISTORICAL.get(net_field)
        if old is not None and old in line_rates and code not in line_rates:
            code, label = old, RATE_LABELS[old]
        vat_pln = r.decimal(fa, vat_field + "W") if vat_field else None
        totals.append(RateTotal(rate=code, label=label, net=net, vat=vat, gross=net + vat, vat_pln=vat_pln))
    return tuple(totals)


def _payment(r: _Reader, fa: etree._Element | None) -> PaymentSummary | None:
    platnosc = r.find(fa, "Platnosc")
    if platnosc is None:
        return None
    method = r.text(platnosc, "FormaPlatnosci")
    label = PAYMENT_LABELS.get(method) if method else None
    if method is None:
        label = r.text(platnosc, "OpisPlatnosci")
    terms = r.findall(platnosc, "TerminPlatnosci")
    due = tuple(d for t in terms if (d := r.date(t, "Termin")) is not None)
    accounts = tuple(n for acc in r.findall(platnosc, "RachunekBankowy") if (n := r.text(acc, "NrRB")))
    return PaymentSummary(
        method=method,
        method_label=label,
        due_dates=due,
        paid=r.text(platnosc, "Zaplacono") == "1",
        paid_date=r.date(platnosc, "DataZaplaty"),
        bank_accounts=accounts,
        due_terms=tuple(term for t in terms if (term := _due_term(r, t)) is not None),
        partial_payments=tuple(
            PartialPayment(amount, day) for part in r.findall(platnosc, "ZaplataCzesciowa")
            if (amount := r.decimal(part, "KwotaZaplatyCzesciowej")) is not None
            and (day := r.date(part, "DataZaplatyCzesciowej")) is not None),
        paid_in_parts=r.text(platnosc, "ZnacznikZaplatyCzesciowej") == "2",
    )


def _due_term(r: _Reader, termin: etree._Element) -> DueTerm | None:
    opis = r.find(termin, "TerminOpis")
    count, unit, event = r.text(opis, "Ilosc"), r.text(opis, "Jednostka"), r.text(opis, "ZdarzeniePoczatkowe")
    if count is None or unit is None or event is None:
        return None
    try:
        return DueTerm(int(count), unit, event)
    except ValueError:
        raise InvoiceParseError(f"TerminOpis/Ilosc: „{count}” nie jest liczbą całkowitą") from None


# DodatkowyOpis written by ksef.fa3.build.rate_source_text ("Kurs waluty": "1 EUR = 4.2345 PLN, kurs
# średni NBP, tabela 236/A/NBP/2026 z 2026-12-04"); anything else stays a note.
_RATE_SOURCE = re.compile(r"1 [A-Z]{3} = [0-9.]+ PLN, kurs średni NBP, tabela (?P<table>\S+) "
                          r"z (?P<day>\d{4}-\d{2}-\d{2})")


def _rate_source(key: str, value: str) -> tuple[str, date] | None:
    match = _RATE_SOURCE.fullmatch(value) if key == "Kurs waluty" else None
    if match is None:
        return None
    try:
        return match["table"], date.fromisoformat(match["day"])
    except ValueError:
        return None


def _exchange_rate(r: _Reader, fa: etree._Element, lines: list[etree._Element]) -> Decimal | None:
    rates = {rate for w in lines if (rate := r.decimal(w, "KursWaluty")) is not None}
    if len(rates) == 1:
        return rates.pop()
    return r.decimal(fa, "KursWalutyZ")


def _period(r: _Reader, fa: etree._Element) -> tuple[date, date] | None:
    start, end = r.date(fa, "OkresFa/P_6_Od"), r.date(fa, "OkresFa/P_6_Do")
    return (start, end) if start is not None and end is not None else None


def _created_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    # Python 3.11 accepts "Z" and up to 6 fraction digits; .NET writes 7 (e.g. ".0792168Z").
    trimmed = re.sub(r"(\.\d{6})\d+", r"\1", value)
    try:
        return datetime.fromisoformat(trimmed)
    except ValueError:
        raise InvoiceParseError(f"DataWytworzeniaFa: „{value}” nie jest datą i godziną") from None


def parse(xml: bytes) -> InvoiceSummary:
    """Parse FA(3) invoice XML; raises :class:`~ksef.errors.InvoiceParseError` if it is not one."""
    try:
        root = etree.fromstring(xml, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise InvoiceParseError(f"plik nie jest poprawnym XML: {exc.msg}") from None
    qname = etree.QName(root)
    if qname.localname != "Faktura":
        raise InvoiceParseError(f"to nie jest faktura FA: główny element to <{qname.localname}>")
    r = _Reader(qname.namespace)
    fa = r.find(root, "Fa")
    if fa is None:
        raise InvoiceParseError("to nie jest faktura FA: brak elementu <Fa>")
    number = r.text(fa, "P_2")
    issue_date = r.date(fa, "P_1")
    if number is None or issue_date is None:
        raise InvoiceParseError("w fakturze brak numeru (P_2) lub daty wystawienia (P_1)")

    wiersze = r.findall(fa, "FaWiersz")
    lines = tuple(_line(r, w, i) for i, w in enumerate(wiersze, start=1))
    totals = _totals(r, fa, {line.vat_rate for line in lines})
    net_total = sum((t.net for t in totals), Decimal("0.00"))
    vat_total = sum((t.vat for t in totals), Decimal("0.00"))
    gross_total = r.decimal(fa, "P_15")
    if gross_total is None:
        raise InvoiceParseError("w fakturze brak kwoty należności ogółem (P_15)")

    notes: list[str] = []
    rate_source: tuple[str, date] | None = None
    for opis in r.findall(fa, "DodatkowyOpis"):
        key, value = r.text(opis, "Klucz"), r.text(opis, "Wartosc")
        if key and value:
            source = _rate_source(key, value) if rate_source is None else None
            if source is not None:
                rate_source = source
            else:
                notes.append(f"{key}: {value}")
    notes += [t for info in r.findall(root, "Stopka/Informacje") if (t := r.raw_text(info, "StopkaFaktury"))]
    zwolnienie = r.find(fa, "Adnotacje/Zwolnienie")
    basis_kind = next((k for k in ("P_19A", "P_19B", "P_19C") if r.text(zwolnienie, k)), None)
    basis = r.text(zwolnienie, basis_kind) if basis_kind else None
    adnotacje = r.find(fa, "Adnotacje")

    return InvoiceSummary(
        seller=_party(r, r.find(root, "Podmiot1")),
        buyer=_party(r, r.find(root, "Podmiot2")),
        number=number,
        issue_date=issue_date,
        sale_date=r.date(fa, "P_6"),
        issue_place=r.text(fa, "P_1M"),
        currency=r.text(fa, "KodWaluty") or "PLN",
        invoice_type=r.text(fa, "RodzajFaktury") or "VAT",
        lines=lines,
        totals=totals,
        net_total=net_total,
        vat_total=vat_total,
        gross_total=gross_total,
        payment=_payment(r, fa),
        notes=tuple(notes),
        exemption_basis=basis,
        created_at=_created_at(r.text(root, "Naglowek/DataWytworzeniaFa")),
        sale_period=_period(r, fa),
        correction=_correction(r, root, fa, lines),
        exemption_basis_kind=basis_kind,
        reverse_charge=r.text(adnotacje, "P_18") == "1",
        split_payment=r.text(adnotacje, "P_18A") == "1",
        exchange_rate=_exchange_rate(r, fa, wiersze),
        exchange_rate_table=rate_source[0] if rate_source else None,
        exchange_rate_date=rate_source[1] if rate_source else None,
    )


# --------------------------------------------------------------------------- corrections

_CORRECTION_KINDS = ("KOR", "KOR_ZAL", "KOR_ROZ")


def _pair_rows(lines: tuple[LineSummary, ...]) -> tuple[LineChangeSummary, ...]:
    """Rows paired by ``NrWierszaFa``: a "before" row (``StanPrzed``) and an "after" row with its number."""
    pairs: list[list[LineSummary | None]] = []
    numbers: list[int] = []
    for line in lines:
        slot = 0 if line.before else 1
        for index, pair in enumerate(pairs):
            if numbers[index] == line.number and pair[slot] is None:
                pair[slot] = line
                break
        else:
            pair = [None, None]
            pair[slot] = line
            pairs.append(pair)
            numbers.append(line.number)
    return tuple(LineChangeSummary(number, before, after)
                 for number, (before, after) in zip(numbers, pairs, strict=True))


def _same_party(summary: PartySummary, other: PartySummary) -> bool:
    return (summary.nip, summary.eu_vat, summary.other_id) == (other.nip, other.eu_vat, other.other_id)


def _correction(r: _Reader, root: etree._Element, fa: etree._Element,
                lines: tuple[LineSummary, ...]) -> CorrectionSummary | None:
    """The correction part of ``Fa``; None for an invoice that corrects nothing."""
    kind = r.text(fa, "RodzajFaktury") or ""
    references = r.findall(fa, "DaneFaKorygowanej")
    if kind not in _CORRECTION_KINDS and not references:
        return None
    corrected = tuple(CorrectedInvoiceSummary(number=r.text(d, "NrFaKorygowanej"),
                                              issue_date=r.date(d, "DataWystFaKorygowanej"),
                                              ksef_number=r.text(d, "NrKSeFFaKorygowanej"),
                                              outside_ksef=r.text(d, "NrKSeFN") == "1")
                      for d in references)
    seller_k = r.find(fa, "Podmiot1K")
    buyers_k = [_party(r, p) for p in r.findall(fa, "Podmiot2K")]
    buyer = _party(r, r.find(root, "Podmiot2"))
    # Podmiot2K repeats for additional buyers (Podmiot3): the one for Podmiot2 has its identifier.
    buyer_k = next((p for p in buyers_k if _same_party(p, buyer)), buyers_k[0] if buyers_k else None)
    return CorrectionSummary(
        reason=r.raw_text(fa, "PrzyczynaKorekty"),
        correction_type=r.text(fa, "TypKorekty"),
        corrected=corrected,
        period=r.text(fa, "OkresFaKorygowanej"),
        corrected_number=r.text(fa, "NrFaKorygowany"),
        seller_before=_party(r, seller_k) if seller_k is not None else None,
        buyer_before=buyer_k,
        changes=_pair_rows(lines),
    )
