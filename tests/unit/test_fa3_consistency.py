"""One invoice, four readings, the same numbers: the model's totals (what the preview shows), the
XML fields (P_13_x, P_14_x, P_14_xW, P_15), parse(xml) and the text of the PDF printout.

Random invoices: net or gross pricing, every rate (23/8/5 %, 0 % variants, zw, np, oo), quantities
with decimals, PLN and EUR with an exchange rate.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pypdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from ksef import pdf
from ksef.fa3 import Buyer, Invoice, InvoiceLine, Seller, VatRate, build, compute_totals, parse
from ksef.fa3.totals import RATE_FIELDS
from ksef.schemas import FA3_NAMESPACE

NS = {"fa": FA3_NAMESPACE}
SELLER = Seller(nip="5265877635", name="Jan Kowalski", address=("ul. A 1", "00-001 Warszawa"))
BUYER = Buyer(name="Klient Sp. z o.o.", nip="7352765225")
_AMOUNT = r"(-?\d{1,3}(?:[ \u00a0]\d{3})*,\d{2})"

lines = st.lists(st.builds(
    InvoiceLine,
    name=st.sampled_from(["Usługa", "Towar", "Szkolenie – dzień 1", "Licencja"]),
    quantity=st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1000), places=3),
    unit_price=st.decimals(min_value=Decimal(0), max_value=Decimal(20000), places=2)
    | st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=4),
    vat_rate=st.sampled_from(list(VatRate)),
    unit=st.sampled_from(["szt.", "h", None]),
), min_size=1, max_size=6)
currencies = st.sampled_from([None]) | st.decimals(min_value=Decimal("3.5"), max_value=Decimal(5), places=4)


def _invoice(items: list[InvoiceLine], gross: bool, eur_rate: Decimal | None) -> Invoice:
    exempt = any(line.vat_rate is VatRate.ZW for line in items)
    return Invoice(seller=SELLER, buyer=BUYER, number="FV/1/12/2026", issue_date=date(2026, 12, 4),
                   lines=tuple(items), prices_gross=gross, currency="EUR" if eur_rate else "PLN",
                   exchange_rate=eur_rate,
                   exemption_basis="art. 43 ust. 1 pkt 29 lit. a ustawy o VAT" if exempt else None)


def _pdf_number(text: str) -> Decimal:
    return Decimal(re.sub(r"[ \u00a0]", "", text).replace(",", "."))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines, st.booleans(), currencies)
def test_preview_xml_parse_and_pdf_agree(items: list[InvoiceLine], gross: bool,
                                         eur_rate: Decimal | None) -> None:
    invoice = _invoice(items, gross, eur_rate)
    totals = compute_totals(invoice)
    xml = build(invoice, created_at=datetime(2026, 12, 4, 9, tzinfo=UTC))
    root = etree.fromstring(xml)

    def field(name: str) -> Decimal | None:
        found = root.find(f"fa:Fa/fa:{name}", NS)
        return Decimal(str(found.text)) if found is not None else None

    # XML: every rate's fields carry exactly the model's totals, and nothing else is written.
    by_rate = {t.rate: t for t in totals.rates}
    for rate, (net_field, vat_field) in RATE_FIELDS.items():
        total = by_rate.get(rate.value)
        assert field(net_field) == (total.net if total else None)
        if vat_field is not None:
            assert field(vat_field) == (total.vat if total else None)
            assert field(vat_field + "W") == (total.vat_pln if total else None)
    assert field("P_15") == totals.gross

    # parse(xml): the same totals.
    summary = parse(xml)
    assert summary.totals == totals.rates
    assert (summary.net_total, summary.vat_total, summary.gross_total) == (
        totals.net, totals.vat, totals.gross)

    # PDF: each rate's row, the sum row, the amount due and the VAT in złoty read back as numbers.
    reader = pypdf.PdfReader(io.BytesIO(pdf.render_pdf(xml)))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    block = text[text.index("Stawka VAT Wartość netto Kwota VAT Wartość brutto"):]
    for total in totals.rates:
        row = re.search(re.escape(total.label) + f" {_AMOUNT} {_AMOUNT} {_AMOUNT}", block)
        assert row is not None, total.label
        assert tuple(_pdf_number(g) for g in row.groups()) == (total.net, total.vat, total.gross)
    razem = re.search(f"Razem {_AMOUNT} {_AMOUNT} {_AMOUNT}", block)
    assert razem is not None
    assert tuple(_pdf_number(g) for g in razem.groups()) == (totals.net, totals.vat, totals.gross)
    due = re.search(f"Do zapłaty: {_AMOUNT}", block)
    assert due is not None and _pdf_number(due.group(1)) == totals.gross
    for total in totals.rates:
        if total.vat_pln is not None:
            pln = re.search(re.escape(total.label) + f": {_AMOUNT} zł", block)
            assert pln is not None and _pdf_number(pln.group(1)) == total.vat_pln
