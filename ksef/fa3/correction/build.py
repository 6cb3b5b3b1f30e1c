"""FA(3) XML of a correction (``RodzajFaktury`` KOR), validated against the XSD.

The ordinary builder writes the header, the parties, the annotations, the payment and the footer of
:meth:`Correction.as_invoice`; this module then turns that ``Faktura`` into a correction, element by
element in XSD order: the amounts become differences, ``RodzajFaktury`` becomes ``KOR`` followed by
the correction data, and the rows get their numbers on the corrected invoice and ``StanPrzed``.
"""

from __future__ import annotations

import re
from datetime import datetime

from lxml import etree

from ksef.errors import CorrectionNotReadyError, InvoiceSchemaError
from ksef.fa3.build import _DECLARATION, _NS, _address, _amount, _sub, to_element
from ksef.fa3.correction.model import Correction
from ksef.fa3.model import Buyer, Seller, VatRate
from ksef.fa3.totals import RATE_FIELDS
from ksef.schemas import schema_errors

_RATE_AMOUNT = re.compile(r"P_1[34]_\d+(_\d+)?W?")  # P_13_x, P_13_6_x, P_14_x, P_14_xW


def _element(tag: str, text: str | None = None) -> etree._Element:
    element = etree.Element(_NS + tag)
    if text is not None:
        element.text = text
    return element


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _amounts(fa: etree._Element, correction: Correction) -> None:
    """``P_13_x``/``P_14_x[W]`` and ``P_15`` as differences after − before (XSD documentation of ``Fa``)."""
    for child in list(fa):
        if _RATE_AMOUNT.fullmatch(_local(child)):
            fa.remove(child)
    p15 = fa.find(_NS + "P_15")
    assert p15 is not None  # the ordinary builder always writes it
    index = fa.index(p15)
    for total in correction.totals():
        net_field, vat_field = RATE_FIELDS[VatRate(total.rate)]
        fields = [(net_field, total.net)]
        if vat_field is not None:
            fields.append((vat_field, total.vat))
            if total.vat_pln is not None:
                fields.append((vat_field + "W", total.vat_pln))
        for tag, value in fields:
            fa.insert(index, _element(tag, _amount(value)))
            index += 1
    p15.text = _amount(correction.gross)


def _identification(parent: etree._Element, buyer: Buyer) -> None:
    ident = _sub(parent, "DaneIdentyfikacyjne")
    if buyer.nip is not None:
        _sub(ident, "NIP", buyer.nip)
    elif buyer.eu_code is not None and buyer.eu_vat is not None:
        _sub(ident, "KodUE", buyer.eu_code)
        _sub(ident, "NrVatUE", buyer.eu_vat)
    elif buyer.other_id is not None:
        if buyer.other_id_country:
            _sub(ident, "KodKraju", buyer.other_id_country)
        _sub(ident, "NrID", buyer.other_id)
    else:
        _sub(ident, "BrakID", "1")
    _sub(ident, "Nazwa", buyer.name)


def _seller_before(seller: Seller) -> etree._Element:
    podmiot = _element("Podmiot1K")
    ident = _sub(podmiot, "DaneIdentyfikacyjne")
    _sub(ident, "NIP", seller.nip)
    _sub(ident, "Nazwa", seller.name)
    _address(podmiot, seller.country, seller.address)
    return podmiot


def _buyer_before(buyer: Buyer) -> etree._Element:
    podmiot = _element("Podmiot2K")
    _identification(podmiot, buyer)
    if buyer.address:
        _address(podmiot, buyer.country, buyer.address)
    return podmiot


def _correction_data(fa: etree._Element, correction: Correction) -> None:
    """``RodzajFaktury`` KOR, then ``PrzyczynaKorekty`` … ``Podmiot2K`` right after it."""
    rodzaj = fa.find(_NS + "RodzajFaktury")
    assert rodzaj is not None
    rodzaj.text = "KOR"
    elements = [_element("PrzyczynaKorekty", correction.reason)]
    if correction.correction_type is not None:
        elements.append(_element("TypKorekty", correction.correction_type.value))
    corrected = correction.corrected
    dane = _element("DaneFaKorygowanej")
    _sub(dane, "DataWystFaKorygowanej", corrected.issue_date.isoformat())
    _sub(dane, "NrFaKorygowanej", corrected.number)
    if corrected.ksef_number is not None:
        _sub(dane, "NrKSeF", "1")
        _sub(dane, "NrKSeFFaKorygowanej", corrected.ksef_number)
    else:
        _sub(dane, "NrKSeFN", "1")
    elements.append(dane)
    if correction.seller_changed:
        elements.append(_seller_before(correction.before.seller))
    if correction.buyer_changed:
        elements.append(_buyer_before(correction.before.buyer))
    index = fa.index(rodzaj) + 1
    for offset, element in enumerate(elements):
        fa.insert(index + offset, element)


def _rows(fa: etree._Element, correction: Correction) -> None:
    """Each row keeps its number on the corrected invoice; "before" rows get ``StanPrzed``; a removed
    line's "after" row shows quantity and value 0."""
    written = fa.findall(_NS + "FaWiersz")
    rows = correction.rows()
    if not rows:  # only the parties change: no rows (MF's example of a buyer-name correction)
        for wiersz in written:
            fa.remove(wiersz)
        return
    assert len(written) == len(rows)  # as_invoice() has one line per row
    for wiersz, row in zip(written, rows, strict=True):
        number = wiersz.find(_NS + "NrWierszaFa")
        assert number is not None
        number.text = str(row.number)
        if row.line.quantity == 0:
            for child in wiersz:
                name = _local(child)
                if name == "P_8B":
                    child.text = "0"
                elif name in ("P_11", "P_11A", "P_11Vat"):
                    child.text = _amount(row.line.quantity)
        if row.before:
            _sub(wiersz, "StanPrzed", "1")  # the last element of FaWiersz


def correction_element(correction: Correction, *, created_at: datetime | None = None) -> etree._Element:
    """The ``Faktura`` element of ``correction`` (not yet validated; see :func:`build_correction`)."""
    root = to_element(correction.as_invoice(), created_at=created_at)
    fa = root.find(_NS + "Fa")
    assert fa is not None
    _amounts(fa, correction)
    _correction_data(fa, correction)
    _rows(fa, correction)
    return root


def build_correction(correction: Correction, *, created_at: datetime | None = None) -> bytes:
    """FA(3) XML bytes of ``correction``, validated against the XSD; hash and send exactly these.

    Raises :class:`~ksef.errors.CorrectionNotReadyError` while the corrected invoice waits for its
    KSeF number (build again with :meth:`Correction.with_corrected_ksef_number`).
    """
    if not correction.ready:
        message = (f"Faktura {correction.corrected.number} nie ma jeszcze numeru KSeF. Korektę można wysłać "
                   "dopiero, gdy KSeF go nada.")
        raise CorrectionNotReadyError("corrected.ksef_number", message)
    root = correction_element(correction, created_at=created_at)
    xml = _DECLARATION + bytes(etree.tostring(root, encoding="UTF-8"))
    issues = schema_errors("fa3", xml)
    if issues:
        raise InvoiceSchemaError([str(issue) for issue in issues])
    return xml
