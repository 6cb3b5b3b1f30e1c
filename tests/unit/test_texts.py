"""What every user text must hold to: each key in both languages (every area), Polish that does not
assume the reader's gender, one taxpayer-portal address, amounts written per language, environments
named rather than shown as addresses."""

from __future__ import annotations

import re
import sys
from decimal import Decimal

import pytest

from bot.chat.common import display_env
from bot.i18n import CATALOGS, fmt_money
from bot.i18n import catalog as catalogs
from bot.i18n.links import TAXPAYER_PORTAL

# CLDR plural categories: Polish has one|few|many, English one|other, so ``companies.few`` has no
# English twin and ``companies.other`` no Polish one.
_PLURAL_SUFFIX = re.compile(r"\.(zero|one|two|few|many|other)$")
# Second-person past and conditional forms carry the reader's gender ("wpisałeś", "zrobiłaś",
# "chciałbyś"), as do "zalogowany/a"-style double endings.
_GENDERED = re.compile(r"\w+ł(?:eś|aś|byś|abyś)\b|\w+(?:y|i)/a\b|\w+\((?:a|aś)\)", re.IGNORECASE)


def _keys(texts: dict[str, str]) -> set[str]:
    return {_PLURAL_SUFFIX.sub("", key) for key in texts}


@pytest.mark.parametrize("area", catalogs.AREAS)
def test_every_key_exists_in_both_languages(area: str) -> None:
    module = sys.modules[f"bot.i18n.catalog.{area}"]
    assert _keys(module.PL) == _keys(module.EN), sorted(_keys(module.PL) ^ _keys(module.EN))
    assert all(text.strip() for text in (*module.PL.values(), *module.EN.values())), area


def test_the_assembled_catalogs_hold_every_area() -> None:
    assert _keys(CATALOGS["pl"]) == _keys(CATALOGS["en"])
    for area in catalogs.AREAS:
        assert set(sys.modules[f"bot.i18n.catalog.{area}"].EN) <= set(CATALOGS["en"]), area


def test_the_gender_check_catches_what_it_is_for() -> None:
    for sample in ("Wpisałeś zły NIP.", "Czy zapisałaś plik?", "Jeśli chciałbyś…", "Jesteś zalogowany/a.",
                   "Wysłałeś(aś) plik."):
        assert _GENDERED.search(sample), sample
    for neutral in ("Wpisano zły NIP.", "Podaj NIP.", "Czy jesteś czynnym podatnikiem VAT?", "Możesz"):
        assert not _GENDERED.search(neutral), neutral


def test_polish_does_not_assume_the_readers_gender() -> None:
    found = {key: match.group(0) for key, text in CATALOGS["pl"].items()
             if (match := _GENDERED.search(text))}
    assert found == {}


def test_one_taxpayer_portal_address() -> None:
    for lang, texts in CATALOGS.items():
        for key, text in texts.items():
            assert "ap.ksef.mf.gov.pl" not in text, (lang, key)
            for address in re.findall(r"(?:https?://)?[\w.-]*ksef[\w.-]*\.gov\.pl", text):
                assert TAXPAYER_PORTAL.endswith(address.split("://")[-1]), (lang, key, address)
    assert any(TAXPAYER_PORTAL in text for text in CATALOGS["pl"].values())


@pytest.mark.parametrize(("lang", "amount", "currency", "expected"), [
    ("pl", "1234.5", "PLN", "1 234,50 zł"),
    ("pl", "100", "EUR", "100,00 €"),
    ("en", "100", "PLN", "PLN 100.00"),
    ("en", "1234.5", "EUR", "EUR 1,234.50"),
])
def test_amounts_per_language(lang: str, amount: str, currency: str, expected: str) -> None:
    assert fmt_money(lang, Decimal(amount), currency).replace("\u00a0", " ") == expected


@pytest.mark.parametrize(("environment", "pl", "en"), [
    ("prod", "produkcja", "production"),
    ("test", "środowisko testowe", "test environment"),
    ("demo", "środowisko demo", "demo environment"),
    ("http://127.0.0.1:44515", "symulator", "simulator"),
])
def test_environments_are_named_not_addressed(environment: str, pl: str, en: str) -> None:
    assert display_env("pl", environment) == pl and display_env("en", environment) == en
