"""Build FA(3) XML from an :class:`~ksef.fa3.model.Invoice` (docs/ksef.md#fa3).

The output is UTF-8 without BOM, with an XML declaration and no other processing instruction;
elements follow the XSD sequence. It is validated against the packaged XSD before it is
returned: a failure there is our bug and raises :class:`~ksef.errors.InvoiceSchemaError`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import cast

from lxml import etree

from ksef.errors import InvoiceSchemaError
from ksef.fa3.model import Buyer, Invoice, Payment, Seller
from ksef.fa3.totals import RATE_FIELDS, compute_totals, to_grosze
from ksef.schemas import FA3_NAMESPACE, schema_errors

SYSTEM_INFO = "ksef-bot"
_EARLIEST_CREATION = datetime(2025, 9, 1, tzinfo=UTC)  # DataWytworzeniaFa bounds in the XSD
_LATEST_CREATION = datetime(2050, 1, 1, 23, 59, 59, tzinfo=UTC)
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_NS = "{%s}" % FA3_NAMESPACE  # noqa: UP031 - Clark notation prefix


def _amount(value: Decimal) -> str:
    """``TKwotowy``: plain decimal with exactly 2 decimals, no exponent, no thousands separator."""
    return f"{to_grosze(value):f}"


def _plain(value: Decimal, min_decimals: int = 0) -> str:
    """A decimal without exponent or trailing zeros (but at least ``min_decimals`` decimals)."""
    text = f"{value.normalize():f}"
    if min_decimals:
        whole, _, frac = text.partition(".")
        text = f"{whole}.{frac.ljust(min_decimals, '0')}"
    return text


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _NS + tag)
    if text is not None:
        element.text = text
    return element


def _contact(parent: etree._Element, email: str | None, phone: str | None) -> None:
    if email or phone:
        contact = _sub(parent, "DaneKontaktowe")
        if email:
            _sub(contact, "Email", email)
        if phone:
            _sub(contact, "Telefon", phone)


def _address(parent: etree._Element, country: str | None, lines: tuple[str, ...]) -> None:
    address = _sub(parent, "Adres")
    _sub(address, "KodKraju", country or "PL")
    _sub(address, "AdresL1", lines[0])
    if len(lines) > 1:
        _sub(address, "AdresL2", lines[1])


def _seller(root: etree._Element, seller: Seller) -> None:
    podmiot = _sub(root, "Podmiot1")
    ident = _sub(podmiot, "DaneIdentyfikacyjne")
    _sub(ident, "NIP", seller.nip)
    _sub(ident, "Nazwa", seller.name)
    _address(podmiot, seller.country, seller.address)
    _contact(podmiot, seller.email, seller.phone)


def _buyer(root: etree._Element, buyer: Buyer) -> None:
    podmiot = _sub(root, "Podmiot2")
    ident = _sub(podmiot, "DaneIdentyfikacyjne")
    if buyer.nip is not None:
        _sub(ident, "NIP", buyer.nip)
    elif buyer.eu_code is not None and buyer.eu_vat is not None:
        _sub(ident, "KodUE", buyer.eu_code)
        _sub(ident, "NrVatUE", buyer.eu_vat)
    elif buyer.other_id is not None:
        if buyer.other_id_country:
            _sub(ident, "KodKraju", buyer.other_id_country)
        _sub(ident, "NrID", buyer.other_id)
    else:
        _sub(ident, "BrakID", "1")
    _sub(ident, "Nazwa", buyer.name)
    if buyer.address:
        _address(podmiot, buyer.country, buyer.address)
    _contact(podmiot, buyer.email, buyer.phone)
    # JST / GV are mandatory since FA(3); a sole trader's invoice concerns neither (docs/ksef.md#fa3).
    _sub(podmiot, "JST", "2")
    _sub(podmiot, "GV", "2")


def _annotations(fa: etree._Element, invoice: Invoice) -> None:
    adnotacje = _sub(fa, "Adnotacje")
    _sub(adnotacje, "P_16", "2")  # cash accounting: not supported by this model
    _sub(adnotacje, "P_17", "2")  # self-billing: no
    _sub(adnotacje, "P_18", "1" if invoice.reverse_charge_annotation else "2")
    # The user marks split payment (ksef.fa3.vatrules says when the law requires it).
    _sub(adnotacje, "P_18A", "1" if invoice.split_payment else "2")
    zwolnienie = _sub(adnotacje, "Zwolnienie")
    if invoice.exemption_basis is not None:
        _sub(zwolnienie, "P_19", "1")
        _sub(zwolnienie, invoice.exemption_basis_kind.value, invoice.exemption_basis)
    else:
        _sub(zwolnienie, "P_19N", "1")
    _sub(_sub(adnotacje, "NoweSrodkiTransportu"), "P_22N", "1")
    _sub(adnotacje, "P_23", "2")
    _sub(_sub(adnotacje, "PMarzy"), "P_PMarzyN", "1")


#: ``TerminOpis/ZdarzeniePoczatkowe`` written for a term typed as "14 dni".
DUE_FROM_ISSUE = "wystawienie faktury"


def _payment(fa: etree._Element, payment: Payment, invoice: Invoice) -> None:
    due_date = invoice.due_date
    if not (payment.paid or due_date or payment.method or payment.bank_account):
        return
    platnosc = _sub(fa, "Platnosc")
    if payment.paid and payment.paid_date is not None:
        _sub(platnosc, "Zaplacono", "1")
        _sub(platnosc, "DataZaplaty", payment.paid_date.isoformat())
    if due_date is not None:
        termin = _sub(platnosc, "TerminPlatnosci")
        _sub(termin, "Termin", due_date.isoformat())
        if payment.due_days is not None:
            # "14 dni" is written both ways: the date (what the buyer's software, KSeF's printout and
            # payment reminders read; days from the issue date leave no doubt about it, art. 111 KC)
            # and the description the user typed. A date falling on a holiday is not moved: the
            # earlier calendar date never makes the buyer pay late.
            opis = _sub(termin, "TerminOpis")
            _sub(opis, "Ilosc", str(payment.due_days))
            _sub(opis, "Jednostka", "dni")
            _sub(opis, "ZdarzeniePoczatkowe", DUE_FROM_ISSUE)
    if payment.method is not None:
        _sub(platnosc, "FormaPlatnosci", payment.method.value)
    if payment.bank_account is not None:
        _sub(_sub(platnosc, "RachunekBankowy"), "NrRB", payment.bank_account)


def _sale_period(fa: etree._Element, period: tuple[date, date]) -> None:
    okres = _sub(fa, "OkresFa")
    _sub(okres, "P_6_Od", period[0].isoformat())
    _sub(okres, "P_6_Do", period[1].isoformat())


#: ``DodatkowyOpis/Klucz`` of the exchange rate's source (see :func:`rate_source_text`).
RATE_SOURCE_KEY = "Kurs waluty"


def rate_source_text(currency: str, rate: Decimal, table: str, day: date) -> str:
    """The ``DodatkowyOpis`` value naming the NBP table a rate comes from, e.g.
    ``1 EUR = 4.2345 PLN, kurs średni NBP, tabela 236/A/NBP/2026 z 2026-12-04``."""
    return f"1 {currency} = {_plain(rate)} PLN, kurs średni NBP, tabela {table} z {day.isoformat()}"


def _rate_source(fa: etree._Element, invoice: Invoice) -> None:
    # FA(3) carries the rate itself per line (FaWiersz/KursWaluty: "kurs waluty stosowany do
    # wyliczenia kwoty podatku") and the VAT in PLN (P_14_xW), but has no field for the NBP table;
    # DodatkowyOpis is the XSD's place for data "wymaganych przepisami prawa, dla których nie
    # przewidziano innych pól". KursWalutyZ is only for advance-payment invoices (art. 106b ust. 1 pkt 4).
    if invoice.exchange_rate is None or invoice.exchange_rate_table is None \
            or invoice.exchange_rate_date is None:
        return
    opis = _sub(fa, "DodatkowyOpis")
    _sub(opis, "Klucz", RATE_SOURCE_KEY)
    _sub(opis, "Wartosc", rate_source_text(invoice.currency, invoice.exchange_rate,
                                           invoice.exchange_rate_table, invoice.exchange_rate_date))


def _creation_time(created_at: datetime | None) -> str:
    moment = created_at or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    if not _EARLIEST_CREATION <= moment <= _LATEST_CREATION:
        raise ValueError("created_at must be within 2025-09-01T00:00:00Z … 2050-01-01T23:59:59Z (FA(3) XSD)")
    # docs/ksef.md#fa3: if we write Z it must really be UTC.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_element(invoice: Invoice, *, created_at: datetime | None = None) -> etree._Element:
    """The ``Faktura`` element for ``invoice`` (not yet validated; see :func:`build`)."""
    totals = compute_totals(invoice)
    # Default namespace (no prefix) as in the official samples; lxml-stubs do not allow a None key.
    root = etree.Element(_NS + "Faktura", nsmap=cast("dict[str, str]", {None: FA3_NAMESPACE}))
    naglowek = _sub(root, "Naglowek")
    kod = _sub(naglowek, "KodFormularza", "FA")
    kod.set("kodSystemowy", "FA (3)")
    kod.set("wersjaSchemy", "1-0E")
    _sub(naglowek, "WariantFormularza", "3")
    _sub(naglowek, "DataWytworzeniaFa", _creation_time(created_at))
    _sub(naglowek, "SystemInfo", SYSTEM_INFO)
    _seller(root, invoice.seller)
    _buyer(root, invoice.buyer)

    fa = _sub(root, "Fa")
    _sub(fa, "KodWaluty", invoice.currency)
    _sub(fa, "P_1", invoice.issue_date.isoformat())
    if invoice.issue_place:
        _sub(fa, "P_1M", invoice.issue_place)
    _sub(fa, "P_2", invoice.number)
    # P_6 only when the sale date differs from the issue date (XSD documentation of P_6).
    if invoice.sale_date is not None and invoice.sale_date != invoice.issue_date:
        _sub(fa, "P_6", invoice.sale_date.isoformat())
    elif invoice.sale_period is not None:
        _sale_period(fa, invoice.sale_period)
    by_rate = {total.rate: total for total in totals.rates}
    for rate, (net_field, vat_field) in RATE_FIELDS.items():
        total = by_rate.get(rate.value)
        if total is None:
            continue
        _sub(fa, net_field, _amount(total.net))
        if vat_field is not None:
            _sub(fa, vat_field, _amount(total.vat))
            if total.vat_pln is not None:
                _sub(fa, vat_field + "W", _amount(total.vat_pln))
    _sub(fa, "P_15", _amount(totals.gross))
    _annotations(fa, invoice)
    _sub(fa, "RodzajFaktury", "VAT")
    _rate_source(fa, invoice)
    for number, (line, value) in enumerate(zip(invoice.lines, totals.line_values, strict=True), start=1):
        wiersz = _sub(fa, "FaWiersz")
        _sub(wiersz, "NrWierszaFa", str(number))
        _sub(wiersz, "P_7", line.name)
        if line.unit:
            _sub(wiersz, "P_8A", line.unit)
        _sub(wiersz, "P_8B", _plain(line.quantity))
        _sub(wiersz, "P_9B" if invoice.prices_gross else "P_9A", _plain(line.unit_price, 2))
        _sub(wiersz, "P_11A" if invoice.prices_gross else "P_11", _amount(value))
        _sub(wiersz, "P_12", line.vat_rate.value)
        if invoice.exchange_rate is not None:
            _sub(wiersz, "KursWaluty", _plain(invoice.exchange_rate))
    if invoice.payment is not None:
        _payment(fa, invoice.payment, invoice)
    if invoice.notes:
        stopka = _sub(root, "Stopka")
        for note in invoice.notes:
            _sub(_sub(stopka, "Informacje"), "StopkaFaktury", note)
    return root


def build(invoice: Invoice, *, created_at: datetime | None = None) -> bytes:
    """FA(3) XML bytes for ``invoice``, validated against the XSD.

    ``created_at`` (timezone-aware; default now) becomes ``DataWytworzeniaFa``. The returned bytes
    are final: hash and send exactly these (docs/ksef.md#sessions-and-sending).
    """
    root = to_element(invoice, created_at=created_at)
    xml = _DECLARATION + bytes(etree.tostring(root, encoding="UTF-8"))
    issues = schema_errors("fa3", xml)
    if issues:
        raise InvoiceSchemaError([str(issue) for issue in issues])
    return xml
