"""One-tap Offline certificate: with a certificate login the bot generates the key, enrolls, waits and stores.

The user's certificate quota (``GET /certificates/limits``) is read first and shown; enrollment happens only
after the user confirms, and only when KSeF says a request is allowed.
"""

from __future__ import annotations

from datetime import datetime

from cryptography.hazmat.primitives import serialization

from bot.services.access import require_member
from bot.services.cert_login import CertLoginService, ksef_refusal
from bot.services.certificates import CertificateService, StoredCertificate
from bot.services.errors import ServiceError
from bot.services.ports import CertificateGateway, CertificateQuota, Clock
from bot.store.db import Database
from bot.store.models import Company
from ksef import certs
from ksef import errors as kerr
from ksef.certs import KeyType


def offline_name(now: datetime) -> str:
    """The name given to KSeF and shown in /ksef for a certificate the bot requested."""
    return f"ksef-bot offline {now:%Y-%m-%d}"


class EnrollService:
    """Use case: request an Offline certificate for a company that logs in with a certificate."""

    def __init__(self, db: Database, ksef: CertificateGateway, environment: str, clock: Clock,
                 cert_login: CertLoginService, certificates: CertificateService) -> None:
        self.db, self.ksef, self.environment, self.clock = db, ksef, environment, clock
        self.cert_login, self.certificates = cert_login, certificates

    async def _login(self, user_id: int, company_id: int) -> tuple[str, certs.KsefCertificate]:
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id, owner=True)
            company = await session.get(Company, company_id)
            assert company is not None
            nip = company.nip
        login = await self.cert_login.login_certificate(company_id)
        if login is None:  # token companies cannot enroll: KSeF requires a certificate login for it
            raise ServiceError("enroll_needs_cert", nip=nip)
        return nip, login

    async def quota(self, user_id: int, company_id: int) -> CertificateQuota:
        """What KSeF still allows this subject (asked before the user confirms)."""
        nip, login = await self._login(user_id, company_id)
        try:
            return await self.ksef.certificate_quota(self.environment, nip, login)
        except kerr.KsefError as exc:
            raise ksef_refusal(exc, nip) from None

    async def enroll_offline(self, user_id: int, company_id: int,
                             key_type: KeyType = "EC") -> StoredCertificate:
        """Check the quota again, then generate, enroll, wait, retrieve and store the Offline certificate."""
        nip, login = await self._login(user_id, company_id)
        try:
            quota = await self.ksef.certificate_quota(self.environment, nip, login)
            if not quota.can_request or quota.enrollments_left <= 0 or quota.certificates_left <= 0:
                raise ServiceError("enroll_quota")
            now = self.clock()
            name = offline_name(now)
            key, cert = await self.ksef.obtain_offline(self.environment, nip, login, name, key_type)
        except kerr.KsefError as exc:
            raise ksef_refusal(exc, nip) from None
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        try:  # the same checks as an uploaded pair: what KSeF issued must be a matching Offline certificate
            pair = await certs.load_key_pair_async(key_pem, cert_pem, None,
                                                   expected_type=certs.CertType.OFFLINE,
                                                   now=max(now, cert.not_valid_before_utc))
        except certs.CertificateError:
            raise ServiceError("enroll_failed") from None
        return await self.certificates.store_pair(user_id, company_id, offline_name(now), pair)
