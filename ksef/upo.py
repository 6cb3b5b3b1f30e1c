"""Reading an UPO (Urzędowe Poświadczenie Odbioru, KSeF's receipt): who received what, when, in which session.

The layout is MF's ``upo-v4-3.xsd`` (root ``Potwierdzenie`` in ``http://upo.schematy.mf.gov.pl/KSeF/v4-3``):
``NumerReferencyjnySesji``, ``Uwierzytelnienie/IdKontekstu``, then one ``Dokument`` per invoice with
``NipSprzedawcy``, ``NumerKSeFDokumentu``, ``NumerFaktury``, ``DataWystawieniaFaktury``,
``DataPrzeslaniaDokumentu``, ``DataNadaniaNumeruKSeF``, ``SkrotDokumentu``, ``TrybWysylki``. The real UPO
is XAdES-signed by MF; this reader does not check the signature (keep the file: it is the proof).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from ksef.errors import KsefValidationError
from ksef.schemas import UPO_NAMESPACE, safe_parser

_NS = {"u": UPO_NAMESPACE}


class UpoParseError(KsefValidationError):
    """The bytes are not an UPO this reader understands."""


@dataclass(frozen=True)
class UpoDocument:
    """One invoice the UPO confirms."""

    ksef_number: str
    invoice_number: str
    seller_nip: str
    issue_date: date | None
    sent_at: datetime | None  # DataPrzeslaniaDokumentu: when KSeF received the file
    numbered_at: datetime | None  # DataNadaniaNumeruKSeF: when the KSeF number was given (receipt date)
    document_hash: str | None  # SkrotDokumentu: SHA-256 of the invoice file, Base64
    mode: str | None  # TrybWysylki: Online | Offline


@dataclass(frozen=True)
class Upo:
    """An UPO: the receiving body, the session and the documents it confirms."""

    receiver: str | None
    session_reference: str | None
    context: str | None  # the identifier of the context the session worked in (a NIP, usually)
    documents: tuple[UpoDocument, ...]

    def document(self, ksef_number: str) -> UpoDocument | None:
        """The entry of the invoice ``ksef_number``, if this UPO confirms it."""
        return next((d for d in self.documents if d.ksef_number == ksef_number), None)


def _text(element: etree._Element, path: str) -> str | None:
    found = element.find(path, _NS)
    return found.text.strip() if found is not None and found.text and found.text.strip() else None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _datetime(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_upo(xml: bytes) -> Upo:
    """The UPO's content; :class:`UpoParseError` for anything that is not a ``Potwierdzenie``."""
    try:
        root = etree.fromstring(xml, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise UpoParseError(f"UPO nie jest poprawnym XML: {exc}") from None
    if root.tag != f"{{{UPO_NAMESPACE}}}Potwierdzenie":
        raise UpoParseError("To nie jest UPO KSeF (brak elementu Potwierdzenie).")
    context = root.find("u:Uwierzytelnienie/u:IdKontekstu", _NS)
    context_id = next((c.text.strip() for c in context if c.text and c.text.strip()), None) \
        if context is not None else None
    documents = tuple(
        UpoDocument(ksef_number=_text(d, "u:NumerKSeFDokumentu") or "",
                    invoice_number=_text(d, "u:NumerFaktury") or "",
                    seller_nip=_text(d, "u:NipSprzedawcy") or "",
                    issue_date=_date(_text(d, "u:DataWystawieniaFaktury")),
                    sent_at=_datetime(_text(d, "u:DataPrzeslaniaDokumentu")),
                    numbered_at=_datetime(_text(d, "u:DataNadaniaNumeruKSeF")),
                    document_hash=_text(d, "u:SkrotDokumentu"), mode=_text(d, "u:TrybWysylki"))
        for d in root.findall("u:Dokument", _NS))
    return Upo(receiver=_text(root, "u:NazwaPodmiotuPrzyjmujacego"),
               session_reference=_text(root, "u:NumerReferencyjnySesji"), context=context_id,
               documents=documents)
