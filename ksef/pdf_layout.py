"""What the invoice printout (:mod:`ksef.pdf`) and a correction's printout (:mod:`ksef.pdf_correction`)
share: Polish number, money, date and rate formats, the document title, the fonts, paragraph styles,
page geometry and colours, and the block of one party.

Its own module so that both printouts build on it without importing each other.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from xml.sax.saxutils import escape

from babel.numbers import format_decimal
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph

from ksef import amounts, fonts
from ksef.fa3.summary import InvoiceSummary, LineSummary, PartySummary

# --------------------------------------------------------------------------- formatting (Polish)

CENT = Decimal("0.01")
# FA(3)'s widest decimal type has 22 digits (TIlosci, TCenaJednostkowa: totalDigits 22). A number beyond
# that (or NaN, Infinity) cannot come from a schema-valid invoice; it is printed as written, so a hostile
# or hand-built summary still renders instead of failing in the formatter (28-digit decimal context).
_MAX_INTEGER_DIGITS = 22


def unprintable(value: Decimal) -> str | None:
    """``value`` as written when it cannot be formatted as a Polish number, else None."""
    if not value.is_finite() or value.adjusted() >= _MAX_INTEGER_DIGITS:
        return str(value)
    return None


def format_amount(amount: Decimal) -> str:
    """``1234.5`` -> ``"1 234,50"`` (no-break spaces between thousands, comma, two decimals)."""
    if (raw := unprintable(amount)) is not None:
        return raw
    return str(format_decimal(amount.quantize(CENT, rounding=ROUND_HALF_UP), format="#,##0.00",
                              locale="pl_PL"))


def format_money(amount: Decimal, currency: str = "PLN") -> str:
    """``"1 234,50 zł"``: the project's money format (:func:`ksef.amounts.format_amount`)."""
    if (raw := unprintable(amount)) is not None:
        return f"{raw} {currency}"
    return amounts.format_amount(amount, currency)


def format_quantity(value: Decimal) -> str:
    """Quantities without trailing zeros: ``20.00`` -> ``"20"``, ``1.5`` -> ``"1,5"``."""
    if (raw := unprintable(value)) is not None:
        return raw
    return amounts.format_quantity(value)


def format_unit_price(value: Decimal) -> str:
    """Unit prices keep up to 8 decimals (FA(3) allows them) but show at least 2."""
    if (raw := unprintable(value)) is not None:
        return raw
    return str(format_decimal(value, format="#,##0.00######", locale="pl_PL"))


def format_date(day: date) -> str:
    """``2026-02-01`` -> ``"01.02.2026"`` (the usual Polish order)."""
    return day.strftime("%d.%m.%Y")


def format_rate(rate: str | None) -> str:
    """XSD ``P_12`` values for people: ``"23"`` -> ``"23%"``, ``"0 KR"`` -> ``"0% KR"``, ``"zw"`` stays."""
    if not rate:
        return ""
    head, _, tail = rate.strip().partition(" ")
    if head.replace(".", "", 1).isdigit():
        return f"{head}%" + (f" {tail}" if tail else "")
    return rate.strip()


_TITLES = {
    "VAT": "Faktura VAT",
    "KOR": "Faktura korygująca",
    "ZAL": "Faktura zaliczkowa",
    "ROZ": "Faktura rozliczeniowa",
    "UPR": "Faktura uproszczona",
    "KOR_ZAL": "Faktura korygująca fakturę zaliczkową",
    "KOR_ROZ": "Faktura korygująca fakturę rozliczeniową",
}


def document_title(summary: InvoiceSummary) -> str:
    """``Faktura VAT``; plain ``Faktura`` from a VAT-exempt seller (art. 113); or the kind of correction."""
    if summary.invoice_type == "VAT" and summary.exemption_basis and summary.vat_total == 0:
        return "Faktura"
    return _TITLES.get(summary.invoice_type, f"Faktura ({summary.invoice_type})")


# --------------------------------------------------------------------------- layout

FONT = "KsefSans"
FONT_BOLD = "KsefSans-Bold"
_font_lock = threading.Lock()
_fonts_ready = False


def register_fonts() -> None:
    """Register the shipped DejaVu fonts with reportlab once per process (parsing a TTF is slow)."""
    global _fonts_ready
    with _font_lock:
        if _fonts_ready:
            return
        pdfmetrics.registerFont(TTFont(FONT, str(fonts.REGULAR)))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(fonts.BOLD)))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT,
                                      boldItalic=FONT_BOLD)
        _fonts_ready = True


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    head: ParagraphStyle
    title: ParagraphStyle
    section: ParagraphStyle
    due: ParagraphStyle
    label: ParagraphStyle


def make_styles() -> Styles:
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11.5)
    return Styles(
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=7, leading=8.5,
                             textColor=colors.HexColor("#444444")),
        cell=ParagraphStyle("cell", parent=body, fontSize=8, leading=9.5),
        cell_right=ParagraphStyle("cell_right", parent=body, fontSize=8, leading=9.5, alignment=TA_RIGHT),
        head=ParagraphStyle("head", parent=body, fontName=FONT_BOLD, fontSize=7.5, leading=9),
        title=ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=18, leading=22),
        section=ParagraphStyle("section", parent=body, fontName=FONT_BOLD, fontSize=10, leading=13,
                               spaceBefore=4, spaceAfter=2),
        due=ParagraphStyle("due", parent=body, fontName=FONT_BOLD, fontSize=13, leading=17,
                           alignment=TA_RIGHT),
        label=ParagraphStyle("label", parent=body, fontName=FONT_BOLD, fontSize=8, leading=10,
                             alignment=TA_CENTER),
    )


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """``text`` as a paragraph, escaped (it is data, never markup)."""
    return Paragraph(escape(text), style)


MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN
GRID = colors.HexColor("#9a9a9a")
SHADE = colors.HexColor("#ececec")


def party_block(title: str, party: PartySummary, styles: Styles) -> list[Flowable]:
    rows: list[Flowable] = [para(title.upper(), styles.head)]
    rows.append(Paragraph(f"<b>{escape(party.name or '(brak nazwy)')}</b>", styles.body))
    if party.nip:
        rows.append(para(f"NIP: {party.nip}", styles.body))
    elif party.eu_vat:
        rows.append(para(f"NIP UE: {party.eu_code or ''}{party.eu_vat}", styles.body))
    elif party.other_id:
        rows.append(para(f"Identyfikator: {party.other_id}", styles.body))
    rows.extend(para(line, styles.body) for line in party.address_lines)
    if party.country and party.country.upper() != "PL":
        rows.append(para(f"Kraj: {party.country}", styles.body))
    if party.email:
        rows.append(para(f"E-mail: {party.email}", styles.body))
    if party.phone:
        rows.append(para(f"Tel.: {party.phone}", styles.body))
    return rows


def line_gross(line: LineSummary) -> Decimal | None:
    """Gross value of a line: as given, or net + VAT at a numeric rate (display only)."""
    if line.gross is not None:
        return line.gross
    if line.net is None or not line.vat_rate:
        return None
    head = line.vat_rate.split(" ")[0]
    try:
        rate = Decimal(head)
    except InvalidOperation:
        # zw, oo, np I/II: no Polish VAT on the line, the value is final.
        return line.net if head in {"zw", "oo", "np"} else None
    if unprintable(rate) is not None or unprintable(line.net) is not None or not 0 <= rate <= 100:
        return None  # not a VAT rate (P_12 is a code list): no gross computed from it
    return (line.net * (1 + rate / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
