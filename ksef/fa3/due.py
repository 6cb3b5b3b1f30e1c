"""The due date of an invoice and what else it says about paying it (``Platnosc``, ``P_18A``).

FA(3) gives a payment term as a date (``TerminPlatnosci/Termin``), as a description
(``TerminOpis``: ``Ilosc`` units from ``ZdarzeniePoczatkowe``, e.g. 14 dni od wystawienia faktury),
or both. :func:`term_due_date` turns a description into a date where the starting event is one we
know the date of; :func:`invoice_due_date` takes the earliest of all the terms (paying by the earlier
one is never late). Pure functions: no I/O, no clock.

Starting events, read from the free text of ``ZdarzeniePoczatkowe`` (it is ``TZnakowy``: any text):

- issue of the invoice ("wystawienie faktury", "od daty wystawienia") → ``P_1``;
- delivery / performance ("dostawa", "wydanie towaru", "wykonanie usługi", "sprzedaż") → ``P_6``, the
  end of ``OkresFa`` for a period, else ``P_1`` (FA(3): without ``P_6`` the sale date is the issue date);
- receipt of the invoice ("otrzymanie", "doręczenie") → the day KSeF assigned the number, when the caller
  knows it (art. 106na ust. 3 of the VAT Act: an invoice in KSeF is received on that day);
- anything else → no date (the term is shown as written).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ksef.fa3.summary import DueTerm, InvoiceSummary

MAX_TERM_DAYS = 3660  # a term beyond ten years is taken as a typo, not computed

_DAYS = ("dzień", "dzien", "dni", "day", "days", "d")
_WEEKS = ("tydzień", "tydzien", "tygodnie", "tygodni", "tyg", "tyg.", "week", "weeks")
_MONTHS = ("miesiąc", "miesiac", "miesiące", "miesiace", "miesięcy", "miesiecy", "mies.", "mies",
           "month", "months")
_YEARS = ("rok", "lata", "lat", "year", "years")
_ISSUE = ("wystawi", "issu")
_DELIVERY = ("dostaw", "wydani", "wykonani", "sprzeda", "odbior", "odbiór", "deliver")
_RECEIPT = ("otrzyma", "doręcz", "dorecz", "receiv")


def _add_months(start: date, months: int) -> date:
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def term_due_date(term: DueTerm, *, issue_date: date, sale_date: date | None = None,
                  received_on: date | None = None) -> date | None:
    """The date ``term`` falls on, or None when its unit or starting event is not one we can date."""
    event = " ".join(term.event.lower().split())
    start: date | None
    if any(word in event for word in _RECEIPT):
        start = received_on
    elif any(word in event for word in _ISSUE):
        start = issue_date
    elif any(word in event for word in _DELIVERY):
        start = sale_date or issue_date
    else:
        start = None
    if start is None or term.count < 0:
        return None
    unit = term.unit.strip().lower()
    try:
        if unit in _DAYS:
            days = term.count
        elif unit in _WEEKS:
            days = 7 * term.count
        elif unit in _MONTHS:
            due = _add_months(start, term.count)
            return due if (due - start).days <= MAX_TERM_DAYS else None
        elif unit in _YEARS:
            due = _add_months(start, 12 * term.count)
            return due if (due - start).days <= MAX_TERM_DAYS else None
        else:
            return None
        return start + timedelta(days=days) if days <= MAX_TERM_DAYS else None
    except (OverflowError, ValueError):  # past the calendar's end
        return None


def invoice_due_date(summary: InvoiceSummary, *, received_on: date | None = None) -> date | None:
    """The earliest due date the invoice gives, written or computed from a described term."""
    payment = summary.payment
    if payment is None:
        return None
    sale = summary.sale_period[1] if summary.sale_period else summary.sale_date
    computed = [d for term in payment.due_terms
                if (d := term_due_date(term, issue_date=summary.issue_date, sale_date=sale,
                                       received_on=received_on)) is not None]
    dates = [*payment.due_dates, *computed]
    return min(dates) if dates else None


@dataclass(frozen=True)
class PayingFacts:
    """What the invoice says about paying it, as the bot stores it."""

    due_date: date | None
    bank_accounts: tuple[str, ...]  # every NrRB, as written, in order
    split_payment: bool  # P_18A = 1: the transfer must be a split payment (MPP)
    method: str | None  # FormaPlatnosci code "1".."7"
    paid: bool  # Zaplacono = 1, or ZnacznikZaplatyCzesciowej = 2 (paid in full in parts)
    paid_date: date | None  # DataZaplaty, or the last part's day
    paid_so_far: Decimal | None = None  # the sum of ZaplataCzesciowa (None: no parts listed)


def paying_facts(summary: InvoiceSummary, *, received_on: date | None = None) -> PayingFacts:
    """The due date, accounts, split payment, method and paid mark of a parsed invoice."""
    payment = summary.payment
    written = payment.bank_accounts if payment else ()
    accounts = tuple(dict.fromkeys(" ".join(a.split())[:34] for a in written))
    parts = payment.partial_payments if payment else ()
    paid_date = payment.paid_date if payment else None
    if paid_date is None and parts:
        paid_date = max(part.day for part in parts)
    return PayingFacts(
        due_date=invoice_due_date(summary, received_on=received_on),
        bank_accounts=tuple(a for a in accounts if a),
        split_payment=summary.split_payment,
        method=payment.method if payment else None,
        paid=bool(payment and (payment.paid or payment.paid_in_parts)),
        paid_date=paid_date,
        paid_so_far=sum((part.amount for part in parts), Decimal(0)) if parts else None,
    )
