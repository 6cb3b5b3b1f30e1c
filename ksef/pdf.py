"""A4 PDF printout of an FA(3) invoice with the KSeF verification QR codes (docs/ksef.md#qr-codes).

``render_pdf(xml)`` parses the exact invoice bytes, builds KOD I (and KOD II for offline invoices)
from those same bytes and lays the invoice out; ``render_summary_pdf`` lays out an already parsed
:class:`~ksef.fa3.InvoiceSummary` with ready-made codes. Which codes appear:

- online invoice with a KSeF number: KOD I labelled with that number;
- no number yet (online waiting, or offline before sending): KOD I labelled ``OFFLINE``;
- offline modes: also KOD II labelled ``CERTYFIKAT``, with the seller's name and NIP beside it;
- total failure (awaria całkowita): no codes at all.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from babel.numbers import format_decimal
from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ksef import qr
from ksef.banking import format_account
from ksef.certs import KsefCertificate, PrivateKey
from ksef.environments import Environment
from ksef.errors import KsefValidationError
from ksef.fa3.parse import parse
from ksef.fa3.summary import DueTerm, InvoiceSummary, PaymentSummary
from ksef.identifiers import ksef_number_is_valid
from ksef.pdf_correction import correction_story
from ksef.pdf_layout import (
    FONT,
    FONT_BOLD,
    GRID,
    MARGIN,
    SHADE,
    WIDTH,
    Styles,
    document_title,
    format_amount,
    format_date,
    format_money,
    format_quantity,
    format_rate,
    format_unit_price,
    line_gross,
    make_styles,
    para,
    party_block,
    register_fonts,
)

__all__ = [
    "LABEL_CERTIFICATE",
    "LABEL_OFFLINE",
    "OfflineQr",
    "QrBlock",
    "annotation_texts",
    "format_due_term",
    "render_pdf",
    "render_summary_pdf",
    "verification_codes",
]

# Labels printed under the codes (docs/ksef.md#qr-codes).
LABEL_OFFLINE = qr.LABEL_OFFLINE
LABEL_CERTIFICATE = qr.LABEL_CERTIFICATE


@dataclass(frozen=True)
class QrBlock:
    """One verification code: the link it encodes and the label printed under it."""

    url: str
    label: str


@dataclass(frozen=True)
class OfflineQr:
    """What KOD II needs: the seller's **Offline** KSeF certificate (serial + private key).

    ``context_value`` defaults to the seller's NIP (a sole trader issues in their own NIP context).
    """

    certificate_serial: str
    private_key: PrivateKey
    context_type: str = "Nip"
    context_value: str | None = None

    @classmethod
    def from_certificate(cls, certificate: KsefCertificate, *, context_type: str = "Nip",
                         context_value: str | None = None) -> OfflineQr:
        """From a key pair loaded with :func:`ksef.certs.load_key_pair`."""
        return cls(certificate.serial_hex, certificate.private_key, context_type, context_value)


# --------------------------------------------------------------------------- QR codes

def verification_codes(xml: bytes, summary: InvoiceSummary, *, env: Environment | str = "test",
                       ksef_number: str | None = None, offline: OfflineQr | None = None,
                       total_failure: bool = False) -> tuple[QrBlock | None, QrBlock | None]:
    """KOD I and KOD II for the printout of ``xml`` (exact bytes): docs/ksef.md#qr-codes, #offline-modes.

    Returns ``(None, None)`` for a total failure, ``(kod1, None)`` online, ``(kod1, kod2)`` offline.
    """
    if total_failure:
        return None, None
    seller_nip = summary.seller.nip
    if not seller_nip:
        raise KsefValidationError("Faktura nie ma NIP sprzedawcy (Podmiot1), więc nie można utworzyć KOD I.")
    if ksef_number is not None and not ksef_number_is_valid(ksef_number):
        raise KsefValidationError(f"Nieprawidłowy numer KSeF: {ksef_number!r}.")
    kod1 = QrBlock(qr.kod1_url(env, seller_nip, summary.issue_date, xml), ksef_number or LABEL_OFFLINE)
    if offline is None:
        return kod1, None
    kod2_link = qr.kod2_url(
        env,
        context_type=offline.context_type,
        context_value=offline.context_value or seller_nip,
        seller_nip=seller_nip,
        certificate_serial=offline.certificate_serial,
        private_key=offline.private_key,
        xml=xml,
    )
    return kod1, QrBlock(kod2_link, LABEL_CERTIFICATE)


def render_pdf(xml: bytes, *, env: Environment | str = "test", ksef_number: str | None = None,
               offline: OfflineQr | None = None, total_failure: bool = False) -> bytes:
    """The A4 PDF printout of one FA(3) invoice (``xml`` = the exact bytes sent or to be sent to KSeF).

    ``ksef_number`` once KSeF has assigned one; ``offline`` for an invoice issued in an offline mode
    (adds KOD II); ``total_failure`` for an invoice issued during a total KSeF failure (no codes).
    Raises :class:`~ksef.errors.KsefValidationError` when the XML is not a readable FA(3) invoice.
    """
    summary = parse(xml)
    kod1, kod2 = verification_codes(xml, summary, env=env, ksef_number=ksef_number, offline=offline,
                                    total_failure=total_failure)
    return render_summary_pdf(summary, kod1=kod1, kod2=kod2, ksef_number=ksef_number)


# A printed QR code must stay readable by phones: at least 25 mm with its quiet zone (brief) and
# modules not smaller than ~0.4 mm, so dense KOD II links get a larger square.
_QR_MIN_SIZE = 30 * mm
_QR_MAX_SIZE = 55 * mm
_QR_MODULE = 0.42 * mm
_QR_BOX = 8  # pixels per module in the embedded image: crisp when printed, small file


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no type hints
    """Canvas that writes "Strona N z M" on every page once the page count is known."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, 7)
            self.setFillColor(colors.HexColor("#666666"))
            self.drawRightString(A4[0] - MARGIN, 9 * mm, f"Strona {self._pageNumber} z {total}")
            super().showPage()
        super().save()


