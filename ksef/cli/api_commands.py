"""``ksef send | received | download | upo | status | limits | iz``: the API commands of the ``ksef`` CLI.

``upo NUMBER`` needs the online session the invoice was sent in. ``ksef send`` keeps a small local
record (KSeF number → session reference, no secrets) in ``$XDG_STATE_HOME/ksef/sent.json``
(default ``~/.local/state/ksef/sent.json``); without a record, or with ``--session``, the command
asks KSeF for our online sessions of the last 90 days (``GET /sessions``) and tries each.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Coroutine
from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ksef.client import KsefClient
from ksef.environments import Environment, resolve_environment
from ksef.errors import KsefApiError, KsefValidationError
from ksef.latarnia import LatarniaClient
from ksef.models import format_datetime, now_utc, parse_datetime


def _environment(args: argparse.Namespace) -> Environment:
    return resolve_environment(args.base_url or args.env)


def _client(args: argparse.Namespace) -> KsefClient:
    if not args.nip:
        raise KsefValidationError("podaj --nip (albo ustaw KSEF_NIP)")
    token = args.token or os.environ.get("KSEF_TOKEN")
    if not token:
        raise KsefValidationError("podaj token KSeF: --token albo zmienna KSEF_TOKEN")
    return KsefClient(_environment(args), nip=args.nip, token=token)


def _record_file() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "ksef" / "sent.json"


def _load_records() -> dict[str, str]:
    try:
        data = json.loads(_record_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _save_record(ksef_number: str, session_reference: str) -> None:
    records = _load_records()
    records[ksef_number] = session_reference
    path = _record_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=1), encoding="utf-8")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k != "raw"}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def _print_json(value: Any) -> None:
    print(json.dumps(_jsonable(value), ensure_ascii=False, indent=1))


def cmd_send(args: argparse.Namespace) -> Coroutine[Any, Any, int]:
    """Send one FA(3) file, wait for its KSeF number, close the session."""
    xml = Path(args.file).read_bytes()  # read before the event loop runs (no blocking I/O inside it)
    return _send(args, xml)


async def _send(args: argparse.Namespace, xml: bytes) -> int:
    async with _client(args) as client:
        sent = await client.send_invoice(xml, offline_mode=args.offline)
        if sent.ksef_number:
            _save_record(sent.ksef_number, sent.session_reference)
        await client.close_session()
    for warning in sent.warnings:  # e.g. xml-002: characters KSeF announced it will reject
        print(f"Ostrzeżenie KSeF {warning}", file=sys.stderr)
    if args.json:
        _print_json(asdict(sent))
    elif sent.is_accepted:
        print(f"Przyjęta: numer KSeF {sent.ksef_number} (sesja {sent.session_reference})")
    else:
        print(f"Status {sent.status_code}: {sent.status_description}"
              + "".join(f"\n  {d}" for d in sent.details))
    return 0 if sent.is_accepted else 2


async def cmd_received(args: argparse.Namespace) -> int:
    """Invoices received (Subject2) since a moment."""
    since = parse_datetime(args.since)
    if since is None:
        raise KsefValidationError(f"niepoprawna data --since: {args.since!r} (np. 2026-01-31T00:00:00+01:00)")
    async with _client(args) as client:
        batch = await client.received_since(None, subject_type=args.subject_type, start=since)
    if args.json:
        _print_json({"invoices": [asdict(i) for i in batch.invoices], "nextCursor": batch.next_cursor,
                     "hwm": batch.hwm, "complete": batch.complete})
        return 0
    for inv in batch.invoices:
        print(f"{inv.ksef_number}  {inv.issue_date}  {inv.seller_nip}  {inv.seller_name[:40]:40}  "
              f"{inv.gross_amount:>12.2f} {inv.currency}  {inv.invoice_number}")
    print(f"Faktur: {len(batch.invoices)}; kompletne do {format_datetime(batch.hwm)}")
    if not batch.complete:
        print("Limit zapytań KSeF przerwał pobieranie: uruchom ponownie później od tej daty.")
    return 0


async def cmd_download(args: argparse.Namespace) -> int:
    """Invoice XML by KSeF number to stdout or ``-o FILE``."""
    async with _client(args) as client:
        xml = await client.download_invoice(args.number)
    _write(xml, args.output)
    return 0


def _write(data: bytes, output: str | None) -> None:
    if output:
        Path(output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


async def cmd_upo(args: argparse.Namespace) -> int:
    """Per-invoice UPO by KSeF number (session from --session, the local record, or GET /sessions)."""
    async with _client(args) as client:
        candidates = [args.session] if args.session else []
        recorded = _load_records().get(args.number)
        if recorded and recorded not in candidates:
            candidates.append(recorded)
        if not candidates:
            try:
                candidates = await client.find_sessions(created_from=now_utc() - timedelta(days=90))
            except KsefApiError as exc:
                raise KsefValidationError(f"nie udało się wyszukać sesji ({exc}); podaj --session") from exc
        for session in candidates:
            try:
                upo = await client.get_invoice_upo(session, ksef_number=args.number)
            except KsefApiError as exc:
                if exc.http_status in (400, 404):  # not in this session (21178 / not found)
                    continue
                raise
            _write(upo, args.output)
            return 0
    raise KsefValidationError(f"nie znaleziono UPO faktury {args.number} w sesjach: podaj --session")


async def cmd_status(args: argparse.Namespace) -> int:
    """Latarnia status of the environment."""
    async with LatarniaClient(_environment(args)) as latarnia:
        status = await latarnia.status()
    if args.json:
        _print_json({"status": status.status, "messages": [asdict(m) for m in status.messages]})
        return 0
    print(f"KSeF ({_environment(args).name}): {status.status}")
    for m in status.messages:
        print(f"- [{m.category}/{m.type}] {m.title}: {m.text}")
    return 0


async def cmd_limits(args: argparse.Namespace) -> int:
    """``GET /rate-limits``: the limits KSeF applies to the context now."""
    async with _client(args) as client:
        limits = await client.rate_limits()
    if args.json:
        _print_json(limits.to_json())
        return 0
    for group, limit in sorted(limits.items()):
        print(f"{group:22} {limit}")
    return 0


async def cmd_iz(args: argparse.Namespace) -> int:
    """Collective identifiers: ``create KSEF_NUMBER...``, ``show IZ...`` (its invoices), ``of KSEF_NUMBER``,
    ``list [--days N]``."""
    async with _client(args) as client:
        if args.action == "create":
            number = await client.create_collective_identifier(args.numbers)
            if args.json:
                _print_json({"collectiveIdentifierNumber": number})
            else:
                print(number)
            return 0
        if args.action == "show":
            rows: list[Any] = await client.collective_identifier_invoices(args.numbers)
        elif args.action == "of":
            if len(args.numbers) != 1:
                raise KsefValidationError("podaj jeden numer KSeF")
            rows = await client.collective_identifiers_of(args.numbers[0])
        else:
            now = now_utc()
            rows = await client.query_collective_identifiers(now - timedelta(days=args.days), now)
    if args.json:
        _print_json([_iz_json(asdict(r)) for r in rows])
        return 0
    for row in rows:
        print("  ".join(str(v) for v in asdict(row).values() if v is not None))
    return 0


def _iz_json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in row.items()}


def register(subparsers: Any) -> None:
    """Add the API sub-commands to the ``ksef`` parser."""
    p = subparsers.add_parser("send", help="wyślij fakturę FA(3) w sesji interaktywnej")
    p.add_argument("file", help="plik XML faktury (wysyłany bajt w bajt)")
    p.add_argument("--offline", action="store_true", help="faktura wystawiona w trybie offline")
    p.set_defaults(handler=cmd_send)

    p = subparsers.add_parser("received", help="faktury otrzymane od wskazanej chwili")
    p.add_argument("--since", required=True, help="ISO-8601 z przesunięciem, np. 2026-01-31T00:00:00+01:00")
    p.add_argument("--subject-type", default="Subject2", choices=["Subject1", "Subject2", "Subject3"])
    p.set_defaults(handler=cmd_received)

    p = subparsers.add_parser("download", help="pobierz XML faktury po numerze KSeF")
    p.add_argument("number")
    p.add_argument("-o", "--output", help="plik wynikowy (domyślnie standardowe wyjście)")
    p.set_defaults(handler=cmd_download)

    p = subparsers.add_parser("upo", help="pobierz UPO faktury po numerze KSeF")
    p.add_argument("number")
    p.add_argument("--session", help="numer referencyjny sesji (jeśli znany)")
    p.add_argument("-o", "--output", help="plik wynikowy (domyślnie standardowe wyjście)")
    p.set_defaults(handler=cmd_upo)

    p = subparsers.add_parser("status", help="stan KSeF według Latarni")
    p.set_defaults(handler=cmd_status)

    p = subparsers.add_parser("limits", help="limity zapytań obowiązujące teraz (GET /rate-limits)")
    p.set_defaults(handler=cmd_limits)

    p = subparsers.add_parser("iz", help="identyfikatory zbiorcze: create | show | of | list")
    p.add_argument("action", choices=["create", "show", "of", "list"])
    p.add_argument("numbers", nargs="*", help="numery KSeF (create, of) albo identyfikatory zbiorcze (show)")
    p.add_argument("--days", type=int, default=30, help="list: z ilu ostatnich dni (domyślnie 30)")
    p.set_defaults(handler=cmd_iz)
