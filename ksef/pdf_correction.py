"""The body of a correction's printout: what it corrects, the positions before, after and the difference,
and the totals of the difference (the amounts of a correction are differences, FA(3) XSD on ``P_15``).

:func:`ksef.pdf.render_summary_pdf` lays out the header, the parties, the payment, the remarks and the
QR codes of a correction as of any invoice, and this module's :func:`correction_story` in place of
the lines and totals.
"""

from __future__ import annotations

from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from ksef.fa3.summary import CorrectionSummary, InvoiceSummary, LineChangeSummary, LineSummary
from ksef.pdf_layout import (
    FONT_BOLD,
    GRID,
    SHADE,
    WIDTH,
    Styles,
    format_amount,
    format_date,
    format_money,
    format_quantity,
    format_rate,
    format_unit_price,
    line_gross,
    para,
    party_block,
)

_LIGHT = colors.HexColor("#f6f6f6")
_COLUMNS = (
    ("Lp.", 8 * mm), ("Stan", 23 * mm), ("Nazwa towaru lub usługi", 40 * mm), ("Ilość", 15 * mm),
    ("J.m.", 11 * mm), ("Cena jedn.", 21 * mm), ("Wartość netto", 22 * mm), ("Stawka VAT", 14 * mm),
    ("Wartość brutto", 26 * mm),
)
_RIGHT_COLUMNS = {3, 5, 6, 7, 8}


def _reference(correction: CorrectionSummary, styles: Styles) -> list[Flowable]:
    facts: list[tuple[str, str]] = []
    for corrected in correction.corrected:
        issued = f" z dnia {format_date(corrected.issue_date)}" if corrected.issue_date else ""
        facts.append(("Faktura korygowana", f"nr {corrected.number or '(brak numeru)'}{issued}"))
        if corrected.ksef_number:
            facts.append(("Numer KSeF faktury korygowanej", corrected.ksef_number))
        elif corrected.outside_ksef:
            facts.append(("Numer KSeF faktury korygowanej", "brak – faktura wystawiona poza KSeF"))
    if correction.corrected_number:
        facts.append(("Poprawny numer faktury korygowanej", correction.corrected_number))
    if correction.reason:
        facts.append(("Przyczyna korekty", correction.reason))
    if correction.type_label:
        facts.append(("Skutek korekty w ewidencji VAT", correction.type_label))
    if correction.period:
        facts.append(("Okres, którego dotyczy korekta", correction.period))
    bold = ParagraphStyle("fact", parent=styles.body, fontName=FONT_BOLD)
    table = Table([[para(label + ":", styles.small), para(value, bold)] for label, value in facts],
                  colWidths=[52 * mm, WIDTH - 52 * mm])
    table.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 0.5, GRID), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 5), ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return [KeepTogether([para("Dotyczy faktury", styles.section), table]), Spacer(1, 4 * mm)]


def _parties_before(correction: CorrectionSummary, styles: Styles) -> list[Flowable]:
    candidates = (("Sprzedawca na fakturze korygowanej", correction.seller_before),
                  ("Nabywca na fakturze korygowanej", correction.buyer_before))
    blocks = [(title, party) for title, party in candidates if party is not None]
    if not blocks:
        return []
    cells = [party_block(title, party, styles) for title, party in blocks]
    table = Table([cells], colWidths=[WIDTH / 2] * len(cells), hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOX", (0, 0), (-1, -1), 0.5, GRID),
        ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))
    heading = para("Dane sprzed korekty", styles.section)
    return [KeepTogether([heading, table]), Spacer(1, 4 * mm)]


def _price(line: LineSummary) -> str:
    if line.unit_net_price is not None:
        return format_unit_price(line.unit_net_price)
    if line.unit_gross_price is not None:
        return f"{format_unit_price(line.unit_gross_price)} (brutto)"
    return ""


def _money(value: Decimal | None) -> str:
    return format_amount(value) if value is not None else ""


def _difference(before: Decimal | None, after: Decimal | None, *, known: tuple[bool, bool]) -> Decimal | None:
    """After − before where each present row gave a value (a missing row counts as 0)."""
    has_before, has_after = known
    if (has_before and before is None) or (has_after and after is None):
        return None
    return (after or Decimal(0)) - (before or Decimal(0))


