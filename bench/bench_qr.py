"""Benchmark: the verification codes of one offline invoice — KOD I + KOD II links and their two
labelled PNGs — with our library and with the third-party PyPI SDK ``ksef-client`` in the same run.

Both start from the same inputs: the exact invoice XML bytes, the seller's NIP and issue date, and
the Offline certificate's serial and private key as an unencrypted PKCS#8 PEM (the SDK's input
form; each side loads the key inside the measured path: ours with ``ksef.certs.load_checked_key``,
which skips RSA's consistency check that ran when the key was first stored). Both draw codes with
error correction M, 5 pixels per module and a 4-module quiet zone, and label them ``OFFLINE`` and
``CERTYFIKAT``.
Every produced PNG is decoded with zxing-cpp before timing, and must give back its link.

The SDK is not a project dependency: install it aside and point ``--sdk`` at it, e.g.

    pip download --no-deps ksef-client==0.20.0 -d /tmp/sdk && python -m zipfile -e /tmp/sdk/*.whl /tmp/sdk
    .venv/bin/python bench/bench_qr.py --sdk /tmp/sdk [--runs 200] [--key ec|rsa]

(its own requirements — httpx, cryptography, qrcode, pillow — are ours too). Prints JSON: medians
(ms, wall time; CPU time alongside) per side and the ratio ours / theirs. Runs alternate between
the two sides so that a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import zxingcpp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from PIL import Image

from ksef import certs, qr
from ksef.fa3 import build, invoice_from_dict

NIP = "5265877635"
SERIAL = "01F20A5D352AE590"
ISSUE = date(2026, 12, 4)
Codes = tuple[str, str, bytes, bytes]


def invoice_xml(number: int = 1) -> bytes:
    """A small domestic invoice's exact FA(3) bytes (each number gives other bytes, so another KOD I)."""
    return build(invoice_from_dict({
        "number": f"FV/{number}/12/2026", "issue_date": ISSUE.isoformat(),
        "seller": {"nip": NIP, "name": "Jan Kowalski Usługi IT",
                   "address": ["ul. Polna 1", "00-001 Warszawa"]},
        "buyer": {"nip": "7352765225", "name": "Klient Sp. z o.o.",
                  "address": ["ul. Długa 5", "30-001 Kraków"]},
        "lines": [{"name": "Usługa programistyczna", "quantity": "10", "unit": "godz.", "unit_price": "150",
                   "vat_rate": "23"}],
    }))


def key_pem(kind: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(65537, 2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def ours(xml: bytes, pem: str) -> Codes:
    """Our path: the stored key loaded as the library loads a key it checked before, then ksef.qr."""
    private_key = certs.load_checked_key(pem.encode("ascii"))
    digest = qr.invoice_hash(xml)
    kod1 = qr.kod1_url("test", NIP, ISSUE, invoice_hash=digest)
    kod2 = qr.kod2_url("test", context_value=NIP, seller_nip=NIP, certificate_serial=SERIAL,
                       private_key=private_key, invoice_hash=digest)
    return kod1, kod2, qr.qr_png(kod1, qr.LABEL_OFFLINE), qr.qr_png(kod2, qr.LABEL_CERTIFICATE)


def theirs_factory(sdk: Path) -> Callable[[bytes, str], Codes]:
    """The SDK's path: VerificationLinkService + generate_qr_png + add_label_to_qr."""
    sys.path.insert(0, str(sdk))
    from ksef_client.config import KsefClientOptions, KsefEnvironment
    from ksef_client.services.qr import add_label_to_qr, generate_qr_png
    from ksef_client.services.verification_link import VerificationLinkService

    links = VerificationLinkService(KsefClientOptions(base_url=KsefEnvironment.TEST.value))

    def theirs(xml: bytes, pem: str) -> Codes:
        digest = base64.b64encode(hashlib.sha256(xml).digest()).decode("ascii")
        kod1 = links.build_invoice_verification_url(NIP, ISSUE, digest)
        kod2 = links.build_certificate_verification_url(
            seller_nip=NIP, context_identifier_type="Nip", context_identifier_value=NIP,
            certificate_serial=SERIAL, invoice_hash=digest, private_key_pem=pem)
        png1 = add_label_to_qr(generate_qr_png(kod1, box_size=5, border=4), qr.LABEL_OFFLINE)
        png2 = add_label_to_qr(generate_qr_png(kod2, box_size=5, border=4), qr.LABEL_CERTIFICATE)
        return kod1, kod2, png1, png2

    return theirs


def check(codes: Codes, side: str) -> dict[str, Any]:
    """Both PNGs decode (zxing-cpp) to their links; returns the images' sizes."""
    kod1, kod2, png1, png2 = codes
    sizes = []
    for link, png in ((kod1, png1), (kod2, png2)):
        with Image.open(io.BytesIO(png)) as image:
            image.load()
            found = [c.text for c in zxingcpp.read_barcodes(image)
                     if c.format == zxingcpp.BarcodeFormat.QRCode]
            sizes.append([image.width, image.height, len(png)])
        if found != [link]:
            raise SystemExit(f"{side}: a PNG does not decode to its link: {found!r}")
    if "/invoice/" not in kod1 or "/certificate/" not in kod2:
        raise SystemExit(f"{side}: unexpected links {kod1} {kod2}")
    return {"kod1": kod1, "png_sizes_px_bytes": sizes}


def measure(fn: Callable[[bytes, str], Codes], xml: bytes, pem: str) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn(xml, pem)
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sdk", type=Path, required=True, help="directory holding the ksef_client package")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--key", choices=("ec", "rsa"), default="ec")
    args = parser.parse_args(argv)

    xml, pem = invoice_xml(), key_pem(args.key)
    sides: dict[str, Callable[[bytes, str], Codes]] = {"ours": ours, "ksef_client": theirs_factory(args.sdk)}
    checked = {name: check(fn(xml, pem), name) for name, fn in sides.items()}
    if checked["ours"]["kod1"] != checked["ksef_client"]["kod1"]:
        raise SystemExit("the two sides build different KOD I links")
    # Every run codes another invoice, as issuing does: no side may profit from a cache of one link.
    invoices = [invoice_xml(n) for n in range(2, args.warmup + args.runs + 2)]
    for run in range(args.warmup):
        for fn in sides.values():
            fn(invoices[run], pem)
    walls: dict[str, list[float]] = {name: [] for name in sides}
    cpus: dict[str, list[float]] = {name: [] for name in sides}
    for run in range(args.warmup, args.warmup + args.runs):
        for name, fn in sides.items():  # alternate: load on the machine hits both alike
            wall, cpu = measure(fn, invoices[run], pem)
            walls[name].append(wall)
            cpus[name].append(cpu)
    result: dict[str, Any] = {"benchmark": "qr_codes_offline_invoice", "runs": args.runs, "key": args.key,
                              "python": platform.python_version(), "sides": {}}
    for name in sides:
        result["sides"][name] = {
            "median_ms": round(statistics.median(walls[name]) * 1000, 3),
            "cpu_median_ms": round(statistics.median(cpus[name]) * 1000, 3),
            "png_sizes_px_bytes": checked[name]["png_sizes_px_bytes"],
        }
    ours_ms, theirs_ms = (result["sides"][n]["median_ms"] for n in ("ours", "ksef_client"))
    result["ratio_ours_to_theirs"] = round(ours_ms / theirs_ms, 3)
    result["goal_ratio"] = 0.3
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
