"""What the user receives for an issued invoice: the PDF and the XML (:class:`Printout`), and the QR code
picture with the links the codes carry (:class:`Codes`: KOD I, or KOD I + KOD II side by side)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.services.issuing.records import ONLINE
from ksef import qr
from ksef.environments import Environment
from ksef.fa3 import parse
from ksef.offline import OfflineMode
from ksef.pdf import LABEL_CERTIFICATE, LABEL_OFFLINE, QrBlock, render_summary_pdf, verification_codes


@dataclass(frozen=True)
class Printout:
    """The documents of one issued invoice."""

    pdf: bytes
    kod1_png: bytes | None  # None: issued during a total failure (no codes printed)
    kod1_url: str | None
    xml: bytes
    file_stem: str
    kod2_png: bytes | None = None
    kod2_url: str | None = None
    seller_nip: str = ""


@dataclass(frozen=True)
class Codes:
    """The QR code picture of an issued invoice (KOD I; offline: KOD I and KOD II in one picture) and the
    links the codes carry."""

    png: bytes
    kod1_url: str
    kod2_url: str | None = None


def make_codes(xml: bytes, *, mode: str, ksef_number: str | None, kod2_url: str | None,
               env: Environment) -> Codes | None:
    """The codes of an invoice; None when none are printed (issued during a total failure)."""
    if mode == OfflineMode.TOTAL_FAILURE.value:
        return None
    summary = parse(xml)
    if mode == ONLINE:
        kod1, _ = verification_codes(xml, summary, env=env, ksef_number=ksef_number)
        assert kod1 is not None  # an online invoice always has its KOD I
        return Codes(qr.qr_png(kod1.url, kod1.label), kod1.url)
    url = qr.kod1_url(env, summary.seller.nip or "", summary.issue_date, xml)
    if kod2_url is None:
        return Codes(qr.qr_png(url, LABEL_OFFLINE), url)
    return Codes(qr.qr_pair_png((url, LABEL_OFFLINE), (kod2_url, LABEL_CERTIFICATE)), url, kod2_url)


def make_printout(xml: bytes, *, number: str, mode: str, ksef_number: str | None, kod2_url: str | None,
                  env: Environment) -> Printout:
    """PDF + KOD I image (labelled with the KSeF number, or OFFLINE) + XML; KOD II for offline ones."""
    summary = parse(xml)
    stem = re.sub(r"[^\w.-]+", "_", number)
    if mode == OfflineMode.TOTAL_FAILURE.value:
        return Printout(render_summary_pdf(summary, kod1=None), None, None, xml, stem,
                        seller_nip=summary.seller.nip or "")
    if mode == ONLINE:
        kod1, _ = verification_codes(xml, summary, env=env, ksef_number=ksef_number)
        assert kod1 is not None  # an online invoice always has its KOD I
        pdf = render_summary_pdf(summary, kod1=kod1, ksef_number=ksef_number)
        return Printout(pdf, qr.qr_png(kod1.url, kod1.label), kod1.url, xml, stem,
                        seller_nip=summary.seller.nip or "")
    kod1 = QrBlock(qr.kod1_url(env, summary.seller.nip or "", summary.issue_date, xml), LABEL_OFFLINE)
    kod2 = QrBlock(kod2_url, LABEL_CERTIFICATE) if kod2_url else None
    pdf = render_summary_pdf(summary, kod1=kod1, kod2=kod2)
    return Printout(pdf, qr.qr_png(kod1.url, kod1.label), kod1.url, xml, stem,
                    qr.qr_png(kod2_url, LABEL_CERTIFICATE) if kod2_url else None, kod2_url,
                    seller_nip=summary.seller.nip or "")
