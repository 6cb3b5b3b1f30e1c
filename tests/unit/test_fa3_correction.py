"""ksef.fa3.correction: each kind of correction is XSD-valid FA(3) KOR with the rows and differences laid out
as documented, parses back, adds up with the corrected invoice, prints before/after/difference; the
typed errors say what to do; a correction of a correction starts from the state after the first.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from ksef import pdf, pdf_layout
from ksef.errors import (
    BelowZeroError,
    BuyerIdChangeError,
    CorrectionError,
    CorrectionNotReadyError,
    CurrencyChangeError,
    InvoiceDataError,
    NothingToCorrectError,
    PricingMethodChangeError,
)
from ksef.fa3 import Buyer, Invoice, InvoiceLine, Seller, VatRate, build, parse
from ksef.fa3.correction import (
    CorrectedInvoice,
    Correction,
    CorrectionType,
    InvoiceState,
    build_correction,
    cancel_to_zero,
    correct_buyer_nip,
    correction_from_edit,
    invoice_state,
)
from ksef.fa3.totals import line_value
from ksef.identifiers import make_ksef_number
from ksef.schemas import FA3_NAMESPACE, schema_errors
from tests.unit.test_pdf import qr_links, text_of

NS = {"fa": FA3_NAMESPACE}
CREATED = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
SELLER = Seller("5265877635", "Anna Nowak Usługi Remontowe", ("ul. Żółkiewskiego 3", "90-001 Łódź"))
BUYER = Buyer("Budex sp. z o.o.", nip="7352765225", address=("ul. Sadowa 2", "30-001 Kraków"))
RIGHT_NIP = "1234563218"
ORIGINAL = Invoice(SELLER, BUYER, "FV/3/2026", date(2026, 3, 2), (
    InvoiceLine("Malowanie ścian", Decimal(40), Decimal("25.00"), VatRate.R23, "m2"),
    InvoiceLine("Montaż okna", Decimal(1), Decimal("1500.00"), VatRate.R8, "szt."),
    InvoiceLine("Dojazd", Decimal(1), Decimal("120.00"), VatRate.R23),
), sale_date=date(2026, 2, 27))
ORIGINAL_XML = build(ORIGINAL, created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
ORIGINAL_KSEF = make_ksef_number(SELLER.nip, "20260302", "0100001AF629")
KOR1_KSEF = make_ksef_number(SELLER.nip, "20260310", "0200002BC731")
REF = CorrectedInvoice("FV/3/2026", date(2026, 3, 2), ORIGINAL_KSEF)
DAY = date(2026, 3, 10)


def header(number: str = "KOR/1/2026", reason: str = "Błędna cena", **extra: Any) -> dict[str, Any]:
    return {"number": number, "issue_date": DAY, "corrected": REF, "reason": reason, **extra}


def _plain(text: str) -> str:
    """As :func:`text_of` gives text: no-break spaces become plain ones."""
    return " ".join(text.split())


def _xpath(xml: bytes, path: str) -> list[str]:
    return [str(e.text) for e in etree.fromstring(xml).xpath(path, namespaces=NS)]


def _amounts(xml: bytes) -> dict[str, str]:
    fa = etree.fromstring(xml).find("fa:Fa", NS)
    assert fa is not None
    return {etree.QName(e).localname: str(e.text) for e in fa
            if etree.QName(e).localname.startswith(("P_13", "P_14", "P_15"))}


# --------------------------------------------------------------------------- the kinds

def _price() -> Correction:
    state = invoice_state(ORIGINAL_XML)
    return correction_from_edit(state, state.with_line(1, unit_price=Decimal("22.50")), **header(),
                                correction_type=CorrectionType.ORIGINAL_DATE)


def _quantity() -> Correction:
    state = invoice_state(ORIGINAL_XML)
    return correction_from_edit(state, state.with_line(2, quantity=Decimal(2)),
                                **header(reason="Dostawa drugiego okna"))


def _removed() -> Correction:
    state = invoice_state(ORIGINAL_XML)
    return correction_from_edit(state, state.without_line(3), **header(reason="Dojazd nie był doliczany"))


def _added() -> Correction:
    state = invoice_state(ORIGINAL_XML)
    extra = InvoiceLine("Gruntowanie", Decimal(40), Decimal("5.00"), VatRate.R23, "m2")
    return correction_from_edit(state, state.with_added_line(extra), **header(reason="Pominięta usługa"))


def _buyer_nip() -> Correction:
    right = replace(BUYER, nip=RIGHT_NIP)
    return correct_buyer_nip(ORIGINAL, right, **header(), replacement_number="FV/9/2026",
                             replacement_issue_date=DAY).correction


def _cancel() -> Correction:
    return cancel_to_zero(ORIGINAL, **header(reason="Usługa nie została wykonana"))


def _rate() -> Correction:
    state = invoice_state(ORIGINAL_XML)
    edited = state.with_line(3, vat_rate=VatRate.R8)
    return correction_from_edit(state, edited, **header(reason="Błędna stawka"))


def _buyer_name() -> Correction:
    state = invoice_state(ORIGINAL_XML)
    fixed = replace(BUYER, name="Budex Spółka z o.o.", address=("ul. Sadowa 4", "30-001 Kraków"))
    return correction_from_edit(state, state.with_buyer(fixed), **header(reason="Błędna nazwa nabywcy"))


def _of_correction() -> Correction:
    first = _price()
    first_xml = build_correction(first, created_at=CREATED)
    state = invoice_state(ORIGINAL_XML, first_xml)
    assert state == first.after
    ref = CorrectedInvoice(first.number, first.issue_date, KOR1_KSEF)
    return correction_from_edit(state, state.with_line(1, quantity=Decimal(38)), number="KOR/2/2026",
                                issue_date=DAY, corrected=ref, reason="Mniejsza powierzchnia")


# kind → (build, expected P_13/P_14/P_15, rows as (number, before, quantity, price, rate))
KINDS: dict[str, tuple[Callable[[], Correction], dict[str, str], list[tuple[int, bool, str, str, str]]]] = {
    "price": (_price, {"P_13_1": "-100.00", "P_14_1": "-23.00", "P_15": "-123.00"},
              [(1, True, "40", "25.00", "23"), (1, False, "40", "22.50", "23")]),
    "quantity": (_quantity, {"P_13_2": "1500.00", "P_14_2": "120.00", "P_15": "1620.00"},
                 [(2, True, "1", "1500.00", "8"), (2, False, "2", "1500.00", "8")]),
    "removed": (_removed, {"P_13_1": "-120.00", "P_14_1": "-27.60", "P_15": "-147.60"},
                [(3, True, "1", "120.00", "23"), (3, False, "0", "120.00", "23")]),
    "added": (_added, {"P_13_1": "200.00", "P_14_1": "46.00", "P_15": "246.00"},
              [(4, False, "40", "5.00", "23")]),
    "buyer_nip": (_buyer_nip, {"P_13_1": "-1120.00", "P_14_1": "-257.60", "P_13_2": "-1500.00",
                               "P_14_2": "-120.00", "P_15": "-2997.60"},
                  [(1, True, "40", "25.00", "23"), (1, False, "0", "25.00", "23"),
                   (2, True, "1", "1500.00", "8"), (2, False, "0", "1500.00", "8"),
                   (3, True, "1", "120.00", "23"), (3, False, "0", "120.00", "23")]),
    "cancel": (_cancel, {"P_13_1": "-1120.00", "P_14_1": "-257.60", "P_13_2": "-1500.00",
                         "P_14_2": "-120.00", "P_15": "-2997.60"},
               [(1, True, "40", "25.00", "23"), (1, False, "0", "25.00", "23"),
                (2, True, "1", "1500.00", "8"), (2, False, "0", "1500.00", "8"),
                (3, True, "1", "120.00", "23"), (3, False, "0", "120.00", "23")]),
    "rate": (_rate, {"P_13_1": "-120.00", "P_14_1": "-27.60", "P_13_2": "120.00", "P_14_2": "9.60",
                     "P_15": "-18.00"},
             [(3, True, "1", "120.00", "23"), (3, False, "1", "120.00", "8")]),
    "buyer_name": (_buyer_name, {"P_15": "0.00"}, []),
    "of_correction": (_of_correction, {"P_13_1": "-45.00", "P_14_1": "-10.35", "P_15": "-55.35"},
                      [(1, True, "40", "22.50", "23"), (1, False, "38", "22.50", "23")]),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_is_valid_kor_with_rows_and_differences(kind: str) -> None:
    make, amounts, rows = KINDS[kind]
    correction = make()
    xml = build_correction(correction, created_at=CREATED)
    assert schema_errors("fa3", xml) == []
    assert _xpath(xml, "fa:Fa/fa:RodzajFaktury") == ["KOR"]
    assert _amounts(xml) == amounts
    written = [(int(w.findtext("fa:NrWierszaFa", namespaces=NS) or 0), w.find("fa:StanPrzed", NS) is not None,
                w.findtext("fa:P_8B", namespaces=NS), w.findtext("fa:P_9A", namespaces=NS),
                w.findtext("fa:P_12", namespaces=NS))
               for w in etree.fromstring(xml).iterfind("fa:Fa/fa:FaWiersz", NS)]
    assert written == rows
    assert _xpath(xml, "fa:Fa/fa:FaWiersz/fa:StanPrzed") == ["1"] * sum(r[1] for r in rows)
    # the corrected invoice is named by number, date and KSeF number; the sale date is the original's
    ref = correction.corrected
    assert _xpath(xml, "fa:Fa/fa:DaneFaKorygowanej/fa:NrFaKorygowanej") == [ref.number]
    assert _xpath(xml, "fa:Fa/fa:DaneFaKorygowanej/fa:DataWystFaKorygowanej") == [ref.issue_date.isoformat()]
    assert _xpath(xml, "fa:Fa/fa:DaneFaKorygowanej/fa:NrKSeF") == ["1"]
    assert _xpath(xml, "fa:Fa/fa:DaneFaKorygowanej/fa:NrKSeFFaKorygowanej") == [ref.ksef_number]
    assert _xpath(xml, "fa:Fa/fa:P_2") == [correction.number]
    assert _xpath(xml, "fa:Fa/fa:P_6") == ["2026-02-27"]
    assert _xpath(xml, "fa:Fa/fa:PrzyczynaKorekty") == [correction.reason]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_parses_back_and_adds_up_with_the_corrected_invoice(kind: str) -> None:
    correction = KINDS[kind][0]()
    xml = build_correction(correction, created_at=CREATED)
    summary = parse(xml)
    assert summary.invoice_type == "KOR" and summary.number == correction.number
    part = summary.correction
    assert part is not None
    assert part.reason == correction.reason
    ref = correction.corrected
    assert [(c.number, c.issue_date, c.ksef_number, c.outside_ksef) for c in part.corrected] == [
        (ref.number, ref.issue_date, ref.ksef_number, False)]
    assert summary.totals == correction.totals()
    assert summary.gross_total == correction.gross
    assert len(part.changes) == len(correction.changes)
    for got, change in zip(part.changes, correction.changes, strict=True):
        assert got.number == change.number
        if change.before is None:
            assert got.before is None
        else:
            assert got.before is not None and got.before.before
            assert (got.before.quantity, got.before.unit_net_price) == (change.before.quantity,
                                                                         change.before.unit_price)
        assert got.after is not None and not got.after.before
        assert (got.after.quantity, got.after.unit_net_price, got.after.net) == (
            change.after.quantity, change.after.unit_price, line_value(change.after))
        assert got.net_difference == change.difference
    # what the corrected invoice stated plus the differences is the invoice as it now stands
    before, after = correction.before.totals(), correction.after.totals()
    assert before.gross + summary.gross_total == after.gross
    by_rate = {t.rate: t for t in summary.totals}
    for rate in {t.rate for t in (*before.rates, *after.rates)} & set(by_rate):
        old = next((t.net for t in before.rates if t.rate == rate), Decimal(0))
        new = next((t.net for t in after.rates if t.rate == rate), Decimal(0))
        assert old + by_rate[rate].net == new


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_prints_reference_reason_before_after_and_difference(kind: str) -> None:
    correction = KINDS[kind][0]()
    xml = build_correction(correction, created_at=CREATED)
    text = text_of(pdf.render_pdf(xml))
    ref = correction.corrected
    assert text.startswith("Faktura korygująca nr " + correction.number)
    assert f"Faktura korygowana: nr {ref.number} z dnia {pdf_layout.format_date(ref.issue_date)}" in text
    assert f"Numer KSeF faktury korygowanej: {ref.ksef_number}" in text
    assert f"Przyczyna korekty: {correction.reason}" in text
    for change in correction.changes:
        if change.before is not None:
            assert f"{change.number} przed korektą {change.before.name}" in text
        after_label = f"po korekcie {change.after.name} {pdf_layout.format_quantity(change.after.quantity)}"
        assert after_label in text
    assert text.count("różnica") >= len(correction.changes) or not correction.changes
    gross = correction.gross
    due = ("Do zwrotu: " if gross < 0 else "Do zapłaty: " if gross > 0 else "Kwota korekty: ")
    assert _plain(due + pdf_layout.format_money(abs(gross))) in text
    assert _plain(f"Razem {pdf_layout.format_amount(correction.net)}") in text


def test_price_difference_rows_in_the_printout() -> None:
    text = text_of(pdf.render_pdf(build_correction(_price(), created_at=CREATED)))
    assert "1 przed korektą Malowanie ścian 40 m2 25,00 1 000,00 23% 1 230,00" in text
    assert "po korekcie Malowanie ścian 40 m2 22,50 900,00 23% 1 107,00" in text
    assert "różnica 0 -100,00 23% -123,00" in text
    assert "Skutek korekty w ewidencji VAT: w dacie ujęcia faktury korygowanej" in text


def test_long_correction_paginates_with_each_position_whole_on_one_page() -> None:
    import io

    import pypdf

    lines = tuple(InvoiceLine(f"Pozycja {i} o nazwie, która zawija się w komórce tabeli", Decimal(i),
                              Decimal("10.00"), VatRate.R23, "szt.") for i in range(1, 41))
    correction = cancel_to_zero(replace(ORIGINAL, lines=lines), **header())
    document = pdf.render_pdf(build_correction(correction, created_at=CREATED))
    pages = [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(document)).pages]
    assert len(pages) > 2
    assert all("Lp. Stan Nazwa towaru lub usługi" in page for page in pages if "przed korektą" in page)
    for i in range(1, 41):
        holding = [page for page in pages if f"{i} przed korektą Pozycja {i} " in page]
        assert len(holding) == 1 and f"różnica -{i} -{i * 10},00 23%" in holding[0]


def test_buyer_data_correction_has_podmiot2k_and_no_rows() -> None:
    correction = _buyer_name()
    xml = build_correction(correction, created_at=CREATED)
    assert _xpath(xml, "fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:Nazwa") == ["Budex Spółka z o.o."]
    assert _xpath(xml, "fa:Fa/fa:Podmiot2K/fa:DaneIdentyfikacyjne/fa:Nazwa") == ["Budex sp. z o.o."]
    assert _xpath(xml, "fa:Fa/fa:Podmiot2K/fa:DaneIdentyfikacyjne/fa:NIP") == [BUYER.nip]
    assert _xpath(xml, "fa:Fa/fa:Podmiot2K/fa:Adres/fa:AdresL1") == ["ul. Sadowa 2"]
    assert _xpath(xml, "fa:Fa/fa:FaWiersz") == [] and _xpath(xml, "fa:Fa/fa:Podmiot1K") == []
    summary = parse(xml)
    assert summary.correction is not None and summary.correction.buyer_before is not None
    assert summary.correction.buyer_before.name == "Budex sp. z o.o."
    text = text_of(pdf.render_pdf(xml))
    assert "NABYWCA NA FAKTURZE KORYGOWANEJ Budex sp. z o.o. NIP: 7352765225 ul. Sadowa 2" in text
    assert "Korekta nie zmienia pozycji faktury." in text


def test_wrong_buyer_nip_is_a_correction_to_zero_and_a_new_invoice() -> None:
    right = replace(BUYER, nip=RIGHT_NIP)
    fixed = correct_buyer_nip(ORIGINAL, right, **header(), replacement_number="FV/9/2026",
                              replacement_issue_date=DAY)
    xml = build_correction(fixed.correction, created_at=CREATED)
    # the correction goes to the buyer as on the corrected invoice, to zero; no Podmiot2K (XSD)
    assert _xpath(xml, "fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:NIP") == [BUYER.nip]
    assert _xpath(xml, "fa:Fa/fa:Podmiot2K") == []
    assert fixed.correction.after.lines == ()
    new = fixed.replacement
    assert (new.buyer.nip, new.number, new.issue_date, new.sale_date) == (RIGHT_NIP, "FV/9/2026", DAY,
                                                                          ORIGINAL.sale_date)
    assert new.lines == ORIGINAL.lines
    assert schema_errors("fa3", build(new, created_at=CREATED)) == []
    with pytest.raises(NothingToCorrectError):
        correct_buyer_nip(ORIGINAL, BUYER, **header(), replacement_number="FV/9/2026",
                          replacement_issue_date=DAY)


def test_state_after_a_correction_equals_the_state_read_from_the_stored_xml_chain() -> None:
    first = _price()
    second = _of_correction()
    first_xml = build_correction(first, created_at=CREATED)
    second_xml = build_correction(second, created_at=CREATED)
    assert invoice_state(ORIGINAL_XML, first_xml, second_xml) == second.after
    assert second.after.line(1).quantity == 38 and second.after.line(1).unit_price == Decimal("22.50")
    assert _xpath(second_xml, "fa:Fa/fa:DaneFaKorygowanej/fa:NrFaKorygowanej") == ["KOR/1/2026"]
    # the chain out of order, or a correction of another invoice, is refused
    with pytest.raises(CorrectionError, match="nie koryguje faktury"):
        invoice_state(ORIGINAL_XML, second_xml)
    other = build(replace(ORIGINAL, number="FV/4/2026"), created_at=CREATED)
    with pytest.raises(CorrectionError, match="nie koryguje faktury FV/4/2026"):
        invoice_state(other, first_xml)


def test_removed_and_added_lines_keep_their_numbers_through_corrections() -> None:
    state = invoice_state(ORIGINAL_XML)
    extra = InvoiceLine("Gruntowanie", Decimal(40), Decimal("5.00"), VatRate.R23, "m2")
    first = correction_from_edit(state, state.without_line(2).with_added_line(extra), **header())
    assert [n.number for n in first.after.lines] == [1, 3, 4]
    ref = CorrectedInvoice(first.number, first.issue_date, KOR1_KSEF)
    again = first.after.with_added_line(InvoiceLine("Sprzątanie", Decimal(1), Decimal("80"), VatRate.R23))
    second = correction_from_edit(first.after, again.with_line(4, quantity=Decimal(30)), number="KOR/2/2026",
                                  issue_date=DAY, corrected=ref, reason="Zmiana zakresu")
    assert [(c.number, c.added) for c in second.changes] == [(4, False), (5, True)]
    xml = build_correction(second, created_at=CREATED)
    assert _xpath(xml, "fa:Fa/fa:FaWiersz/fa:NrWierszaFa") == ["4", "4", "5"]


def test_edited_invoice_lines_match_by_position_or_by_line_numbers() -> None:
    # an edited copy of the ordinary model: the middle line removed, so the numbers must be given
    edited = replace(ORIGINAL, lines=(ORIGINAL.lines[0], replace(ORIGINAL.lines[2], quantity=Decimal(2))))
    with pytest.raises(ValueError, match="line_numbers"):
        correction_from_edit(ORIGINAL, edited, **header())
    correction = correction_from_edit(ORIGINAL, edited, line_numbers=[1, 3], **header())
    assert [(c.number, c.removed) for c in correction.changes] == [(2, True), (3, False)]
    # same number of lines: by position; more lines: the extra ones are added
    more = replace(ORIGINAL, lines=(*ORIGINAL.lines, InvoiceLine("Sprzątanie", Decimal(1), Decimal(80),
                                                                  VatRate.R23)))
    added = correction_from_edit(ORIGINAL, more, **header())
    assert [(c.number, c.added) for c in added.changes] == [(4, True)]
    with pytest.raises(ValueError, match="distinct lines"):
        correction_from_edit(ORIGINAL, edited, line_numbers=[1, 1], **header())


def test_gross_priced_foreign_currency_correction_carries_pln_vat_differences() -> None:
    invoice = Invoice(SELLER, BUYER, "FV/5/2026", date(2026, 3, 2), (
        InvoiceLine("Licencja", Decimal(2), Decimal("123.00"), VatRate.R23),), currency="EUR",
        prices_gross=True, exchange_rate=Decimal("4.2512"))
    xml = build(invoice, created_at=CREATED)
    # The rate is read from FaWiersz/KursWaluty; an XML without it needs the rate given.
    assert invoice_state(xml) == InvoiceState.of(invoice)
    without_rate = re.sub(rb"<KursWaluty>[^<]*</KursWaluty>", b"", xml)
    with pytest.raises(CorrectionError, match="kurs waluty"):
        invoice_state(without_rate)
    state = invoice_state(without_rate, exchange_rate=Decimal("4.2512"))
    assert state == InvoiceState.of(invoice)
    with pytest.raises(CorrectionError, match="nie zgadzają się"):
        invoice_state(xml, exchange_rate=Decimal("4.3"))
    ref = CorrectedInvoice("FV/5/2026", date(2026, 3, 2), ORIGINAL_KSEF)
    correction = correction_from_edit(state, state.with_line(1, quantity=Decimal(1)), number="KOR/3/2026",
                                      issue_date=DAY, corrected=ref, reason="Zwrot licencji")
    kor = build_correction(correction, created_at=CREATED)
    assert schema_errors("fa3", kor) == []
    # gross 246.00 → 123.00: VAT 46.00 → 23.00; in PLN 195.56 → 97.78
    assert _amounts(kor) == {"P_13_1": "-100.00", "P_14_1": "-23.00", "P_14_1W": "-97.78", "P_15": "-123.00"}
    assert _xpath(kor, "fa:Fa/fa:FaWiersz/fa:P_9B") == ["123.00", "123.00"]
    assert _xpath(kor, "fa:Fa/fa:FaWiersz/fa:P_11A") == ["246.00", "123.00"]
    assert invoice_state(xml, kor, exchange_rate=Decimal("4.2512")) == correction.after


def test_exempt_seller_correction_keeps_the_exemption_basis() -> None:
    exempt = replace(SELLER, vat_exempt=True)
    invoice = Invoice(exempt, BUYER, "FV/6/2026", date(2026, 3, 2),
                      (InvoiceLine("Korepetycje", Decimal(4), Decimal("80.00"), VatRate.ZW, "godz."),))
    state = InvoiceState.of(invoice)
    assert invoice_state(build(invoice, created_at=CREATED)) == state  # "art. 113" marks the exempt seller
    correction = correction_from_edit(state, state.with_line(1, quantity=Decimal(3)), **header())
    xml = build_correction(correction, created_at=CREATED)
    assert _amounts(xml) == {"P_13_7": "-80.00", "P_15": "-80.00"}
    assert _xpath(xml, "fa:Fa/fa:Adnotacje/fa:Zwolnienie/fa:P_19A") == ["art. 113 ust. 1 ustawy o VAT"]
    with pytest.raises(InvoiceDataError, match=r"art\. 113"):
        correction_from_edit(state, state.with_line(1, vat_rate=VatRate.R23), **header())


def test_seller_address_and_a_line_corrected_together() -> None:
    state = invoice_state(ORIGINAL_XML)
    moved = replace(SELLER, address=("ul. Piotrkowska 10", "90-002 Łódź"))
    edited = replace(state.with_line(2, unit_price=Decimal("1400.00")), seller=moved)
    correction = correction_from_edit(state, edited, **header())
    assert correction.seller_changed and not correction.buyer_changed
    xml = build_correction(correction, created_at=CREATED)
    assert schema_errors("fa3", xml) == []
    assert _xpath(xml, "fa:Podmiot1/fa:Adres/fa:AdresL1") == ["ul. Piotrkowska 10"]
    assert _xpath(xml, "fa:Fa/fa:Podmiot1K/fa:Adres/fa:AdresL1") == ["ul. Żółkiewskiego 3"]
    assert _xpath(xml, "fa:Fa/fa:Podmiot1K/fa:DaneIdentyfikacyjne/fa:NIP") == [SELLER.nip]
    assert _amounts(xml) == {"P_13_2": "-100.00", "P_14_2": "-8.00", "P_15": "-108.00"}
    summary = parse(xml)
    assert summary.correction is not None and summary.correction.seller_before is not None
    assert summary.correction.seller_before.address_lines == SELLER.address
    assert "SPRZEDAWCA NA FAKTURZE KORYGOWANEJ" in text_of(pdf.render_pdf(xml))
    assert invoice_state(ORIGINAL_XML, xml) == correction.after


# --------------------------------------------------------------------------- waiting for a KSeF number

def test_correction_of_an_invoice_waiting_for_its_ksef_number_waits_too() -> None:
    waiting = CorrectedInvoice("FV/3/2026", date(2026, 3, 2))
    assert not waiting.ready
    state = invoice_state(ORIGINAL_XML)
    correction = correction_from_edit(state, state.with_line(1, unit_price=Decimal(20)),
                                      **header(corrected=waiting))
    with pytest.raises(CorrectionNotReadyError, match="nie ma jeszcze numeru KSeF"):
        build_correction(correction)
    ready = correction.with_corrected_ksef_number(ORIGINAL_KSEF)
    assert ready.ready and ready.changes == correction.changes
    xml = build_correction(ready, created_at=CREATED)
    assert _xpath(xml, "fa:Fa/fa:DaneFaKorygowanej/fa:NrKSeFFaKorygowanej") == [ORIGINAL_KSEF]


def test_invoice_issued_outside_ksef_is_marked_nrksefn() -> None:
    outside = CorrectedInvoice("FV/12/2025", date(2025, 12, 20), outside_ksef=True)
    state = InvoiceState.of(replace(ORIGINAL, issue_date=date(2025, 12, 20), sale_date=None))
    correction = correction_from_edit(state, state.with_line(3, unit_price=Decimal(100)),
                                      **header(corrected=outside))
    xml = build_correction(correction, created_at=CREATED)
    assert schema_errors("fa3", xml) == []
    assert _xpath(xml, "fa:Fa/fa:DaneFaKorygowanej/fa:NrKSeFN") == ["1"]
    assert _xpath(xml, "fa:Fa/fa:DaneFaKorygowanej/fa:NrKSeFFaKorygowanej") == []
    summary = parse(xml)
    assert summary.correction is not None and summary.correction.corrected[0].outside_ksef
    assert "brak – faktura wystawiona poza KSeF" in text_of(pdf.render_pdf(xml))
    with pytest.raises(InvoiceDataError):
        CorrectedInvoice("FV/1", date(2026, 1, 2), ORIGINAL_KSEF, outside_ksef=True)
    with pytest.raises(InvoiceDataError, match="niepoprawny"):
        CorrectedInvoice("FV/1", date(2026, 1, 2), ORIGINAL_KSEF[:-2] + "00")


def test_offline_correction_prints_kod1_and_kod2_of_its_own_bytes() -> None:
    from tests import certgen

    xml = build_correction(_price(), created_at=CREATED)
    key = certgen.new_key("EC")
    document = pdf.render_pdf(xml, offline=pdf.OfflineQr("01F20A5D352AE590", key))
    links = qr_links(document)
    digest = hashlib.sha256(xml).digest()
    import base64
    kod1 = ("https://qr-test.ksef.mf.gov.pl/invoice/5265877635/10-03-2026/"
            + base64.urlsafe_b64encode(digest).rstrip(b"=").decode())
    assert kod1 in links and any("/certificate/Nip/" in link for link in links)
    text = text_of(document)
    assert "OFFLINE" in text and "CERTYFIKAT" in text and "przed korektą" in text


# --------------------------------------------------------------------------- errors the user sees

def test_a_correction_that_changes_nothing_is_refused() -> None:
    state = invoice_state(ORIGINAL_XML)
    with pytest.raises(NothingToCorrectError, match="niczego nie zmienia"):
        correction_from_edit(state, state, **header())
    # contacts are not invoice content: changing only them corrects nothing
    contact = replace(BUYER, email="biuro@budex.pl")
    with pytest.raises(NothingToCorrectError):
        correction_from_edit(state, state.with_buyer(contact), **header())
    with pytest.raises(NothingToCorrectError):
        correction_from_edit(ORIGINAL, ORIGINAL, **header())


def test_quantities_and_prices_below_zero_are_refused_with_the_line_number() -> None:
    state = invoice_state(ORIGINAL_XML)
    with pytest.raises(BelowZeroError, match=r"Pozycja 2: ilość po korekcie nie może być mniejsza od zera "
                                             r"\(podano -1\)\. Aby usunąć pozycję, wpisz ilość 0\.") as info:
        correction_from_edit(state, state.with_line(2, quantity=Decimal(-1)), **header())
    assert info.value.field == "lines[2].quantity"
    with pytest.raises(BelowZeroError, match="Pozycja 1: cena po korekcie"):
        correction_from_edit(state, state.with_line(1, unit_price=Decimal("-5")), **header())
    minus = InvoiceLine("Rabat", Decimal(-1), Decimal(10), VatRate.R23)
    with pytest.raises(BelowZeroError, match="Nowa pozycja 4: ilość"):
        correction_from_edit(state, state.with_added_line(minus), **header())
    zero = InvoiceLine("Nic", Decimal(0), Decimal(10), VatRate.R23)
    with pytest.raises(InvoiceDataError, match="Pozycja 4: ilość musi być większa od zera"):
        correction_from_edit(state, state.with_added_line(zero), **header())


def test_currency_pricing_method_and_buyer_nip_cannot_change() -> None:
    with pytest.raises(PricingMethodChangeError, match="ceny netto"):
        correction_from_edit(ORIGINAL, replace(ORIGINAL, prices_gross=True), **header())
    euro = replace(ORIGINAL, currency="EUR", exchange_rate=Decimal("4.25"))
    with pytest.raises(CurrencyChangeError, match=r"walucie faktury korygowanej \(PLN\), nie EUR"):
        correction_from_edit(ORIGINAL, euro, **header())
    state = invoice_state(ORIGINAL_XML)
    with pytest.raises(BuyerIdChangeError, match="do zera"):
        correction_from_edit(state, state.with_buyer(replace(BUYER, nip=RIGHT_NIP)), **header())
    consumer = Buyer("Jan Kowalski")
    with pytest.raises(BuyerIdChangeError):
        correction_from_edit(state, state.with_buyer(consumer), **header())
    with pytest.raises(CorrectionError, match="NIP sprzedawcy"):
        correction_from_edit(state, replace(state, seller=replace(SELLER, nip=RIGHT_NIP)), **header())


def test_header_checks() -> None:
    state = invoice_state(ORIGINAL_XML)
    edited = state.with_line(1, unit_price=Decimal(20))
    with pytest.raises(CorrectionError, match="nie może być wcześniejsza"):
        correction_from_edit(state, edited, **header(issue_date=date(2026, 3, 1)))
    with pytest.raises(InvoiceDataError, match="przyczyna korekty"):
        correction_from_edit(state, edited, **header(reason="  "))
    with pytest.raises(InvoiceDataError, match="najwyżej 256"):
        correction_from_edit(state, edited, **header(reason="x" * 257))


def test_invoice_state_refuses_documents_it_cannot_correct_safely() -> None:
    tampered = ORIGINAL_XML.replace(b"<P_15>2997.60</P_15>", b"<P_15>2997.61</P_15>")
    with pytest.raises(CorrectionError, match="kwoty nie zgadzają się"):
        invoice_state(tampered)
    with pytest.raises(CorrectionError, match="to faktura korygująca"):
        invoice_state(build_correction(_price(), created_at=CREATED))
    with pytest.raises(CorrectionError, match="nie jest fakturą korygującą"):
        invoice_state(ORIGINAL_XML, ORIGINAL_XML)


def test_ordinary_invoices_parse_without_a_correction_part() -> None:
    summary = parse(ORIGINAL_XML)
    assert summary.correction is None
    assert not any(line.before for line in summary.lines)


def test_a_correction_keeps_the_sale_period_the_directive_basis_and_split_payment() -> None:
    from ksef.fa3.model import ExemptionBasis

    invoice = Invoice(SELLER, BUYER, "FV/9/2026", date(2026, 3, 2), (
        InvoiceLine("Abonament serwisowy", Decimal(1), Decimal("20000.00"), VatRate.R23),
        InvoiceLine("Szkolenie", Decimal(1), Decimal("900.00"), VatRate.ZW),
    ), sale_period=(date(2026, 2, 1), date(2026, 2, 28)), split_payment=True,
        exemption_basis="art. 132 ust. 1 lit. i dyrektywy 2006/112/WE",
        exemption_basis_kind=ExemptionBasis.DIRECTIVE)
    xml = build(invoice, created_at=CREATED)
    state = invoice_state(xml)
    assert state == InvoiceState.of(invoice)
    ref = CorrectedInvoice("FV/9/2026", date(2026, 3, 2), ORIGINAL_KSEF)
    correction = correction_from_edit(state, state.with_line(2, unit_price=Decimal("800.00")),
                                      number="KOR/9/2026", issue_date=DAY, corrected=ref, reason="Rabat")
    kor = build_correction(correction, created_at=CREATED)
    assert schema_errors("fa3", kor) == []
    assert _xpath(kor, "fa:Fa/fa:OkresFa/fa:P_6_Od") == ["2026-02-01"]
    assert _xpath(kor, "fa:Fa/fa:Adnotacje/fa:Zwolnienie/fa:P_19B") == [invoice.exemption_basis]
    assert _xpath(kor, "fa:Fa/fa:Adnotacje/fa:P_18A") == ["1"]  # the invoice's marking, not the difference's
    # and the state after it, read back, is the edited invoice with the same period and basis
    after = invoice_state(xml, kor)
    assert after.sale_period == invoice.sale_period
    assert after.exemption_basis_kind is ExemptionBasis.DIRECTIVE and after.split_payment
