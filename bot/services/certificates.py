"""Storing a KSeF offline certificate: the ``.key`` + ``.cert`` + password are checked with ``ksef.certs``.

The password only decrypts the key and is then dropped; the key is kept as unencrypted PKCS#8 DER inside
a vault blob (encrypted under the master key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import require_member
from bot.services.errors import ServiceError
from bot.services.ports import Clock, SecretBox
from bot.services.reminders import schedule_reminder
from bot.store.db import Database
from bot.store.models import Certificate, Company, User
from ksef import certs

MAX_FILE_BYTES = certs.MAX_FILE_SIZE  # portal key and certificate files are a few kilobytes
MAX_NAME_LENGTH = 100
EXPIRY_NOTICE = timedelta(days=30)


def key_aad(company_id: int, serial_hex: str) -> bytes:
    """Associated data binding a key blob to its company and certificate serial."""
    return f"certificates:{company_id}:{serial_hex}".encode()


def check_file_size(size: int | None) -> None:
    """Refuse oversized files before downloading them."""
    if size is not None and size > MAX_FILE_BYTES:
        raise ServiceError("file_too_large", limit_kb=MAX_FILE_BYTES // 1024)


def _refusal(exc: certs.CertificateError) -> ServiceError:
    kind = type(exc).__name__
    return ServiceError(ERROR_CODES.get(kind, "cert_invalid"), user_message=exc.user_message, kind=kind)


# Which step the dialogue goes back to depends on what was wrong.
ERROR_CODES = {
    "PasswordRequiredError": "cert_password",
    "WrongPasswordError": "cert_password",
    "NotAKeyError": "key_not_key",
    "UnsupportedKeyError": "key_not_key",
    "KeyCostError": "key_cost",
    "KeyTimeoutError": "key_timeout",
    "NotACertificateError": "cert_not_cert",
    "KeyMismatchError": "cert_mismatch",
    "CertificateExpiredError": "cert_expired",
    "CertificateNotYetValidError": "cert_not_yet_valid",
    "WrongCertificateTypeError": "cert_wrong_type",
}


def check_key_file(data: bytes) -> None:
    """A first look at the ``.key`` before asking for the rest: it must be a private key."""
    check_file_size(len(data))
    try:
        certs.load_private_key(data, None)
    except certs.PasswordRequiredError:
        return  # the usual case: an encrypted PKCS#8 key; the password comes later
    except certs.CertificateError as exc:
        raise _refusal(exc) from None


def check_cert_file(data: bytes, now: datetime,
                    expected: certs.CertType = certs.CertType.OFFLINE) -> x509.Certificate:
    """Parse the ``.cert`` and refuse at once one that is expired or not of the ``expected`` type."""
    check_file_size(len(data))
    try:
        cert = certs.load_certificate(data)
    except certs.CertificateError as exc:
        raise _refusal(exc) from None
    if cert.not_valid_after_utc <= now:
        raise ServiceError("cert_expired", not_after=cert.not_valid_after_utc)
    if certs.cert_type(cert) is not expected:
        raise ServiceError("cert_wrong_type" if expected is certs.CertType.OFFLINE else "auth_wrong_type")
    return cert


def clean_name(text: str) -> str:
    name = " ".join(text.split())
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ServiceError("cert_name", limit=MAX_NAME_LENGTH)
    return name


@dataclass(frozen=True)
class SigningMaterial:
    """An offline certificate ready for signing (KOD II): DER certificate and PKCS#8 DER key.

    ``key_der`` is a secret: keep it in memory only as long as needed, never log it.
    """

    certificate_id: int
    serial_hex: str
    cert_der: bytes
    key_der: bytes = field(repr=False)


@dataclass(frozen=True)
class StoredCertificate:
    id: int
    name: str
    serial_hex: str
    not_before: datetime
    not_after: datetime
    key_type: str


class CertificateService:
    """Use case: add (or replace) an offline certificate of a company."""

    def __init__(self, db: Database, vault: SecretBox, clock: Clock) -> None:
        self.db, self.vault, self.clock = db, vault, clock

    async def require_owner(self, user_id: int, company_id: int) -> None:
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id, owner=True)

    async def add(self, user_id: int, company_id: int, name: str, key_bytes: bytes, cert_bytes: bytes,
                  password: str) -> StoredCertificate:
        """Check the pair with ``ksef.certs.load_key_pair`` and store it; ServiceError on any problem."""
        name = clean_name(name)
        now = self.clock()
        try:
            pair = await certs.load_key_pair_async(key_bytes, cert_bytes, password,
                                                   expected_type=certs.CertType.OFFLINE, now=now)
        except certs.CertificateError as exc:
            raise _refusal(exc) from None
        if pair.not_after <= now:
            raise ServiceError("cert_expired", not_after=pair.not_after)
        return await self.store_pair(user_id, company_id, name, pair)

    async def store_pair(self, user_id: int, company_id: int, name: str,
                         pair: certs.KsefCertificate) -> StoredCertificate:
        """Store a checked key + certificate (key encrypted in the vault) with an expiry reminder."""
        async with self.db.transaction() as session:
            return await self.store_in(session, user_id, company_id, name, pair)

    async def store_in(self, session: AsyncSession, user_id: int, company_id: int, name: str,
                       pair: certs.KsefCertificate, *, same_nip: bool = True) -> StoredCertificate:
        """:meth:`store_pair` inside the caller's transaction (e.g. together with a new company).

        ``same_nip=False`` for an Authentication certificate KSeF already accepted in the company's context:
        its owner may be a person acting for the company, so the subject NIP may differ."""
        key_der = pair.private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        cert_der = pair.certificate.public_bytes(serialization.Encoding.DER)
        await require_member(session, user_id, company_id, owner=True)
        company = await session.get(Company, company_id)
        assert company is not None
        if same_nip and pair.subject_nip and pair.subject_nip != company.nip:
            raise ServiceError("cert_other_nip", cert_nip=pair.subject_nip, nip=company.nip)
        await session.execute(delete(Certificate).where(
            Certificate.company_id == company_id, Certificate.serial_hex == pair.serial_hex))
        row = Certificate(
            company_id=company_id, name=name, key_type=pair.key_type,
            cert_type=pair.cert_type.value if pair.cert_type else "unknown",
            serial_hex=pair.serial_hex, not_before=pair.not_before, not_after=pair.not_after,
            cert_der=cert_der,
            key_blob=self.vault.encrypt(key_der, aad=key_aad(company_id, pair.serial_hex)),
        )
        session.add(row)
        await session.flush()
        user = await session.get(User, user_id)
        assert user is not None
        await schedule_reminder(
            session, user_id=user_id, company_id=company_id, kind="certificate_expiry",
            subject=f"certificate:{company_id}:{pair.serial_hex}", due_at=pair.not_after - EXPIRY_NOTICE,
            params={"name": name, "serial": pair.serial_hex, "nip": company.nip,
                    "not_after": pair.not_after.isoformat()})
        return StoredCertificate(row.id, name, pair.serial_hex, pair.not_before, pair.not_after,
                                 pair.key_type)

    async def signing_material(self, company_id: int) -> SigningMaterial | None:
        """The company's Offline certificate valid now with the latest expiry, decrypted (or None)."""
        now = self.clock()
        async with self.db.transaction() as session:
            row = (await session.execute(
                select(Certificate).where(Certificate.company_id == company_id,
                                          Certificate.cert_type == "Offline",
                                          Certificate.not_before <= now, Certificate.not_after > now)
                .order_by(Certificate.not_after.desc()).limit(1))).scalar_one_or_none()
            if row is None:
                return None
            key_der = self.vault.decrypt(row.key_blob, aad=key_aad(company_id, row.serial_hex))
            return SigningMaterial(row.id, row.serial_hex, row.cert_der, key_der)
