"""The state of an invoice this library built, after its corrections, read from the stored XML.

(The correction part of any FA(3), :class:`~ksef.fa3.summary.CorrectionSummary`, is read by
:func:`ksef.fa3.parse` itself.)
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from ksef.errors import CorrectionError, InvoiceDataError
from ksef.fa3.correction.model import InvoiceState, NumberedLine
from ksef.fa3.model import Buyer, ExemptionBasis, InvoiceLine, Seller, VatRate
from ksef.fa3.parse import parse
from ksef.fa3.summary import InvoiceSummary, LineSummary, PartySummary, RateTotal
from ksef.fa3.totals import line_value

_ART_113 = re.compile(r"\bart\.\s*113\b")


# --------------------------------------------------------------------------- state from stored XML

def _not_correctable(number: str, why: str) -> CorrectionError:
    return CorrectionError("corrected", f"Faktury {number} nie można skorygować: {why}")


def _line(summary: InvoiceSummary, line: LineSummary, gross: bool) -> InvoiceLine:
    price = line.unit_gross_price if gross else line.unit_net_price
    if line.name is None or line.quantity is None or price is None:
        raise _not_correctable(summary.number, f"pozycja {line.number} nie ma nazwy, ilości lub ceny.")
    try:
        rate = VatRate(line.vat_rate or "")
    except ValueError:
        raise _not_correctable(summary.number, f"pozycja {line.number} ma stawkę „{line.vat_rate}”, "
                                               "której ten program nie wystawia.") from None
    result = InvoiceLine(name=line.name, quantity=line.quantity, unit_price=price, vat_rate=rate,
                         unit=line.unit)
    value = line.gross if gross else line.net
    if value != line_value(result):
        raise _not_correctable(summary.number, f"wartość pozycji {line.number} nie wynika z ilości i ceny.")
    return result


def _seller(party: PartySummary, exemption_basis: str | None) -> Seller:
    # The XML has no "subjectively exempt" flag: an exemption based on art. 113 says it.
    exempt = exemption_basis is not None and _ART_113.search(exemption_basis) is not None
    return Seller(nip=party.nip or "", name=party.name or "", address=party.address_lines,
                  country=party.country or "PL", email=party.email, phone=party.phone, vat_exempt=exempt)


def _buyer(party: PartySummary) -> Buyer:
    eu = party.eu_vat is not None
    return Buyer(name=party.name or "", nip=party.nip, eu_code=party.eu_code if eu else None,
                 eu_vat=party.eu_vat, other_id=party.other_id, other_id_country=party.other_id_country,
                 address=party.address_lines, country=party.country or "PL", email=party.email,
                 phone=party.phone)


def _gross_prices(summary: InvoiceSummary) -> bool:
    return any(line.unit_gross_price is not None or line.gross is not None for line in summary.lines)


def _check_totals(summary: InvoiceSummary, expected: tuple[RateTotal, ...], gross: Decimal) -> None:
    """The document's ``P_13_x``/``P_14_x[W]``/``P_15`` must be what this library computes from its rows."""
    def key(totals: tuple[RateTotal, ...]) -> dict[str, tuple[Decimal, Decimal, Decimal | None]]:
        return {t.rate: (t.net, t.vat, t.vat_pln) for t in totals}

    if key(summary.totals) != key(expected) or summary.gross_total != gross:
        raise _not_correctable(summary.number, "jej kwoty nie zgadzają się z pozycjami.")


def _basis_kind(summary: InvoiceSummary) -> ExemptionBasis:
    """Which element held the exemption basis (P_19A act, P_19B directive, P_19C other)."""
    try:
        return ExemptionBasis(summary.exemption_basis_kind or ExemptionBasis.ACT.value)
    except ValueError:
        return ExemptionBasis.ACT


