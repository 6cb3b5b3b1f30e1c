"""The simulator's certificate authority: issues KSeF-like Authentication and Offline certificates.

The real KSeF issues certificates from its own CA (docs/ksef.md#certificates). The simulator generates a
root at start (persisted through ``--state FILE`` via :meth:`SimCA.to_dict` / :meth:`SimCA.from_dict`)
and hands out key + certificate pairs the way the taxpayer portal does: an encrypted PKCS#8 (PBES2) PEM
key and a PEM certificate (docs/ksef.md#certificates).

Certificate profile (what ``ksef/certs.py`` and KSeF itself look at):

- exactly one type per certificate, by keyUsage: ``Authentication`` = digitalSignature only,
  ``Offline`` = nonRepudiation (contentCommitment) only;
- subject ``CN=<name>``, ``serialNumber=TINPL-<nip>``, ``organizationIdentifier=VATPL-<nip>``, ``C=PL``:
  the two NIP-carrying attributes follow the patterns KSeF recognises for qualified certificates
  (docs ``auth/podpis-xades.md``: serialNumber ``(TINPL|NIP)…``, organizationIdentifier ``VATPL…``),
  and both are among the enrollment-data fields (``CertificateEnrollmentDataResponse``);
- serial number of 8 bytes, written as 16 uppercase hex digits like KSeF's ``certificateSerialNumber``;
- validity two years from issue by default (UNCONFIRMED: KSeF does not publish the length,
  docs/ksef.md#certificates).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ksef import certs
from ksef.certs import serial_hex
from ksef.errors import CertificateAuthorityError

CertTypeName = Literal["Offline", "Authentication"]
KeyTypeName = Literal["RSA", "EC"]
CaPrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

CERT_TYPES: Final = ("Offline", "Authentication")
KEY_TYPES: Final = ("RSA", "EC")
DEFAULT_VALIDITY: Final = timedelta(days=730)  # UNCONFIRMED real length (docs/ksef.md#certificates)
CA_VALIDITY: Final = timedelta(days=3650)
CA_COMMON_NAME: Final = "KSeF Symulator CA"
_STATE_VERSION: Final = 1


def cert_type(cert: x509.Certificate) -> CertTypeName | None:
    """KSeF's rule (docs/ksef.md#certificates), as :func:`ksef.certs.cert_type` applies it, spelled as the
    API does."""
    kind = certs.cert_type(cert)
    return None if kind is None else kind.value


@dataclass(frozen=True)
class IssuedCert:
    """A key pair as the portal hands it out: encrypted PKCS#8 PEM key, PEM certificate, serial."""

    key_pem: str
    cert_pem: str
    serial_number: str
    certificate: x509.Certificate


def _new_key(key_type: str) -> CaPrivateKey:
    if key_type == "EC":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise CertificateAuthorityError(f"nieznany typ klucza {key_type!r}: dozwolone RSA, EC")


def _check_cert_type(value: str) -> CertTypeName:
    if value == "Offline":
        return "Offline"
    if value == "Authentication":
        return "Authentication"
    raise CertificateAuthorityError(f"nieznany typ certyfikatu {value!r}: dozwolone Offline, Authentication")


