"""UPO documents (``Potwierdzenie``, UPO v4-3) for single invoices and whole sessions.

The real UPO is XAdES-signed by MF; the simulator's is unsigned (the XSD does not declare the
signature, docs/ksef.md#upo) and uses the schema's fixed ``Ministerstwo Finansów`` name.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from lxml import etree

from ksef.crypto import sha256_b64
from ksef.schemas import UPO_NAMESPACE
from ksef.sim.state import WARSAW, OnlineSession, SimState, StoredInvoice, Upo, new_reference, utcnow

UPO_URL_TTL = timedelta(days=3)


def _el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{UPO_NAMESPACE}}}{name}")
    if text is not None:
        child.text = text
    return child


def _warsaw(moment: datetime) -> str:
    return moment.astimezone(WARSAW).isoformat(timespec="milliseconds")


def build(session: OnlineSession, invoices: list[StoredInvoice], auth_digest: str) -> bytes:
    """UPO XML listing ``invoices`` received in ``session``."""
    root = etree.Element(f"{{{UPO_NAMESPACE}}}Potwierdzenie", nsmap={None: UPO_NAMESPACE})  # type: ignore[dict-item]  # None = default ns
    _el(root, "NazwaPodmiotuPrzyjmujacego", "Ministerstwo Finansów")
    _el(root, "NumerReferencyjnySesji", session.reference_number)
    auth = _el(root, "Uwierzytelnienie")
    ctx = _el(auth, "IdKontekstu")
    _el(ctx, "Nip", session.nip)
    _el(auth, "SkrotDokumentuUwierzytelniajacego", auth_digest)
    _el(root, "NazwaStrukturyLogicznej", "Schemat_FA(3)_v1-0E.xsd")
    _el(root, "KodFormularza", "FA (3)")
    for inv in invoices:
        doc = _el(root, "Dokument")
        _el(doc, "NipSprzedawcy", inv.seller_nip)
        _el(doc, "NumerKSeFDokumentu", inv.ksef_number)
        _el(doc, "NumerFaktury", inv.invoice_number)
        _el(doc, "DataWystawieniaFaktury", inv.issue_date)
        _el(doc, "DataPrzeslaniaDokumentu", _warsaw(inv.invoicing_date))
        _el(doc, "DataNadaniaNumeruKSeF", _warsaw(inv.acquisition_date))
        _el(doc, "SkrotDokumentu", inv.invoice_hash)
        _el(doc, "TrybWysylki", inv.invoicing_mode)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def register(state: SimState, session: OnlineSession, invoices: list[StoredInvoice]) -> Upo:
    """Generate and store a UPO; returns it (``reference_number`` is the ``…-EU-…`` UPO reference)."""
    digest = sha256_b64(session.auth_reference.encode("ascii"))
    upo = Upo(
        reference_number=new_reference("EU"),
        xml=build(session, invoices, digest),
        download_id=secrets.token_urlsafe(24),
        expires=utcnow() + UPO_URL_TTL,
    )
    state.upos[upo.reference_number] = upo
    state.mark_dirty()
    return upo
