"""FA(3) structured invoices: model, XML builder and parser (docs/ksef.md#fa3, docs/invoices.md).

Typical use::

    invoice = invoice_from_dict(data)      # or build the model directly
    xml = build(invoice)                   # bytes, XSD-validated
    summary = parse(xml)                   # display view of any FA(3) invoice
"""

from ksef.fa3.build import build
from ksef.fa3.dictform import invoice_from_dict, invoice_to_dict
from ksef.fa3.model import (
    DEFAULT_EXEMPTION_BASIS,
    Buyer,
    ExemptionBasis,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentMethod,
    Seller,
    VatRate,
)
from ksef.fa3.parse import parse
from ksef.fa3.summary import DueTerm, InvoiceSummary, LineSummary, PartySummary, PaymentSummary, RateTotal
from ksef.fa3.totals import Totals, compute_totals, line_value

__all__ = [
    "DEFAULT_EXEMPTION_BASIS",
    "Buyer",
    "DueTerm",
    "ExemptionBasis",
    "Invoice",
    "InvoiceLine",
    "InvoiceSummary",
    "LineSummary",
    "PartySummary",
    "Payment",
    "PaymentMethod",
    "PaymentSummary",
    "RateTotal",
    "Seller",
    "Totals",
    "VatRate",
    "build",
    "compute_totals",
    "invoice_from_dict",
    "invoice_to_dict",
    "line_value",
    "parse",
]
