"""The simulator's own "MF" key pairs: RSA-2048 in self-signed certificates, one per usage
(docs/ksef.md#public-keys)."""

from __future__ import annotations

from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.x509.oid import NameOID

from ksef.crypto import sha256_b64
from ksef.sim.state import MfKey, utcnow

USAGES = ("KsefTokenEncryption", "SymmetricKeyEncryption")


def generate_key(usage: str) -> MfKey:
    """A fresh RSA-2048 key wrapped in a self-signed certificate, with ids computed as MF does."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = utcnow()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Symulator KSeF"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Ministerstwo Finansów (symulator) {usage}"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=730))
        .sign(private_key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    spki = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    return MfKey(
        usage=usage,
        private_key_pem=pem,
        certificate_der=der,
        certificate_id=sha256_b64(der),
        public_key_id=sha256_b64(spki),
        valid_from=now - timedelta(days=1),
        valid_to=now + timedelta(days=730),
    )


def ensure_keys(keys: list[MfKey]) -> None:
    """Add a key for every usage that has none yet."""
    have = {k.usage for k in keys}
    for usage in USAGES:
        if usage not in have:
            keys.append(generate_key(usage))


_private_cache: dict[str, RSAPrivateKey] = {}


def private_key(key: MfKey) -> RSAPrivateKey:
    """The loaded private key of ``key`` (cached: PEM parsing is slow)."""
    loaded = _private_cache.get(key.public_key_id)
    if loaded is None:
        candidate = serialization.load_pem_private_key(key.private_key_pem.encode("ascii"), password=None)
        assert isinstance(candidate, RSAPrivateKey)
        loaded = candidate
        _private_cache[key.public_key_id] = loaded
    return loaded
