"""The chat card: a valid PNG, 800 px wide, with the invoice's key facts and Polish letters."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import replace

import pytest
from PIL import Image, ImageChops, ImageDraw

from ksef import card
from tests.paths import SAMPLES_FA3
from tests.unit.test_pdf import KSEF_NUMBER, make_summary

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def open_png(data: bytes) -> Image.Image:
    assert data.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_card_is_an_800px_png_of_sensible_height() -> None:
    image = open_png(card.render_card(make_summary(3), ksef_number=KSEF_NUMBER))
    assert image.format == "PNG" and image.mode == "RGB"
    assert image.width == card.CARD_WIDTH == 800
    assert 350 <= image.height <= 900
    # Not a blank canvas: the header band and the text put several colours on it.
    colors = image.getcolors(maxcolors=1 << 16)
    assert colors is not None and len(colors) > 20


def test_ksef_number_and_amount_change_the_picture() -> None:
    summary = make_summary(1)
    with_number = open_png(card.render_card(summary, ksef_number=KSEF_NUMBER))
    without = open_png(card.render_card(summary))
    assert with_number.size == without.size
    assert ImageChops.difference(with_number, without).getbbox() is not None
    other_amount = open_png(card.render_card(replace(summary, gross_total=summary.gross_total + 1)))
    assert ImageChops.difference(without, other_amount).getbbox() is not None


def test_rendering_is_deterministic() -> None:
    summary = make_summary(2)
    assert card.render_card(summary) == card.render_card(summary)


def test_long_names_are_cut_to_two_lines() -> None:
    summary = make_summary(1)
    short = open_png(card.render_card(replace(summary, seller=replace(summary.seller, name="Jan"))))
    very_long = replace(summary, seller=replace(summary.seller, name="Przedsiębiorstwo Wielobranżowe " * 30))
    long_image = open_png(card.render_card(very_long))
    assert long_image.width == 800
    assert 0 < long_image.height - short.height < 60  # exactly one extra line, not thirty


def _glyph(text: str) -> bytes:
    image = Image.new("L", (48, 48), 0)
    ImageDraw.Draw(image).text((8, 4), text, font=card._font(24), fill=255)
    return image.tobytes()


@pytest.mark.parametrize("letter", list("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"))
def test_card_font_has_every_polish_letter(letter: str) -> None:
    """Each Polish letter draws its own glyph: not the missing-glyph box, not its base letter."""
    base = {"ł": "l", "Ł": "L"}.get(letter, unicodedata.normalize("NFD", letter)[0])
    drawn = _glyph(letter)
    assert any(drawn)
    assert drawn != _glyph("\U0010fffd")  # a code point no font covers: the missing-glyph box
    assert drawn != _glyph(base)


def test_card_from_an_official_sample() -> None:
    from ksef.fa3 import parse

    summary = parse((SAMPLES_FA3 / "cirfmf-pdfgen-invoice.xml").read_bytes())
    image = open_png(card.render_card(summary, ksef_number=KSEF_NUMBER))
    assert image.width == 800
