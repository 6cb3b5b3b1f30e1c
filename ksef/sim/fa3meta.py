"""Reading the fields the simulator needs from an FA(3) invoice (seller, buyer, dates, amounts)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

from ksef.fa3.textrules import find_discouraged
from ksef.schemas import FA3_NAMESPACE, safe_parser

_NS = {"fa": FA3_NAMESPACE}

INVOICE_TYPES = {
    "VAT": "Vat",
    "KOR": "Kor",
    "ZAL": "Zal",
    "ROZ": "Roz",
    "UPR": "Upr",
    "KOR_ZAL": "KorZal",
    "KOR_ROZ": "KorRoz",
}


@dataclass(frozen=True)
class InvoiceFacts:
    """What the repository and the metadata query need from one invoice."""

    seller_nip: str
    seller_name: str | None
    buyer_type: str
    buyer_id: str | None
    buyer_name: str | None
    extra_nips: tuple[str, ...]  # NIPs of Podmiot3 / PodmiotUpowazniony (checksum rule)
    issue_date: str
    invoice_number: str
    rodzaj: str
    currency: str
    net: float
    vat: float
    gross: float
    is_self_invoicing: bool
    has_attachment: bool


def _text(root: etree._Element, path: str) -> str | None:
    found = root.find(path, _NS)
    return found.text.strip() if found is not None and found.text is not None else None


def _amount(text: str | None) -> Decimal:
    try:
        return Decimal(text) if text else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def read_facts(xml: bytes) -> InvoiceFacts:
    """Extract :class:`InvoiceFacts`; the XML must already be schema-valid FA(3)."""
    root = etree.fromstring(xml, safe_parser())
    buyer = root.find("fa:Podmiot2/fa:DaneIdentyfikacyjne", _NS)
    buyer_type, buyer_id = "None", None
    if buyer is not None:
        if (nip := _text(buyer, "fa:NIP")) is not None:
            buyer_type, buyer_id = "Nip", nip
        elif (vat_ue := _text(buyer, "fa:NrVatUE")) is not None:
            buyer_type, buyer_id = "VatUe", f"{_text(buyer, 'fa:KodUE') or ''}{vat_ue}"
        elif (other := _text(buyer, "fa:NrID")) is not None:
            buyer_type, buyer_id = "Other", other
    fa = root.find("fa:Fa", _NS)
    assert fa is not None
    net = vat = Decimal(0)
    for child in fa:
        tag = etree.QName(child).localname
        if tag.startswith("P_13_"):
            net += _amount(child.text)
        elif tag.startswith("P_14_") and not tag.endswith("W"):
            # amounts in PLN: prefer the converted ...W value when the invoice has one
            converted = fa.find(f"fa:{tag}W", _NS)
            vat += _amount(converted.text if converted is not None else child.text)
    extra = [e.text.strip() for e in root.iterfind("fa:Podmiot3//fa:NIP", _NS) if e.text] + [
        e.text.strip() for e in root.iterfind("fa:PodmiotUpowazniony//fa:NIP", _NS) if e.text
    ]
    return InvoiceFacts(
        seller_nip=_text(root, "fa:Podmiot1/fa:DaneIdentyfikacyjne/fa:NIP") or "",
        seller_name=_text(root, "fa:Podmiot1/fa:DaneIdentyfikacyjne/fa:Nazwa"),
        buyer_type=buyer_type,
        buyer_id=buyer_id,
        buyer_name=_text(root, "fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:Nazwa"),
        extra_nips=tuple(extra),
        issue_date=_text(fa, "fa:P_1") or "",
        invoice_number=_text(fa, "fa:P_2") or "",
        rodzaj=_text(fa, "fa:RodzajFaktury") or "VAT",
        currency=_text(fa, "fa:KodWaluty") or "PLN",
        net=float(net),
        vat=float(vat),
        gross=float(_amount(_text(fa, "fa:P_15"))),
        is_self_invoicing=_text(fa, "fa:Adnotacje/fa:P_17") == "1",
        has_attachment=root.find("fa:Zalacznik", _NS) is not None,
    )


def encoding_problems(xml: bytes, *, reject_discouraged: bool = False) -> list[str]:
    """KSeF's byte rules (docs/ksef.md#invoice-checks): UTF-8 without BOM, no processing instructions;
    discouraged characters (:mod:`ksef.fa3.textrules`) only when ``reject_discouraged`` (else they earn a
    warning)."""
    problems: list[str] = []
    if xml.startswith(b"\xef\xbb\xbf"):
        problems.append("Plik zawiera znacznik BOM; wymagane jest UTF-8 bez BOM.")
    try:
        text = xml.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [*problems, f"Plik nie jest poprawnym UTF-8 (bajt {exc.start})."]
    head = text.lstrip("\ufeff")
    if head.startswith("<?xml"):
        decl = head[: head.find("?>") + 2]
        if "encoding" in decl and not any(e in decl.lower() for e in ("utf-8", "utf8")):
            problems.append("Deklaracja XML wskazuje kodowanie inne niż UTF-8.")
        body = head[len(decl) :]
    else:
        body = head
    if "<?" in body:
        problems.append("Plik zawiera instrukcje przetwarzania (<?...?>), które są niedozwolone.")
    if reject_discouraged:
        found = discouraged_in(xml)
        if found:
            problems.append(f"Plik zawiera niedozwolony znak {found[0]}.")
    return problems


def discouraged_in(xml: bytes) -> list[str]:
    """Distinct discouraged characters of an invoice as ``U+XXXX`` (empty when none or not UTF-8).

    The set is the library's one definition (:mod:`ksef.fa3.textrules`): MF's published list (docs
    ``faktury/weryfikacja-faktury.md``: U+007F-U+0084, U+0086-U+009F, U+FDD0-U+FDEF, plane-end
    noncharacters) widened by format characters; for the simulator that means warning on a little
    more than KSeF may (UNCONFIRMED which of the widened characters KSeF flags)."""
    try:
        text = xml.decode("utf-8")
    except UnicodeDecodeError:
        return []
    return list(dict.fromkeys(f"U+{ord(ch):04X}" for _, ch in find_discouraged(text)))
