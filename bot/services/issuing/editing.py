"""Changes to a draft the user asks for in the chat, each returning the new draft and what to tell.

The rule behind every function here: an amount the user typed or saw never changes silently. A
change is either shown (a :class:`Note` the preview prints) or refused with what to do.

Pricing method (one per draft, ``Draft.prices``). A line typed in the other method ("200 zł brutto"
on a net invoice):

* the draft's FIRST line decides the method when the user names it ("brutto") — nothing was shown
  yet, so nothing changes; the preview says which method the invoice now has;
* a later line is converted when the amount typed can be kept exactly (the buyer pays exactly the
  gross typed, or the net typed is the line's net) and the preview shows both figures
  ("200,00 zł brutto → 162,60 zł netto");
* when VAT rounding makes that impossible (e.g. 100,03 zł brutto at 23 % on a net invoice: a net of
  81,32 zł gives 100,02 zł, 81,33 zł gives 100,04 zł), it is REFUSED, naming the nearest amount and
  the two ways out (type the price in the invoice's method, or switch the invoice's method in the
  preview). Issuing an amount the
  user did not type is what this rule exists to prevent;
* a line without VAT (zw, np, 0 %, oo) has net = gross: nothing to convert.

Switching the whole draft's method (a button in the preview) converts every line keeping each amount
typed where it can, and the preview shows every line's old and new price (marked when not exact).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from bot.services.errors import ServiceError
from bot.services.issuing.draft import GROSS, NET, PLN, Draft, DraftBuyer, DraftLine
from bot.services.issuing.parsing import TypedLine
from ksef.fa3 import VatRate
from ksef.fa3.pricing import convert_line, line_amounts
from ksef.plinput import PriceKind


@dataclass(frozen=True)
class Note:
    """Something the preview must say about a change (rendered by the chat in the user's language).

    ``kind``: ``converted`` (line ``line_no``'s ``typed`` amount in ``typed_method`` became ``price``;
    ``exact`` False when the typed amount could not be kept), ``prices_from_line`` (the first line set
    the method), ``cleaned`` (characters KSeF flags were removed from ``what``), ``currency`` (the
    invoice's currency became ``currency``), ``np_ii`` (line ``line_no`` is "np II": services to an
    EU taxpayer, reverse charge).
    """

    kind: str
    line_no: int = 0
    typed: Decimal | None = None
    typed_method: str | None = None
    price: Decimal | None = None
    exact: bool = True
    what: str = ""
    currency: str = ""


    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if v not in (None, "", 0) or k == "kind"}
        for key in ("typed", "price"):
            if key in data:
                data[key] = f"{data[key]:f}"
        if not self.exact:
            data["exact"] = False
        return data

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Note:
        def amount(key: str) -> Decimal | None:
            return Decimal(str(raw[key])) if raw.get(key) is not None else None

        return cls(kind=str(raw["kind"]), line_no=int(raw.get("line_no") or 0), typed=amount("typed"),
                   typed_method=raw.get("typed_method"), price=amount("price"),
                   exact=bool(raw.get("exact", True)), what=str(raw.get("what") or ""),
                   currency=str(raw.get("currency") or ""))


@dataclass(frozen=True)
class Change:
    """The new draft and what the preview must say about it."""

    draft: Draft
    notes: tuple[Note, ...] = ()


def _method(kind: PriceKind | None) -> str | None:
    return None if kind is None else (GROSS if kind is PriceKind.GROSS else NET)


def _rate_for(buyer: DraftBuyer | None, rate: str) -> str:
    # "np" typed for an EU taxpayer: the service is taxed where the buyer is (art. 100 ust. 1 pkt 4,
    # "np II", the buyer settles the VAT). The bot cannot tell goods from services; sole traders
    # invoicing EU companies in the chat sell services, and goods to them are 0 % WDT, typed as such.
    if rate == VatRate.NP_I.value and buyer is not None and buyer.eu_vat is not None:
        return VatRate.NP_II.value
    return rate


def place_line(draft: Draft, typed: TypedLine, index: int | None = None) -> Change:
    """Add ``typed`` (``index`` None) or put it in place of line ``index`` (0-based)."""
    notes: list[Note] = []
    line_no = (index if index is not None else len(draft.lines)) + 1
    others = [line for i, line in enumerate(draft.lines) if i != index]
    if typed.currency is not None and typed.currency != draft.currency:
        if others or typed.currency == PLN:
            raise ServiceError("currency_mismatch", typed=typed.currency, currency=draft.currency)
        # The first line names the currency: the invoice is in it (its NBP rate is fixed before the preview).
        draft = replace(draft, currency=typed.currency, exchange=None)
        notes.append(Note("currency", currency=typed.currency))
    line = replace(typed.line, vat_rate=_rate_for(draft.buyer, typed.line.vat_rate))
    if line.vat_rate != typed.line.vat_rate:
        notes.append(Note("np_ii", line_no=line_no))
    wanted = _method(typed.kind)
    if wanted is not None and wanted != draft.prices:
        if not others:
            draft = replace(draft, prices=wanted)
            notes.append(Note("prices_from_line", typed_method=wanted))
        elif line.rate.percent is not None:
            line, note = _converted(line, line_no, wanted, draft.prices)
            notes.append(note)
    if typed.cleaned:
        notes.append(Note("cleaned", line_no=line_no, what="line"))
    lines = list(draft.lines)
    if index is None:
        lines.append(line)
    else:
        lines[index] = line
    return Change(replace(draft, lines=tuple(lines)), tuple(notes))


def _converted(line: DraftLine, line_no: int, typed_method: str, method: str) -> tuple[DraftLine, Note]:
    converted = convert_line(line.quantity, line.unit_price, line.rate, to_gross=method == GROSS)
    if not converted.exact:
        nearest = converted.amounts.gross if typed_method == GROSS else converted.amounts.net
        typed_total = converted.typed.gross if typed_method == GROSS else converted.typed.net
        raise ServiceError("conversion_inexact", line_no=line_no, typed=typed_total, nearest=nearest,
                           typed_method=typed_method, method=method)
    return (replace(line, unit_price=converted.unit_price),
            Note("converted", line_no=line_no, typed=line.unit_price, typed_method=typed_method,
                 price=converted.unit_price))


def switch_prices(draft: Draft) -> Change:
    """The other pricing method for the whole draft, every line converted (each shown in a note)."""
    target = NET if draft.gross_prices else GROSS
    lines: list[DraftLine] = []
    notes: list[Note] = []
    for no, line in enumerate(draft.lines, start=1):
        if line.rate.percent is None:
            lines.append(line)  # no VAT: the same amount in both methods
            continue
        converted = convert_line(line.quantity, line.unit_price, line.rate, to_gross=target == GROSS)
        lines.append(replace(line, unit_price=converted.unit_price))
        notes.append(Note("converted", line_no=no, typed=line.unit_price, typed_method=draft.prices,
                          price=converted.unit_price, exact=converted.exact))
    return Change(replace(draft, prices=target, lines=tuple(lines)), tuple(notes))


def line_value(draft: Draft, line: DraftLine) -> Decimal:
    """The line's value in the draft's method (quantity × price, rounded)."""
    amounts = line_amounts(line.quantity, line.unit_price, line.rate, gross_prices=draft.gross_prices)
    return amounts.gross if draft.gross_prices else amounts.net


def set_currency(draft: Draft, currency: str) -> Change:
    """Another currency for the invoice: the typed prices stay as numbers, now in ``currency`` (the
    preview says so); the NBP rate is fixed again before the preview."""
    if currency == draft.currency:
        return Change(draft)
    return Change(replace(draft, currency=currency, exchange=None), (Note("currency", currency=currency),))


def set_sale_date(draft: Draft, day: date | None) -> Draft:
    """A sale date other than the issue date (None: the issue date); replaces a period."""
    return replace(draft, sale_date=day, sale_period=None)


def set_period(draft: Draft, period: tuple[date, date]) -> Draft:
    """The period the invoice covers (monthly services); replaces a sale date."""
    return replace(draft, sale_period=period, sale_date=None)


def set_method(draft: Draft, method: str) -> Draft:
    """The payment method (FA(3) name: transfer, cash, card); leaves "already paid" as it was."""
    return replace(draft, method=method)


def set_paid(draft: Draft, day: date) -> Draft:
    """Already paid on ``day`` (the due date is then not printed)."""
    return replace(draft, paid_date=day, method=draft.method or "transfer")


def set_term(draft: Draft, *, days: int | None = None, due: date | None = None) -> Draft:
    """Payment due in ``days`` from the issue date, or on ``due``; no longer marked paid."""
    return replace(draft, payment_days=days, due_date=due, paid_date=None,
                   method=draft.method or "transfer")


def for_buyer(draft: Draft) -> Change:
    """Lines typed before the buyer was known, fitted to it: "np" for an EU taxpayer is "np II"."""
    notes: list[Note] = []
    lines = []
    for no, line in enumerate(draft.lines, start=1):
        rate = _rate_for(draft.buyer, line.vat_rate)
        if rate != line.vat_rate:
            notes.append(Note("np_ii", line_no=no))
        lines.append(replace(line, vat_rate=rate))
    return Change(replace(draft, lines=tuple(lines)), tuple(notes))


def set_line_rate(draft: Draft, index: int, rate: str) -> Change:
    """Another VAT rate for line ``index``; the price stays as it is (net or gross like the others)."""
    line = replace(draft.lines[index], vat_rate=_rate_for(draft.buyer, rate))
    notes = (Note("np_ii", line_no=index + 1),) if line.vat_rate != rate else ()
    changed = draft.with_line_at(index, line)
    if not any(item.rate is VatRate.ZW for item in changed.lines):
        changed = replace(changed, exemption_basis=None, exemption_kind=None)
    return Change(changed, notes)
