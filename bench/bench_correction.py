"""Benchmark of a correction's path next to an ordinary invoice's: state from the stored XML → edit →
build (XSD-validated) → PDF.

Prints JSON: median wall time per stage over ``--runs`` runs after ``--warmup`` unmeasured ones, and the
ratio of the correction's build + PDF to the ordinary invoice's build + PDF.

    .venv/bin/python bench/bench_correction.py [--runs 50] [--lines 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ksef import pdf
from ksef.fa3 import Buyer, Invoice, InvoiceLine, Seller, VatRate, build
from ksef.fa3.correction import CorrectedInvoice, build_correction, correction_from_edit, invoice_state
from ksef.identifiers import make_ksef_number


def _median_ms(run: Callable[[], object], runs: int, warmup: int) -> float:
    for _ in range(warmup):
        run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--lines", type=int, default=3)
    args = parser.parse_args(argv)

    seller = Seller("5265877635", "Zażółć Gęślą Jaźń Usługi IT", ("ul. Świętokrzyska 5", "90-001 Łódź"))
    buyer = Buyer("Klient Sp. z o.o.", nip="7352765225", address=("ul. Testowa 10", "30-001 Kraków"))
    invoice = Invoice(seller, buyer, "FV/1/02/2026", date(2026, 2, 2), tuple(
        InvoiceLine(f"Usługa – etap {i}", Decimal(10), Decimal("150.00"), VatRate.R23, "godz.")
        for i in range(1, args.lines + 1)))
    xml = build(invoice)
    ref = CorrectedInvoice(invoice.number, invoice.issue_date,
                           make_ksef_number(seller.nip, "20260202", "0100001AF629"))
    state = invoice_state(xml)
    edited = state.with_line(1, unit_price=Decimal("140.00"))

    def edit() -> Any:
        return correction_from_edit(state, edited, number="KOR/1/2026", issue_date=date(2026, 2, 10),
                                    corrected=ref, reason="Rabat")

    correction = edit()
    kor = build_correction(correction)
    stages = {
        "invoice_state": _median_ms(lambda: invoice_state(xml), args.runs, args.warmup),
        "correction_from_edit": _median_ms(edit, args.runs, args.warmup),
        "build_correction": _median_ms(lambda: build_correction(correction), args.runs, args.warmup),
        "correction_pdf": _median_ms(lambda: pdf.render_pdf(kor), args.runs, args.warmup),
        "invoice_build": _median_ms(lambda: build(invoice), args.runs, args.warmup),
        "invoice_pdf": _median_ms(lambda: pdf.render_pdf(xml), args.runs, args.warmup),
    }
    correction_path = sum(stages[k] for k in ("invoice_state", "correction_from_edit", "build_correction",
                                              "correction_pdf"))
    invoice_path = stages["invoice_build"] + stages["invoice_pdf"]
    print(json.dumps({
        "benchmark": "correction", "runs": args.runs, "lines": args.lines,
        "python": platform.python_version(), "median_ms": stages,
        "correction_path_ms": round(correction_path, 3), "invoice_path_ms": round(invoice_path, 3),
        "ratio_correction_to_invoice": round(correction_path / invoice_path, 3),
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
