"""Corrective invoices (faktura korygująca, FA(3) ``RodzajFaktury`` KOR) of invoices this library builds.

How a correction is laid out (FA(3) XSD 1-0E element documentation of ``Fa``, ``P_13_1`` … ``P_15``,
``FaWiersz``, ``StanPrzed``, ``DaneFaKorygowanej``, ``Podmiot2K``; MF's published FA examples of
corrections; details, sources and the bot's recipe per kind in ``docs/corrections.md``):

* Only the corrected positions appear, as rows "before" (``StanPrzed`` = 1) and "after", both with the
  position's number on the corrected invoice (``NrWierszaFa``), before first. A changed price, quantity,
  rate or name: both rows. A removed position: its row before, and a row after with quantity 0 and
  value 0. An added position: only a row after, numbered after the highest number used so far.
  Numbers never change, so a later correction names the same positions.
* ``P_13_x``/``P_14_x``/``P_14_xW``/``P_15`` hold the differences (after − before) of the invoice's
  per-rate totals, each computed as for an ordinary invoice (:mod:`ksef.fa3.totals`), so the corrected
  invoice plus its corrections always add up to the invoice as it now stands; a reduction is negative.
  Only rates with a corrected row appear; a correction of the parties alone has no rows and ``P_15`` 0.
* Every other field reads as after the correction: the correction's own number (``P_2``, its series is
  the caller's) and date (``P_1``), the corrected invoice's sale date (``P_6``), the current parties.
  When the buyer's name or address changes, ``Podmiot2K`` repeats them as on the corrected invoice
  (``Podmiot1K`` likewise for the seller).
* A wrong buyer NIP is not corrected through ``Podmiot2K`` (its XSD documentation): the invoice is
  corrected to zero and a new invoice is issued to the right NIP (:func:`correct_buyer_nip`).
* ``DaneFaKorygowanej`` names the corrected invoice: number, issue date and ``NrKSeF`` = 1 with its KSeF
  number, or ``NrKSeFN`` = 1 for an invoice issued outside KSeF. An invoice still waiting for its KSeF
  number (offline) cannot be corrected yet: KSeF accepts a correction only once the original is
  numbered (MF's KSeF documentation, tryby-offline), so the model holds such a correction and
  :func:`build_correction` refuses it until then.
* A correction of a correction names that correction; its "before" is the state after that correction
  (:attr:`Correction.after`, or :func:`invoice_state` over the stored XML of the invoice and its
  corrections).
* ``TypKorekty`` (when the correction takes effect in the VAT records) is written when the caller
  chooses it: 1 the corrected invoice's date (an error on it), 2 the correction's date (a later discount
  or return), 3 another date.

Only ``KOR`` is built; ``KOR_ZAL``/``KOR_ROZ`` (corrections of advance and settlement invoices) are
read by the parser but not built.

Typical use::

    state = invoice_state(stored_xml)                   # or InvoiceState.of(invoice)
    edited = state.with_line(2, quantity=Decimal(3))    # or .without_line, .with_added_line, .with_buyer
    correction = correction_from_edit(state, edited, number="KOR/1/2026", issue_date=today,
                                      corrected=CorrectedInvoice("FV/7/2026", date(...), ksef_number),
                                      reason="Zwrot 2 szt.")
    xml = build_correction(correction)
"""

from ksef.fa3.correction.build import build_correction, correction_element
from ksef.fa3.correction.edit import (
    WRONG_NIP_REASON,
    BuyerNipCorrection,
    cancel_to_zero,
    correct_buyer_nip,
    correction_from_edit,
)
from ksef.fa3.correction.model import (
    CorrectedInvoice,
    Correction,
    CorrectionRow,
    CorrectionType,
    InvoiceState,
    LineChange,
    NumberedLine,
)
from ksef.fa3.correction.read import invoice_state
from ksef.fa3.summary import (
    CORRECTION_TYPE_LABELS,
    CorrectedInvoiceSummary,
    CorrectionSummary,
    LineChangeSummary,
)

__all__ = [
    "CORRECTION_TYPE_LABELS",
    "WRONG_NIP_REASON",
    "BuyerNipCorrection",
    "CorrectedInvoice",
    "CorrectedInvoiceSummary",
    "Correction",
    "CorrectionRow",
    "CorrectionSummary",
    "CorrectionType",
    "InvoiceState",
    "LineChange",
    "LineChangeSummary",
    "NumberedLine",
    "build_correction",
    "cancel_to_zero",
    "correct_buyer_nip",
    "correction_element",
    "correction_from_edit",
    "invoice_state",
]
