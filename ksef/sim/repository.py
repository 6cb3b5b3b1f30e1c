"""The invoice repository: KSeF numbers, duplicate keys, permanent-storage dates."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from ksef.crypto import sha256_b64
from ksef.identifiers import make_ksef_number
from ksef.sim.fa3meta import INVOICE_TYPES, InvoiceFacts
from ksef.sim.state import WARSAW, SimState, StoredInvoice

# KSeF stores an invoice durably after giving it its number: permanentStorageDate is always strictly
# later than acquisitionDate (docs/ksef.md#receiving-invoices), by at least this much even with
# storageDelaySeconds 0.
MIN_STORAGE_GAP = timedelta(milliseconds=1)


def duplicate_key(facts: InvoiceFacts) -> str:
    """KSeF's uniqueness key (docs/ksef.md#sessions-and-sending; MF's guide faktury/weryfikacja-faktury.md):
    seller NIP + RodzajFaktury + P_2, global over every context and session, whoever sends."""
    return f"{facts.seller_nip}|{facts.rodzaj}|{facts.invoice_number}"


def new_ksef_number(seller_nip: str, when: datetime) -> str:
    """Seller NIP - acceptance date (Europe/Warsaw, UNCONFIRMED zone) - 12 hex - CRC-8."""
    return make_ksef_number(
        seller_nip, when.astimezone(WARSAW).strftime("%Y%m%d"), secrets.token_hex(6).upper()
    )


def store(
    state: SimState,
    xml: bytes,
    facts: InvoiceFacts,
    *,
    invoicing_date: datetime,
    acquisition_date: datetime,
    permanent_storage_date: datetime | None = None,
    invoicing_mode: str = "Online",
    session_reference: str | None = None,
    hash_of_corrected: str | None = None,
) -> StoredInvoice:
    """Put an accepted invoice into the repository (caller holds ``state.lock``); a permanent-storage
    date not later than the acquisition date is refused (``ValueError``)."""
    delay = max(timedelta(seconds=state.config.storage_delay_seconds), MIN_STORAGE_GAP)
    psd = permanent_storage_date or acquisition_date + delay
    if psd <= acquisition_date:
        raise ValueError("permanentStorageDate must be later than acquisitionDate")
    number = new_ksef_number(facts.seller_nip, acquisition_date)
    while number in state.invoices:  # astronomically unlikely, but numbers must be unique
        number = new_ksef_number(facts.seller_nip, acquisition_date)
    invoice = StoredInvoice(
        ksef_number=number,
        xml=xml,
        invoice_hash=sha256_b64(xml),
        seller_nip=facts.seller_nip,
        seller_name=facts.seller_name,
        buyer_type=facts.buyer_type,
        buyer_id=facts.buyer_id,
        buyer_name=facts.buyer_name,
        invoice_number=facts.invoice_number,
        issue_date=facts.issue_date,
        invoicing_date=invoicing_date,
        acquisition_date=acquisition_date,
        permanent_storage_date=psd,
        net_amount=facts.net,
        vat_amount=facts.vat,
        gross_amount=facts.gross,
        currency=facts.currency,
        invoice_type=INVOICE_TYPES.get(facts.rodzaj, "Vat"),
        rodzaj=facts.rodzaj,
        invoicing_mode=invoicing_mode,
        is_self_invoicing=facts.is_self_invoicing,
        has_attachment=facts.has_attachment,
        session_reference=session_reference,
        hash_of_corrected=hash_of_corrected,
    )
    state.invoices[number] = invoice
    state.duplicate_keys[duplicate_key(facts)] = (number, session_reference)
    state.mark_dirty()
    return invoice
