"""Property tests of the invoice arithmetic (ksef.fa3.totals) and of built XML for random invoices."""

import random
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ksef.fa3 import Buyer, Invoice, InvoiceLine, Seller, VatRate, build, compute_totals, parse
from ksef.fa3.textrules import DISCOURAGED
from ksef.fa3.totals import GROSZ, line_value, rate_total
from ksef.identifiers import random_valid_nip
from ksef.schemas import schema_errors

HALF_GROSZ = Decimal("0.005")

quantities = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("100000"), places=6)
prices = st.decimals(min_value=Decimal(0), max_value=Decimal("1000000"), places=2) | st.decimals(
    min_value=Decimal(0), max_value=Decimal("1000"), places=8)
rates = st.sampled_from(list(VatRate))
# Any text the model takes: no characters KSeF flags as discouraged (ksef.fa3.textrules).
line_names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cf", "Zl", "Zp")),
                     min_size=1, max_size=40).filter(lambda s: s.strip() != "" and not DISCOURAGED.search(s))

lines_strategy = st.lists(
    st.builds(InvoiceLine, name=line_names, quantity=quantities, unit_price=prices, vat_rate=rates,
              unit=st.none() | st.sampled_from(["szt.", "godz.", "kg", "usł."])),
    min_size=1, max_size=12,
)
SELLER = Seller(nip="5265877635", name="Jan Kowalski", address=("ul. A 1", "00-001 Warszawa"))


def _invoice(lines: list[InvoiceLine], gross: bool, *, exempt: bool = False) -> Invoice:
    seller = Seller(nip=SELLER.nip, name=SELLER.name, address=SELLER.address, vat_exempt=exempt)
    has_zw = any(line.vat_rate is VatRate.ZW for line in lines)
    return Invoice(
        seller=seller,
        buyer=Buyer(name="Klient", nip="7352765225"),
        number="FV/1",
        issue_date=date(2026, 2, 2),
        lines=tuple(lines),
        prices_gross=gross,
        exemption_basis="art. 43 ust. 1 pkt 29 ustawy o VAT" if has_zw and not exempt else None,
    )


@given(lines_strategy, st.booleans())
def test_totals_are_consistent(lines: list[InvoiceLine], gross: bool) -> None:
    invoice = _invoice(lines, gross)
    totals = compute_totals(invoice)
    # P_15 is the sum of per-rate gross; net/VAT totals add up.
    assert sum((r.gross for r in totals.rates), Decimal(0)) == totals.gross
    assert totals.net + totals.vat == totals.gross
    used = {line.vat_rate.value for line in lines}
    assert {r.rate for r in totals.rates} == used
    for total in totals.rates:
        rate = VatRate(total.rate)
        assert total.net + total.vat == total.gross
        assert total.net >= 0 and total.vat >= 0 and total.gross >= 0
        assert total.vat == total.vat.quantize(GROSZ) and total.net == total.net.quantize(GROSZ)
        values = [v for line, v in zip(lines, totals.line_values, strict=True) if line.vat_rate is rate]
        percent = rate.percent
        if percent is None:
            assert total.vat == 0
            assert total.net == sum(values, Decimal(0))
        elif gross:
            assert total.gross == sum(values, Decimal(0))  # gross per rate from gross sums
            assert abs(total.vat - total.gross * percent / (100 + percent)) <= HALF_GROSZ
        else:
            assert total.net == sum(values, Decimal(0))  # net per rate = sum of line nets
            assert abs(total.vat - total.net * percent / 100) <= HALF_GROSZ  # VAT rounded once per rate
    # Every line value is quantity × price rounded to grosze.
    for line, value in zip(lines, totals.line_values, strict=True):
        assert abs(value - line.quantity * line.unit_price) <= HALF_GROSZ


@given(st.lists(st.builds(InvoiceLine, name=line_names, quantity=quantities, unit_price=prices,
                          vat_rate=st.just(VatRate.ZW)), min_size=1, max_size=5), st.booleans())
def test_exempt_invoices_have_no_vat(lines: list[InvoiceLine], gross: bool) -> None:
    invoice = _invoice(lines, gross, exempt=True)
    totals = compute_totals(invoice)
    assert totals.vat == 0
    assert totals.net == totals.gross == sum(totals.line_values, Decimal(0))
    assert [r.rate for r in totals.rates] == ["zw"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines_strategy, st.booleans())
def test_random_invoices_build_valid_xml_and_parse_back(lines: list[InvoiceLine], gross: bool) -> None:
    invoice = _invoice(lines, gross)
    xml = build(invoice, created_at=datetime(2026, 2, 2, tzinfo=UTC))
    assert schema_errors("fa3", xml) == []
    summary = parse(xml)
    totals = compute_totals(invoice)
    assert summary.totals == totals.rates
    assert summary.gross_total == totals.gross
    assert [line.name for line in summary.lines] == [line.name for line in invoice.lines]


def test_random_valid_nips_are_accepted() -> None:
    rng = random.Random(7)
    for _ in range(50):
        nip = random_valid_nip(rng)
        assert Seller(nip=nip, name="X", address=("a",)).nip == nip


def test_known_rounding_cases() -> None:
    # VAT computed from the rate's net total, not summed per line:
    # 3 lines × 0.10 net at 23%: per-line VAT 0.02 each (0.06), per-rate 0.30 × 23% = 0.069 → 0.07.
    total = rate_total(VatRate.R23, Decimal("0.30"), gross_prices=False)
    assert (total.net, total.vat, total.gross) == (Decimal("0.30"), Decimal("0.07"), Decimal("0.37"))
    # Halves round up: 0.50 × 5% = 0.025 → 0.03.
    assert rate_total(VatRate.R5, Decimal("0.50"), gross_prices=False).vat == Decimal("0.03")
    # Gross: 100.00 at 8% → VAT 7.407… → 7.41, net 92.59.
    total = rate_total(VatRate.R8, Decimal("100.00"), gross_prices=True)
    assert (total.net, total.vat) == (Decimal("92.59"), Decimal("7.41"))
    line = InvoiceLine("x", Decimal("3"), Decimal("0.335"), VatRate.R23)
    assert line_value(line) == Decimal("1.01")  # 1.005 → 1.01 (ROUND_HALF_UP)
