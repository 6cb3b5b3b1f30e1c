"""ksef.amounts: parsing amounts/quantities as Polish users type them, and formatting."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef.amounts import format_amount, format_quantity, parse_amount, parse_quantity
from ksef.errors import AmountError, KsefValidationError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,50", "1234.50"),
        ("1234.5", "1234.5"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1 234 zł", "1234"),
        ("1\u00a0234,50\u00a0zł", "1234.50"),
        ("99,99 PLN", "99.99"),
        ("12 zl", "12"),
        ("1.234.567", "1234567"),
        ("0,5", "0.5"),
        ("  7  ", "7"),
        ("1 000 000,01", "1000000.01"),
    ],
)
def test_accepted_forms(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("5 tys.", "tylko cyfry"),
        ("abc", "tylko cyfry"),
        ("1,2,3", "przecinków"),
        ("", "Podaj kwotę"),
        ("   ", "Podaj kwotę"),
        ("12,345", "2 miejsca"),
        ("1.2.3", "grupowanie"),
        ("12 34", "grupowanie"),
        ("-5", "ujemna"),
        ("5,", "brakuje cyfr"),
        (",5", "tylko cyfry"),
        ("1e5", "tylko cyfry"),
        ("NaN", "tylko cyfry"),
        ("1" * 17, "za duża"),
    ],
)
def test_rejected_forms_have_polish_message(text: str, fragment: str) -> None:
    with pytest.raises(AmountError) as info:
        parse_amount(text)
    assert fragment in str(info.value)
    assert isinstance(info.value, KsefValidationError)


def test_negative_allowed_when_asked() -> None:
    assert parse_amount("-1 234,50", allow_negative=True) == Decimal("-1234.50")


def test_unit_price_may_have_more_decimals() -> None:
    assert parse_amount("0,12345678", max_decimals=8) == Decimal("0.12345678")
    with pytest.raises(AmountError):
        parse_amount("0,123456789", max_decimals=8)


def test_quantity() -> None:
    assert parse_quantity("1,5") == Decimal("1.5")
    assert parse_quantity("0.000001") == Decimal("0.000001")
    with pytest.raises(AmountError, match="6 miejsc"):
        parse_quantity("0.0000001")
    with pytest.raises(AmountError, match="większa od zera"):
        parse_quantity("0")
    with pytest.raises(AmountError, match="Podaj ilość"):
        parse_quantity("")
    with pytest.raises(AmountError):
        parse_quantity("5 szt.")


def test_format_amount_polish() -> None:
    nbsp = "\u00a0"
    assert format_amount(Decimal("1234.5")) == f"1{nbsp}234,50{nbsp}zł"
    assert format_amount(Decimal("0")) == f"0,00{nbsp}zł"
    assert format_amount(Decimal("1234567.891")).startswith(f"1{nbsp}234{nbsp}567,89")
    assert format_amount(Decimal("10"), "EUR") == f"10,00{nbsp}€"


def test_format_quantity() -> None:
    assert format_quantity(Decimal("1.500")) == "1,5"
    assert format_quantity(Decimal("2")) == "2"


@given(st.decimals(min_value=0, max_value=Decimal("9999999999"), places=2, allow_nan=False))
def test_format_then_parse_round_trips(value: Decimal) -> None:
    assert parse_amount(format_amount(value)) == value
