"""Benchmark behind the key-cost bounds of ``ksef/pkcs8.py``: what common tools write, and what each
cost takes to derive here.

Prints JSON: the PBKDF2 iteration count / PRF that ``cryptography``'s BestAvailableEncryption (hence the
simulator's CA) writes, the same for OpenSSL's ``pkcs8 -topk8`` and ``-scrypt`` when the ``openssl``
command exists; the median time to derive 1 000 000 PBKDF2 rounds per PRF and scrypt at OpenSSL's
default and at the bound; the time to refuse a crafted key declaring 2^31-1 rounds; and how many turns
an event loop makes while :func:`ksef.certs.load_key_pair_async` decrypts a key at the bound.

    .venv/bin/python bench/bench_key_cost.py [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ksef import certs, pkcs8
from tests import certgen
from tests.pkcs8gen import encrypted_pkcs8


def _median(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 6)


def _header(pem: bytes) -> dict[str, Any]:
    der = certs._encrypted_pkcs8(pem, pem=True)
    assert der is not None
    found = pkcs8.read_encryption(der)
    return {"kdf": found.kdf, "iterations": found.iterations, "prf": found.prf, "n": found.n, "r": found.r,
            "p": found.p}


def _openssl(key_pem: bytes, *extra: str) -> dict[str, Any] | None:
    if shutil.which("openssl") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / "key.pem"
        plain.write_bytes(key_pem)
        out = subprocess.run(["openssl", "pkcs8", "-topk8", "-in", str(plain), "-passout", "pass:x", *extra],
                             capture_output=True, check=True)
    return _header(out.stdout)


async def _turns_while_decrypting() -> int:
    files = certgen.make_pair("EC", password=None)
    heavy = encrypted_pkcs8(files.key, "haslo", iterations=pkcs8.MAX_PBKDF2_ITERATIONS)
    task = asyncio.ensure_future(certs.load_key_pair_async(heavy, files.cert_file, "haslo"))
    turns = 0
    while not task.done():
        await asyncio.sleep(0)
        turns += 1
    task.result()
    return turns


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    key = ec.generate_private_key(ec.SECP256R1())
    plain = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    library = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(b"x"))
    salt = b"s" * 16
    per_million = {
        name: _median(lambda algorithm=algorithm: PBKDF2HMAC(algorithm(), 32, salt, 1_000_000).derive(b"x"),
                      args.runs)
        for name, algorithm in (("sha1", hashes.SHA1), ("sha256", hashes.SHA256), ("sha512", hashes.SHA512))
    }
    crafted = encrypted_pkcs8(None, "x", iterations=2**31 - 1)

    def refuse() -> None:
        try:
            certs.load_private_key(crafted, "x")
        except certs.KeyCostError:
            return
        raise AssertionError("the crafted key was not refused")

    result = {
        "benchmark": "key_cost",
        "python": platform.python_version(),
        "written_by": {
            "cryptography_best_available": _header(library),
            "openssl_pkcs8_default": _openssl(plain, "-v2", "aes-256-cbc"),
            "openssl_pkcs8_scrypt_default": _openssl(plain, "-scrypt"),
        },
        "bounds": {"pbkdf2_iterations": pkcs8.MAX_PBKDF2_ITERATIONS,
                   "scrypt_memory_bytes": pkcs8.MAX_SCRYPT_MEMORY, "scrypt_n_r_p": pkcs8.MAX_SCRYPT_WORK},
        "pbkdf2_seconds_per_million_rounds_median": per_million,
        "pbkdf2_seconds_at_bound_sha512": round(per_million["sha512"] * pkcs8.MAX_PBKDF2_ITERATIONS / 1e6, 3),
        "scrypt_seconds_median": {
            name: _median(lambda n=n, r=r, p=p: Scrypt(salt, 32, n, r, p).derive(b"x"), args.runs)
            for name, (n, r, p) in (("openssl_default_2^14_8_1", (2**14, 8, 1)),
                                    ("bound_2^16_8_2", (2**16, 8, 2)))
        },
        "crafted_2^31-1_rounds": {"bytes": len(crafted),
                                  "refusal_seconds_median": _median(refuse, args.runs)},
        "event_loop_turns_while_decrypting_at_bound": asyncio.run(_turns_while_decrypting()),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
