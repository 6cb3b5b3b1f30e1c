"""Connecting a company with a KSeF Authentication certificate (XAdES login) instead of a token.

The ``.key`` + ``.cert`` + password get the same checks and storage as an Offline certificate
(``bot.services.certificates``): the row in ``certificates`` has ``cert_type == "Authentication"`` and the
key lives only in a vault blob. Connecting by certificate removes the company's token (the switch) and its
token reminders. Other services log in with :meth:`CertLoginService.login_certificate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from sqlalchemy import delete, select

from bot.services.access import ensure_user, membership
from bot.services.certificates import CertificateService, StoredCertificate, _refusal, clean_name, key_aad
from bot.services.connect import ConnectService, parse_nip, token_aad
from bot.services.errors import ServiceError
from bot.services.ports import CertificateGateway, Clock, SecretBox
from bot.store.db import Database
from bot.store.models import Certificate, Company, CompanyMember, KsefToken, Reminder
from ksef import certs
from ksef import errors as kerr

AUTH_TYPE = certs.CertType.AUTHENTICATION.value
TOKEN_REMINDER_KINDS = ("token_expiry", "token_switch", "tokens_ended")


def ksef_refusal(exc: kerr.KsefError, nip: str) -> ServiceError:
    """A KSeF failure during a certificate login or enrollment as a ServiceError with a clear code."""
    if isinstance(exc, kerr.CertificateRejectedError):
        return ServiceError("auth_rejected")
    if isinstance(exc, kerr.MissingPermissionsError) or (
            isinstance(exc, kerr.AuthenticationFailedError) and exc.status_code == 415):
        return ServiceError("auth_no_rights", nip=nip)  # status 415: the owner has no rights for this NIP
    if isinstance(exc, kerr.AuthenticationError):
        return ServiceError("auth_rejected")
    if isinstance(exc, kerr.CertificateLimitError):
        return ServiceError("enroll_quota")
    if isinstance(exc, kerr.EnrollmentError):
        return ServiceError("enroll_failed")
    if isinstance(exc, kerr.RateLimitedError):
        return ServiceError("ksef_busy", seconds=int(exc.retry_after) + 1)
    if isinstance(exc, kerr.KsefUnavailableError | kerr.KsefServerError):
        return ServiceError("ksef_unavailable")
    if isinstance(exc, kerr.KsefApiError):
        return ServiceError("ksef_error", status=exc.http_status)
    return ServiceError("ksef_unavailable")


async def load_authentication(key_bytes: bytes, cert_bytes: bytes, password: str | None,
                              now: datetime) -> certs.KsefCertificate:
    """Check an Authentication key pair off the event loop (ServiceError with the library's own Polish
    text on failure)."""
    try:
        pair = await certs.load_key_pair_async(key_bytes, cert_bytes, password,
                                               expected_type=certs.CertType.AUTHENTICATION, now=now)
    except certs.CertificateError as exc:
        refusal = _refusal(exc)
        if refusal.code == "cert_wrong_type":  # e.g. an Offline certificate offered for login
            raise ServiceError("auth_wrong_type", user_message=refusal.user_message) from None
        raise refusal from None
    return pair


@dataclass(frozen=True)
class KsefLogin:
    """How to log in to KSeF for one company: exactly one of ``token`` / ``certificate`` is set.

    Use as ``KsefClient(env, nip=login.nip, token=login.token, certificate=login.certificate)``."""

    nip: str
    token: str | None = field(default=None, repr=False)
    certificate: certs.KsefCertificate | None = field(default=None, repr=False)


@dataclass(frozen=True)
class CertConnected:
    """A company connected (or switched) to certificate login."""

    company_id: int
    nip: str
    environment: str
    certificate: StoredCertificate
    replaced_token: bool


class CertLoginService:
    """Use case: a NIP and an Authentication certificate; KSeF accepts the login; the bot stores it."""

    def __init__(self, db: Database, vault: SecretBox, ksef: CertificateGateway, environment: str,
                 clock: Clock, connect: ConnectService, certificates: CertificateService) -> None:
        self.db, self.vault, self.ksef, self.environment, self.clock = db, vault, ksef, environment, clock
        self.connect, self.certificates = connect, certificates

    async def connect_certificate(self, user_id: int, chat_id: int, nip_text: str, key_bytes: bytes,
                                  cert_bytes: bytes, password: str | None,
                                  name: str = "Logowanie KSeF") -> CertConnected:
        """Check the pair, log in to KSeF with it in the NIP's context, then store it (token removed)."""
        nip = parse_nip(nip_text)
        name = clean_name(name)
        await self.connect.check_nip_available(user_id, nip)
        pair = await load_authentication(key_bytes, cert_bytes, password, self.clock())
        try:
            await self.ksef.check_certificate(self.environment, nip, pair)
        except kerr.KsefError as exc:
            raise ksef_refusal(exc, nip) from None
        async with self.db.transaction() as session:
            user = await ensure_user(session, user_id, chat_id)
            company = (await session.execute(select(Company).where(
                Company.nip == nip, Company.environment == self.environment))).scalar_one_or_none()
            if company is None:
                company = Company(nip=nip, environment=self.environment)
                session.add(company)
                await session.flush()
                session.add(CompanyMember(company_id=company.id, user_id=user_id, role="owner"))
                await session.flush()
            else:
                member = await membership(session, user_id, company.id)
                if member is None or member.role != "owner":  # lost a race with another user
                    raise ServiceError("company_taken", nip=nip)
            old = await session.execute(delete(KsefToken).where(KsefToken.company_id == company.id))
            replaced = bool(getattr(old, "rowcount", 0))
            await session.execute(delete(Reminder).where(Reminder.company_id == company.id,
                                                         Reminder.kind.in_(TOKEN_REMINDER_KINDS)))
            stored = await self.certificates.store_in(session, user_id, company.id, name, pair,
                                                      same_nip=False)
            user.active_company_id = company.id
            return CertConnected(company.id, nip, self.environment, stored, replaced)

    async def login_certificate(self, company_id: int) -> certs.KsefCertificate | None:
        """The company's Authentication certificate valid now (latest expiry), decrypted, for ``KsefClient``
        (``KsefClient(env, nip=nip, certificate=...)``); None when the company logs in with a token."""
        now = self.clock()
        async with self.db.transaction() as session:
            row = (await session.execute(
                select(Certificate).where(Certificate.company_id == company_id,
                                          Certificate.cert_type == AUTH_TYPE,
                                          Certificate.not_before <= now, Certificate.not_after > now)
                .order_by(Certificate.not_after.desc()).limit(1))).scalar_one_or_none()
            if row is None:
                return None
            key_der = self.vault.decrypt(row.key_blob, aad=key_aad(company_id, row.serial_hex))
            cert_der = row.cert_der
        key = serialization.load_der_private_key(key_der, None)
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        return await certs.load_key_pair_async(key_pem, cert_der, None,
                                               expected_type=certs.CertType.AUTHENTICATION, now=now)

    async def credentials(self, company_id: int) -> KsefLogin | None:
        """The company's KSeF login for other services: the Authentication certificate when it has a valid
        one, else its token; None when it has neither (e.g. the company was removed)."""
        certificate = await self.login_certificate(company_id)
        async with self.db.transaction() as session:
            company = await session.get(Company, company_id)
            if company is None:
                return None
            if certificate is not None:
                return KsefLogin(company.nip, certificate=certificate)
            row = (await session.execute(select(KsefToken).where(
                KsefToken.company_id == company_id))).scalar_one_or_none()
            if row is None:
                return None
            token = self.vault.decrypt(row.token_blob, aad=token_aad(company_id)).decode()
            return KsefLogin(company.nip, token=token)
