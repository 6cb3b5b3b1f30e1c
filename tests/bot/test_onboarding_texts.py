"""The text catalogs: same placeholders in every language, Polish plurals, dates and amounts."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime
from decimal import Decimal

from bot.i18n import CATALOGS, fmt_date, fmt_datetime, fmt_money, plural, t


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_translation_has_the_same_placeholders_as_polish() -> None:
    polish = CATALOGS["pl"]
    for lang, catalog in CATALOGS.items():
        for key, template in catalog.items():
            assert key in polish, (lang, key)
            assert placeholders(template) == placeholders(polish[key]), (lang, key)


def test_polish_plural_forms() -> None:
    assert [plural("pl", n, "companies") for n in (1, 2, 4, 5, 12, 22, 25)] == [
        "1 firma", "2 firmy", "4 firmy", "5 firm", "12 firm", "22 firmy", "25 firm"]
    assert plural("en", 1, "companies") == "1 company" and plural("en", 3, "companies") == "3 companies"


def test_dates_and_amounts_the_polish_way() -> None:
    assert fmt_date("pl", date(2026, 2, 1)) == "1 lutego 2026"
    # 23:30 UTC on 31 Dec is already 1 Jan in Warsaw.
    assert fmt_date("pl", datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1 stycznia 2027"
    assert fmt_datetime("pl", datetime(2026, 7, 1, 10, 0, tzinfo=UTC)) == "1 lipca 2026, 12:00"
    assert fmt_money("pl", Decimal("1234.5")).replace("\xa0", " ") == "1 234,50 zł"
    assert t("en", "ksef.header", count="2 companies") == "Your companies (2 companies):"
    assert t("xx", "stale_button") == CATALOGS["pl"]["stale_button"]  # unknown language → Polish
