"""ksef.fa3.build: XSD-valid output, XML hygiene, and build → parse keeping all data."""

import copy
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ksef.fa3 import Invoice, build, compute_totals, invoice_from_dict, parse
from ksef.schemas import FA3_NAMESPACE, schema_errors

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "invoices"
CREATED = datetime(2026, 2, 2, 9, 15, tzinfo=UTC)
NS = {"fa": FA3_NAMESPACE}


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return data


def _xpath(xml: bytes, path: str) -> list[str]:
    root = etree.fromstring(xml)
    return [str(e.text) for e in root.xpath(path, namespaces=NS)]


def assert_round_trip(invoice: Invoice) -> None:
    """Everything the model holds comes back from parse(build(invoice))."""
    xml = build(invoice, created_at=CREATED)
    s = parse(xml)
    totals = compute_totals(invoice)
    seller, buyer = invoice.seller, invoice.buyer
    assert (s.seller.nip, s.seller.name, s.seller.address_lines, s.seller.country) == (
        seller.nip, seller.name, seller.address, seller.country)
    assert (s.seller.email, s.seller.phone) == (seller.email, seller.phone)
    assert (s.buyer.nip, s.buyer.eu_code, s.buyer.eu_vat, s.buyer.other_id, s.buyer.name) == (
        buyer.nip, buyer.eu_code, buyer.eu_vat, buyer.other_id, buyer.name)
    assert s.buyer.address_lines == buyer.address
    assert s.buyer.country == (buyer.country if buyer.address else None)
    assert (s.buyer.email, s.buyer.phone) == (buyer.email, buyer.phone)
    assert (s.number, s.issue_date, s.issue_place, s.currency) == (
        invoice.number, invoice.issue_date, invoice.issue_place, invoice.currency)
    expected_sale = invoice.sale_date if invoice.sale_date != invoice.issue_date else None
    assert s.sale_date == expected_sale
    assert s.created_at == CREATED
    assert len(s.lines) == len(invoice.lines)
    for i, (got, line, value) in enumerate(zip(s.lines, invoice.lines, totals.line_values, strict=True), 1):
        assert got.number == i
        assert (got.name, got.unit, got.quantity, got.vat_rate) == (
            line.name, line.unit, line.quantity, line.vat_rate.value)
        if invoice.prices_gross:
            assert (got.unit_gross_price, got.gross, got.unit_net_price, got.net) == (
                line.unit_price, value, None, None)
        else:
            assert (got.unit_net_price, got.net, got.unit_gross_price, got.gross) == (
                line.unit_price, value, None, None)
    assert s.totals == totals.rates
    assert (s.net_total, s.vat_total, s.gross_total) == (totals.net, totals.vat, totals.gross)
    assert s.notes == invoice.notes
    assert s.exemption_basis == invoice.exemption_basis
    p = invoice.payment
    if p is None:
        assert s.payment is None
    else:
        assert s.payment is not None
        assert s.payment.method == (p.method.value if p.method else None)
        assert s.payment.due_dates == ((p.due_date,) if p.due_date else ())
        assert s.payment.bank_accounts == ((p.bank_account,) if p.bank_account else ())
        assert (s.payment.paid, s.payment.paid_date) == (p.paid, p.paid_date)


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_examples_build_valid_and_round_trip(name: str) -> None:
    invoice = invoice_from_dict(example(name))
    xml = build(invoice, created_at=CREATED)
    assert schema_errors("fa3", xml) == []
    assert_round_trip(invoice)


def test_vat_payer_amounts_in_xml() -> None:
    xml = build(invoice_from_dict(example("vat-payer-services.json")), created_at=CREATED)
    assert _xpath(xml, "//fa:P_13_1") == ["24000.00"]
    assert _xpath(xml, "//fa:P_14_1") == ["5520.00"]
    assert _xpath(xml, "//fa:P_13_2") == ["120.50"]
    assert _xpath(xml, "//fa:P_14_2") == ["9.64"]
    assert _xpath(xml, "//fa:P_13_3") == ["99.98"]
    assert _xpath(xml, "//fa:P_14_3") == ["5.00"]  # 4.999 rounded once per rate
    assert _xpath(xml, "//fa:P_15") == ["29755.12"]
    assert _xpath(xml, "//fa:Zwolnienie/fa:P_19N") == ["1"]
    assert _xpath(xml, "//fa:P_6") == ["2026-01-31"]
    assert _xpath(xml, "//fa:DataWytworzeniaFa") == ["2026-02-02T09:15:00Z"]
    assert _xpath(xml, "//fa:NrRB") == ["61109010140000071219812874"]
    assert _xpath(xml, "//fa:P_9A") == ["150.00", "49.99", "120.50"]
    assert _xpath(xml, "//fa:JST") == ["2"] and _xpath(xml, "//fa:GV") == ["2"]


