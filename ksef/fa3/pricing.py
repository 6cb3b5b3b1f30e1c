"""Net and gross prices of ONE line, and converting a line typed in the other pricing method.

An invoice is computed from net prices (``P_9A``/``P_11``) or from gross prices (``P_9B``/``P_11A``),
one method for the whole invoice (:attr:`ksef.fa3.Invoice.prices_gross`). When a user types a line
in the other method ("200 zł brutto" on a net invoice), the bot converts it *visibly* with
:func:`convert_line` and shows what the line becomes before anything is stored.

What is kept: the amount the user typed. A gross amount typed for a net invoice keeps its gross
(what the buyer pays for the line); a net amount typed for a gross invoice keeps its net. Because
VAT is rounded to grosze, some amounts cannot be reached exactly in the other method (e.g. 23 % of
no net amount gives a gross of 1,23 zł + 1 grosz steps); then ``exact`` is False and the line shows
the nearest amount — the bot must show it, or suggest switching the invoice's method.

These are the figures of the line alone. The invoice's VAT is computed per rate on the sum of the
lines (art. 106e ust. 1 pkt 14, ust. 7–8; :func:`ksef.fa3.compute_totals`), so with several lines at
one rate the invoice total may differ by a grosz from the sum of the lines' own figures: show the
invoice's totals from ``compute_totals``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ksef.fa3 import VatRate
from ksef.fa3.totals import GROSZ, rate_total, to_grosze

__all__ = ["ConvertedLine", "LineAmounts", "convert_line", "line_amounts"]

_MAX_PRICE_DECIMALS = 8  # P_9A / P_9B (TKwotowy2)


@dataclass(frozen=True)
class LineAmounts:
    """Net, VAT and gross of one line computed alone, as its invoice's method computes them."""

    net: Decimal
    vat: Decimal
    gross: Decimal


def line_amounts(quantity: Decimal, unit_price: Decimal, rate: VatRate, *, gross_prices: bool) -> LineAmounts:
    """The line's value (quantity × unit price, rounded once) split into net, VAT and gross."""
    total = rate_total(rate, to_grosze(quantity * unit_price), gross_prices=gross_prices)
    return LineAmounts(total.net, total.vat, total.gross)


@dataclass(frozen=True)
class ConvertedLine:
    """A line converted to the other pricing method.

    ``unit_price`` is the price to store (net when ``to_gross`` was False, else gross), ``amounts``
    what the line gives in that method, ``typed`` what the user's own figures gave, and ``exact``
    whether the amount the user typed (gross for a gross price, net for a net price) is kept.
    """

    unit_price: Decimal
    amounts: LineAmounts
    typed: LineAmounts
    exact: bool


def convert_line(quantity: Decimal, unit_price: Decimal, rate: VatRate, *, to_gross: bool) -> ConvertedLine:
    """Convert a line typed with a net price to a gross price (``to_gross``) or the other way round.

    Raises ``ValueError`` for a quantity that is not positive or a negative price.
    """
    if quantity <= 0 or unit_price < 0:
        raise ValueError("quantity must be positive and unit_price not negative")
    typed = line_amounts(quantity, unit_price, rate, gross_prices=not to_gross)
    kept = typed.net if to_gross else typed.gross
    # The target method's line value (gross when converting to gross prices, else net) that keeps
    # the typed amount, found among the values next to the exact quotient.
    value = _value_keeping(kept, rate, to_gross=to_gross)
    if value is None:  # unreachable amount: the other method's own figure, shown as not exact
        value = typed.gross if to_gross else typed.net
    price = _price_for(value, quantity)
    amounts = line_amounts(quantity, price, rate, gross_prices=to_gross)
    return ConvertedLine(price, amounts, typed, (amounts.net if to_gross else amounts.gross) == kept)


def _value_keeping(kept: Decimal, rate: VatRate, *, to_gross: bool) -> Decimal | None:
    percent = rate.percent
    if percent is None:
        return kept  # no VAT on the line: net and gross are the same amount
    if to_gross:  # gross value G whose net (G − VAT(G)) is the typed net
        guess = to_grosze(kept * (100 + percent) / 100)
    else:  # net value N whose gross (N + VAT(N)) is the typed gross
        guess = to_grosze(kept * 100 / (100 + percent))
    for step in (0, -1, 1, -2, 2, -3, 3):
        candidate = guess + step * GROSZ
        if candidate < 0:
            continue
        total = rate_total(rate, candidate, gross_prices=to_gross)
        if (total.net if to_gross else total.gross) == kept:
            return candidate
    return None


def _price_for(value: Decimal, quantity: Decimal) -> Decimal:
    """The shortest unit price (2 to 8 decimals) whose quantity × price rounds to ``value``, else the
    nearest 8-decimal one (a huge quantity may step over ``value``)."""
    price = value
    for places in range(2, _MAX_PRICE_DECIMALS + 1):
        price = (value / quantity).quantize(Decimal(1).scaleb(-places))
        if to_grosze(quantity * price) == value:
            return price
    return price
