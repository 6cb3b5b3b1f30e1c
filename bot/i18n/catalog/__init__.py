"""The text catalogs, one module per area of the bot, each holding its Polish (``PL``) and English
(``EN``) texts side by side; assembled here into one catalog per language.

A new feature adds its own module (``PL`` and ``EN`` dicts) and its name to :data:`AREAS`. A key
defined by two areas is refused at import time, so one area cannot silently replace another's text.
"""

from __future__ import annotations

from importlib import import_module

AREAS = (
    "general",
    "onboarding",
    "companies",
    "certificates",
    "cert_login",
    "reminders",
    "inbox",
    "polling",
    "status",
    "issuing",
    "profile",
    "invoice_cases",
    "sales",
    "corrections",
    "guards",
    "payables",
    "month",
    "menu",
    "paying",
)


def _assemble(language: str) -> dict[str, str]:
    catalog: dict[str, str] = {}
    owner: dict[str, str] = {}
    for area in AREAS:
        texts = getattr(import_module(f"{__name__}.{area}"), language)
        if not isinstance(texts, dict):
            raise TypeError(f"bot.i18n.catalog.{area}.{language} must be a dict of texts")
        for key, text in texts.items():
            if key in owner:
                raise ValueError(f"text key {key!r} is defined twice ({owner[key]} and {area})")
            owner[key] = area
            catalog[key] = text
    return catalog


PL: dict[str, str] = _assemble("PL")
EN: dict[str, str] = _assemble("EN")
