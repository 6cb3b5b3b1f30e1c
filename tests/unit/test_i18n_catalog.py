"""The catalogs are assembled from one module per area; a key defined by two areas is refused."""

from __future__ import annotations

import sys
import types

import pytest

from bot.i18n import CATALOGS, t
from bot.i18n import catalog as catalogs


def test_every_area_gives_both_languages_and_the_catalog_holds_them() -> None:
    for area in catalogs.AREAS:
        module = sys.modules[f"bot.i18n.catalog.{area}"]
        assert set(module.EN) <= set(module.PL), area  # English may still miss texts, never add any
        assert all(CATALOGS["pl"][key] == text for key, text in module.PL.items())
    assert t("en", "err.choose_company").startswith("You have several companies")


def test_a_key_defined_twice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("first", "second"):
        module = types.ModuleType(f"bot.i18n.catalog.{name}")
        module.PL = {"same.key": name}  # type: ignore[attr-defined]
        module.EN = {}  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(catalogs, "AREAS", ("first", "second"))
    with pytest.raises(ValueError, match=r"same\.key"):
        catalogs._assemble("PL")
