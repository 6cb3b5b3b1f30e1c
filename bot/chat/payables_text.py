"""How a supplier invoice to pay is shown: amounts left, the due date, its number and supplier. Shared by
``/platnosci`` (``bot.chat.payables``) and the reminders (``bot.chat.payables_news``)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.i18n import clip, esc, fmt_date, fmt_money, t
from bot.services.payables import Payable


def money(lang: str, amount: Decimal, currency: str) -> str:
    """An amount of a supplier's invoice (its currency code is the supplier's text: escaped)."""
    return esc(fmt_money(lang, amount, clip(currency or "PLN", 8)))


def amounts_text(lang: str, totals: dict[str, Decimal]) -> str:
    """"1 234,56 zł + 80,00 €": złoty first, then the other currencies by code."""
    ordered = sorted(totals.items(), key=lambda pair: (pair[0] != "PLN", pair[0]))
    return " + ".join(money(lang, amount, currency) for currency, amount in ordered)


def left_amount(lang: str, item: Payable) -> str:
    """What is left to pay, as an amount ("pb.amount_unknown" when the stored amount is no number)."""
    return t(lang, "pb.amount_unknown") if item.left is None else money(lang, item.left, item.currency)


def left_text(lang: str, item: Payable) -> str:
    """What is left to pay, "zostało X z Y" when part is paid; the stored text when it is no number."""
    if item.left is None:
        return t(lang, "pb.amount_unknown")
    left = money(lang, item.left, item.currency)
    if item.paid_minor > 0 and item.gross_minor is not None:
        gross = money(lang, Decimal(item.gross_minor) / 100, item.currency)
        return t(lang, "pb.left_of", left=left, gross=gross)
    return left


def when_text(lang: str, item: Payable, today: date) -> str:
    """"termin minął … (n dni temu)", "termin dziś", "termin jutro", "termin <date>" or "bez terminu"."""
    due = item.due_date
    if due is None:
        return t(lang, "pb.when.none")
    if item.overdue:
        return t(lang, "pb.when.overdue", date=fmt_date(lang, due), days=item.days_late)
    if due == today:
        return t(lang, "pb.when.today")
    if due == today + timedelta(days=1):
        return t(lang, "pb.when.tomorrow")
    return t(lang, "pb.when.later", date=fmt_date(lang, due))


def name(item: Payable) -> tuple[str, str]:
    """The invoice's number and supplier, one line each, escaped."""
    return esc(clip(item.invoice_number, 60)), esc(clip(item.seller_name or item.seller_nip, 60))
