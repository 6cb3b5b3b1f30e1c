"""Polish and KSeF identifiers: NIP checksum, KSeF numbers and collective identifiers (IZ) with their
CRC-8 (docs/ksef.md#ksef-numbers, #collective-identifiers, #invoice-checks)."""

from __future__ import annotations

import random
import re

_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)

# The official regex from open-api.json (schema KsefNumber): 35-char form and the legacy 36-char one.
KSEF_NUMBER_RE = re.compile(
    r"^([1-9](\d[1-9]|[1-9]\d)\d{7})-(20[2-9][0-9]|2[1-9]\d{2}|[3-9]\d{3})(0[1-9]|1[0-2])"
    r"(0[1-9]|[12]\d|3[01])-([0-9A-F]{6})-?([0-9A-F]{6})-([0-9A-F]{2})$"
)


def normalize_nip(text: str) -> str:
    """Strip spaces, dashes and an optional ``PL`` prefix from a typed NIP."""
    cleaned = re.sub(r"[\s-]", "", text).upper()
    if cleaned.startswith("PL"):
        cleaned = cleaned[2:]
    return cleaned


def nip_is_valid(nip: str) -> bool:
    """True when ``nip`` is ten digits with a correct checksum (weights 6,5,7,2,3,4,5,6,7; mod 11)."""
    if len(nip) != 10 or not nip.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(nip[:9], _NIP_WEIGHTS, strict=True))
    remainder = total % 11
    return remainder != 10 and remainder == int(nip[9])


def crc8(data: bytes) -> int:
    """CRC-8, polynomial 0x07, init 0x00, no reflection, no final XOR."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def ksef_number_checksum(first32: str) -> str:
    """Two uppercase hex digits of the CRC-8 over the first 32 characters of a KSeF number."""
    return f"{crc8(first32.encode('ascii')):02X}"


def make_ksef_number(nip: str, yyyymmdd: str, technical_hex12: str) -> str:
    """Assemble a 35-character KSeF number with its checksum."""
    body = f"{nip}-{yyyymmdd}-{technical_hex12.upper()}"
    if len(body) != 32:
        raise ValueError("KSeF number body must be 32 characters")
    return f"{body}-{ksef_number_checksum(body)}"


def ksef_number_is_valid(number: str) -> bool:
    """True when ``number`` has the official shape and a correct CRC-8.

    The legacy 36-character form (an extra dash in the technical part) is checked over its
    32-character canonical body, since the CRC is defined on that.
    """
    if not KSEF_NUMBER_RE.match(number):
        return False
    head, crc = number[:-3], number[-2:]
    canonical = head if len(head) == 32 else head[:26] + head[27:]
    return len(canonical) == 32 and ksef_number_checksum(canonical) == crc


def random_valid_nip(rng: random.Random | None = None) -> str:
    """A random NIP with a correct checksum (for tests, the simulator and the sandbox)."""
    r = rng or random.Random()
    while True:
        first = str(r.randint(1, 9)) + "".join(str(r.randint(0, 9)) for _ in range(8))
        if first[1:3] == "00":  # the XSD pattern forbids a NIP whose 2nd and 3rd digits are both 0
            continue
        remainder = sum(int(d) * w for d, w in zip(first, _NIP_WEIGHTS, strict=True)) % 11
        if remainder != 10:
            return first + str(remainder)


# Collective identifier (IZ) of KSeF 2.7+: seller NIP, "IZ" + year and month, 12 upper-case hex, CRC-8.
COLLECTIVE_ID_RE = re.compile(r"^[1-9]\d{9}-IZ20\d{2}(0[1-9]|1[0-2])-[0-9A-F]{12}-[0-9A-F]{2}$")


def make_collective_id(seller_nip: str, yyyymm: str, technical_hex12: str) -> str:
    """Assemble a 35-character IZ ``NIP-IZyyyymm-XXXXXXXXXXXX-CC`` with its checksum (the simulator's)."""
    body = f"{seller_nip}-IZ{yyyymm}-{technical_hex12.upper()}"
    if len(body) != 32:
        raise ValueError("collective identifier body must be 32 characters")
    return f"{body}-{ksef_number_checksum(body)}"


def collective_id_is_valid(identifier: str) -> bool:
    """True when ``identifier`` is a well-formed IZ whose CRC-8 (as for KSeF numbers) is right."""
    if not COLLECTIVE_ID_RE.match(identifier):
        return False
    return ksef_number_checksum(identifier[:32]) == identifier[-2:]
