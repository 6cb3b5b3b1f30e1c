"""What the services need from outside: a clock, a vault and a way to ask KSeF about a token."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cryptography import x509

    from ksef.certs import KeyType, KsefCertificate, PrivateKey

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, aware UTC."""
    return datetime.now(UTC)


class SecretBox(Protocol):
    """The part of ``bot.vault.Vault`` the services use."""

    def encrypt(self, plaintext: bytes, *, aad: bytes) -> bytes: ...

    def decrypt(self, blob: bytes, *, aad: bytes) -> bytes: ...


@dataclass(frozen=True)
class TokenCheck:
    """What KSeF said about a token that authenticated."""

    permissions: frozenset[str]


class KsefGateway(Protocol):
    """Authenticates with a KSeF token and reports its permissions (raises ``ksef.errors``)."""

    async def check_token(self, environment: str, nip: str, token: str,
                          required: tuple[str, ...]) -> TokenCheck: ...


@dataclass(frozen=True)
class CertificateQuota:
    """``GET /certificates/limits``: whether a new enrollment is allowed and what is left of each limit."""

    can_request: bool
    enrollments_left: int
    certificates_left: int


class CertificateGateway(Protocol):
    """KSeF calls made with an Authentication certificate login (XAdES); raise ``ksef.errors``."""

    async def check_certificate(self, environment: str, nip: str, certificate: KsefCertificate) -> None: ...

    async def certificate_quota(self, environment: str, nip: str,
                                certificate: KsefCertificate) -> CertificateQuota: ...

    async def obtain_offline(self, environment: str, nip: str, certificate: KsefCertificate, name: str,
                             key_type: KeyType) -> tuple[PrivateKey, x509.Certificate]: ...


class KsefClientGateway:
    """The real gateway: ``ksef.client.KsefClient`` against the configured environment."""

    async def check_token(self, environment: str, nip: str, token: str,
                          required: tuple[str, ...]) -> TokenCheck:
        from ksef.client import KsefClient  # imported late: the client is heavy and optional for tests

        async with KsefClient(environment, nip=nip, token=token) as client:
            await client.authenticate()
            info = await client.check_token(required=required)
        return TokenCheck(frozenset(info.permissions))

    async def check_certificate(self, environment: str, nip: str, certificate: KsefCertificate) -> None:
        """Log in with the certificate (XAdES) in the NIP's context. There is no token to read rights from:
        KSeF itself refuses (status 415) a certificate whose owner has no rights in that context."""
        from ksef.client import KsefClient

        async with KsefClient(environment, nip=nip, certificate=certificate) as client:
            await client.authenticate()

    async def certificate_quota(self, environment: str, nip: str,
                                certificate: KsefCertificate) -> CertificateQuota:
        from ksef.client import KsefClient

        async with KsefClient(environment, nip=nip, certificate=certificate) as client:
            await client.authenticate()
            limits = await client.certificate_limits()
        return CertificateQuota(limits.can_request, limits.enrollment.remaining, limits.certificate.remaining)

    async def obtain_offline(self, environment: str, nip: str, certificate: KsefCertificate, name: str,
                             key_type: KeyType) -> tuple[PrivateKey, x509.Certificate]:
        """Generate a key, enroll an Offline certificate, wait for it and retrieve it."""
        from ksef.client import KsefClient

        async with KsefClient(environment, nip=nip, certificate=certificate) as client:
            await client.authenticate()
            return await client.obtain_offline_certificate(name, key_type=key_type)
