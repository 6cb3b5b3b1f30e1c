"""The bot's words: the text catalogs (:mod:`bot.i18n.catalog`), Babel formatting (Polish plurals,
dates, amounts) and HTML escaping of user data put into a text.

No Telegram here: the chat layer and the services (e.g. availability alerts rendered per user) both use it.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_currency

from bot.i18n.catalog import EN, PL
from ksef.timezone import WARSAW

CATALOGS: dict[str, dict[str, str]] = {"pl": PL, "en": EN}
LOCALES = {"pl": "pl_PL", "en": "en_GB"}
DEFAULT_LANGUAGE = "pl"
# CLDR's order of plural categories; a template lists its forms in this order, restricted to the
# categories its language has (Polish: one|few|many, English: one|other).
_CATEGORY_ORDER = ("zero", "one", "two", "few", "many", "other")
# ``{count:plural:nową fakturę|nowe faktury|nowych faktur}``: the words agreeing with the number
# ``count`` (written as a format spec, so the placeholder is still ``count`` to str.format's parser)
_PLURAL_MARK = re.compile(r"\{(\w+):plural:([^{}]*)\}")


def language_of(code: str | None) -> str:
    """A supported language code (Polish unless English was chosen)."""
    return code if code in CATALOGS else DEFAULT_LANGUAGE


def t(lang: str, key: str, **params: Any) -> str:
    """The text ``key`` in ``lang`` (falling back to Polish) with ``params`` filled in.

    ``{n:plural:one|few|many}`` in a template becomes the form agreeing with the integer ``n``
    (Polish: one|few|many, English: one|other), e.g. "{n} {n:plural:nowa faktura|nowe faktury|nowych faktur}".
    """
    lang = language_of(lang)
    template = CATALOGS[lang].get(key)
    if template is None:
        # a text missing in ``lang`` comes from the Polish catalog, so its plural forms are Polish ones
        lang, template = DEFAULT_LANGUAGE, PL[key]
    if not params:
        return template
    if ":plural:" in template:
        template = _PLURAL_MARK.sub(lambda m: _choose(lang, params[m.group(1)], m.group(2)), template)
    return template.format(**params)


def plural_form(lang: str, n: int, forms: list[str] | tuple[str, ...]) -> str:
    """The one of ``forms`` (listed in CLDR category order for ``lang``) that agrees with ``n``.

    Polish forms are ``(one, few, many)``: 1 faktura, 2 faktury, 5 faktur, 22 faktury, 112 faktur.
    English forms are ``(one, other)``. Missing trailing forms fall back to the last one given.
    """
    rule = Locale.parse(LOCALES[language_of(lang)]).plural_form
    categories = [c for c in _CATEGORY_ORDER if c in rule.tags or c == "other"]
    category = rule(n)
    index = categories.index(category) if category in categories else len(categories) - 1
    return forms[min(index, len(forms) - 1)]


def _choose(lang: str, value: object, spec: str) -> str:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"plural forms need an integer, got {value!r}")
    return plural_form(lang, value, spec.split("|"))


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


# English: the ISO code before the amount with a space ("PLN 1,234.50", as English-language EU style
# guides write amounts); Babel's en pattern glues a code to the digits ("PLN1,234.50"). Polish keeps
# CLDR's pattern, the currency after the amount ("1 234,50 zł").
_CURRENCY_PATTERNS = {"en": "¤¤\u00a0#,##0.00"}


def currency_pattern(lang: str) -> str:
    """The Babel pattern amounts are written with in ``lang`` (positive part)."""
    lang = language_of(lang)
    pattern = _CURRENCY_PATTERNS.get(lang) or Locale.parse(LOCALES[lang]).currency_formats["standard"].pattern
    return str(pattern).split(";")[0]


def fmt_money(lang: str, amount: Decimal | float, currency: str = "PLN") -> str:
    """An amount with its currency: "1 234,50 zł" in Polish, "PLN 1,234.50" in English."""
    return format_currency(amount, currency, format=currency_pattern(lang), locale=LOCALES[language_of(lang)])


# Invisible characters that change how the text AROUND them is shown or read, never needed in names,
# numbers or invoice lines: the bidi embeddings, overrides and isolates (a right-to-left override in a
# supplier's name would display the bot's own text after it, e.g. the NIP, reversed), the bidi marks,
# and zero-width characters that make two different names look alike. Zero-width (non-)joiners stay:
# they shape emoji and some scripts and move nothing. Stripped rather than wrapped in isolates
# (U+2068…U+2069) because isolates would add invisible characters to every copied NIP, KSeF number
# or account, and not every Telegram client honours them.
_INVISIBLE_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
                                 "\u200b\u2060-\u2064\ufeff\u180e]")


def plain(value: object) -> str:
    """User or supplier text without the invisible direction and zero-width controls (for places that
    are not HTML, e.g. button labels); :func:`esc` does this too."""
    return _INVISIBLE_CONTROLS.sub("", str(value))


def clip(value: object, limit: int) -> str:
    """User or supplier text on one line (newlines and runs of spaces become one space), at most
    ``limit`` characters ("…" marks a cut), without invisible controls; escape it with :func:`esc`."""
    text = " ".join(plain(value).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def esc(value: object) -> str:
    """User data (names, numbers, KSeF messages) made safe to put into an HTML text: escaped, and
    without invisible controls that could reorder or disguise the bot's own text around it."""
    return html.escape(plain(value))
