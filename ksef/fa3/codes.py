"""Code lists taken from the packaged FA(3) XSD (currencies, countries, EU prefixes), so they never drift."""

from __future__ import annotations

from functools import cache
from importlib import resources

from lxml import etree

from ksef.schemas import safe_parser

_XS = "{http://www.w3.org/2001/XMLSchema}"
_FILES = ("schemat_FA(3)_v1-0E.xsd", "bazowe/KodyKrajow_v10-0E.xsd")


@cache
def xsd_enumeration(type_name: str) -> frozenset[str]:
    """The enumeration values of the named simple type in the FA(3) schema files (empty if unknown)."""
    values: set[str] = set()
    for name in _FILES:
        path = resources.files("ksef.schemas").joinpath("fa3", *name.split("/"))
        root = etree.fromstring(path.read_bytes(), safe_parser())
        for simple in root.iter(f"{_XS}simpleType"):
            if simple.get("name") == type_name:
                values.update(str(e.get("value")) for e in simple.iter(f"{_XS}enumeration"))
    return frozenset(values)


def currency_codes() -> frozenset[str]:
    """ISO 4217 codes accepted in ``KodWaluty``."""
    return xsd_enumeration("TKodWaluty")


def country_codes() -> frozenset[str]:
    """ISO 3166 codes accepted in ``KodKraju``."""
    return xsd_enumeration("TKodKraju")


def eu_country_codes() -> frozenset[str]:
    """EU VAT prefixes accepted in ``KodUE`` (e.g. ``DE``, ``EL`` for Greece)."""
    return xsd_enumeration("TKodyKrajowUE")
