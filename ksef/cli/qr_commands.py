"""``ksef qr FILE.xml``: KOD I (and, offline, KOD II) links and PNG images for an FA(3) invoice."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from lxml import etree

from ksef.certs import CertificateError, CertType, load_key_pair
from ksef.errors import KsefValidationError
from ksef.identifiers import ksef_number_is_valid
from ksef.qr import LABEL_CERTIFICATE, LABEL_OFFLINE, invoice_hash, kod1_url, kod2_url, qr_png
from ksef.schemas import FA3_NAMESPACE, safe_parser

PASSWORD_ENV = "KSEF_KEY_PASSWORD"  # noqa: S105 - the variable's name, not a password
MAX_INVOICE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class InvoiceHeader:
    """What the QR links need from an invoice: seller NIP and issue date (P_1)."""

    seller_nip: str
    issue_date: date


def read_invoice_header(xml: bytes) -> InvoiceHeader:
    """Seller NIP (``Podmiot1/DaneIdentyfikacyjne/NIP``) and ``Fa/P_1`` from FA(3) XML bytes."""
    try:
        root = etree.fromstring(xml, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise KsefValidationError(f"plik nie jest poprawnym XML: {exc.msg}") from exc
    ns = {"fa": FA3_NAMESPACE}
    if root.tag != f"{{{FA3_NAMESPACE}}}Faktura":
        raise KsefValidationError("plik nie jest fakturą FA(3) (brak elementu Faktura z przestrzeni FA(3))")
    nip = root.findtext("fa:Podmiot1/fa:DaneIdentyfikacyjne/fa:NIP", namespaces=ns)
    p1 = root.findtext("fa:Fa/fa:P_1", namespaces=ns)
    if not nip or not nip.strip():
        raise KsefValidationError("w fakturze brak NIP sprzedawcy (Podmiot1/DaneIdentyfikacyjne/NIP)")
    if not p1 or not p1.strip():
        raise KsefValidationError("w fakturze brak daty wystawienia (Fa/P_1)")
    try:
        issue_date = date.fromisoformat(p1.strip())
    except ValueError as exc:
        raise KsefValidationError(f"niepoprawna data wystawienia P_1: {p1.strip()!r}") from exc
    return InvoiceHeader(nip.strip(), issue_date)


def _read_file(path: str, what: str, limit: int) -> bytes:
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > limit:
            raise KsefValidationError(f"{what} {path}: plik jest za duży ({size} B)")
        return file.read_bytes()
    except FileNotFoundError as exc:
        raise KsefValidationError(f"{what} {path}: nie ma takiego pliku") from exc
    except IsADirectoryError as exc:
        raise KsefValidationError(f"{what} {path}: to katalog, a nie plik") from exc
    except PermissionError as exc:
        raise KsefValidationError(f"{what} {path}: brak uprawnień do odczytu") from exc


def _password(args: argparse.Namespace) -> str | None:
    if args.password_file:
        raw = _read_file(args.password_file, "plik z hasłem", 4096)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise KsefValidationError("plik z hasłem musi być tekstem UTF-8") from exc
        # Editors add a final newline; it is never part of the password.
        return text.rstrip("\r\n")
    return os.environ.get(PASSWORD_ENV)


def _run(args: argparse.Namespace) -> int:
    xml = _read_file(args.file, "faktura", MAX_INVOICE_BYTES)
    header = read_invoice_header(xml)
    env = args.qr_env or args.env
    digest = invoice_hash(xml)
    out_dir = Path(args.output)
    stem = Path(args.file).stem
    codes: list[dict[str, Any]] = []

    if args.ksef_number:
        number = args.ksef_number.strip().upper()
        if not ksef_number_is_valid(number):
            raise KsefValidationError(f"niepoprawny numer KSeF: {args.ksef_number!r}")
        if not number.startswith(header.seller_nip + "-"):
            # The number begins with the seller's NIP (docs/ksef.md#ksef-numbers): another prefix means the
            # number of a different invoice, which must never be printed under this one's code.
            raise KsefValidationError(
                f"numer KSeF {number} nie należy do tej faktury (NIP sprzedawcy {header.seller_nip})")
        kod1_label = number
    else:
        # Offline invoices and online ones still waiting for their number (docs/ksef.md#qr-codes).
        kod1_label = LABEL_OFFLINE
    codes.append({"code": "KOD I", "label": kod1_label,
                  "url": kod1_url(env, header.seller_nip, header.issue_date, invoice_hash=digest)})

    if args.offline:
        if not args.key or not args.cert:
            raise KsefValidationError("tryb --offline wymaga --key i --cert (certyfikat KSeF typu Offline)")
        pair = load_key_pair(_read_file(args.key, "klucz", 1024 * 1024), _read_file(args.cert, "certyfikat",
                             1024 * 1024), _password(args), expected_type=CertType.OFFLINE)
        codes.append({"code": "KOD II", "label": LABEL_CERTIFICATE, "url": kod2_url(
            env, context_type="Nip", context_value=header.seller_nip, seller_nip=header.seller_nip,
            certificate_serial=pair.serial_hex, private_key=pair.private_key, invoice_hash=digest)})

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for index, code in enumerate(codes, start=1):
            path = out_dir / f"{stem}-kod{index}.png"
            path.write_bytes(qr_png(code["url"], code["label"]))
            code["png"] = str(path)
    except OSError as exc:
        raise KsefValidationError(f"nie można zapisać obrazów w {out_dir}: {exc.strerror or exc}") from exc

    if args.json:
        print(json.dumps({"sellerNip": header.seller_nip, "issueDate": header.issue_date.isoformat(),
                          "codes": codes}, ensure_ascii=False))
    else:
        for code in codes:
            print(f"{code['code']} [{code['label']}]: {code['url']}")
            print(f"  obraz: {code['png']}")
    return 0


def _handler(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except CertificateError as exc:
        # The Polish user message already says what to do; one line, no traceback.
        print(f"ksef: error: {exc.user_message}", file=sys.stderr)
        return 1


def register(subparsers: Any) -> None:
    """Add ``ksef qr`` to the command line."""
    parser = subparsers.add_parser(
        "qr", help="KOD I / KOD II links and PNG images for an FA(3) invoice",
        description="Print the verification links of an invoice and write them as PNG QR codes.")
    parser.add_argument("file", metavar="FILE.xml", help="the exact FA(3) XML sent (or to be sent) to KSeF")
    # dest differs from the global --env so that the sub-command's default never overrides it.
    parser.add_argument("--env", dest="qr_env", default=None,
                        help="test, demo or prod (QR host); defaults to the global --env")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--ksef-number", help="the invoice's KSeF number (label under KOD I)")
    mode.add_argument("--offline", action="store_true",
                      help="offline invoice: KOD I labelled OFFLINE + KOD II signed with the Offline "
                           "certificate")
    parser.add_argument("--key", help="private key file (.key) of the Offline KSeF certificate")
    parser.add_argument("--cert", help="Offline KSeF certificate file (.crt/.cer)")
    parser.add_argument("--password-file",
                        help=f"file holding the key's password (or set {PASSWORD_ENV})")
    parser.add_argument("-o", "--output", default=".", help="directory for the PNG files (default: .)")
    parser.set_defaults(handler=_handler)