def test_exempt_seller_art113() -> None:
    xml = build(invoice_from_dict(example("exempt-art113.json")), created_at=CREATED)
    assert _xpath(xml, "//fa:P_13_7") == ["500.00"]
    assert _xpath(xml, "//fa:P_15") == ["500.00"]
    assert _xpath(xml, "//*[starts-with(local-name(), 'P_14')]") == []
    assert _xpath(xml, "//fa:Zwolnienie/fa:P_19") == ["1"]
    assert _xpath(xml, "//fa:Zwolnienie/fa:P_19A") == ["art. 113 ust. 1 ustawy o VAT"]
    assert _xpath(xml, "//fa:FaWiersz/fa:P_12") == ["zw"]
    assert _xpath(xml, "//fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:BrakID") == ["1"]
    assert _xpath(xml, "//fa:Platnosc/fa:Zaplacono") == ["1"]
    assert _xpath(xml, "//fa:Platnosc/fa:FormaPlatnosci") == ["1"]


def test_exempt_seller_gets_default_basis() -> None:
    data = example("exempt-art113.json")
    del data["exemption_basis"]
    invoice = invoice_from_dict(data)
    assert invoice.exemption_basis == "art. 113 ust. 1 ustawy o VAT"


def test_gross_prices_and_foreign_currency() -> None:
    invoice = invoice_from_dict(example("eu-buyer-gross-eur.json"))
    xml = build(invoice, created_at=CREATED)
    # 1230.00 gross at 23%: VAT = 1230 * 23/123 = 230.00, net 1000.00
    assert _xpath(xml, "//fa:P_13_1") == ["1000.00"]
    assert _xpath(xml, "//fa:P_14_1") == ["230.00"]
    assert _xpath(xml, "//fa:P_14_1W") == ["969.11"]  # 230.00 × 4.2135 = 969.105 → 969.11
    assert _xpath(xml, "//fa:P_13_9") == ["240.00"]
    assert _xpath(xml, "//fa:P_15") == ["1470.00"]
    assert _xpath(xml, "//fa:P_9B") == ["1230.00", "80.00"]
    assert _xpath(xml, "//fa:P_11A") == ["1230.00", "240.00"]
    assert _xpath(xml, "//fa:P_9A | //fa:P_11") == []
    assert _xpath(xml, "//fa:KodUE") == ["DE"] and _xpath(xml, "//fa:NrVatUE") == ["123456789"]
    assert _xpath(xml, "//fa:KodWaluty") == ["EUR"]
    assert [t.vat_pln for t in parse(xml).totals] == [Decimal("969.11"), None]


def test_reverse_charge_sets_p18() -> None:
    data = example("vat-payer-services.json")
    data["lines"] = [{"name": "Roboty budowlane", "quantity": "1", "unit_price": "1000", "vat_rate": "oo"}]
    xml = build(invoice_from_dict(data), created_at=CREATED)
    assert _xpath(xml, "//fa:P_18") == ["1"]
    assert _xpath(xml, "//fa:P_13_10") == ["1000.00"]
    assert _xpath(xml, "//fa:P_15") == ["1000.00"]


def test_other_buyer_id_and_all_zero_rates_validate() -> None:
    data = example("vat-payer-services.json")
    data["buyer"] = {"name": "ACME Inc.", "other_id": "12-3456789", "other_id_country": "US",
                     "address": ["1 Main St", "Springfield"], "country": "US", "email": "x@acme.test"}
    data["lines"] = [
        {"name": rate, "quantity": "1", "unit_price": "10", "vat_rate": rate}
        for rate in ["0 KR", "0 WDT", "0 EX", "np I", "np II", "23", "8", "5"]
    ]
    invoice = invoice_from_dict(data)
    xml = build(invoice, created_at=CREATED)
    assert _xpath(xml, "//fa:NrID") == ["12-3456789"]
    zero_rates = "//fa:P_13_6_1 | //fa:P_13_6_2 | //fa:P_13_6_3 | //fa:P_13_8 | //fa:P_13_9"
    assert _xpath(xml, zero_rates) == ["10.00"] * 5
    assert_round_trip(invoice)


