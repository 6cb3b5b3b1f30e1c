"""Benchmark of one invoice's printout path: build → validate → hash → parse + QR links → PDF (→ card).

Prints JSON: median and p95 of wall time and CPU time per stage and for the whole path, over
``--runs`` runs after ``--warmup`` unmeasured ones (fonts are loaded once per process, as in the bot).

    .venv/bin/python bench/bench_printout.py [--runs 50] [--lines 3] [--offline] [--card]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric import ec

from ksef import crypto, pdf
from ksef.fa3 import build, invoice_from_dict, parse
from ksef.schemas import schema_errors


def invoice_dict(lines: int) -> dict[str, Any]:
    """A domestic 23% invoice of a sole trader with ``lines`` lines."""
    return {
        "number": "FV/1/02/2026", "issue_date": "2026-02-02", "sale_date": "2026-01-31",
        "issue_place": "Łódź", "currency": "PLN",
        "seller": {"nip": "5265877635", "name": "Zażółć Gęślą Jaźń Usługi IT",
                   "address": ["ul. Świętokrzyska 5", "90-001 Łódź"]},
        "buyer": {"nip": "7352765225", "name": "Klient Sp. z o.o.",
                  "address": ["ul. Testowa 10", "30-001 Kraków"]},
        "lines": [{"name": f"Usługa programistyczna – etap {i}", "quantity": "10", "unit": "godz.",
                   "unit_price": "150.00", "vat_rate": "23"} for i in range(1, lines + 1)],
        "payment": {"method": "transfer", "due_date": "2026-02-16",
                    "bank_account": "61109010140000071219812874"},
    }


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"median_ms": round(statistics.median(ordered) * 1000, 3), "p95_ms": round(p95 * 1000, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--offline", action="store_true", help="also sign KOD II (EC P-256 key)")
    parser.add_argument("--card", action="store_true", help="also render the chat card PNG")
    args = parser.parse_args(argv)

    offline = None
    if args.offline:
        offline = pdf.OfflineQr("01F20A5D352AE590", ec.generate_private_key(ec.SECP256R1()))
    invoice = invoice_from_dict(invoice_dict(args.lines))

    state: dict[str, Any] = {}

    def do_build() -> None:
        state["xml"] = build(invoice)

    def do_validate() -> None:
        errors = schema_errors("fa3", state["xml"])
        if errors:
            raise SystemExit(f"invoice does not validate: {errors[:3]}")

    def do_hash() -> None:
        state["hash"] = crypto.sha256_b64(state["xml"])

    def do_qr() -> None:
        state["summary"] = parse(state["xml"])
        state["codes"] = pdf.verification_codes(state["xml"], state["summary"], env="test", offline=offline)

    def do_pdf() -> None:
        kod1, kod2 = state["codes"]
        state["pdf"] = pdf.render_summary_pdf(state["summary"], kod1=kod1, kod2=kod2)

    def do_card() -> None:
        from ksef.card import render_card

        state["png"] = render_card(state["summary"])

    stages: list[tuple[str, Callable[[], None]]] = [
        ("build", do_build), ("validate", do_validate), ("hash", do_hash), ("parse_and_qr", do_qr),
        ("pdf", do_pdf)]
    if args.card:
        stages.append(("card", do_card))

    wall: dict[str, list[float]] = {name: [] for name, _ in stages}
    wall["total"] = []
    cpu_total: list[float] = []
    for run in range(args.warmup + args.runs):
        run_wall, run_cpu = time.perf_counter(), time.process_time()
        timings = []
        for _name, stage in stages:
            started = time.perf_counter()
            stage()
            timings.append(time.perf_counter() - started)
        if run >= args.warmup:
            for (name, _), spent in zip(stages, timings, strict=True):
                wall[name].append(spent)
            wall["total"].append(time.perf_counter() - run_wall)
            cpu_total.append(time.process_time() - run_cpu)

    result = {
        "benchmark": "printout",
        "runs": args.runs, "lines": args.lines, "offline": args.offline, "card": args.card,
        "xml_bytes": len(state["xml"]), "pdf_bytes": len(state["pdf"]),
        "pages": state["pdf"].count(b"/Type /Page\n") or None,
        "wall": {name: _stats(values) for name, values in wall.items()},
        "cpu_total": _stats(cpu_total),
        "python": platform.python_version(),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