def _new_serial() -> int:
    # 8 random bytes, first byte 0x01..0x7F: positive in DER without a sign byte and always exactly
    # 16 hex digits, like KSeF's serials (e.g. 01F20A5D352AE590).
    return (secrets.randbelow(0x7F) + 1) << 56 | secrets.randbits(56)


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC).replace(microsecond=0)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _key_usage(kind: CertTypeName) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=kind == "Authentication",
        content_commitment=kind == "Offline",
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def subject_for(nip: str, common_name: str | None = None) -> x509.Name:
    """The subject the simulator's CA writes into a taxpayer's certificate."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name or f"Podatnik {nip}"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"TINPL-{nip}"),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"VATPL-{nip}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        ]
    )


def _check_nip(nip: str) -> None:
    if len(nip) != 10 or not nip.isdigit():
        raise CertificateAuthorityError(f"nieprawidłowy NIP {nip!r}: oczekiwano 10 cyfr")


class SimCA:
    """The simulator's root CA (RSA-2048 or EC P-256) and the certificates it issues."""

    def __init__(self, private_key: CaPrivateKey, certificate: x509.Certificate) -> None:
        public = certificate.public_key()
        if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey) or public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ) != private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ):
            raise CertificateAuthorityError("klucz CA nie pasuje do certyfikatu CA")
        self.private_key = private_key
        self.certificate = certificate

    # ---- lifecycle -----------------------------------------------------------------------------

    @classmethod
    def generate(cls, key_type: KeyTypeName = "EC", *, now: datetime | None = None) -> SimCA:
        """A fresh self-signed root, valid for ten years from ``now``."""
        key = _new_key(key_type)
        start = _utc(now)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, CA_COMMON_NAME),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ksef-bot symulator KSeF"),
                x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            ]
        )
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(_new_serial())
            .not_valid_before(start - timedelta(minutes=5))
            .not_valid_after(start + CA_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state (unencrypted PEM key: it is the simulator's own throwaway CA)."""
        return {
            "version": _STATE_VERSION,
            "key_pem": self.private_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode("ascii"),
            "cert_pem": self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SimCA:
        """Restore a CA saved by :meth:`to_dict`; raises :class:`CertificateAuthorityError` on bad state."""
        if not isinstance(data, dict) or data.get("version") != _STATE_VERSION:
            raise CertificateAuthorityError("nieobsługiwany zapis stanu CA symulatora")
        key_pem, cert_pem = data.get("key_pem"), data.get("cert_pem")
        if not isinstance(key_pem, str) or not isinstance(cert_pem, str):
            raise CertificateAuthorityError("w zapisie stanu CA brakuje key_pem lub cert_pem")
        try:
            key = serialization.load_pem_private_key(key_pem.encode("ascii"), password=None)
            cert = x509.load_pem_x509_certificate(cert_pem.encode("ascii"))
        except (ValueError, TypeError) as exc:
            raise CertificateAuthorityError(f"nieczytelny zapis stanu CA: {exc}") from exc
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise CertificateAuthorityError("klucz CA musi być RSA albo EC")
        return cls(key, cert)

    # ---- issuing -------------------------------------------------------------------------------

    def _build(
        self,
        subject: x509.Name,
        public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
        kind: CertTypeName,
        valid_from: datetime | None,
        valid_to: datetime | None,
    ) -> x509.Certificate:
        start = _utc(valid_from)
        end = _utc(valid_to) if valid_to is not None else start + DEFAULT_VALIDITY
        if end <= start:
            raise CertificateAuthorityError("koniec ważności certyfikatu musi być po jej początku")
        ca_public = self.private_key.public_key()
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(_new_serial())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(kind), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False)
            .sign(self.private_key, hashes.SHA256())
        )

    def issue(
        self,
        nip: str,
        cert_type: str,
        password: str,
        key_type: str,
        *,
        valid_from: datetime | None = None,
        valid_to: datetime | None = None,
        common_name: str | None = None,
    ) -> IssuedCert:
        """Generate a key pair and a certificate for ``nip``, as the taxpayer portal would.

        ``cert_type`` is ``Offline`` or ``Authentication``; ``key_type`` ``RSA`` (2048) or ``EC``
        (P-256); the key comes back as encrypted PKCS#8 PEM (PBES2, AES-256-CBC) under ``password``.
        """
        _check_nip(nip)
        kind = _check_cert_type(cert_type)
        if not password:
            raise CertificateAuthorityError("hasło do klucza prywatnego nie może być puste")
        key = _new_key(key_type)
        cert = self._build(subject_for(nip, common_name), key.public_key(), kind, valid_from, valid_to)
        # For PKCS#8, BestAvailableEncryption is PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) — the portal's form.
        encryption = serialization.BestAvailableEncryption(password.encode("utf-8"))
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
        return IssuedCert(
            key_pem=key_pem.decode("ascii"),
            cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            serial_number=serial_hex(cert),
            certificate=cert,
        )

    def issue_from_csr(
        self,
        csr_der: bytes,
        cert_type: str,
        *,
        nip: str,
        valid_from: datetime | None = None,
    ) -> x509.Certificate:
        """Certify the key of a PKCS#10 CSR (DER) for ``nip`` (certificate enrollment).

        The CSR must be correctly self-signed with an RSA or EC key and its subject must carry
        ``nip`` (as KSeF requires the enrollment data in the CSR); the certificate gets the CSR's
        subject and the KSeF key usage of ``cert_type``.
        """
        _check_nip(nip)
        kind = _check_cert_type(cert_type)
        try:
            csr = x509.load_der_x509_csr(csr_der)
        except ValueError as exc:
            raise CertificateAuthorityError("CSR nie jest poprawnym wnioskiem PKCS#10 (DER)") from exc
        if not csr.is_signature_valid:
            raise CertificateAuthorityError("podpis CSR jest nieprawidłowy")
        public = csr.public_key()
        if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            raise CertificateAuthorityError("CSR musi zawierać klucz RSA albo EC")
        carried = [
            attr.value
            for oid in (NameOID.ORGANIZATION_IDENTIFIER, NameOID.SERIAL_NUMBER)
            for attr in csr.subject.get_attributes_for_oid(oid)
        ]
        if not any(isinstance(value, str) and value.endswith(nip) for value in carried):
            raise CertificateAuthorityError(
                f"podmiot CSR nie zawiera NIP {nip} (organizationIdentifier VATPL-… lub serialNumber TINPL-…)"
            )
        return self._build(csr.subject, public, kind, valid_from, None)

    # ---- checking ------------------------------------------------------------------------------

    def is_issued_by(self, cert: x509.Certificate) -> bool:
        """True when ``cert`` names this CA as issuer and carries a valid signature by its key."""
        try:
            cert.verify_directly_issued_by(self.certificate)
        except (ValueError, TypeError, InvalidSignature):
            return False
        return True
