"""``ksef invoice build FILE.json``, ``ksef invoice show FILE.xml`` and ``ksef validate FILE.xml``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ksef.amounts import format_amount
from ksef.errors import KsefValidationError
from ksef.fa3 import build, invoice_from_dict, parse
from ksef.schemas import schema_errors

MAX_FILE_BYTES = 50 * 1024 * 1024  # larger than any FA(3) invoice KSeF accepts in an online session


def _read(path: str) -> bytes:
    file = Path(path)
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise KsefValidationError(f"plik {path} jest za duży")
        return file.read_bytes()
    except FileNotFoundError:
        raise KsefValidationError(f"nie ma pliku {path}") from None
    except IsADirectoryError:
        raise KsefValidationError(f"{path} jest katalogiem, a nie plikiem") from None


def _cmd_build(args: argparse.Namespace) -> int:
    raw = _read(args.file)
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise KsefValidationError(f"plik {args.file} nie jest poprawnym JSON: {exc}") from None
    invoice = invoice_from_dict(data)
    created_at = None
    if args.created_at:
        try:
            created_at = datetime.fromisoformat(args.created_at)
        except ValueError:
            raise KsefValidationError(f"--created-at: „{args.created_at}” nie jest datą ISO 8601") from None
        if created_at.tzinfo is None:
            raise KsefValidationError("--created-at musi zawierać strefę czasową, np. 2026-02-02T09:15:00Z")
    xml = build(invoice, created_at=created_at)
    if args.output:
        Path(args.output).write_bytes(xml)
    else:
        sys.stdout.buffer.write(xml)
        sys.stdout.buffer.flush()
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    issues = schema_errors("fa3", _read(args.file))
    if args.json:
        found = [{"line": i.line, "message": i.message} for i in issues]
        print(json.dumps({"valid": not issues, "issues": found}, ensure_ascii=False))
    elif not issues:
        print("OK")
    else:
        for issue in issues:
            print(f"{args.file}:{issue.line}: {issue.message}")
    return 1 if issues else 0


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _cmd_show(args: argparse.Namespace) -> int:
    summary = parse(_read(args.file))
    if args.json:
        print(json.dumps(_jsonable(asdict(summary)), ensure_ascii=False, indent=2))
        return 0
    cur = summary.currency
    print(f"Faktura {summary.number} z {summary.issue_date.isoformat()} ({summary.invoice_type})")
    print(f"Sprzedawca: {summary.seller.name} (NIP {summary.seller.nip})")
    buyer_id = summary.buyer.nip or " ".join(filter(None, [summary.buyer.eu_code, summary.buyer.eu_vat])) \
        or summary.buyer.other_id or "brak"
    print(f"Nabywca: {summary.buyer.name} (identyfikator: {buyer_id})")
    for line in summary.lines:
        value = line.net if line.net is not None else line.gross
        amount = format_amount(value, cur) if value is not None else "—"
        quantity = f"{line.quantity} {line.unit or ''}".strip()
        print(f"  {line.number}. {line.name} — {quantity} — {amount} ({line.vat_rate})")
    for total in summary.totals:
        print(f"  {total.label}: netto {format_amount(total.net, cur)}, VAT {format_amount(total.vat, cur)}")
    print(f"Do zapłaty: {format_amount(summary.gross_total, cur)}")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``invoice`` and ``validate`` commands."""
    invoice = subparsers.add_parser("invoice", help="faktury FA(3): budowanie i podgląd")
    sub = invoice.add_subparsers(dest="invoice_command", metavar="ACTION")
    sub.required = True
    p_build = sub.add_parser("build", help="zbuduj XML FA(3) z pliku JSON (format: tests/data/invoices/)")
    p_build.add_argument("file", help="plik JSON z danymi faktury")
    p_build.add_argument("-o", "--output", help="zapisz XML do pliku zamiast na standardowe wyjście")
    p_build.add_argument("--created-at", help="DataWytworzeniaFa (ISO 8601 ze strefą), domyślnie teraz")
    p_build.set_defaults(handler=_cmd_build)
    p_show = sub.add_parser("show", help="pokaż najważniejsze dane faktury FA(3)")
    p_show.add_argument("file", help="plik XML faktury")
    p_show.set_defaults(handler=_cmd_show)
    p_validate = subparsers.add_parser("validate", help="sprawdź plik XML ze schematem FA(3)")
    p_validate.add_argument("file", help="plik XML faktury")
    p_validate.set_defaults(handler=_cmd_validate)
