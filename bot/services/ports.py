"""What the services need from outside: a clock, a vault and a way to ask KSeF about a token."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

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


class KsefClientGateway:
    """The real gateway: ``ksef.client.KsefClient`` against the configured environment."""

    async def check_token(self, environment: str, nip: str, token: str,
                          required: tuple[str, ...]) -> TokenCheck:
        from ksef.client import KsefClient  # imported late: the client is heavy and optional for tests

        async with KsefClient(environment, nip=nip, token=token) as client:
            await client.authenticate()
            info = await client.check_token(required=required)
        return TokenCheck(frozenset(info.permissions))
