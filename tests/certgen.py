"""Test helpers: KSeF-like keys and certificates generated at run time (nothing secret is stored).

``make_pair(...)`` issues a self-signed certificate with the key usage KSeF gives each type
(Offline → nonRepudiation, Authentication → digitalSignature) and returns the files the portal
would hand out: encrypted PKCS#8 key and certificate, in PEM or DER.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ksef.certs import CertType, PrivateKey

PASSWORD = "Zażółć-gęślą-jaźń 1"  # non-ASCII on purpose: the portal allows Polish letters


@cache
def _cached_key(kind: str, bits: int, slot: int) -> PrivateKey:
    # RSA generation is the slow part of these tests; each (kind, size, slot) is made once per run.
    if kind == "EC":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "EC384":
        return ec.generate_private_key(ec.SECP384R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def new_key(kind: Literal["RSA", "EC", "EC384"] = "EC", *, bits: int = 2048, slot: int = 0) -> PrivateKey:
    """A key of the given kind; the same ``slot`` returns the same key within one test run."""
    return _cached_key(kind, bits, slot)


def make_certificate(key: PrivateKey, *, cert_type: CertType | None = CertType.OFFLINE,
                     nip: str = "5265877635", serial: int = 0x01F20A5D352AE590,
                     not_before: datetime | None = None, not_after: datetime | None = None,
                     common_name: str = "Jan Kowalski", both_usages: bool = False) -> x509.Certificate:
    """A self-signed certificate shaped like a KSeF one for ``key``."""
    now = datetime.now(UTC)
    start = not_before or now - timedelta(days=1)
    end = not_after or now + timedelta(days=365)
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.GIVEN_NAME, "Jan"),
        x509.NameAttribute(NameOID.SURNAME, "Kowalski"),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"TINPL-{nip}"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
    ])
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
               .public_key(key.public_key()).serial_number(serial)
               .not_valid_before(start).not_valid_after(end))
    if cert_type is not None or both_usages:
        offline = cert_type is CertType.OFFLINE or both_usages
        auth = cert_type is CertType.AUTHENTICATION or both_usages
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=auth, content_commitment=offline, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
    return builder.sign(key, hashes.SHA256())


@dataclass(frozen=True)
class PortalFiles:
    """What the portal hands out: the key file, the certificate file, and the objects behind them."""

    key_file: bytes
    cert_file: bytes
    key: PrivateKey
    certificate: x509.Certificate
    password: str


def key_file(key: PrivateKey, password: str | None = PASSWORD, *, der: bool = False) -> bytes:
    """The key as PKCS#8, encrypted (PBES2) unless ``password`` is None, PEM or DER."""
    encoding = serialization.Encoding.DER if der else serialization.Encoding.PEM
    algorithm: serialization.KeySerializationEncryption = (
        serialization.NoEncryption() if password is None
        else serialization.BestAvailableEncryption(password.encode("utf-8")))
    return key.private_bytes(encoding, serialization.PrivateFormat.PKCS8, algorithm)


def cert_file(cert: x509.Certificate, *, der: bool = False) -> bytes:
    """The certificate file, PEM or DER."""
    return cert.public_bytes(serialization.Encoding.DER if der else serialization.Encoding.PEM)


def make_pair(kind: Literal["RSA", "EC"] = "EC", *, cert_type: CertType | None = CertType.OFFLINE,
              der: bool = False, password: str | None = PASSWORD, slot: int = 0,
              **cert_options: object) -> PortalFiles:
    """A key + certificate pair as files, ready for ``ksef.certs.load_key_pair``."""
    key = new_key(kind, slot=slot)
    cert = make_certificate(key, cert_type=cert_type, **cert_options)  # type: ignore[arg-type]
    return PortalFiles(key_file(key, password, der=der), cert_file(cert, der=der), key, cert,
                       password or "")
