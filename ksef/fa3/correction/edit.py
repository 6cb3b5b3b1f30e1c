"""Making a correction: compare the corrected invoice with an edited copy, check, compute the rows.

Three ways in, each returning a checked :class:`~ksef.fa3.correction.model.Correction`:

* :func:`correction_from_edit` — the corrected invoice and an edited copy (prices, quantities, rates,
  names, lines added or removed, the buyer's name or address);
* :func:`cancel_to_zero` — every line to quantity 0;
* :func:`correct_buyer_nip` — a wrong buyer NIP: a correction to zero plus the new invoice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from ksef.errors import (
    BelowZeroError,
    BuyerIdChangeError,
    CorrectionError,
    CurrencyChangeError,
    NothingToCorrectError,
    PricingMethodChangeError,
)
from ksef.fa3.correction.model import (
    CorrectedInvoice,
    Correction,
    CorrectionType,
    InvoiceState,
    LineChange,
    NumberedLine,
)
from ksef.fa3.model import Buyer, ExemptionBasis, Invoice, InvoiceLine, Payment, VatRate

#: Reason used by :func:`correct_buyer_nip` unless the caller gives one.
WRONG_NIP_REASON = "Błędny NIP nabywcy: korekta do zera, wystawiono nową fakturę z właściwym NIP"


@dataclass(frozen=True)
class BuyerNipCorrection:
    """A wrong buyer NIP fixed as the XSD requires (``Podmiot2K`` documentation): the corrected invoice
    corrected to zero and a new invoice with the right buyer; issue both."""

    correction: Correction
    replacement: Invoice


def _state(invoice: Invoice | InvoiceState) -> InvoiceState:
    return invoice if isinstance(invoice, InvoiceState) else InvoiceState.of(invoice)


def _edited_lines(before: InvoiceState, edited: Invoice | InvoiceState,
                  line_numbers: Sequence[int | None] | None) -> list[tuple[int | None, InvoiceLine]]:
    """The edited lines with the number each replaces on the corrected invoice (None: a new line)."""
    known = [n.number for n in before.lines]
    if isinstance(edited, InvoiceState):
        if line_numbers is not None:
            raise ValueError("line_numbers applies to an edited Invoice; an InvoiceState carries its numbers")
        return [(n.number if n.number in known else None, n.line) for n in edited.lines]
    lines = list(edited.lines)
    if line_numbers is None:
        if len(lines) < len(known):
            raise ValueError("the edited invoice has fewer lines: say which line is which with line_numbers")
        numbers: list[int | None] = [*known, *([None] * (len(lines) - len(known)))]
    else:
        numbers = list(line_numbers)
        if len(numbers) != len(lines):
            raise ValueError("line_numbers needs one entry per edited line")
        mapped = [n for n in numbers if n is not None]
        if len(set(mapped)) != len(mapped) or not set(mapped) <= set(known):
            raise ValueError(f"line_numbers must name distinct lines of the corrected invoice {known}: "
                             f"{numbers}")
    return list(zip(numbers, lines, strict=True))


def _check_line(number: int, line: InvoiceLine, *, new: bool) -> None:
    """Quantity and price may not go below zero; a kept or new line passes the ordinary line checks."""
    where = f"Nowa pozycja {number}" if new else f"Pozycja {number}"
    for name, label, value in (("quantity", "ilość", line.quantity), ("unit_price", "cena", line.unit_price)):
        if isinstance(value, Decimal) and value.is_finite() and value < 0:
            hint = " Aby usunąć pozycję, wpisz ilość 0." if name == "quantity" and not new else ""
            message = f"{where}: {label} po korekcie nie może być mniejsza od zera (podano {value}).{hint}"
            raise BelowZeroError(f"lines[{number}].{name}", message)
    if new or line.quantity != 0:
        line.validate(number)


def _identity(buyer: Buyer) -> tuple[str | None, ...]:
    return buyer.nip, buyer.eu_code, buyer.eu_vat, buyer.other_id, buyer.other_id_country


def _check_same_terms(before: InvoiceState, edited: Invoice | InvoiceState) -> None:
    if edited.currency != before.currency:
        message = (f"Korekta musi być w walucie faktury korygowanej ({before.currency}), "
                   f"nie {edited.currency}. Aby zmienić walutę, skoryguj fakturę do zera i wystaw nową.")
        raise CurrencyChangeError("currency", message)
    if edited.exchange_rate != before.exchange_rate:
        message = "Korekta musi mieć kurs waluty taki jak faktura korygowana."
        raise CurrencyChangeError("exchange_rate", message)
    if edited.prices_gross != before.prices_gross:
        was, now = ("brutto", "netto") if before.prices_gross else ("netto", "brutto")
        message = (f"Faktura korygowana ma ceny {was}, więc korekta też musi podawać ceny {was} (nie {now}).")
        raise PricingMethodChangeError("prices_gross", message)
    if edited.seller.nip != before.seller.nip:
        raise CorrectionError("seller.nip", "NIP sprzedawcy nie może się zmienić w korekcie.")
    if _identity(edited.buyer) != _identity(before.buyer):
        message = ("Błędnego NIP (identyfikatora) nabywcy nie poprawia się korektą danych: fakturę koryguje "
                   "się do zera i wystawia nową z właściwym NIP.")
        raise BuyerIdChangeError("buyer.nip", message)
    sale_date = edited.effective_sale_date if isinstance(edited, Invoice) else edited.sale_date
    if sale_date != before.sale_date or edited.sale_period != before.sale_period:
        raise CorrectionError("sale_date", "Korekta daty sprzedaży nie jest obsługiwana.")


def correction_from_edit(original: Invoice | InvoiceState, edited: Invoice | InvoiceState, *, number: str,
                         issue_date: date, corrected: CorrectedInvoice, reason: str,
                         line_numbers: Sequence[int | None] | None = None,
                         correction_type: CorrectionType | None = None, issue_place: str | None = None,
                         payment: Payment | None = None, notes: Sequence[str] = ()) -> Correction:
    """The correction turning ``original`` into ``edited``.

    ``original`` is the corrected invoice: its model, or its :class:`InvoiceState` (for a correction
    of a correction, the state after that correction). ``edited`` reads as the invoice should: an
    :class:`InvoiceState` from ``original``'s ``with_*`` methods (a quantity of 0 removes a line), or an
    :class:`Invoice` whose lines match ``original``'s by position — or by ``line_numbers`` (the number
    on the corrected invoice each edited line replaces, None for a new line; a number left out is a
    removed line). The edited copy's own number and dates are not used: ``number`` and ``issue_date``
    are the correction's, ``corrected`` names the corrected invoice.

    Raises :class:`~ksef.errors.CorrectionError` subclasses with a Polish message: nothing changes,
    a quantity or price below zero, another currency or pricing method, a changed buyer NIP.
    """
    before = _state(original)
    _check_same_terms(before, edited)
    edits = _edited_lines(before, edited, line_numbers)
    by_number = {n: line for n, line in edits if n is not None}
    changes: list[LineChange] = []
    kept: list[NumberedLine] = []
    for numbered in before.lines:
        old = numbered.line
        new = by_number.get(numbered.number, replace(old, quantity=Decimal(0)))
        _check_line(numbered.number, new, new=False)
        if new.quantity == 0:
            new = replace(old, quantity=Decimal(0))  # removed: shown as it was, with quantity 0
        else:
            kept.append(NumberedLine(numbered.number, new))
        if new != old:
            changes.append(LineChange(numbered.number, old, new))
    next_number = before.next_number
    for n, line in edits:
        if n is None:
            _check_line(next_number, line, new=True)
            changes.append(LineChange(next_number, None, line))
            kept.append(NumberedLine(next_number, line))
            next_number += 1
    basis_kind = edited.exemption_basis_kind if edited.exemption_basis else before.exemption_basis_kind
    after = replace(before, seller=edited.seller, buyer=edited.buyer, lines=tuple(kept),
                    exemption_basis=edited.exemption_basis or before.exemption_basis,
                    exemption_basis_kind=basis_kind)
    correction = Correction(number=number, issue_date=issue_date, corrected=corrected, reason=reason,
                            before=before, after=after, changes=tuple(changes),
                            correction_type=correction_type, issue_place=issue_place, payment=payment,
                            notes=tuple(notes))
    if not changes and not correction.buyer_changed and not correction.seller_changed:
        message = ("Korekta niczego nie zmienia: pozycje, kwoty i dane nabywcy są takie jak na fakturze "
                   "korygowanej (e-mail i telefon nie wymagają korekty).")
        raise NothingToCorrectError("lines", message)
    return correction


def cancel_to_zero(original: Invoice | InvoiceState, *, number: str, issue_date: date,
                   corrected: CorrectedInvoice, reason: str, correction_type: CorrectionType | None = None,
                   issue_place: str | None = None, payment: Payment | None = None,
                   notes: Sequence[str] = ()) -> Correction:
    """The correction to zero: every line of ``original`` before, and after with quantity 0."""
    before = _state(original)
    edited = replace(before, lines=tuple(NumberedLine(n.number, replace(n.line, quantity=Decimal(0)))
                                         for n in before.lines))
    return correction_from_edit(before, edited, number=number, issue_date=issue_date, corrected=corrected,
                                reason=reason, correction_type=correction_type, issue_place=issue_place,
                                payment=payment, notes=notes)


def correct_buyer_nip(original: Invoice | InvoiceState, buyer: Buyer, *, number: str, issue_date: date,
                      corrected: CorrectedInvoice, replacement_number: str, replacement_issue_date: date,
                      reason: str = WRONG_NIP_REASON, correction_type: CorrectionType | None = None,
                      issue_place: str | None = None, replacement_payment: Payment | None = None,
                      notes: Sequence[str] = ()) -> BuyerNipCorrection:
    """A wrong buyer NIP: ``original`` corrected to zero, and a new invoice to ``buyer`` with the same lines.

    ``number``/``issue_date`` are the correction's, ``replacement_*`` the new invoice's (its own series).
    """
    before = _state(original)
    if _identity(buyer) == _identity(before.buyer):
        message = "Podany NIP nabywcy jest taki sam jak na fakturze korygowanej."
        raise NothingToCorrectError("buyer.nip", message)
    correction = cancel_to_zero(before, number=number, issue_date=issue_date, corrected=corrected,
                                reason=reason, correction_type=correction_type, issue_place=issue_place,
                                notes=notes)
    has_exempt = any(n.line.vat_rate is VatRate.ZW for n in before.lines)
    period = before.sale_period
    replacement = Invoice(seller=before.seller, buyer=buyer, number=replacement_number,
                          issue_date=replacement_issue_date, lines=tuple(n.line for n in before.lines),
                          sale_date=before.sale_date if period is None else None, sale_period=period,
                          issue_place=issue_place, currency=before.currency,
                          prices_gross=before.prices_gross, payment=replacement_payment,
                          exemption_basis=before.exemption_basis if has_exempt else None,
                          exemption_basis_kind=(before.exemption_basis_kind if has_exempt
                                                else ExemptionBasis.ACT),
                          exchange_rate=before.exchange_rate, split_payment=before.split_payment,
                          exchange_rate_table=before.exchange_rate_table,
                          exchange_rate_date=before.exchange_rate_date)
    return BuyerNipCorrection(correction, replacement)