def _header(summary: InvoiceSummary, ksef_number: str | None, styles: Styles) -> list[Flowable]:
    left: list[Flowable] = [
        para(document_title(summary), styles.title),
        Paragraph(f"nr <b>{escape(summary.number)}</b>", ParagraphStyle("no", parent=styles.body, fontSize=12,
                                                                         leading=15)),
    ]
    facts: list[tuple[str, str]] = [("Data wystawienia", format_date(summary.issue_date))]
    if summary.sale_date is not None:
        facts.append(("Data sprzedaży", format_date(summary.sale_date)))
    if summary.issue_place:
        facts.append(("Miejsce wystawienia", summary.issue_place))
    if summary.currency.upper() != "PLN":
        facts.append(("Waluta", summary.currency))
    facts += _case_facts(summary)
    left += [Paragraph(f"<b>{escape(text)}</b>", styles.body) for text in annotation_texts(summary)]
    right = Table([[para(k + ":", styles.small), para(v, styles.body)] for k, v in facts],
                  colWidths=[30 * mm, 42 * mm])
    right.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    table = Table([[left, right]], colWidths=[WIDTH - 72 * mm, 72 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    number_line = Paragraph(
        "Numer KSeF: " + (f"<b>{escape(ksef_number)}</b>" if ksef_number else "nie nadano"),
        ParagraphStyle("ksef_no", parent=styles.body, alignment=TA_RIGHT))
    return [table, Spacer(1, 2 * mm), number_line, Spacer(1, 4 * mm)]


def _case_facts(summary: InvoiceSummary) -> list[tuple[str, str]]:
    """Header facts of the sale period and the exchange rate with its NBP table (art. 31a)."""
    facts: list[tuple[str, str]] = []
    if summary.sale_period is not None:
        start, end = summary.sale_period
        facts.append(("Okres sprzedaży", f"{format_date(start)} – {format_date(end)}"))
    if summary.exchange_rate is not None:
        rate = format_decimal(summary.exchange_rate, format="#,##0.00####", locale="pl_PL")
        facts.append(("Kurs waluty", f"1 {summary.currency} = {rate} PLN"))
    if summary.exchange_rate_table is not None and summary.exchange_rate_date is not None:
        table_date = format_date(summary.exchange_rate_date)
        facts.append(("Tabela NBP", f"{summary.exchange_rate_table} z {table_date}"))
    return facts


def annotation_texts(summary: InvoiceSummary) -> list[str]:
    """The words the VAT act requires on the invoice for its annotations (art. 106e ust. 1 pkt 18, 18a)."""
    found = []
    if summary.split_payment:
        found.append("mechanizm podzielonej płatności")
    if summary.reverse_charge:
        found.append("odwrotne obciążenie")
    return found


def _parties(summary: InvoiceSummary, styles: Styles) -> list[Flowable]:
    table = Table([[party_block("Sprzedawca", summary.seller, styles),
                    party_block("Nabywca", summary.buyer, styles)]],
                  colWidths=[WIDTH / 2, WIDTH / 2])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BOX", (0, 0), (0, 0), 0.5, GRID), ("BOX", (1, 0), (1, 0), 0.5, GRID),
        ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))
    return [table, Spacer(1, 5 * mm)]