def _initial_state(summary: InvoiceSummary, exchange_rate: Decimal | None) -> InvoiceState:
    if summary.correction is not None:
        why = "to faktura korygująca; podaj najpierw fakturę, którą koryguje."
        raise _not_correctable(summary.number, why)
    gross = _gross_prices(summary)
    taxed = any(line.vat_rate in ("23", "8", "5") for line in summary.lines)
    # The XML carries the rate per line (KursWaluty) when this library wrote it; an explicit rate wins.
    exchange_rate = exchange_rate if exchange_rate is not None else summary.exchange_rate
    if summary.currency != "PLN" and taxed and exchange_rate is None:
        message = (f"Podaj kurs waluty faktury {summary.number} (XML go nie zawiera, a VAT jest też "
                   "w złotych).")
        raise CorrectionError("exchange_rate", message)
    numbers = [line.number for line in summary.lines]
    if len(set(numbers)) != len(numbers):
        raise _not_correctable(summary.number, "numery jej pozycji się powtarzają.")
    try:
        state = InvoiceState(
            seller=_seller(summary.seller, summary.exemption_basis), buyer=_buyer(summary.buyer),
            lines=tuple(NumberedLine(line.number, _line(summary, line, gross)) for line in summary.lines),
            sale_date=(summary.sale_period[1] if summary.sale_period is not None
                       else summary.sale_date or summary.issue_date),
            currency=summary.currency, prices_gross=gross,
            exchange_rate=exchange_rate if summary.currency != "PLN" else None,
            exemption_basis=summary.exemption_basis, exemption_basis_kind=_basis_kind(summary),
            sale_period=summary.sale_period, split_payment=summary.split_payment,
            exchange_rate_table=summary.exchange_rate_table if summary.currency != "PLN" else None,
            exchange_rate_date=summary.exchange_rate_date if summary.currency != "PLN" else None)
    except ValueError as exc:  # InvoiceDataError included: data this library would not have written
        if isinstance(exc, CorrectionError):
            raise
        detail = exc.message if isinstance(exc, InvoiceDataError) else str(exc)
        raise _not_correctable(summary.number, detail) from None
    totals = state.totals()
    _check_totals(summary, totals.rates, totals.gross)
    return state


def _apply(state: InvoiceState, summary: InvoiceSummary) -> InvoiceState:
    """The state after the correction ``summary`` (its rows checked against ``state``)."""
    correction = summary.correction
    assert correction is not None
    lines = {n.number: n.line for n in state.lines}
    touched: set[VatRate] = set()
    for change in correction.changes:
        if change.before is not None:
            before = _line(summary, change.before, state.prices_gross)
            if lines.get(change.number) != before:
                why = (f"pozycja {change.number} „przed korektą” różni się od faktury korygowanej "
                       "(czy korekty są w kolejności?).")
                raise _not_correctable(summary.number, why)
            touched.add(before.vat_rate)
        after = _line(summary, change.after, state.prices_gross) if change.after is not None else None
        if after is None or after.quantity == 0:
            lines.pop(change.number, None)
        else:
            lines[change.number] = after
        if after is not None:
            touched.add(after.vat_rate)
    # Dates, currency, rate, pricing and P_18A stay the corrected invoice's (a correction repeats them).
    after_state = replace(
        state, seller=replace(_seller(summary.seller, None), vat_exempt=state.seller.vat_exempt),
        buyer=_buyer(summary.buyer), lines=tuple(NumberedLine(n, lines[n]) for n in sorted(lines)),
        exemption_basis=summary.exemption_basis or state.exemption_basis,
        exemption_basis_kind=_basis_kind(summary) if summary.exemption_basis else state.exemption_basis_kind)
    before_totals, after_totals = state.totals(), after_state.totals()
    old = {t.rate: t for t in before_totals.rates}
    new = {t.rate: t for t in after_totals.rates}
    zero = Decimal("0.00")
    expected = []
    for rate in touched:
        b, a = old.get(rate.value), new.get(rate.value)
        pln = None
        if any(t is not None and t.vat_pln is not None for t in (a, b)):
            pln = ((a.vat_pln or zero) if a else zero) - ((b.vat_pln or zero) if b else zero)
        net = (a.net if a else zero) - (b.net if b else zero)
        vat = (a.vat if a else zero) - (b.vat if b else zero)
        expected.append(RateTotal(rate.value, rate.label, net, vat, net + vat, pln))
    _check_totals(summary, tuple(expected), after_totals.gross - before_totals.gross)
    return after_state


def invoice_state(xml: bytes, *corrections: bytes, exchange_rate: Decimal | None = None) -> InvoiceState:
    """The content of an invoice this library built, after ``corrections`` (its KOR XML, oldest first).

    This is what the next correction starts from: pass the result as ``original`` to
    :func:`~ksef.fa3.correction.correction_from_edit`. Each correction must correct the document
    before it (by number and date) and its rows "before" must match. ``exchange_rate`` is needed
    for a foreign-currency invoice with VAT (the XML carries the VAT in PLN, not the rate).
    Raises :class:`~ksef.errors.CorrectionError` when the documents do not fit together or their
    amounts are not the ones this library computes (then correcting them here would be unsafe).
    """
    previous = parse(xml)
    state = _initial_state(previous, exchange_rate)
    for data in corrections:
        summary = parse(data)
        correction = summary.correction
        if correction is None:
            raise _not_correctable(previous.number, f"dokument {summary.number} nie jest fakturą korygującą.")
        refs = correction.corrected
        if len(refs) != 1 or (refs[0].number, refs[0].issue_date) != (previous.number, previous.issue_date):
            raise _not_correctable(previous.number, f"korekta {summary.number} nie koryguje faktury "
                                                    f"{previous.number}.")
        state = _apply(state, summary)
        previous = summary
    return state
