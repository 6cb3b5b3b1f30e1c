"""Invoice arithmetic: line values and per-rate totals (``P_13_x``/``P_14_x``/``P_15``).

Method (the one Polish invoicing software commonly uses, art. 106e ust. 10 ustawy o VAT allows
rounding to full grosze with halves rounded up):

* line value = quantity × unit price, rounded once to grosze (ROUND_HALF_UP);
* net prices: net per rate = sum of that rate's line values; VAT per rate = net × rate, rounded
  once (not the sum of per-line VAT); gross = net + VAT;
* gross prices (art. 106e ust. 7–8): gross per rate = sum of line values; VAT per rate =
  gross × rate / (100 + rate), rounded once; net = gross − VAT;
* rates without tax on the invoice (0%, zw, np, oo): VAT = 0 and net = gross;
* ``P_15`` = sum of the per-rate gross amounts;
* foreign currency: VAT in PLN (``P_14_xW``) = that rate's VAT × the exchange rate, rounded once.
  Art. 106e ust. 11 has the *tax amounts* converted to złoty (by the art. 31a rate), and the XSD
  calls ``P_14_xW`` the tax "przeliczona"; converting the net first and taxing it can differ by a
  grosz and is not what the field holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from ksef.fa3.rates import VatRate
from ksef.fa3.summary import RateTotal

if TYPE_CHECKING:  # the model checks its totals on construction: it imports this module
    from ksef.fa3.model import Invoice, InvoiceLine

GROSZ = Decimal("0.01")

#: Rates in the order of their ``P_13_x`` fields, with the net field and (for taxed rates) the VAT field.
RATE_FIELDS: dict[VatRate, tuple[str, str | None]] = {
    VatRate.R23: ("P_13_1", "P_14_1"),
    VatRate.R8: ("P_13_2", "P_14_2"),
    VatRate.R5: ("P_13_3", "P_14_3"),
    VatRate.R0: ("P_13_6_1", None),
    VatRate.R0_WDT: ("P_13_6_2", None),
    VatRate.R0_EX: ("P_13_6_3", None),
    VatRate.ZW: ("P_13_7", None),
    VatRate.NP_I: ("P_13_8", None),
    VatRate.NP_II: ("P_13_9", None),
    VatRate.OO: ("P_13_10", None),
}


def to_grosze(value: Decimal) -> Decimal:
    """Round to 0.01 with halves away from zero (ROUND_HALF_UP)."""
    return value.quantize(GROSZ, rounding=ROUND_HALF_UP)


def line_value(line: InvoiceLine) -> Decimal:
    """Quantity × unit price rounded to grosze (net or gross, as the invoice's prices are)."""
    return to_grosze(line.quantity * line.unit_price)


@dataclass(frozen=True)
class Totals:
    """Computed amounts of an invoice."""

    line_values: tuple[Decimal, ...]  # per line, in the same order; net or gross like the prices
    rates: tuple[RateTotal, ...]  # one per rate used, in P_13_x order
    net: Decimal
    vat: Decimal
    gross: Decimal  # P_15


def rate_total(rate: VatRate, amount: Decimal, *, gross_prices: bool,
               exchange_rate: Decimal | None = None) -> RateTotal:
    """Totals for one rate from the sum of its line values (see the module docstring).

    With ``exchange_rate`` (PLN per unit of the invoice currency) the VAT of taxed rates is also
    converted to PLN and rounded to grosze (``P_14_xW``).
    """
    percent = rate.percent
    if percent is None:
        return RateTotal(rate.value, rate.label, amount, Decimal("0.00"), amount)
    if gross_prices:
        vat = to_grosze(amount * percent / (100 + percent))
        net, gross = amount - vat, amount
    else:
        vat = to_grosze(amount * percent / 100)
        net, gross = amount, amount + vat
    vat_pln = to_grosze(vat * exchange_rate) if exchange_rate is not None else None
    return RateTotal(rate.value, rate.label, net, vat, gross, vat_pln)


def compute_totals(invoice: Invoice) -> Totals:
    """Line values and per-rate totals of ``invoice``."""
    return lines_totals(invoice.lines, gross_prices=invoice.prices_gross, exchange_rate=invoice.exchange_rate)


def lines_totals(lines: Sequence[InvoiceLine], *, gross_prices: bool,
                 exchange_rate: Decimal | None = None) -> Totals:
    """Line values and per-rate totals of any lines (none gives zero totals), as :func:`compute_totals`."""
    values = tuple(line_value(line) for line in lines)
    sums: dict[VatRate, Decimal] = {}
    for line, value in zip(lines, values, strict=True):
        sums[line.vat_rate] = sums.get(line.vat_rate, Decimal("0.00")) + value
    rates = tuple(rate_total(rate, sums[rate], gross_prices=gross_prices, exchange_rate=exchange_rate)
                  for rate in RATE_FIELDS if rate in sums)
    zero = Decimal("0.00")
    return Totals(
        line_values=values,
        rates=rates,
        net=sum((r.net for r in rates), zero),
        vat=sum((r.vat for r in rates), zero),
        gross=sum((r.gross for r in rates), zero),
    )
