"""ksef.plinput: amounts, quantities, rates, terms, dates, periods and bases as people type them;
every refusal names the expected form with an example."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef.amounts import format_amount, format_quantity
from ksef.fa3 import ExemptionBasis, VatRate
from ksef.plinput import (
    AmbiguousInputError,
    AmountInput,
    InputError,
    PaymentTerm,
    PriceKind,
    QuantityInput,
    parse_amount_input,
    parse_date,
    parse_exemption_basis,
    parse_payment_term,
    parse_period,
    parse_quantity_input,
    parse_vat_rate,
)

TODAY = date(2026, 12, 4)


def refused(call: object, *args: object, **kwargs: object) -> InputError:
    assert callable(call)
    with pytest.raises(InputError) as info:
        call(*args, **kwargs)
    error = info.value
    # Never a bare refusal: the expected form and an example (or the readings to choose from).
    assert error.example and error.text == args[0]
    assert ("Wpisz" in error.message if isinstance(error, AmbiguousInputError) else "np." in error.message)
    return error


# --------------------------------------------------------------------------- amounts

@pytest.mark.parametrize(("text", "expected"), [
    ("5 000", AmountInput(Decimal("5000"))),
    ("5 000,50 zł", AmountInput(Decimal("5000.50"), currency="PLN")),
    ("5000zł", AmountInput(Decimal("5000"), currency="PLN")),
    ("1.234,50", AmountInput(Decimal("1234.50"))),
    ("1,234.50", AmountInput(Decimal("1234.50"))),
    ("200 zł brutto", AmountInput(Decimal("200"), PriceKind.GROSS, "PLN")),
    ("Brutto 99,99", AmountInput(Decimal("99.99"), PriceKind.GROSS)),
    ("150,50 netto", AmountInput(Decimal("150.50"), PriceKind.NET)),
    ("200 + VAT", AmountInput(Decimal("200"), PriceKind.NET)),
    ("1 230 z VAT", AmountInput(Decimal("1230"), PriceKind.GROSS)),
    ("€200", AmountInput(Decimal("200"), currency="EUR")),
    ("350 EUR netto", AmountInput(Decimal("350"), PriceKind.NET, "EUR")),
    ("1\u00a0234,50\u00a0zł", AmountInput(Decimal("1234.50"), currency="PLN")),
    ("1.234.567", AmountInput(Decimal("1234567"))),
])
def test_amounts(text: str, expected: AmountInput) -> None:
    assert parse_amount_input(text) == expected


@pytest.mark.parametrize("text", ["1.234", "1,234", "12.500"])
def test_ambiguous_thousands_are_asked_back(text: str) -> None:
    error = refused(parse_amount_input, text)
    assert isinstance(error, AmbiguousInputError)
    whole = Decimal(text.replace(".", "").replace(",", ""))
    assert error.candidates == (whole, Decimal(text.replace(",", ".")))
    assert "czy chodzi o" in error.message and format_amount(whole) in error.message


def test_decimal_comma_with_three_places_is_a_unit_price() -> None:
    assert parse_amount_input("1,234", max_decimals=8).amount == Decimal("1.234")
    assert isinstance(refused(parse_amount_input, "1.234", max_decimals=8), AmbiguousInputError)


def test_a_fraction_of_one_is_never_taken_for_thousands() -> None:
    # "0,125" has no thousands to group: refused for its decimals, not asked "125,00 zł?".
    error = refused(parse_amount_input, "0,125")
    assert not isinstance(error, AmbiguousInputError) and "2 miejsca po przecinku" in error.message
    assert parse_amount_input("0.125", max_decimals=8).amount == Decimal("0.125")


@pytest.mark.parametrize(("text", "words"), [
    ("", "Brakuje kwoty"), ("abc", "tylko cyfry"), ("5 tys.", "tylko cyfry"),
    ("12,345,67", "za dużo przecinków"),
    ("200 netto brutto", "jednocześnie"), ("200 zł EUR", "kilka walut"), ("1,999", "czy chodzi o"),
])
def test_amounts_refused(text: str, words: str) -> None:
    assert words in refused(parse_amount_input, text).message


@given(st.decimals(min_value=0, max_value=Decimal("9999999999"), places=2))
def test_printed_amounts_parse_back(value: Decimal) -> None:
    printed = format_amount(value)  # "1 234,50 zł" with no-break spaces, as the bot shows amounts
    assert parse_amount_input(printed) == AmountInput(value, currency="PLN")


# --------------------------------------------------------------------------- quantities

@pytest.mark.parametrize(("text", "expected"), [
    ("2 szt", QuantityInput(Decimal(2), "szt.")), ("2szt.", QuantityInput(Decimal(2), "szt.")),
    ("10 h", QuantityInput(Decimal(10), "h")), ("1,5", QuantityInput(Decimal("1.5"))),
    ("1.5 kg", QuantityInput(Decimal("1.5"), "kg")), ("1 000 szt.", QuantityInput(Decimal(1000), "szt.")),
    ("3 godziny", QuantityInput(Decimal(3), "godz.")), ("0,125 m2", QuantityInput(Decimal("0.125"), "m2")),
    ("1,234 kg", QuantityInput(Decimal("1.234"), "kg")),
])
def test_quantities(text: str, expected: QuantityInput) -> None:
    assert parse_quantity_input(text) == expected


def test_quantity_refusals() -> None:
    assert "większa od zera" in refused(parse_quantity_input, "0 szt").message
    assert "liczbę i jednostkę" in refused(parse_quantity_input, "dużo").message
    ambiguous = refused(parse_quantity_input, "1.500 kg")
    assert isinstance(ambiguous, AmbiguousInputError)
    assert ambiguous.candidates == (Decimal(1500), Decimal("1.5"))
    assert "1500 albo z przecinkiem: 1,5" in ambiguous.message


@given(st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("99999"), places=6),
       st.sampled_from(["", " szt.", " h", " kg"]))
def test_printed_quantities_parse_back(value: Decimal, unit: str) -> None:
    parsed = parse_quantity_input(format_quantity(value) + unit)
    assert parsed.quantity == value and parsed.unit == (unit.strip() or None)


# --------------------------------------------------------------------------- rates

@pytest.mark.parametrize(("text", "rate"), [
    ("23 %", VatRate.R23), ("23%", VatRate.R23), ("8", VatRate.R8), ("5%", VatRate.R5), ("0%", VatRate.R0),
    ("zw.", VatRate.ZW), ("ZW", VatRate.ZW), ("zwolnione", VatRate.ZW), ("np.", VatRate.NP_I),
    ("np II", VatRate.NP_II), ("oo", VatRate.OO), ("odwrotne obciążenie", VatRate.OO),
    ("0% WDT", VatRate.R0_WDT), ("0 % eksport", VatRate.R0_EX), ("0 KR", VatRate.R0),
])
def test_rates(text: str, rate: VatRate) -> None:
    assert parse_vat_rate(text) is rate


@pytest.mark.parametrize("text", ["17", "22%", "vat", ""])
def test_unknown_rate_is_explained_with_an_example(text: str) -> None:
    message = refused(parse_vat_rate, text).message
    assert "np. 23%" in message and "(sprzedaż zwolniona z VAT)" in message


# --------------------------------------------------------------------------- payment terms

@pytest.mark.parametrize(("text", "term"), [
    ("14 dni", PaymentTerm(days=14)), ("7", PaymentTerm(days=7)), ("14", PaymentTerm(days=14)),
    ("30 dni od wystawienia faktury", PaymentTerm(days=30)), ("2 tygodnie", PaymentTerm(days=14)),
    ("tydzień", PaymentTerm(days=7)), ("od razu", PaymentTerm(days=0)),
    ("31.12", PaymentTerm(due_date=date(2026, 12, 31))),
    ("15.01.2027", PaymentTerm(due_date=date(2027, 1, 15))),
])
def test_payment_terms(text: str, term: PaymentTerm) -> None:
    assert parse_payment_term(text, today=TODAY) == term


def test_payment_term_refusals() -> None:
    assert "najwyżej 365 dni" in refused(parse_payment_term, "400 dni", today=TODAY).message
    assert "np. 14 dni" in refused(parse_payment_term, "kiedyś", today=TODAY).message


# --------------------------------------------------------------------------- dates

@pytest.mark.parametrize(("text", "expected"), [
    ("15.12", date(2026, 12, 15)), ("15.12.2026", date(2026, 12, 15)), ("15-12-2026", date(2026, 12, 15)),
    ("2026-12-15", date(2026, 12, 15)), ("15/12/2026", date(2026, 12, 15)), ("15.12.26", date(2026, 12, 15)),
    ("dziś", TODAY), ("Dzisiaj", TODAY), ("jutro", date(2026, 12, 5)), ("wczoraj", date(2026, 12, 3)),
    ("15 grudnia", date(2026, 12, 15)), ("3 stycznia 2027", date(2027, 1, 3)), ("3.01", date(2027, 1, 3)),
    ("30.06", date(2026, 6, 30)),
])
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(("text", "words"), [
    ("31.02.2026", "Nie ma takiego dnia: 31.02.2026"), ("15.13", "Nie ma takiego miesiąca"),
    ("kiedyś", "Nie rozumiem daty"), ("29.02", "Nie ma takiego dnia"),
])
def test_dates_refused(text: str, words: str) -> None:
    message = refused(parse_date, text, today=TODAY).message
    assert words in message and "np. 15.12.2026" in message


@given(st.dates(min_value=date(2006, 1, 1), max_value=date(2049, 12, 31)),
       st.sampled_from(["%d.%m.%Y", "%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"]))
def test_written_dates_parse_back(day: date, form: str) -> None:
    assert parse_date(day.strftime(form), today=TODAY) == day


@given(st.dates(min_value=date(2007, 1, 1), max_value=date(2049, 1, 1)), st.integers(-150, 150))
def test_dates_without_year_are_the_nearest_to_today(today: date, shift: int) -> None:
    day = today + timedelta(days=shift)  # within five months: the nearest reading is the right one
    if (day.month, day.day) != (2, 29):
        assert parse_date(f"{day.day}.{day.month}", today=today) == day


# --------------------------------------------------------------------------- periods

@pytest.mark.parametrize(("text", "expected"), [
    ("11.2026", (date(2026, 11, 1), date(2026, 11, 30))),
    ("2026-02", (date(2026, 2, 1), date(2026, 2, 28))),
    ("listopad 2026", (date(2026, 11, 1), date(2026, 11, 30))),
    ("Listopad", (date(2026, 11, 1), date(2026, 11, 30))),
    ("październik", (date(2026, 10, 1), date(2026, 10, 31))),
    ("styczeń", (date(2027, 1, 1), date(2027, 1, 31))),
    ("01.11.2026–30.11.2026", (date(2026, 11, 1), date(2026, 11, 30))),
    ("1.11-30.11.2026", (date(2026, 11, 1), date(2026, 11, 30))),
    ("od 16.11 do 15.12", (date(2026, 11, 16), date(2026, 12, 15))),
])
def test_periods(text: str, expected: tuple[date, date]) -> None:
    assert parse_period(text, today=TODAY) == expected


@pytest.mark.parametrize(("text", "words"), [
    ("13.2026", "Nie ma takiego miesiąca: 13"), ("30.11.2026-01.11.2026", "późniejszy niż koniec"),
    ("zeszły miesiąc", "Nie rozumiem okresu"),
])
def test_periods_refused(text: str, words: str) -> None:
    message = refused(parse_period, text, today=TODAY).message
    assert words in message and "np. 11.2026" in message


# --------------------------------------------------------------------------- exemption basis

@pytest.mark.parametrize(("text", "expected"), [
    ("art. 43 ust. 1 pkt 29 lit. a", ("art. 43 ust. 1 pkt 29 lit. a ustawy o VAT", ExemptionBasis.ACT)),
    ("art. 113 ust. 1 ustawy o VAT", ("art. 113 ust. 1 ustawy o VAT", ExemptionBasis.ACT)),
    ("art. 132 ust. 1 lit. i dyrektywy 2006/112/WE",
     ("art. 132 ust. 1 lit. i dyrektywy 2006/112/WE", ExemptionBasis.DIRECTIVE)),
    ("§ 3 ust. 1 pkt 1 rozporządzenia MF", ("§ 3 ust. 1 pkt 1 rozporządzenia MF", ExemptionBasis.ACT)),
    ("uchwała nr 12/2026", ("uchwała nr 12/2026", ExemptionBasis.OTHER)),
    ("art.\u200b 43  ust. 1 pkt 18 ustawy", ("art. 43 ust. 1 pkt 18 ustawy", ExemptionBasis.ACT)),
])
def test_exemption_bases(text: str, expected: tuple[str, ExemptionBasis]) -> None:
    assert parse_exemption_basis(text) == expected


def test_exemption_basis_needs_a_provision() -> None:
    assert "art. 43 ust. 1 pkt 29 lit. a ustawy o VAT" in refused(parse_exemption_basis, "zwolnione").message
    assert "najwyżej 256" in refused(parse_exemption_basis, "art. 1 " + "x" * 300).message