_LINE_COLUMNS = (
    ("Lp.", 8 * mm), ("Nazwa towaru lub usługi", 58 * mm), ("Ilość", 15 * mm), ("J.m.", 12 * mm),
    ("Cena jedn. netto", 22 * mm), ("Wartość netto", 23 * mm), ("Stawka VAT", 14 * mm),
    ("Wartość brutto", 28 * mm),
)


# Above this many lines the table is drawn plainly (text cells wrapped by width instead of paragraphs)
# and laid out page by page (_PagedTable): a 10 000-line supplier invoice took 17 s and 50 ms per page
# with the paragraph table, most of it in reportlab re-measuring the remaining rows at every page break.
# Measured in bench/bench_pdf_lines.py.
COMPACT_LINES = 200
_COMPACT_FONT_SIZE = 7.5
_COMPACT_LEADING = 9
_CELL_PADDING = (3, 3, 2, 3)  # left, right, top, bottom


class _PagedTable(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """A long table laid out one page at a time, its header row on every page.

    ``Table.split`` measures every remaining row at each page break, which is quadratic in the number of
    rows; here each page gets a table of only the rows that can fit (an upper bound from the smallest row
    height), which reportlab splits once.
    """

    _MIN_ROW_HEIGHT = _COMPACT_LEADING + _CELL_PADDING[2] + _CELL_PADDING[3]

    def __init__(self, header: list[str], rows: list[list[str]], widths: list[float],
                 style: TableStyle) -> None:
        super().__init__()
        self._header, self._rows, self._widths, self._style = header, rows, widths, style
        self._whole: Table | None = None

    def _table(self, count: int) -> Table:
        table = Table([self._header, *self._rows[:count]], colWidths=self._widths, repeatRows=1)
        table.setStyle(self._style)
        return table

    def _fits(self, height: float) -> int:
        return int(height // self._MIN_ROW_HEIGHT) + 1

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        if len(self._rows) < self._fits(available_height):  # the rest may fit: measure it for real
            self._whole = self._table(len(self._rows))
            width, height = self._whole.wrap(available_width, available_height)
            return width, height
        self._whole = None
        return available_width, available_height + 1  # more than the frame: it asks for a split

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        count = min(len(self._rows), self._fits(available_height))
        parts = self._table(count).split(available_width, available_height)
        if not parts:
            return []  # not even the header and one row: the next page
        # Table._nrows (header included) is how many rows reportlab put on this page.
        used = count if len(parts) == 1 else parts[0]._nrows - 1
        rest = _PagedTable(self._header, self._rows[used:], self._widths, self._style)
        return [parts[0], rest] if self._rows[used:] else [parts[0]]

    def draw(self) -> None:
        assert self._whole is not None
        self._whole.drawOn(self.canv, 0, 0)


def _compact_lines(summary: InvoiceSummary) -> list[Flowable]:
    """The lines table of a very long invoice: plain text cells, paged (see :data:`COMPACT_LINES`)."""
    name_width = _LINE_COLUMNS[1][1] - _CELL_PADDING[0] - _CELL_PADDING[1]
    rows: list[list[str]] = []
    for line in summary.lines:
        if line.unit_net_price is not None:
            price = format_unit_price(line.unit_net_price)
        elif line.unit_gross_price is not None:
            price = f"{format_unit_price(line.unit_gross_price)} (brutto)"
        else:
            price = ""
        name = " ".join((line.name or "").split())
        rows.append([
            str(line.number), "\n".join(simpleSplit(name, FONT, _COMPACT_FONT_SIZE, name_width)),
            format_quantity(line.quantity) if line.quantity is not None else "", line.unit or "", price,
            format_amount(line.net) if line.net is not None else "", format_rate(line.vat_rate),
            format_amount(gross) if (gross := line_gross(line)) is not None else "",
        ])
    left, right, top, bottom = _CELL_PADDING
    style = TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, _COMPACT_FONT_SIZE, _COMPACT_LEADING),
        ("FONT", (0, 0), (-1, 0), FONT_BOLD, 6.5, _COMPACT_LEADING),
        ("ALIGN", (2, 0), (2, -1), "RIGHT"), ("ALIGN", (4, 0), (-1, -1), "RIGHT"),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), left), ("RIGHTPADDING", (0, 0), (-1, -1), right),
        ("TOPPADDING", (0, 0), (-1, -1), top), ("BOTTOMPADDING", (0, 0), (-1, -1), bottom),
    ])
    # Two-line headings: plain text cells do not wrap, and the narrow columns' names would overflow.
    header = ["Lp.", "Nazwa towaru lub usługi", "Ilość", "J.m.", "Cena jedn.\nnetto", "Wartość\nnetto",
              "Stawka\nVAT", "Wartość\nbrutto"]
    return [_PagedTable(header, rows, [width for _name, width in _LINE_COLUMNS], style), Spacer(1, 4 * mm)]


