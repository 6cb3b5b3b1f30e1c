"""The text catalog (one module per language) and Babel formatting: Polish plurals, dates and amounts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_currency

from bot.chat.texts import en, pl

CATALOGS: dict[str, dict[str, str]] = {"pl": pl.TEXTS, "en": en.TEXTS}
LOCALES = {"pl": "pl_PL", "en": "en_GB"}
DEFAULT_LANGUAGE = "pl"
WARSAW = ZoneInfo("Europe/Warsaw")


def language_of(code: str | None) -> str:
    """A supported language code (Polish unless English was chosen)."""
    return code if code in CATALOGS else DEFAULT_LANGUAGE


def t(lang: str, key: str, **params: Any) -> str:
    """The text ``key`` in ``lang`` (falling back to Polish) with ``params`` filled in."""
    catalog = CATALOGS[language_of(lang)]
    template = catalog.get(key) or pl.TEXTS[key]
    return template.format(**params) if params else template


def plural(lang: str, n: int, key: str) -> str:
    """``n`` with the right plural form of ``key`` (entries ``key.one``/``few``/``many``/``other``)."""
    form = Locale.parse(LOCALES[language_of(lang)]).plural_form(n)
    catalog = CATALOGS[language_of(lang)]
    word = catalog.get(f"{key}.{form}") or catalog.get(f"{key}.other") or catalog[f"{key}.many"]
    return f"{n} {word}"


def fmt_date(lang: str, value: date | datetime) -> str:
    """A date the local way ("31 grudnia 2026"); datetimes are shown in Warsaw time."""
    if isinstance(value, datetime):
        value = value.astimezone(WARSAW).date()
    return _babel_date(value, format="long", locale=LOCALES[language_of(lang)])


def fmt_datetime(lang: str, value: datetime) -> str:
    """Date and time in Warsaw time."""
    return _babel_datetime(value, format="d MMMM y, HH:mm", tzinfo=WARSAW, locale=LOCALES[language_of(lang)])


def fmt_money(lang: str, amount: Decimal | float, currency: str = "PLN") -> str:
    """An amount with its currency ("1 234,50 zł")."""
    return format_currency(amount, currency, locale=LOCALES[language_of(lang)])