def _change_rows(change: LineChangeSummary) -> list[tuple[str, list[str]]]:
    """(kind, cells after Lp.) for the rows of one position: before, after, difference."""
    rows: list[tuple[str, list[str]]] = []
    sides = (("before", "przed korektą", change.before), ("after", "po korekcie", change.after))
    for kind, label, line in sides:
        if line is None:
            continue
        rows.append((kind, [label, " ".join((line.name or "").split()),
                            format_quantity(line.quantity) if line.quantity is not None else "",
                            line.unit or "", _price(line), _money(line.net), format_rate(line.vat_rate),
                            _money(line_gross(line))]))
    known = (change.before is not None, change.after is not None)
    net = change.net_difference
    gross = _difference(line_gross(change.before) if change.before else None,
                        line_gross(change.after) if change.after else None, known=known)
    quantity = change.quantity_difference
    rates = {line.vat_rate for line in (change.before, change.after) if line is not None}
    rows.append(("difference", ["różnica", "", format_quantity(quantity) if quantity is not None else "", "",
                                "", _money(net), format_rate(rates.pop()) if len(rates) == 1 else "",
                                _money(gross)]))
    return rows


def _changes(correction: CorrectionSummary, styles: Styles) -> list[Flowable]:
    if not correction.changes:
        return [para("Korekta nie zmienia pozycji faktury.", styles.body), Spacer(1, 4 * mm)]
    head_right = ParagraphStyle("head_right", parent=styles.head, alignment=TA_RIGHT)
    bold = ParagraphStyle("cell_bold", parent=styles.cell, fontName=FONT_BOLD)
    bold_right = ParagraphStyle("cell_bold_right", parent=styles.cell_right, fontName=FONT_BOLD)
    table_rows: list[list[Flowable | str]] = [[
        para(name, head_right if index in _RIGHT_COLUMNS else styles.head)
        for index, (name, _width) in enumerate(_COLUMNS)]]
    commands: list[tuple[object, ...]] = []
    for change in correction.changes:
        rows = _change_rows(change)
        first = len(table_rows)
        for kind, cells in rows:
            strong = kind == "difference"
            row: list[Flowable | str] = [para(str(change.number), styles.cell) if kind == rows[0][0] else ""]
            for index, text in enumerate(cells, start=1):
                right = index in _RIGHT_COLUMNS
                plain = styles.cell_right if right else styles.cell
                style = (bold_right if right else bold) if strong else plain
                row.append(para(text, style))
            table_rows.append(row)
        last = len(table_rows) - 1
        # the spanned number also keeps a position's rows on one page (reportlab splits no span)
        commands += [("SPAN", (0, first), (0, last)), ("BACKGROUND", (1, last), (-1, last), _LIGHT),
                     ("LINEABOVE", (0, first), (-1, first), 0.9, colors.black)]
    table = Table(table_rows, colWidths=[width for _name, width in _COLUMNS], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, GRID), ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        *commands,
    ]))
    return [para("Pozycje przed korektą, po korekcie i różnica", styles.section), table, Spacer(1, 4 * mm)]


def _difference_totals(summary: InvoiceSummary, styles: Styles) -> list[Flowable]:
    head_right = ParagraphStyle("head_right", parent=styles.head, alignment=TA_RIGHT)
    bold_right = ParagraphStyle("bold_right", parent=styles.cell_right, fontName=FONT_BOLD)
    rows: list[list[Flowable]] = [[para("Stawka VAT", styles.head), para("Różnica netto", head_right),
                                   para("Różnica VAT", head_right), para("Różnica brutto", head_right)]]
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
    amount = summary.gross_total
    if amount < 0:
        due = "Do zwrotu: " + format_money(-amount, summary.currency)
    elif amount > 0:
        due = "Do zapłaty: " + format_money(amount, summary.currency)
    else:
        due = "Kwota korekty: " + format_money(amount, summary.currency)
    heading = para("Kwoty korekty (różnica po korekcie i przed korektą)", styles.section)
    return [KeepTogether([heading, table, Spacer(1, 3 * mm), para(due, styles.due)]), Spacer(1, 4 * mm)]


def correction_story(summary: InvoiceSummary, styles: Styles) -> list[Flowable]:
    """The flowables of a correction between the parties and the payment (``summary.correction`` set)."""
    correction = summary.correction
    assert correction is not None
    return [*_reference(correction, styles), *_parties_before(correction, styles),
            *_changes(correction, styles), *_difference_totals(summary, styles)]

