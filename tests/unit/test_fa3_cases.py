"""The invoices of an ordinary month, each end to end: model → XSD-valid XML → parse → PDF text.

Cases: exempt items of a VAT payer (P_19A/B/C), np and 0 % lines, reverse charge, a consumer
buyer (BrakID), sale date and billing period (P_6 / OkresFa), payment method, due date as a date
or "14 dni", paid invoices, a per-invoice account, foreign currency with its NBP table (KursWaluty,
P_14_xW, DodatkowyOpis), split payment (P_18A). Plus the model's refusals for each new field.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pypdf
import pytest
from lxml import etree

from ksef import pdf
from ksef.errors import InvoiceDataError
from ksef.fa3 import (
    Buyer,
    ExemptionBasis,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentMethod,
    Seller,
    VatRate,
    build,
    compute_totals,
    invoice_from_dict,
    invoice_to_dict,
    parse,
)
from ksef.fa3.summary import DueTerm, InvoiceSummary
from ksef.schemas import FA3_NAMESPACE, schema_errors

CREATED = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
NS = {"fa": FA3_NAMESPACE}
SELLER = Seller(nip="5265877635", name="Anna Nowak Szkolenia", address=("ul. Polna 3", "00-001 Warszawa"))
COMPANY = Buyer(name="Klient Sp. z o.o.", nip="7352765225", address=("ul. Długa 5", "30-001 Kraków"))
ACCOUNT = "61109010140000071219812874"


def invoice(*lines: InvoiceLine, **changes: Any) -> Invoice:
    base: dict[str, Any] = {"seller": SELLER, "buyer": COMPANY, "number": "FV/12/2026",
                            "issue_date": date(2026, 12, 4), "lines": lines}
    base.update(changes)
    return Invoice(**base)


def line(name: str = "Szkolenie", rate: VatRate = VatRate.R23, price: str = "1000", quantity: str = "1",
         unit: str | None = "usł.") -> InvoiceLine:
    return InvoiceLine(name=name, quantity=Decimal(quantity), unit_price=Decimal(price), vat_rate=rate,
                       unit=unit)


def xpath(xml: bytes, path: str) -> list[str]:
    return [str(e.text) for e in etree.fromstring(xml).xpath(path, namespaces=NS)]


def text_of(document: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(document))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def issued(inv: Invoice) -> tuple[bytes, InvoiceSummary, str]:
    """Build (XSD-checked), validate again independently, parse, and print the invoice."""
    xml = build(inv, created_at=CREATED)
    assert schema_errors("fa3", xml) == []
    summary = parse(xml)
    totals = compute_totals(inv)
    assert (summary.net_total, summary.vat_total, summary.gross_total) == (
        totals.net, totals.vat, totals.gross)
    assert summary.totals == totals.rates
    return xml, summary, text_of(pdf.render_pdf(xml))


# --------------------------------------------------------------------------- exemptions, np, 0 %

@pytest.mark.parametrize(("kind", "basis", "label"), [
    (ExemptionBasis.ACT, "art. 43 ust. 1 pkt 29 lit. a ustawy o VAT", "Podstawa zwolnienia z VAT:"),
    (ExemptionBasis.DIRECTIVE, "art. 132 ust. 1 lit. i dyrektywy 2006/112/WE", "dyrektywy 2006/112/WE"),
    (ExemptionBasis.OTHER, "§ 3 ust. 1 pkt 2 rozporządzenia MF z 20.12.2013", "inna podstawa prawna"),
])
def test_vat_payer_exempt_line_has_its_basis_in_the_right_element(kind: ExemptionBasis, basis: str,
                                                                  label: str) -> None:
    inv = invoice(line("Kurs BHP", VatRate.ZW, "800"), line("Materiały", VatRate.R23, "100"),
                  exemption_basis=basis, exemption_basis_kind=kind)
    xml, summary, text = issued(inv)
    assert xpath(xml, "//fa:Zwolnienie/fa:P_19") == ["1"]
    assert xpath(xml, f"//fa:Zwolnienie/fa:{kind.value}") == [basis]
    others = {"P_19A", "P_19B", "P_19C"} - {kind.value}
    assert all(xpath(xml, f"//fa:Zwolnienie/fa:{other}") == [] for other in others)
    assert xpath(xml, "//fa:P_13_7") == ["800.00"] and xpath(xml, "//fa:P_13_1") == ["100.00"]
    assert (summary.exemption_basis, summary.exemption_basis_kind) == (basis, kind.value)
    assert label in text and basis in text


def test_np_and_zero_rates_with_reverse_charge_annotation() -> None:
    eu = Buyer(name="Beispiel GmbH", eu_code="DE", eu_vat="DE123456789", address=("Musterstr. 1", "Berlin"),
               country="DE")
    inv = invoice(line("Wdrożenie (art. 28b)", VatRate.NP_II, "5000"), line("Licencja", VatRate.NP_I, "300"),
                  line("Dostawa WDT", VatRate.R0_WDT, "200"), line("Eksport", VatRate.R0_EX, "100"),
                  line("Usługa 0%", VatRate.R0, "50"), buyer=eu)
    assert inv.reverse_charge_annotation  # np II: the EU buyer settles the VAT
    xml, summary, text = issued(inv)
    assert xpath(xml, "//fa:P_18") == ["1"]
    fields = ("P_13_9", "P_13_8", "P_13_6_2", "P_13_6_3", "P_13_6_1")
    assert [xpath(xml, f"//fa:{f}") for f in fields] == [["5000.00"], ["300.00"], ["200.00"], ["100.00"],
                                                        ["50.00"]]
    assert xpath(xml, "//fa:P_15") == ["5650.00"]
    assert xpath(xml, "//*[starts-with(local-name(), 'P_14')]") == []
    assert summary.reverse_charge and "odwrotne obciążenie" in text
    assert "np. (art. 100 ust. 1 pkt 4)" in text and "0% (WDT)" in text


def test_np_i_alone_carries_the_annotation_only_when_the_user_says_so() -> None:
    plain = invoice(line("Usługa poza UE", VatRate.NP_I, "300"))
    assert xpath(build(plain, created_at=CREATED), "//fa:P_18") == ["2"]
    marked = replace(plain, reverse_charge=True)
    xml, summary, text = issued(marked)
    assert xpath(xml, "//fa:P_18") == ["1"] and summary.reverse_charge and "odwrotne obciążenie" in text


def test_domestic_taxed_invoice_has_no_annotations() -> None:
    xml, summary, text = issued(invoice(line()))
    assert xpath(xml, "//fa:P_18") == ["2"] and xpath(xml, "//fa:P_18A") == ["2"]
    assert not summary.reverse_charge and not summary.split_payment
    assert "odwrotne obciążenie" not in text and "podzielonej" not in text


# --------------------------------------------------------------------------- consumers

@pytest.mark.parametrize("address", [(), ("ul. Leśna 7", "05-500 Piaseczno")])
def test_consumer_without_nip(address: tuple[str, ...]) -> None:
    inv = invoice(line("Naprawa roweru", price="150"), buyer=Buyer(name="Jan Kowalski", address=address))
    xml, summary, text = issued(inv)
    assert xpath(xml, "//fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:BrakID") == ["1"]
    assert xpath(xml, "//fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:NIP") == []
    assert xpath(xml, "//fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:Nazwa") == ["Jan Kowalski"]
    assert xpath(xml, "//fa:Podmiot2/fa:Adres/fa:AdresL1") == list(address[:1])
    assert summary.buyer.nip is None and summary.buyer.address_lines == address
    assert "Jan Kowalski" in text and all(part in text for part in address)


# --------------------------------------------------------------------------- dates

def test_sale_date_different_from_issue_date() -> None:
    xml, summary, text = issued(invoice(line(), sale_date=date(2026, 11, 30)))
    assert xpath(xml, "//fa:P_6") == ["2026-11-30"] and xpath(xml, "//fa:OkresFa") == []
    assert summary.sale_date == date(2026, 11, 30)
    assert "Data sprzedaży: 30.11.2026" in text


def test_billing_period_for_monthly_services() -> None:
    period = (date(2026, 11, 1), date(2026, 11, 30))
    inv = invoice(line("Obsługa IT – listopad"), sale_period=period)
    assert inv.effective_sale_date == date(2026, 11, 30)
    xml, summary, text = issued(inv)
    assert xpath(xml, "//fa:OkresFa/fa:P_6_Od") == ["2026-11-01"]
    assert xpath(xml, "//fa:OkresFa/fa:P_6_Do") == ["2026-11-30"]
    assert xpath(xml, "//fa:P_6") == []
    assert summary.sale_period == period and summary.sale_date is None
    assert "Okres sprzedaży: 01.11.2026 – 30.11.2026" in text


# --------------------------------------------------------------------------- payment

def test_transfer_due_in_14_days_to_a_per_invoice_account() -> None:
    inv = invoice(line(), payment=Payment(method=PaymentMethod.TRANSFER, due_days=14, bank_account=ACCOUNT))
    assert inv.due_date == date(2026, 12, 18)
    xml, summary, text = issued(inv)
    assert xpath(xml, "//fa:TerminPlatnosci/fa:Termin") == ["2026-12-18"]
    assert xpath(xml, "//fa:TerminOpis/fa:Ilosc") == ["14"]
    assert xpath(xml, "//fa:TerminOpis/fa:Jednostka") == ["dni"]
    assert xpath(xml, "//fa:TerminOpis/fa:ZdarzeniePoczatkowe") == ["wystawienie faktury"]
    assert xpath(xml, "//fa:FormaPlatnosci") == ["6"] and xpath(xml, "//fa:NrRB") == [ACCOUNT]
    payment = summary.payment
    assert payment is not None and payment.due_dates == (date(2026, 12, 18),)
    assert payment.due_terms == (DueTerm(14, "dni", "wystawienie faktury"),)
    assert "Forma płatności: przelew" in text
    assert "Termin płatności: 18.12.2026 (14 dni od wystawienia faktury)" in text
    assert "61 1090 1014 0000 0712 1981 2874" in text


@pytest.mark.parametrize(("method", "label"),
                         [(PaymentMethod.CASH, "gotówka"), (PaymentMethod.CARD, "karta")])
def test_already_paid_in_cash_or_by_card(method: PaymentMethod, label: str) -> None:
    inv = invoice(line(price="99.99"), payment=Payment(method=method, paid=True, paid_date=date(2026, 12, 3)))
    xml, summary, text = issued(inv)
    assert xpath(xml, "//fa:Zaplacono") == ["1"] and xpath(xml, "//fa:DataZaplaty") == ["2026-12-03"]
    assert xpath(xml, "//fa:FormaPlatnosci") == [method.value] and xpath(xml, "//fa:TerminPlatnosci") == []
    assert summary.payment is not None and summary.payment.paid_date == date(2026, 12, 3)
    assert f"Forma płatności: {label}" in text and "Zapłacono (03.12.2026)" in text
    assert "Zapłacono: 122,99 zł" in text


def test_due_date_as_a_date_has_no_description() -> None:
    inv = invoice(line(), payment=Payment(method=PaymentMethod.TRANSFER, due_date=date(2026, 12, 31)))
    xml, summary, text = issued(inv)
    assert xpath(xml, "//fa:Termin") == ["2026-12-31"] and xpath(xml, "//fa:TerminOpis") == []
    assert summary.payment is not None and summary.payment.due_terms == ()
    assert "Termin płatności: 31.12.2026" in text


# --------------------------------------------------------------------------- foreign currency

def eur_invoice(**changes: Any) -> Invoice:
    fields: dict[str, Any] = {"currency": "EUR", "exchange_rate": Decimal("4.2648"),
                              "exchange_rate_table": "235/A/NBP/2026",
                              "exchange_rate_date": date(2026, 12, 3)}
    fields.update(changes)
    return invoice(line("Programowanie", price="95.50", quantity="10", unit="h"),
                   line("Hosting", VatRate.R8, "20"), **fields)


def test_foreign_currency_with_nbp_table() -> None:
    inv = eur_invoice()
    xml, summary, text = issued(inv)
    assert xpath(xml, "//fa:KodWaluty") == ["EUR"]
    assert xpath(xml, "//fa:FaWiersz/fa:KursWaluty") == ["4.2648", "4.2648"]
    # 955.00 EUR at 23% → VAT 219.65 EUR → × 4.2648 = 936.76 zł; 20.00 at 8% → 1.60 EUR → 6.82 zł
    assert xpath(xml, "//fa:P_14_1") == ["219.65"] and xpath(xml, "//fa:P_14_1W") == ["936.76"]
    assert xpath(xml, "//fa:P_14_2") == ["1.60"] and xpath(xml, "//fa:P_14_2W") == ["6.82"]
    assert xpath(xml, "//fa:DodatkowyOpis/fa:Klucz") == ["Kurs waluty"]
    assert xpath(xml, "//fa:DodatkowyOpis/fa:Wartosc") == [
        "1 EUR = 4.2648 PLN, kurs średni NBP, tabela 235/A/NBP/2026 z 2026-12-03"]
    assert (summary.exchange_rate, summary.exchange_rate_table, summary.exchange_rate_date) == (
        Decimal("4.2648"), "235/A/NBP/2026", date(2026, 12, 3))
    assert summary.notes == ()  # the rate source is data, not a note
    assert [t.vat_pln for t in summary.totals] == [Decimal("936.76"), Decimal("6.82")]
    assert "Waluta: EUR" in text and "1 EUR = 4,2648 PLN" in text
    assert "Tabela NBP: 235/A/NBP/2026 z 03.12.2026" in text
    assert "Kwota VAT w złotych – 23%: 936,76 zł; 8%: 6,82 zł; razem 943,58 zł" in text
    assert "Do zapłaty: 1 196,25 €" in text


def test_foreign_currency_rate_without_table_still_prints_the_rate() -> None:
    inv = eur_invoice(exchange_rate_table=None, exchange_rate_date=None)
    xml, summary, text = issued(inv)
    assert xpath(xml, "//fa:DodatkowyOpis") == [] and summary.exchange_rate == Decimal("4.2648")
    assert summary.exchange_rate_table is None and "1 EUR = 4,2648 PLN" in text and "Tabela NBP" not in text


def test_other_additional_descriptions_stay_notes() -> None:
    xml = build(eur_invoice(), created_at=CREATED)
    root = etree.fromstring(xml)
    opis = root.find(".//fa:DodatkowyOpis", NS)
    assert opis is not None
    value = opis.find("fa:Wartosc", NS)
    assert value is not None
    value.text = "kurs umowny 4,30"  # not the form we write: kept as a note, no table read from it
    summary = parse(etree.tostring(root))
    assert summary.exchange_rate_table is None and summary.notes == ("Kurs waluty: kurs umowny 4,30",)


# --------------------------------------------------------------------------- split payment

def test_split_payment_annotation() -> None:
    inv = invoice(line("Elektronika (zał. 15)", price="20000"), split_payment=True,
                  payment=Payment(method=PaymentMethod.TRANSFER, due_days=7, bank_account=ACCOUNT))
    xml, summary, text = issued(inv)
    assert xpath(xml, "//fa:P_18A") == ["1"] and summary.split_payment
    assert "mechanizm podzielonej płatności" in text


# --------------------------------------------------------------------------- refusals

@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"sale_date": date(2026, 11, 30), "sale_period": (date(2026, 11, 1), date(2026, 11, 30))},
     "sale_period", "nie oba"),
    ({"sale_period": (date(2026, 11, 30), date(2026, 11, 1))}, "sale_period", "nie później"),
    ({"reverse_charge": True}, "reverse_charge", "„oo” albo „np”"),
    ({"split_payment": True, "seller": replace(SELLER, vat_exempt=True),
      "lines": (line(rate=VatRate.ZW),)}, "split_payment", "art. 113"),
    ({"currency": "EUR", "exchange_rate": Decimal("4.2"), "exchange_rate_table": "235/A/NBP/2026",
      "exchange_rate_date": date(2026, 12, 4)}, "exchange_rate_date", "art. 31a"),
    ({"currency": "EUR", "exchange_rate": Decimal("4.2"), "exchange_rate_table": "235/A/NBP/2026"},
     "exchange_rate_table", "razem z jej datą"),
    ({"currency": "EUR", "exchange_rate": Decimal("4.2"), "exchange_rate_table": "tabela 235",
      "exchange_rate_date": date(2026, 12, 3)}, "exchange_rate_table", "NNN/A/NBP/RRRR"),
    ({"exchange_rate_table": "235/A/NBP/2026", "exchange_rate_date": date(2026, 12, 3)},
     "exchange_rate_table", "kurs waluty nie"),
    ({"lines": (line(rate=VatRate.NP_II),), "reverse_charge": False}, "reverse_charge", "wymagają"),
    ({"lines": (line(name="Usługa\u200b"),)}, "lines[1].name", "U+200B"),
])
def test_model_refuses_inconsistent_cases(changes: dict[str, Any], field: str, words: str) -> None:
    lines = changes.pop("lines", (line(),))
    with pytest.raises(InvoiceDataError) as info:
        invoice(*lines, **changes)
    assert info.value.field == field and words in info.value.message


@pytest.mark.parametrize(("payment", "words"), [
    ({"due_days": 14, "due_date": date(2026, 12, 31)}, "nie oba"),
    ({"due_days": 400}, "od 0 do 365"),
    ({"due_days": True}, "od 0 do 365"),
])
def test_payment_refuses_bad_terms(payment: dict[str, Any], words: str) -> None:
    with pytest.raises(InvoiceDataError) as info:
        Payment(**payment)
    assert info.value.field == "payment.due_days" and words in info.value.message


def test_dict_form_keeps_every_new_field() -> None:
    inv = eur_invoice(split_payment=True, sale_period=(date(2026, 11, 1), date(2026, 11, 30)),
                      payment=Payment(method=PaymentMethod.TRANSFER, due_days=14),
                      lines=(line(rate=VatRate.ZW), line(rate=VatRate.NP_I)), reverse_charge=True,
                      exemption_basis="art. 135 ust. 1 lit. g dyrektywy 2006/112/WE",
                      exemption_basis_kind=ExemptionBasis.DIRECTIVE)
    data = invoice_to_dict(inv)
    assert data["sale_period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    assert data["payment"]["due_days"] == 14 and data["exemption_basis_kind"] == "P_19B"
    again = invoice_from_dict(data)
    assert again == inv
    assert build(again, created_at=CREATED) == build(inv, created_at=CREATED)


def test_dict_form_rejects_bad_new_fields() -> None:
    data = invoice_to_dict(invoice(line()))
    for key, value, words in [("exemption_basis_kind", "P_19X", "P_19A, P_19B albo P_19C"),
                              ("sale_period", {"from": "2026-11-01"}, "sale_period.to"),
                              ("split_payment", "tak", "true albo false")]:
        with pytest.raises(InvoiceDataError, match=words):
            invoice_from_dict({**data, key: value})
