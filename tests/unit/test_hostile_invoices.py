"""Supplier invoices anyone can address to our NIP: absurd numbers are refused by the parser (never
crash later), the printout and the card show what they cannot format, and a 10 000-line invoice is laid
out in work proportional to its length."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from decimal import Decimal

import pypdf
import pytest
from reportlab.platypus import tables

from ksef import card, pdf
from ksef.errors import InvoiceParseError
from ksef.fa3 import parse
from ksef.schemas import schema_errors
from tests.paths import SAMPLES_FA3
from tests.unit.test_pdf import make_summary

SAMPLE = (SAMPLES_FA3 / "authored-minimal-vat-23.xml").read_bytes().decode()
HOSTILE = ["1E5000", "-1E5000", "NaN", "Infinity", "1" + "0" * 400, "0." + "0" * 30 + "1", "12,50"]


def _with(field: str, value: str) -> bytes:
    return re.sub(rf"<{field}>[^<]*</{field}>", f"<{field}>{value}</{field}>", SAMPLE, count=1).encode()


def _with_lines(count: int) -> bytes:
    line = re.search(r"<FaWiersz>.*?</FaWiersz>", SAMPLE, flags=re.DOTALL)
    assert line is not None
    many = "".join(line.group(0).replace("<NrWierszaFa>1<", f"<NrWierszaFa>{n}<")
                   .replace("styczeń 2026", f"styczeń 2026, pozycja {n}") for n in range(1, count + 1))
    return SAMPLE.replace(line.group(0), many).encode()


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("field", ["P_15", "P_13_1", "P_11", "P_8B"])
def test_numbers_outside_xs_decimal_or_fa3_digits_are_refused_by_the_parser(field: str, value: str) -> None:
    xml = _with(field, value)
    assert schema_errors("fa3", xml)  # KSeF (and the simulator) would refuse such an invoice anyway
    with pytest.raises(InvoiceParseError) as refused:
        parse(xml)
    assert field in str(refused.value)


def test_the_widest_fa3_numbers_still_parse() -> None:
    widest = "1234567890123456.123456"  # TIlosci: 22 digits, 6 after the point
    assert parse(_with("P_8B", widest)).lines[0].quantity == Decimal(widest)
    assert parse(_with("P_15", "+0001230.00")).gross_total == Decimal("1230.00")


@pytest.mark.parametrize("value", ["1E5000", "NaN", "-Infinity", "1" + "0" * 400])
def test_printout_and_card_show_what_they_cannot_format(value: str) -> None:
    hostile = Decimal(value)
    summary = make_summary(1)
    line = replace(summary.lines[0], net=hostile, quantity=hostile, unit_net_price=hostile, vat_rate=value)
    summary = replace(summary, lines=(line,), gross_total=hostile, net_total=hostile,
                      totals=(replace(summary.totals[0], net=hostile, gross=hostile),))
    document = pdf.render_summary_pdf(summary, kod1=None)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(document)).pages)
    assert str(hostile)[:12] in text.replace("\n", "")
    assert card.render_card(summary).startswith(b"\x89PNG")


def test_a_long_invoice_is_laid_out_in_linear_work(monkeypatch: pytest.MonkeyPatch) -> None:
    # 2 000 lines keep the test short; bench/bench_pdf_lines.py times 10 000 (FA(3)'s maximum).
    xml = _with_lines(2_000)
    assert schema_errors("fa3", xml) == []
    summary = parse(xml)
    assert len(summary.lines) == 2_000
    assert card.render_card(summary).startswith(b"\x89PNG")  # the card shows totals, not lines
    # Work, not time: how many table rows reportlab measures. The paragraph table re-measured every
    # remaining row at each page break (140 rows per line at 2 000 lines, growing with the length).
    measured = 0
    calc_height = tables.Table._calc_height

    def counting(table: tables.Table, *args: object, **kwargs: object) -> object:
        nonlocal measured
        measured += table._nrows
        return calc_height(table, *args, **kwargs)

    monkeypatch.setattr(tables.Table, "_calc_height", counting)
    document = pdf.render_pdf(xml)
    assert measured < 5 * len(summary.lines)
    reader = pypdf.PdfReader(io.BytesIO(document))
    count = len(reader.pages)
    first, second, before_last = (reader.pages[i].extract_text().replace("\n", " ")
                                  for i in (0, 1, count - 2))
    assert count > 30 and "pozycja 1 " in first and "Razem" not in first
    assert "Nazwa towaru lub usługi" in second and "Nazwa towaru lub usługi" in before_last  # repeated
    last_two = before_last + reader.pages[count - 1].extract_text().replace("\n", " ")
    assert "pozycja 2000" in last_two and "Razem" in last_two and f"Strona {count} z {count}" in last_two
