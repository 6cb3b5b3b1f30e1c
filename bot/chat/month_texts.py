"""What the month's summary looks like in the chat: its text, its buttons and its chart, shared by
``/miesiac`` (:mod:`bot.chat.month`) and the automatic summary's renderers (:mod:`bot.chat.month_news`).
No handler imports here (renderers must not reach the handlers' modules)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import clip, esc, fmt_money, t
from bot.i18n.limits import fit
from bot.services import Services
from bot.services.month import Money, MonthFigures, MonthPoint, SideFigures, shift

if TYPE_CHECKING:
    from bot.services.month_chart import ChartTexts


def period_code(year: int, month: int) -> int:
    """A month as ``YYYYMM`` (button data)."""
    return year * 100 + month


def month_name(lang: str, year: int, month: int) -> str:
    """E.g. "listopad 2026"."""
    return f"{t(lang, 'mo.month_names').split('|')[month - 1]} {year}"


def _money_list(lang: str, amounts: tuple[Money, ...]) -> str:
    return ", ".join(fmt_money(lang, m.amount, m.currency) for m in amounts) or t(lang, "mo.none")


def _side(lang: str, key: str, side: SideFigures) -> list[str]:
    pln = "PLN"
    corrections = t(lang, "mo.with_corrections", count=side.corrections) if side.corrections else ""
    lines = [t(lang, key, count=side.documents, corrections=corrections)]
    if not side.documents:
        return lines
    lines.append(t(lang, "mo.totals", net=fmt_money(lang, side.net, pln), vat=fmt_money(lang, side.vat, pln),
                   gross=fmt_money(lang, side.gross, pln)))
    for rate in side.rates:
        if rate.vat:
            lines.append(t(lang, "mo.rate_line", label=esc(rate.label), net=fmt_money(lang, rate.net, pln),
                           vat=fmt_money(lang, rate.vat, pln)))
        else:
            lines.append(t(lang, "mo.rate_line_no_vat", label=esc(rate.label),
                           net=fmt_money(lang, rate.net, pln)))
    if side.converted:
        lines.append(t(lang, "mo.converted", count=side.converted))
    if side.unconverted:
        lines.append(t(lang, "mo.unconverted", amounts=_money_list(lang, side.unconverted)))
    if side.unreadable:
        lines.append(t(lang, "mo.unreadable", count=side.unreadable))
    return lines


def summary_text(lang: str, figures: MonthFigures) -> str:
    """The summary as one message (the suppliers' list is what gives way when it would not fit)."""
    month = month_name(lang, figures.year, figures.month)
    head = [t(lang, "mo.title", month=month, nip=esc(figures.nip))]
    if not (figures.sales.documents or figures.purchases.documents):
        head.append(t(lang, "mo.empty", month=month))
    else:
        head += ["", *_side(lang, "mo.sales", figures.sales), "",
                 *_side(lang, "mo.purchases", figures.purchases), ""]
        difference = figures.vat_difference
        key = "mo.vat_to_pay" if difference >= 0 else "mo.vat_to_refund"
        head += [t(lang, key, amount=fmt_money(lang, abs(difference), "PLN")), t(lang, "mo.vat_note")]
    head += ["", t(lang, "mo.balances"),
             t(lang, "mo.receivables", amounts=_money_list(lang, figures.receivables)),
             t(lang, "mo.payables", amounts=_money_list(lang, figures.payables))]
    if not figures.suppliers:
        return fit(head, [], more=lambda n: "")
    head += ["", t(lang, "mo.suppliers")]
    items = [t(lang, "mo.supplier_line", n=n, name=esc(clip(s.name or s.nip, 40)),
               amount=fmt_money(lang, s.gross, "PLN")) for n, s in enumerate(figures.suppliers, start=1)]
    return fit(head, items, more=lambda n: "…")


def keyboard(lang: str, company_id: int, year: int, month: int, today: date,
             row_id: int | None = None) -> InlineKeyboardMarkup:
    """📦 the package, then the month before and (when begun) the month after."""
    marker = f":{row_id}" if row_id is not None else ""
    code = period_code(year, month)
    rows = [[InlineKeyboardButton(t(lang, "mo.btn.package"),
                                  callback_data=f"mo:zip:{company_id}:{code}{marker}")]]
    before, after = shift(year, month, -1), shift(year, month, 1)
    navigation = [InlineKeyboardButton(t(lang, "mo.btn.previous", month=month_name(lang, *before)),
                                       callback_data=f"mo:show:{company_id}:{period_code(*before)}")]
    if after <= (today.year, today.month):
        navigation.append(InlineKeyboardButton(t(lang, "mo.btn.next", month=month_name(lang, *after)),
                                               callback_data=f"mo:show:{company_id}:{period_code(*after)}"))
    rows.append(navigation)
    return InlineKeyboardMarkup(rows)


def chart_caption(lang: str, year: int, month: int) -> str:
    """The chart's caption: the 12 months it shows."""
    return t(lang, "mo.chart_caption", first=month_name(lang, *shift(year, month, -11)),
             last=month_name(lang, year, month))


def chart_texts(lang: str, year: int, month: int) -> ChartTexts:
    from bot.services.month_chart import ChartTexts  # see _draw

    first = shift(year, month, -11)
    abbreviations = tuple(t(lang, "mo.chart_months").split("|"))
    return ChartTexts(
        title=t(lang, "mo.chart_title", first=f"{abbreviations[first[1] - 1]} {first[0]}",
                last=f"{abbreviations[month - 1]} {year}"),
        sales=t(lang, "mo.chart_sales"), purchases=t(lang, "mo.chart_purchases"), months=abbreviations,
        unit=t(lang, "mo.chart_unit"), unit_thousands=t(lang, "mo.chart_unit_k"), decimal_comma=lang == "pl")


async def chart_png(services: Services, company_id: int, year: int, month: int, lang: str) -> bytes | None:
    """The 12-month chart, or None when those months hold nothing at all."""
    points = await services.month.series(company_id, year, month)
    if not any(p.sales or p.purchases for p in points):
        return None
    return await asyncio.to_thread(_draw, points, lang, year, month)


def _draw(points: list[MonthPoint], lang: str, year: int, month: int) -> bytes:
    # The first chart imports matplotlib here, in the worker thread: not at the gateway's start (~0.7 s)
    # and not on the event loop.
    from bot.services.month_chart import render_chart

    return render_chart(points, chart_texts(lang, year, month))