def test_special_characters_round_trip() -> None:
    data = example("vat-payer-services.json")
    tricky = 'Zażółć gęślą jaźń & <b>"cudzysłów"</b> \'apostrof\' 🚀 ]]> &amp;'
    data["seller"]["name"] = tricky
    data["buyer"]["name"] = "Ł&Ś <sp. z o.o.>"
    data["lines"][0]["name"] = tricky
    data["number"] = "FV/1/<&>/2026"
    data["notes"] = ["Linia 1\nLinia 2 — „cytat” & <tag>", "€ ✓"]
    invoice = invoice_from_dict(data)
    xml = build(invoice, created_at=CREATED)
    assert b"<b>" not in xml and b"&lt;b&gt;" in xml
    assert "🚀".encode() in xml  # UTF-8, not character references
    assert_round_trip(invoice)
    assert parse(xml).seller.name == tricky


def test_xml_hygiene() -> None:
    xml = build(invoice_from_dict(example("vat-payer-services.json")), created_at=CREATED)
    assert not xml.startswith(b"\xef\xbb\xbf")
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert xml.count(b"<?") == 1  # no processing instructions besides the declaration
    root = etree.fromstring(xml)
    assert root.tag == f"{{{FA3_NAMESPACE}}}Faktura"
    assert root.prefix is None
    kod = root.find("fa:Naglowek/fa:KodFormularza", NS)
    assert kod is not None and kod.get("kodSystemowy") == "FA (3)" and kod.get("wersjaSchemy") == "1-0E"


def test_created_at_is_written_in_utc() -> None:
    warsaw = timezone(timedelta(hours=1))
    invoice = invoice_from_dict(example("vat-payer-services.json"))
    xml = build(invoice, created_at=datetime(2026, 2, 2, 10, 15, tzinfo=warsaw))
    assert _xpath(xml, "//fa:DataWytworzeniaFa") == ["2026-02-02T09:15:00Z"]
    with pytest.raises(ValueError, match="timezone"):
        build(invoice, created_at=datetime(2026, 2, 2, 10, 15))


def test_created_at_outside_xsd_window() -> None:
    invoice = invoice_from_dict(example("vat-payer-services.json"))
    with pytest.raises(ValueError, match="2025-09-01"):
        build(invoice, created_at=datetime(2025, 8, 31, 23, 59, tzinfo=UTC))


def test_default_created_at_is_now() -> None:
    invoice = invoice_from_dict(example("vat-payer-services.json"))
    before = datetime.now(UTC).replace(microsecond=0)
    created = parse(build(invoice)).created_at
    assert created is not None and before <= created <= datetime.now(UTC)


def test_sale_date_equal_to_issue_date_is_omitted() -> None:
    data = example("vat-payer-services.json")
    data["sale_date"] = data["issue_date"]
    xml = build(invoice_from_dict(data), created_at=CREATED)
    assert _xpath(xml, "//fa:P_6") == []


def test_long_texts_at_the_xsd_limits_validate() -> None:
    data = copy.deepcopy(example("vat-payer-services.json"))
    data["seller"]["name"] = "S" * 512
    data["lines"][0]["name"] = "Ą" * 512
    data["number"] = "N" * 256
    data["notes"] = ["x" * 3500] * 3
    data["lines"] = data["lines"] * 50
    invoice = invoice_from_dict(data)
    xml = build(invoice, created_at=CREATED)
    assert schema_errors("fa3", xml) == []
    assert len(parse(xml).lines) == 150


def test_issue_date_window() -> None:
    data = example("vat-payer-services.json")
    data["issue_date"] = "2049-12-31"
    data["sale_date"] = None
    data["payment"]["due_date"] = None
    xml = build(invoice_from_dict(data), created_at=CREATED)
    assert parse(xml).issue_date == date(2049, 12, 31)
    assert Decimal(_xpath(xml, "//fa:P_15")[0]) == compute_totals(invoice_from_dict(data)).gross