def _lines(summary: InvoiceSummary, styles: Styles) -> list[Flowable]:
    if len(summary.lines) > COMPACT_LINES:
        return _compact_lines(summary)

    def money(value: Decimal | None) -> Paragraph:
        return para(format_amount(value) if value is not None else "", styles.cell_right)

    head_right = ParagraphStyle("head_right", parent=styles.head, alignment=TA_RIGHT)
    rows: list[list[Flowable]] = [[
        para(name, head_right if index >= 4 or index == 2 else styles.head)
        for index, (name, _width) in enumerate(_LINE_COLUMNS)
    ]]
    for line in summary.lines:
        if line.unit_net_price is not None:
            price = format_unit_price(line.unit_net_price)
        elif line.unit_gross_price is not None:
            price = f"{format_unit_price(line.unit_gross_price)} (brutto)"
        else:
            price = ""
        rows.append([
            para(str(line.number), styles.cell),
            para(" ".join((line.name or "").split()), styles.cell),
            para(format_quantity(line.quantity) if line.quantity is not None else "", styles.cell_right),
            para(line.unit or "", styles.cell),
            para(price, styles.cell_right),
            money(line.net),
            para(format_rate(line.vat_rate), styles.cell_right),
            money(line_gross(line)),
        ])
    table = Table(rows, colWidths=[width for _name, width in _LINE_COLUMNS], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return [table, Spacer(1, 4 * mm)]


def _totals(summary: InvoiceSummary, styles: Styles) -> list[Flowable]:
    head_right = ParagraphStyle("head_right", parent=styles.head, alignment=TA_RIGHT)
    bold_right = ParagraphStyle("bold_right", parent=styles.cell_right, fontName=FONT_BOLD)
    rows: list[list[Flowable]] = [[para("Stawka VAT", styles.head), para("Wartość netto", head_right),
                                   para("Kwota VAT", head_right), para("Wartość brutto", head_right)]]
    for total in summary.totals:
        rows.append([para(total.label or format_rate(total.rate), styles.cell),
                     para(format_amount(total.net), styles.cell_right),
                     para(format_amount(total.vat), styles.cell_right),
                     para(format_amount(total.gross), styles.cell_right)])
    rows.append([para("Razem", ParagraphStyle("bold", parent=styles.cell, fontName=FONT_BOLD)),
                 para(format_amount(summary.net_total), bold_right),
                 para(format_amount(summary.vat_total), bold_right),
                 para(format_amount(summary.gross_total), bold_right)])
    table = Table(rows, colWidths=[46 * mm, 26 * mm, 26 * mm, 28 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE), ("BACKGROUND", (0, -1), (-1, -1), SHADE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    paid = summary.payment is not None and summary.payment.paid
    due_label = "Zapłacono: " if paid else "Do zapłaty: "
    due_text = due_label + format_money(summary.gross_total, summary.currency)
    block: list[Flowable] = [table, *_vat_in_pln(summary, styles), Spacer(1, 3 * mm),
                             para(due_text, styles.due)]
    return [KeepTogether(block), Spacer(1, 4 * mm)]


def _vat_in_pln(summary: InvoiceSummary, styles: Styles) -> list[Flowable]:
    """The VAT of a foreign-currency invoice converted to złoty (P_14_xW), one line per rate."""
    converted = [t for t in summary.totals if t.vat_pln is not None]
    if not converted:
        return []
    right = ParagraphStyle("pln", parent=styles.body, alignment=TA_RIGHT)
    parts = [f"{escape(t.label or format_rate(t.rate))}: {escape(format_money(t.vat_pln or Decimal(0)))}"
             for t in converted]
    total = sum((t.vat_pln or Decimal(0) for t in converted), Decimal(0))
    text = "Kwota VAT w złotych – " + "; ".join(parts)
    if len(converted) > 1:
        text += f"; razem {escape(format_money(total))}"
    return [Spacer(1, 2 * mm), Paragraph(text, right)]


def _payment(payment: PaymentSummary | None, styles: Styles) -> list[Flowable]:
    if payment is None:
        return []
    facts: list[str] = []
    if payment.method_label or payment.method:
        facts.append(f"Forma płatności: <b>{escape(payment.method_label or payment.method or '')}</b>")
    if payment.due_dates or payment.due_terms:
        terms = ", ".join(format_due_term(t) for t in payment.due_terms)
        dates = ", ".join(format_date(d) for d in payment.due_dates)
        text = f"{dates} ({terms})" if dates and terms else dates or terms
        facts.append(f"Termin płatności: <b>{escape(text)}</b>")
    if payment.paid:
        when = f" ({format_date(payment.paid_date)})" if payment.paid_date else ""
        facts.append(f"Zapłacono{when}")
    label = "Rachunek bankowy" if len(payment.bank_accounts) == 1 else "Rachunki bankowe"
    if payment.bank_accounts:
        facts.append(f"{label}: <b>" + "<br/>".join(escape(format_account(a)) for a in payment.bank_accounts)
                     + "</b>")
    if not facts:
        return []
    return [KeepTogether([para("Płatność", styles.section), *(Paragraph(f, styles.body) for f in facts)]),
            Spacer(1, 3 * mm)]


_BASIS_LABELS = {
    "P_19A": "Podstawa zwolnienia z VAT",
    "P_19B": "Podstawa zwolnienia z VAT (przepis dyrektywy 2006/112/WE)",
    "P_19C": "Podstawa zwolnienia z VAT (inna podstawa prawna)",
}
_DUE_EVENTS = {"wystawienie faktury": "od wystawienia faktury", "doręczenie faktury": "od doręczenia faktury"}


def format_due_term(term: DueTerm) -> str:
    """``14 dni od wystawienia faktury``; an event we do not know is quoted after "licząc od"."""
    event = _DUE_EVENTS.get(term.event.strip().lower(), f"licząc od: {term.event}")
    return f"{term.count} {term.unit} {event}"


def _remarks(summary: InvoiceSummary, styles: Styles) -> list[Flowable]:
    parts: list[Flowable] = []
    if summary.exemption_basis:
        label = _BASIS_LABELS.get(summary.exemption_basis_kind or "", _BASIS_LABELS["P_19A"])
        parts.append(Paragraph(f"{label}: <b>" + escape(summary.exemption_basis) + "</b>", styles.body))
    if summary.notes:
        parts.append(para("Uwagi", styles.section))
        parts.extend(para(note, styles.body) for note in summary.notes)
    return [*parts, Spacer(1, 4 * mm)] if parts else []


class _QrImage(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """A QR code drawn from its grayscale image. Embedding the image directly, rather than a PNG that
    reportlab would decode and convert to RGB, halves the cost of the codes in a printout."""

    def __init__(self, image: PILImage.Image, size: float) -> None:
        super().__init__()
        self.image, self.size, self.hAlign = image, size, "CENTER"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        self.canv.drawImage(ImageReader(self.image), 0, 0, self.size, self.size)


def _qr_cell(block: QrBlock, styles: Styles) -> tuple[list[Flowable], float]:
    """The code with its label centred under it, and the width the pair needs."""
    picture, modules = qr.bare_qr_image(block.url, box_size=_QR_BOX)
    size = min(max(modules * _QR_MODULE, _QR_MIN_SIZE), _QR_MAX_SIZE)
    image = _QrImage(picture, size)
    # A 35-character KSeF number is wider than the code: the cell widens so it stays on one line.
    label_style = styles.label if len(block.label) <= 12 else ParagraphStyle(
        "label_small", parent=styles.label, fontSize=7, leading=9)
    label_width = pdfmetrics.stringWidth(block.label, label_style.fontName, label_style.fontSize)
    return [image, para(block.label, label_style)], max(size, label_width + 2 * mm)


def _codes(summary: InvoiceSummary, kod1: QrBlock | None, kod2: QrBlock | None,
           styles: Styles) -> list[Flowable]:
    if kod1 is None and kod2 is None:
        return []
    rows: list[list[Any]] = []
    widths: list[float] = []
    if kod1 is not None:
        cell, width = _qr_cell(kod1, styles)
        intro = "KOD I – sprawdź fakturę w KSeF: zeskanuj kod lub otwórz link:"
        rows.append([cell, [para(intro, styles.small), para(kod1.url, styles.small)]])
        widths.append(width)
    if kod2 is not None:
        cell, width = _qr_cell(kod2, styles)
        seller = summary.seller
        # KOD II only proves the certificate; the seller's data printed beside it lets the reader
        # compare it with what the verification page shows.
        rows.append([cell, [
            para("KOD II – certyfikat KSeF wystawcy faktury offline:", styles.small),
            Paragraph(f"<b>{escape(seller.name or '')}</b>", styles.body),
            para(f"NIP: {seller.nip or ''}", styles.body),
            *(para(line, styles.body) for line in seller.address_lines),
        ]])
        widths.append(width)
    first = max(widths) + 6 * mm
    table = Table(rows, colWidths=[first, WIDTH - first], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (0, -1), "CENTER"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    heading = "Kody weryfikacyjne KSeF"
    if kod2 is not None:
        heading += " – faktura wystawiona w trybie offline"
    return [KeepTogether([para(heading, styles.section), table])]


def render_summary_pdf(summary: InvoiceSummary, *, kod1: QrBlock | None, kod2: QrBlock | None = None,
                       ksef_number: str | None = None) -> bytes:
    """Lay out a parsed invoice on A4 with the given codes (``None`` = not printed).

    Output is byte-for-byte deterministic for the same input (reportlab's invariant mode).
    """
    register_fonts()
    styles = make_styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=16 * mm, invariant=1,
        title=f"{document_title(summary)} {summary.number}", author=summary.seller.name or "",
        subject=f"Faktura {summary.number}", creator="ksef-bot", producer="ksef-bot (reportlab)",
    )
    story: list[Flowable] = []
    story += _header(summary, ksef_number, styles)
    story += _parties(summary, styles)
    if summary.correction is not None:
        # a correction shows before, after and the difference instead (ksef/pdf_correction.py)
        story += correction_story(summary, styles)
    else:
        story += _lines(summary, styles)
        story += _totals(summary, styles)
    story += _payment(summary.payment, styles)
    story += _remarks(summary, styles)
    story += _codes(summary, kod1, kod2, styles)

    footer = f"{document_title(summary)} nr {summary.number}"
    # Leave room for "Strona N z M" on the right; an absurdly long number is cut, not overprinted.
    while len(footer) > 1 and pdfmetrics.stringWidth(footer, FONT, 7) > WIDTH - 30 * mm:
        footer = footer[:-2] + "…"

    def on_page(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(MARGIN, 9 * mm, footer)
        canvas.restoreState()

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
