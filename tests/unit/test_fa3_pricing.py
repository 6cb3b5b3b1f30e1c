"""ksef.fa3.pricing (one line converted between net and gross pricing, keeping the typed amount) and
ksef.fa3.vatrules (split payment, art. 31a rate day, np code)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef.fa3 import Buyer, Invoice, InvoiceLine, Seller, VatRate, compute_totals
from ksef.fa3.pricing import LineAmounts, convert_line, line_amounts
from ksef.fa3.vatrules import (
    gross_in_pln,
    np_rate_for,
    rate_lookup_date,
    split_payment_question,
    split_payment_required,
)

SELLER = Seller(nip="5265877635", name="Jan Kowalski", address=("ul. A 1", "00-001 Warszawa"))
COMPANY = Buyer(name="Firma", nip="7352765225")


def test_the_issue_example_converts_visibly_and_exactly() -> None:
    # 10 h × 150,50 zł net = 1 851,15 zł gross: on a gross-priced invoice the line keeps its net.
    converted = convert_line(Decimal(10), Decimal("150.50"), VatRate.R23, to_gross=True)
    assert converted.exact and converted.unit_price == Decimal("185.115")
    assert converted.amounts == converted.typed == LineAmounts(Decimal("1505.00"), Decimal("346.15"),
                                                               Decimal("1851.15"))


def test_gross_typed_on_a_net_invoice_keeps_the_gross() -> None:
    converted = convert_line(Decimal(1), Decimal(200), VatRate.R23, to_gross=False)
    assert converted.exact and converted.unit_price == Decimal("162.60")
    assert converted.amounts == LineAmounts(Decimal("162.60"), Decimal("37.40"), Decimal("200.00"))


def test_an_unreachable_gross_is_reported_not_hidden() -> None:
    # 3 × 0,01 zł gross = 0,03 zł; no net amount gives 0,03 zł gross at 23 % (0,02 → 0,02; 0,03 → 0,04).
    converted = convert_line(Decimal(3), Decimal("0.01"), VatRate.R23, to_gross=False)
    assert not converted.exact
    assert converted.typed.gross == Decimal("0.03") and converted.amounts.gross != Decimal("0.03")


@pytest.mark.parametrize("rate", [VatRate.ZW, VatRate.NP_II, VatRate.R0, VatRate.OO])
def test_rates_without_vat_convert_one_to_one(rate: VatRate) -> None:
    converted = convert_line(Decimal("2.5"), Decimal("40"), rate, to_gross=True)
    assert converted.exact and converted.unit_price == Decimal("40.00")


def test_bad_line_is_refused() -> None:
    with pytest.raises(ValueError, match="quantity"):
        convert_line(Decimal(0), Decimal(1), VatRate.R23, to_gross=True)


quantities = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2)
prices = st.decimals(min_value=Decimal(0), max_value=Decimal(100000), places=2)
taxed = st.sampled_from([VatRate.R23, VatRate.R8, VatRate.R5])


@given(quantities, prices, taxed, st.booleans())
def test_conversion_is_truthful(quantity: Decimal, price: Decimal, rate: VatRate, to_gross: bool) -> None:
    converted = convert_line(quantity, price, rate, to_gross=to_gross)
    # `amounts` really is what the target method makes of the stored price ...
    assert converted.amounts == line_amounts(quantity, converted.unit_price, rate, gross_prices=to_gross)
    # ... and `exact` says whether the amount the user typed survived.
    kept = (converted.amounts.net, converted.typed.net) if to_gross else (
        converted.amounts.gross, converted.typed.gross)
    assert converted.exact == (kept[0] == kept[1])
    assert abs(converted.amounts.gross - converted.typed.gross) <= Decimal("0.05")
    assert converted.unit_price.as_tuple().exponent >= -8  # fits P_9A / P_9B


@given(prices, taxed)
def test_single_quantity_net_prices_always_convert_exactly(price: Decimal, rate: VatRate) -> None:
    # Every net amount has a gross whose gross-method net is that amount (gross steps are ≤ 1 grosz
    # apart in net terms), so a net price typed for a gross invoice is always kept.
    assert convert_line(Decimal(1), price, rate, to_gross=True).exact


def invoice(gross: str, *, currency: str = "PLN", rate: str | None = None, buyer: Buyer = COMPANY,
            seller: Seller = SELLER) -> Invoice:
    return Invoice(seller=seller, buyer=buyer, number="FV/1", issue_date=date(2026, 12, 4), currency=currency,
                   exchange_rate=Decimal(rate) if rate else None, prices_gross=True,
                   lines=(InvoiceLine("Laptop", Decimal(1), Decimal(gross), VatRate.R23),))


def test_split_payment_is_asked_from_15000_zl_gross() -> None:
    assert not split_payment_question(invoice("14999.99"))
    assert split_payment_question(invoice("15000.00"))
    assert gross_in_pln(invoice("15000.00")) == compute_totals(invoice("15000.00")).gross


def test_split_payment_threshold_in_a_foreign_currency_uses_the_rate() -> None:
    assert not split_payment_question(invoice("3500", currency="EUR", rate="4.2500"))  # 14 875 zł
    assert split_payment_question(invoice("3530", currency="EUR", rate="4.2500"))  # 15 002,50 zł
    assert gross_in_pln(invoice("3530", currency="EUR", rate="4.2500")) == Decimal("15002.50")


def test_split_payment_is_not_asked_of_consumers_or_exempt_sellers() -> None:
    assert not split_payment_question(invoice("20000", buyer=Buyer(name="Jan Konsument")))
    exempt = Invoice(seller=Seller(SELLER.nip, SELLER.name, SELLER.address, vat_exempt=True), buyer=COMPANY,
                     number="FV/1", issue_date=date(2026, 12, 4),
                     lines=(InvoiceLine("Usługa", Decimal(1), Decimal(20000), VatRate.ZW),))
    assert not split_payment_question(exempt)


def test_split_payment_required_needs_annex_15_a_taxpayer_and_the_threshold() -> None:
    assert split_payment_required(Decimal(15000), annex15=True)
    assert not split_payment_required(Decimal("14999.99"), annex15=True)
    assert not split_payment_required(Decimal(50000), annex15=False)
    assert not split_payment_required(Decimal(50000), annex15=True, buyer_is_taxpayer=False)


def test_rate_lookup_date_follows_art_31a() -> None:
    issue = date(2026, 12, 4)
    assert rate_lookup_date(issue) == issue
    assert rate_lookup_date(issue, sale_date=date(2026, 11, 30)) == date(2026, 11, 30)
    # Issued before the sale: the day before the issue date counts (art. 31a ust. 2).
    assert rate_lookup_date(issue, sale_date=date(2026, 12, 10)) == issue
    assert rate_lookup_date(issue, sale_period=(date(2026, 11, 1), date(2026, 11, 30))) == date(2026, 11, 30)


def test_np_code_for_services() -> None:
    assert np_rate_for(Buyer(name="GmbH", eu_code="DE", eu_vat="123456789")) is VatRate.NP_II
    assert np_rate_for(Buyer(name="Inc.", other_id="12-3456789", other_id_country="US")) is VatRate.NP_I
