"""VAT rules the bot asks about before issuing: split payment, the day of the exchange rate, np codes.

* Split payment (art. 108a ust. 1a ustawy o VAT): mandatory when the invoice's amount due is at
  least 15 000 zł (art. 19 pkt 1 lit. a Prawa przedsiębiorców; "stanowi kwotę" is read by MF and
  tax offices as "≥"), the buyer is a taxpayer and the invoice covers goods or services from annex
  15. The bot cannot know annex 15 from a line's name, so it ASKS when the amount reaches the
  threshold (:func:`split_payment_question`); :func:`split_payment_required` decides from the answer.
  Foreign-currency amounts are converted as the tax base is (the XSD's documentation of P_18A):
  with the invoice's exchange rate.
* Exchange rate day (art. 31a ust. 1–2): the NBP average rate of the last working day BEFORE the
  tax point, or before the issue date when the invoice is issued before the tax point.
  :func:`rate_lookup_date` gives the date to look back from (``ksef.nbp`` does the looking back).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ksef.fa3 import Buyer, Invoice, VatRate
from ksef.fa3.totals import compute_totals, to_grosze

__all__ = [
    "SPLIT_PAYMENT_THRESHOLD",
    "gross_in_pln",
    "np_rate_for",
    "rate_lookup_date",
    "split_payment_question",
    "split_payment_required",
]

SPLIT_PAYMENT_THRESHOLD = Decimal(15000)


def gross_in_pln(invoice: Invoice) -> Decimal | None:
    """The amount due (``P_15``) in złoty; None for a foreign-currency invoice without a rate."""
    gross = compute_totals(invoice).gross
    if invoice.currency == "PLN":
        return gross
    if invoice.exchange_rate is None:
        return None
    return to_grosze(gross * invoice.exchange_rate)


def split_payment_required(gross_pln: Decimal, *, annex15: bool, buyer_is_taxpayer: bool = True) -> bool:
    """Whether the law requires the "mechanizm podzielonej płatności" annotation (``P_18A`` = 1)."""
    return annex15 and buyer_is_taxpayer and gross_pln >= SPLIT_PAYMENT_THRESHOLD


def split_payment_question(invoice: Invoice) -> bool:
    """Whether the bot must ask "are these goods or services from annex 15?" before issuing.

    True when the amount due reaches 15 000 zł for a buyer who is a taxpayer (has a tax id), or when
    the amount in złoty is not known yet (a foreign currency without a rate): asking is safe.
    """
    if invoice.buyer.is_consumer or invoice.seller.vat_exempt:
        return False  # the mechanism applies to sales to taxpayers, with VAT
    gross = gross_in_pln(invoice)
    return gross is None or gross >= SPLIT_PAYMENT_THRESHOLD


def rate_lookup_date(issue_date: date, sale_date: date | None = None,
                     sale_period: tuple[date, date] | None = None) -> date:
    """The date whose preceding NBP working day gives the rate (art. 31a ust. 1–2).

    The tax point is taken as the sale date, or the end of the billing period (art. 19a ust. 3 for
    continuous services), or the issue date when neither is given. An invoice issued before that
    uses the day before its issue date instead. Advance payments and the special tax points of
    art. 19a ust. 5 (e.g. rentals, utilities: the issue date) are the caller's to pass as
    ``sale_date`` (UNCONFIRMED for those cases; the safe default is the general rule).
    """
    tax_point = sale_period[1] if sale_period is not None else sale_date or issue_date
    return min(issue_date, tax_point)


def np_rate_for(buyer: Buyer) -> VatRate:
    """The ``np`` code for a SERVICE to ``buyer``: ``np II`` (art. 100 ust. 1 pkt 4, the EU buyer
    settles the VAT) for a buyer with an EU VAT number, otherwise ``np I``."""
    return VatRate.NP_II if buyer.eu_vat is not None else VatRate.NP_I
