"""``ksef pdf FILE.xml``: the A4 printout of an FA(3) invoice with its QR codes, and the chat card.

Examples::

    ksef pdf faktura.xml                                   # KOD I labelled OFFLINE (no number yet)
    ksef pdf faktura.xml --ksef-number 5265877635-20250826-0100001AF629-AF -o faktura.pdf
    ksef pdf faktura.xml --offline --key offline.key --cert offline.crt --password-file haslo.txt
    ksef pdf faktura.xml --total-failure --card faktura.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ksef import pdf
from ksef.errors import KsefValidationError

_MAX_XML_BYTES = 10 * 1024 * 1024  # bigger than any invoice KSeF accepts in an online session


def register(subparsers: Any) -> None:
    """Add the ``pdf`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "pdf", help="print an FA(3) invoice to an A4 PDF with KSeF QR codes",
        description="A4 PDF of an FA(3) invoice: KOD I (labelled with the KSeF number, or OFFLINE), "
                    "plus KOD II (CERTYFIKAT) for offline invoices; none for a total failure.")
    parser.add_argument("file", metavar="FILE.xml", help="the invoice XML, exactly as sent to KSeF")
    parser.add_argument("-o", "--output", metavar="OUT.pdf",
                        help="PDF path (default: FILE.pdf beside the XML)")
    parser.add_argument("--env", dest="print_env", metavar="ENV", default=None,
                        help="QR host: test, demo, prod or a base URL (default: the global --env/--base-url)")
    parser.add_argument("--ksef-number", metavar="N",
                        help="KSeF number assigned to the invoice (label of KOD I)")
    parser.add_argument("--offline", action="store_true",
                        help="offline invoice: add KOD II signed with the Offline certificate")
    parser.add_argument("--total-failure", action="store_true",
                        help="issued during a total KSeF failure: print no QR codes")
    parser.add_argument("--key", metavar="K", help="private key of the Offline certificate (PEM/DER)")
    parser.add_argument("--cert", metavar="C", help="the Offline certificate (PEM/DER)")
    parser.add_argument("--password-file", metavar="P", help="file holding the key's password (first line)")
    parser.add_argument("--card", metavar="OUT.png", help="also write the compact PNG card for the chat")
    parser.set_defaults(handler=run_pdf)


def _read(path: str, what: str, limit: int = _MAX_XML_BYTES) -> bytes:
    file = Path(path)
    if not file.is_file():
        raise KsefValidationError(f"Nie ma pliku {what}: {path}")
    data = file.read_bytes()
    if len(data) > limit:
        raise KsefValidationError(f"Plik {what} jest za duży ({len(data)} B): {path}")
    if not data.strip():
        raise KsefValidationError(f"Plik {what} jest pusty: {path}")
    return data


def _offline(args: argparse.Namespace) -> pdf.OfflineQr | None:
    if not args.offline:
        if args.key or args.cert or args.password_file:
            raise KsefValidationError("--key/--cert/--password-file mają sens tylko z --offline")
        return None
    if not args.key or not args.cert:
        raise KsefValidationError("--offline wymaga --key i --cert (certyfikat typu Offline z KSeF)")
    from ksef.certs import CertType, load_key_pair

    password: str | None = None
    if args.password_file:
        lines = _read(args.password_file, "z hasłem", 64 * 1024).decode("utf-8").splitlines()
        password = lines[0] if lines else ""
    pair = load_key_pair(_read(args.key, "klucza", 1024 * 1024), _read(args.cert, "certyfikatu", 1024 * 1024),
                         password, expected_type=CertType.OFFLINE)
    return pdf.OfflineQr.from_certificate(pair, context_value=args.nip or None)


def run_pdf(args: argparse.Namespace) -> int:
    """Handler of ``ksef pdf``: writes the PDF (and the card) and says where."""
    if args.total_failure and (args.offline or args.ksef_number):
        raise KsefValidationError(
            "--total-failure wyklucza --offline i --ksef-number (awaria całkowita: bez kodów QR)")
    from ksef.fa3 import parse

    xml = _read(args.file, "faktury")
    offline = _offline(args)
    summary = parse(xml)
    env = args.print_env or args.base_url or args.env or "test"
    kod1, kod2 = pdf.verification_codes(xml, summary, env=env, ksef_number=args.ksef_number, offline=offline,
                                        total_failure=args.total_failure)
    document = pdf.render_summary_pdf(summary, kod1=kod1, kod2=kod2, ksef_number=args.ksef_number)
    output = Path(args.output) if args.output else Path(args.file).with_suffix(".pdf")
    output.write_bytes(document)
    card_path: Path | None = None
    if args.card:
        from ksef.card import render_card

        card_path = Path(args.card)
        card_path.write_bytes(render_card(summary, ksef_number=args.ksef_number))
    if args.json:
        print(json.dumps({"pdf": str(output), "card": str(card_path) if card_path else None,
                          "kod1": kod1.url if kod1 else None, "kod1Label": kod1.label if kod1 else None,
                          "kod2": kod2.url if kod2 else None, "kod2Label": kod2.label if kod2 else None},
                         ensure_ascii=False))
    else:
        print(f"Zapisano PDF: {output}")
        if card_path:
            print(f"Zapisano kartę: {card_path}")
    return 0
