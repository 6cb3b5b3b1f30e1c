"""Benchmark of the printout of long supplier invoices (FA(3) allows 10 000 lines).

Prints JSON per line count: median wall time of ``render_pdf`` over ``--runs`` runs, pages, time per
page, and the table rows reportlab measured per invoice line (work; was 140 per line at 2 000 lines
with the paragraph table, which re-measured every remaining row at each page break).

    .venv/bin/python bench/bench_pdf_lines.py [--runs 3] [--lines 200 1000 10000]
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pypdf
from reportlab.platypus import tables

from ksef import pdf
from ksef.fa3 import parse
from tests.paths import SAMPLES_FA3


def invoice(lines: int) -> bytes:
    """The authored 23% sample with ``lines`` numbered lines."""
    sample = (SAMPLES_FA3 / "authored-minimal-vat-23.xml").read_text()
    line = re.search(r"<FaWiersz>.*?</FaWiersz>", sample, flags=re.DOTALL)
    assert line is not None
    many = "".join(line.group(0).replace("<NrWierszaFa>1<", f"<NrWierszaFa>{n}<")
                   for n in range(1, lines + 1))
    return sample.replace(line.group(0), many).encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lines", type=int, nargs="+", default=[200, 1000, 10000])
    args = parser.parse_args(argv)
    pdf.render_pdf(invoice(1))  # fonts are registered once per process, as in the bot
    measured = 0
    calc_height = tables.Table._calc_height

    def counting(table: tables.Table, *rest: object, **kwargs: object) -> object:
        nonlocal measured
        measured += table._nrows
        return calc_height(table, *rest, **kwargs)

    tables.Table._calc_height = counting  # type: ignore[method-assign]
    results = []
    for count in args.lines:
        xml = invoice(count)
        start = time.perf_counter()
        parse(xml)
        parse_s = time.perf_counter() - start
        times = []
        for _ in range(args.runs):
            measured = 0
            start = time.perf_counter()
            document = pdf.render_pdf(xml)
            times.append(time.perf_counter() - start)
        pages = len(pypdf.PdfReader(io.BytesIO(document)).pages)
        median = statistics.median(times)
        results.append({"lines": count, "parse_s": round(parse_s, 3), "render_s_median": round(median, 3),
                        "pages": pages, "ms_per_page": round(median / pages * 1000, 2),
                        "rows_measured_per_line": round(measured / count, 2),
                        "compact_layout": count > pdf.COMPACT_LINES})
    print(json.dumps({"benchmark": "pdf_lines", "python": platform.python_version(), "results": results},
                     indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
