"""NIP checksum, KSeF-number CRC-8 (official test vectors) and collective identifiers."""

from __future__ import annotations

import json

import pytest

from ksef.identifiers import (
    collective_id_is_valid,
    ksef_number_checksum,
    ksef_number_is_valid,
    make_collective_id,
    make_ksef_number,
    nip_is_valid,
)
from tests.paths import VECTORS_FILE

VECTORS = json.loads(VECTORS_FILE.read_text())


@pytest.mark.parametrize("example", VECTORS["ksef_number_crc8"]["official_examples"])
def test_official_ksef_numbers(example: dict[str, str]) -> None:
    assert ksef_number_checksum(example["data"]) == example["crc"]
    assert ksef_number_is_valid(example["ksefNumber"])


def test_corrupted_ksef_number_is_rejected() -> None:
    good = VECTORS["ksef_number_crc8"]["official_examples"][0]["ksefNumber"]
    assert not ksef_number_is_valid(good[:-2] + ("00" if good[-2:] != "00" else "01"))
    assert not ksef_number_is_valid(good.replace("-", "_", 1))


def test_legacy_36_char_form() -> None:
    number = make_ksef_number("5265877635", "20250826", "0100001AF629")
    legacy = number[:26] + "-" + number[26:]
    assert ksef_number_is_valid(legacy)


@pytest.mark.parametrize(("nip", "valid"), sorted(VECTORS["nip_checksum"]["examples"].items()))
def test_nip_checksum(nip: str, valid: bool) -> None:
    assert nip_is_valid(nip) is valid


def test_collective_identifier_format_and_crc() -> None:
    # the example of the 2.9.0 spec (GenerateCollectiveIdentifierResponse)
    assert collective_id_is_valid("1111111111-IZ202607-65ED02180000-E7")
    assert not collective_id_is_valid("1111111111-IZ202607-65ED02180000-E8")  # CRC
    assert not collective_id_is_valid("1111111111-IZ202613-65ED02180000-E7")  # month 13
    assert not collective_id_is_valid("1111111111-20260712-65ED02180000-E7")  # a KSeF number
    made = make_collective_id("5265877635", "202612", "abcdef012345")
    assert made.startswith("5265877635-IZ202612-ABCDEF012345-") and len(made) == 35
    assert collective_id_is_valid(made) and not ksef_number_is_valid(made)
    with pytest.raises(ValueError):
        make_collective_id("5265877635", "2026", "ABCDEF012345")
