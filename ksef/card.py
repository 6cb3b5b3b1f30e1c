"""A compact PNG "card" of an invoice for the chat: who, what number, when, how much, KSeF number.

Pillow draws it with the shipped DejaVu fonts (Polish letters), 800 px wide, as tall as the content.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from ksef import fonts
from ksef.fa3.summary import InvoiceSummary
from ksef.pdf_layout import document_title, format_date, format_money

__all__ = ["CARD_WIDTH", "render_card"]

CARD_WIDTH = 800
_PAD = 32
_BAND = (23, 55, 94)
_INK = (25, 25, 25)
_MUTED = (105, 105, 105)
_PAPER = (255, 255, 255)
_RULE = (220, 220, 220)
_ACCENT_BG = (238, 243, 250)


@lru_cache(maxsize=16)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(fonts.BOLD if bold else fonts.REGULAR), size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int = 2) -> list[str]:
    """Greedy word wrap to ``width`` pixels; the last kept line ends with an ellipsis if cut."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if font.getlength(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    # A single word longer than the card (e.g. a long number) is cut the same way.
    return [_fit(line, font, width) for line in lines] or [""]


def _fit(line: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    if font.getlength(line) <= width:
        return line
    while line and font.getlength(line + "…") > width:
        line = line[:-1]
    return line + "…"


def _line_height(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return int((ascent + descent) * 1.15)


def render_card(summary: InvoiceSummary, *, ksef_number: str | None = None) -> bytes:
    """PNG bytes of the chat card for ``summary`` (``ksef_number`` once KSeF has assigned one)."""
    inner = CARD_WIDTH - 2 * _PAD
    title_font, label_font, text_font = _font(30, True), _font(19), _font(24)
    bold_font, amount_font = _font(24, True), _font(40, True)

    # (font, colour, text, gap above) rows laid out top to bottom; heights follow from the fonts.
    rows: list[tuple[ImageFont.FreeTypeFont, tuple[int, int, int], str, int]] = []

    def add(font: ImageFont.FreeTypeFont, color: tuple[int, int, int], text: str, gap: int = 6,
            max_lines: int = 2) -> None:
        for line in _wrap(text, font, inner, max_lines):
            rows.append((font, color, line, gap))
            gap = 2

    seller = summary.seller
    add(label_font, _MUTED, "Sprzedawca", gap=0)
    add(bold_font, _INK, seller.name or "(brak nazwy)")
    if seller.nip:
        add(text_font, _INK, f"NIP {seller.nip}", gap=2)
    add(label_font, _MUTED, "Nabywca", gap=18)
    buyer_id = f" (NIP {summary.buyer.nip})" if summary.buyer.nip else ""
    add(text_font, _INK, (summary.buyer.name or "(brak nazwy)") + buyer_id)
    dates = f"Wystawiona {format_date(summary.issue_date)}"
    if summary.sale_date is not None and summary.sale_date != summary.issue_date:
        dates += f" · sprzedaż {format_date(summary.sale_date)}"
    add(text_font, _INK, dates, gap=18)

    payment = summary.payment
    paid = payment is not None and payment.paid
    due_line = "Zapłacono" if paid else "Do zapłaty"
    if payment is not None and payment.due_dates and not paid:
        due_line += f" do {format_date(min(payment.due_dates))}"

    body_height = sum(_line_height(font) + gap for font, _c, _t, gap in rows)
    band_height = 76
    amount_box = 116
    footer = 100
    height = band_height + _PAD + body_height + 20 + amount_box + 16 + footer

    image = Image.new("RGB", (CARD_WIDTH, height), _PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, CARD_WIDTH, band_height), fill=_BAND)
    heading = _fit(f"{document_title(summary)} nr {summary.number}", title_font, inner)
    draw.text((_PAD, band_height // 2), heading, font=title_font, fill=_PAPER, anchor="lm")

    y = band_height + _PAD
    for font, color, text, gap in rows:
        y += gap
        draw.text((_PAD, y), text, font=font, fill=color)
        y += _line_height(font)

    y += 20
    draw.rounded_rectangle((_PAD, y, CARD_WIDTH - _PAD, y + amount_box), radius=14, fill=_ACCENT_BG)
    draw.text((_PAD + 20, y + 18), due_line, font=label_font, fill=_MUTED)
    amount = _fit(format_money(summary.gross_total, summary.currency), amount_font, inner - 40)
    draw.text((_PAD + 20, y + 46), amount, font=amount_font, fill=_INK)
    y += amount_box + 16

    draw.line((_PAD, y, CARD_WIDTH - _PAD, y), fill=_RULE, width=2)
    draw.text((_PAD, y + 12), "Numer KSeF", font=label_font, fill=_MUTED)
    number_text = ksef_number or "jeszcze nie nadany"
    draw.text((_PAD, y + 36), _fit(number_text, text_font, inner), font=text_font,
              fill=_INK if ksef_number else _MUTED)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)  # optimize=True costs ~10x the time for ~10 % less
    return buffer.getvalue()
