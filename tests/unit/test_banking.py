"""ksef.banking: Polish NRB / PL IBAN normalisation and ISO 13616 checksum."""

import random

import pytest

from ksef.banking import account_is_valid, format_account, normalize_account
from ksef.errors import BankAccountError

VALID = "61109010140000071219812874"


@pytest.mark.parametrize(
    "text",
    [VALID, "61 1090 1014 0000 0712 1981 2874", "PL61 1090 1014 0000 0712 1981 2874",
     "pl61109010140000071219812874", "61-1090-1014-0000-0712-1981-2874",
     " PL 61 1090\u00a01014 0000 0712 1981 2874 "],
)
def test_accepted_forms_normalize_to_nrb(text: str) -> None:
    assert normalize_account(text) == VALID


def test_format_groups_of_four() -> None:
    assert format_account(VALID) == "61 1090 1014 0000 0712 1981 2874"
    assert format_account(VALID, iban=True) == "PL61 1090 1014 0000 0712 1981 2874"
    assert format_account("PL61 1090 1014 0000 0712 1981 2874") == "PL61 1090 1014 0000 0712 1981 2874"


def test_format_shows_what_it_cannot_check() -> None:
    # Printed from someone else's invoice: shown, never refused.
    assert format_account("61109010140000071219812875") == "61 1090 1014 0000 0712 1981 2875"
    assert format_account("DE89370400440532013000") == "DE89 3704 0044 0532 0130 00"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Podaj numer"),
        ("6110901014000007121981287", "26 cyfr"),
        ("611090101400000712198128745", "26 cyfr"),
        ("61109010140000071219812875", "sumę kontrolną"),
        ("DE89370400440532013000", "polskie"),
        ("61 1090 1014 ABCD 0712 1981 2874", "tylko cyfry"),
    ],
)
def test_rejected(text: str, fragment: str) -> None:
    with pytest.raises(BankAccountError) as info:
        normalize_account(text)
    assert fragment in str(info.value)
    assert not account_is_valid(text)


def test_every_single_digit_typo_is_caught() -> None:
    """mod 97 detects every single-digit substitution."""
    rng = random.Random(1)
    for position in range(26):
        digit = VALID[position]
        wrong = rng.choice([d for d in "0123456789" if d != digit])
        typo = VALID[:position] + wrong + VALID[position + 1 :]
        assert not account_is_valid(typo), typo


def test_swapped_adjacent_digits_are_caught() -> None:
    swapped = VALID[:5] + VALID[6] + VALID[5] + VALID[7:]
    assert swapped != VALID
    assert not account_is_valid(swapped)
