"""ksef.fa3.parse on every official and authored FA(3) sample, plus malformed input."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ksef.errors import InvoiceParseError, KsefValidationError
from ksef.fa3 import InvoiceSummary, parse
from tests.paths import SAMPLES_FA3

SAMPLES = sorted(SAMPLES_FA3.glob("*.xml"))


def _sample(name: str) -> InvoiceSummary:
    return parse((SAMPLES_FA3 / name).read_bytes())


def test_samples_exist() -> None:
    assert len(SAMPLES) >= 4


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_parses_consistently(path) -> None:  # type: ignore[no-untyped-def]
    summary = parse(path.read_bytes())
    assert summary.number
    assert summary.lines
    assert summary.invoice_type == "VAT"
    for total in summary.totals:
        assert total.gross == total.net + total.vat
    # Each sample's header totals add up to P_15.
    assert summary.net_total + summary.vat_total == summary.gross_total
    # ...and each rate's net equals the sum of its line values.
    for total in summary.totals:
        lines_sum = sum((line.net or Decimal(0) for line in summary.lines if line.vat_rate == total.rate),
                        Decimal(0))
        assert lines_sum == total.net


def test_authored_vat_23() -> None:
    s = _sample("authored-minimal-vat-23.xml")
    assert s.number == "FV/1/02/2026"
    assert s.issue_date == date(2026, 2, 2)
    assert s.sale_date == date(2026, 1, 31)
    assert s.created_at == datetime(2026, 2, 2, 9, 15, tzinfo=UTC)
    assert s.seller.nip == "5265877635"
    assert s.seller.name == "Jan Kowalski Usługi Informatyczne"
    assert s.seller.address_lines == ("ul. Przykładowa 1/2", "00-001 Warszawa")
    assert s.seller.country == "PL"
    assert s.buyer.nip == "7352765225"
    assert s.buyer.address_lines == ("ul. Testowa 10", "30-001 Kraków")
    assert s.currency == "PLN"
    [total] = s.totals
    assert (total.rate, total.label, total.net, total.vat, total.gross) == (
        "23", "23%", Decimal("1000.00"), Decimal("230.00"), Decimal("1230.00"))
    assert s.gross_total == Decimal("1230.00")
    [line] = s.lines
    assert line.name == "Usługa programistyczna - styczeń 2026"
    assert (line.unit, line.quantity, line.unit_net_price, line.net, line.vat_rate) == (
        "usł.", Decimal("1"), Decimal("1000.00"), Decimal("1000.00"), "23")
    assert line.unit_gross_price is None and line.gross is None
    assert s.payment is not None
    assert s.payment.method == "6" and s.payment.method_label == "przelew"
    assert s.payment.due_dates == (date(2026, 2, 16),)
    assert s.payment.bank_accounts == ("61109010140000071219812874",)
    assert not s.payment.paid and s.payment.paid_date is None
    assert s.exemption_basis is None


def test_authored_zw_art113() -> None:
    s = _sample("authored-minimal-zw-art113.xml")
    assert s.exemption_basis == "art. 113 ust. 1 ustawy o VAT"
    [total] = s.totals
    assert (total.rate, total.label) == ("zw", "zw.")
    assert (total.net, total.vat) == (Decimal("500.00"), Decimal("0.00"))
    assert s.vat_total == 0
    assert s.gross_total == Decimal("500.00")
    assert s.payment is None
    assert s.lines[0].vat_rate == "zw"
    assert s.sale_date is None


def test_cirfmf_sample() -> None:
    s = _sample("cirfmf-pdfgen-invoice.xml")
    assert s.number == "FA/YUCFO-4342344706/03/2026"
    assert s.issue_place == "Czarnków"
    assert s.seller.email == "Prokop77@example.com"
    assert s.seller.phone == "17-756-90-14"
    assert s.buyer.nip == "6808208874"
    assert len(s.lines) == 13
    assert [line.number for line in s.lines] == list(range(1, 14))
    assert s.lines[12].net == Decimal("7019.44")
    # P_7 spans several source lines; as an XSD token its whitespace collapses to single spaces.
    assert s.lines[0].name is not None and "\n" not in s.lines[0].name and "  " not in s.lines[0].name
    assert s.lines[0].name.endswith("Licensed Concrete Ba")
    assert s.totals[0].vat == Decimal("6277.22")
    assert s.gross_total == Decimal("33569.50")
    assert s.payment is not None and s.payment.paid and s.payment.paid_date == date(2025, 10, 31)
    assert s.payment.method_label == "płatność mobilna"
    # .NET writes 7 fraction digits; we keep microseconds.
    assert s.created_at == datetime(2026, 3, 22, 3, 27, 54, 79216, tzinfo=UTC)


def test_csharp_template() -> None:
    s = _sample("csharp-invoice-template-fa-3.xml")
    assert s.seller.nip == "#nip#"  # a template placeholder: parse reads values as written
    assert s.sale_date is None
    assert s.sale_period == (date(2026, 1, 1), date(2026, 2, 28))
    assert s.gross_total == Decimal("53.63")
    assert s.notes == (
        "Informacja o akcyzie: Od 20 kWh energii elektrycznej czynnej naliczono akcyzę w kwocie 0,10 zł",
        "Kapiał zakładowy 5 000 000",
    )
    assert s.payment is not None and s.payment.bank_accounts == ("73111111111111111111111111",)
    assert s.lines[0].quantity == Decimal("20.00")


def test_prefixed_namespace_and_unhandled_elements_are_tolerated() -> None:
    xml = (SAMPLES_FA3 / "authored-minimal-vat-23.xml").read_bytes().decode()
    ns = "http://crd.gov.pl/wzor/2025/06/25/13775/"
    xml = xml.replace(f'xmlns="{ns}"', f'xmlns:fa="{ns}"')
    xml = re.sub(r"<(/?)([A-Za-z_0-9]+)", r"<\1fa:\2", xml)  # every element gets the fa: prefix
    xml = xml.replace("</fa:P_2>", "</fa:P_2><fa:WZ>WZ/1</fa:WZ>")
    assert "<fa:Faktura" in xml
    s = parse(xml.encode())
    assert s.number == "FV/1/02/2026"
    assert s.gross_total == Decimal("1230.00")
    assert s.seller.nip == "5265877635"


@pytest.mark.parametrize(
    ("xml", "fragment"),
    [
        (b"<not xml", "poprawnym XML"),
        (b"<Faktura/>", "brak elementu <Fa>"),
        (b"<UPO/>", "to nie jest faktura"),
        (b"<Faktura><Fa><P_1>2026-02-30</P_1><P_2>1</P_2><P_15>1</P_15></Fa></Faktura>", "nie jest datą"),
        (b"<Faktura><Fa><P_1>2026-02-03</P_1><P_2>1</P_2><P_15>1,0</P_15></Fa></Faktura>", "nie jest liczbą"),
        (b"<Faktura><Fa><P_1>2026-02-03</P_1><P_15>1</P_15></Fa></Faktura>", "brak numeru"),
    ],
)
def test_bad_documents(xml: bytes, fragment: str) -> None:
    with pytest.raises(InvoiceParseError) as info:
        parse(xml)
    assert fragment in str(info.value)
    assert isinstance(info.value, KsefValidationError)


def test_entities_are_not_expanded() -> None:
    """XXE: an external entity is never resolved."""
    xml = (b'<?xml version="1.0"?><!DOCTYPE Faktura [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b"<Faktura><Fa><P_1>2026-02-03</P_1><P_2>&x;</P_2><P_15>1</P_15></Fa></Faktura>")
    try:
        s = parse(xml)
    except InvoiceParseError:
        return
    assert "root:" not in s.number
