"""Polish and English plural forms in the text catalog."""

from __future__ import annotations

import re

import pytest

from bot.i18n import CATALOGS, plural_form, t
from bot.i18n.catalog import PL as POLISH

NUMBERS = (1, 2, 5, 12, 22, 25, 101, 112)
# CLDR Polish: one = 1; few = 2–4 except 12–14 (also 22–24, 102–104…); many = the rest
PL_EXPECTED = {1: "one", 2: "few", 5: "many", 12: "many", 22: "few", 25: "many", 101: "many", 112: "many"}


@pytest.mark.parametrize("n", NUMBERS)
def test_plural_form_polish(n):
    forms = ("faktura", "faktury", "faktur")
    expected = {"one": "faktura", "few": "faktury", "many": "faktur"}[PL_EXPECTED[n]]
    assert plural_form("pl", n, forms) == expected


@pytest.mark.parametrize("n", NUMBERS)
def test_plural_form_english(n):
    assert plural_form("en", n, ("invoice", "invoices")) == ("invoice" if n == 1 else "invoices")


def test_plural_form_zero_and_single_form():
    assert plural_form("pl", 0, ("faktura", "faktury", "faktur")) == "faktur"
    assert plural_form("en", 0, ("invoice", "invoices")) == "invoices"
    assert plural_form("pl", 5, ("x",)) == "x"  # fewer forms than categories: the last one serves the rest


BACKFILL_PL = {
    1: "Gotowe: znaleziono 1 nową fakturę z ostatnich 30 dni.",
    2: "Gotowe: znaleziono 2 nowe faktury z ostatnich 30 dni.",
    5: "Gotowe: znaleziono 5 nowych faktur z ostatnich 30 dni.",
    12: "Gotowe: znaleziono 12 nowych faktur z ostatnich 30 dni.",
    22: "Gotowe: znaleziono 22 nowe faktury z ostatnich 30 dni.",
    25: "Gotowe: znaleziono 25 nowych faktur z ostatnich 30 dni.",
    101: "Gotowe: znaleziono 101 nowych faktur z ostatnich 30 dni.",
    112: "Gotowe: znaleziono 112 nowych faktur z ostatnich 30 dni.",
}
MORE_PL = {1: "kolejna", 2: "kolejne", 5: "kolejnych", 12: "kolejnych", 22: "kolejne", 25: "kolejnych",
           101: "kolejnych", 112: "kolejnych"}


@pytest.mark.parametrize("n", NUMBERS)
def test_backfill_done_polish(n):
    assert t("pl", "in.backfill_done", count=n, days=30) == BACKFILL_PL[n]


@pytest.mark.parametrize("n", NUMBERS)
def test_summary_more_polish(n):
    assert t("pl", "in.summary_more", count=n) == f"…i {n} {MORE_PL[n]}. Wszystkie: /faktury"


@pytest.mark.parametrize("n", NUMBERS)
def test_backfill_done_english(n):
    noun = "invoice" if n == 1 else "invoices"
    assert t("en", "in.backfill_done", count=n, days=1) == f"Done: found {n} new {noun} of the last 1 day."


def test_days_and_other_counted_texts():
    assert t("pl", "in.backfill", days=1) == "Pobieram faktury zakupowe z ostatniego 1 dnia…"
    assert t("pl", "in.backfill", days=90) == "Pobieram faktury zakupowe z ostatnich 90 dni…"
    assert t("en", "in.backfill", days=90) == "Fetching purchase invoices of the last 90 days…"
    assert t("pl", "ivc.preview.more_lines", count=1).startswith("… i 1 dalsza pozycja ")
    assert t("pl", "ivc.preview.more_lines", count=3).startswith("… i 3 dalsze pozycje ")
    assert t("pl", "ivc.preview.more_lines", count=15).startswith("… i 15 dalszych pozycji ")
    assert t("en", "ivc.preview.more_lines", count=1).startswith("… and 1 more line ")
    assert t("en", "ivc.preview.more_lines", count=3).startswith("… and 3 more lines ")
    assert t("pl", "err.too_many_lines", limit=22) == "W czacie faktura może mieć najwyżej 22 pozycje."
    assert t("pl", "err.too_many_lines", limit=50) == "W czacie faktura może mieć najwyżej 50 pozycji."
    assert t("pl", "err.cert_name", limit=1).endswith("od 1 do 1 znaku.")
    assert t("pl", "err.cert_name", limit=64).endswith("od 1 do 64 znaków.")
    quota = t("pl", "auth.quota", nip="1111111111", enrollments=1, certificates=2)
    assert "Pozostało: 1 wniosek i 2 miejsca na aktywne certyfikaty." in quota
    quota = t("en", "auth.quota", nip="1111111111", enrollments=5, certificates=1)
    assert "Left: 5 requests and 1 active certificate slot." in quota


def test_english_falls_back_to_polish_forms_for_missing_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    # A text missing in English (every one exists today: tests/unit/test_texts.py) comes from the Polish
    # catalog, and its plural forms must follow Polish rules, not English ones.
    monkeypatch.delitem(CATALOGS["en"], "err.too_many_lines")
    assert t("en", "err.too_many_lines", limit=22) == "W czacie faktura może mieć najwyżej 22 pozycje."


def test_plural_marks_need_an_integer():
    with pytest.raises(TypeError):
        t("pl", "in.summary_more", count="3")


def test_texts_without_params_and_literal_braces_unchanged():
    assert t("pl", "err.pattern_invalid") == POLISH["err.pattern_invalid"]
    assert "{n}" in t("pl", "err.pattern_invalid")


@pytest.mark.parametrize("lang", sorted(CATALOGS))
def test_every_plural_mark_is_well_formed(lang):
    """Each ``{name:plural:…}`` mark has as many forms as the language has integer categories."""
    expected = {"pl": 3, "en": 2}[lang]
    marks = 0
    for key, template in CATALOGS[lang].items():
        for name, spec in re.findall(r"\{(\w+):plural:([^{}]*)\}", template):
            marks += 1
            assert len(spec.split("|")) == expected, (key, spec)
            assert "{" + name + "}" in template, (key, name)  # the number itself is shown too
    assert marks >= 4
