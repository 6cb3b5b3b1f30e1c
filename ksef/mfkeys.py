"""MF public-key certificates: fetch, choose by usage, cache, refresh on rotation.

The rules: docs/ksef.md#public-keys.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from ksef.errors import KsefApiError, PublicKeyError
from ksef.http import HttpTransport
from ksef.models import now_utc, parse_datetime

T = TypeVar("T")

TOKEN_ENCRYPTION = "KsefTokenEncryption"  # noqa: S105 (a usage name, not a secret)
SYMMETRIC_KEY_ENCRYPTION = "SymmetricKeyEncryption"
KEY_UNKNOWN_CODE = 21470  # "key id unknown or withdrawn": re-fetch and retry once
_CACHE_FOR = timedelta(hours=24)  # as the reference client does


@dataclass(frozen=True)
class MfPublicKey:
    """One published MF certificate reduced to what encryption needs."""

    public_key: RSAPublicKey
    public_key_id: str
    usage: frozenset[str]
    valid_from: datetime
    valid_to: datetime


def choose_key(keys: list[MfPublicKey], usage: str, at: datetime) -> MfPublicKey:
    """The certificate for ``usage`` that is valid at ``at`` with the latest ``validFrom``."""
    valid = [k for k in keys if usage in k.usage and k.valid_from <= at <= k.valid_to]
    if not valid:
        raise PublicKeyError(f"brak ważnego klucza publicznego MF do {usage}")
    return max(valid, key=lambda k: k.valid_from)


def parse_certificates(body: object) -> list[MfPublicKey]:
    """Parse ``GET /security/public-key-certificates``; certificates that are not RSA are skipped
    (MF publishes RSA today; the EC variant of the official clients is not implemented)."""
    if not isinstance(body, list):
        raise PublicKeyError("nieoczekiwana odpowiedź z listą certyfikatów MF")
    out: list[MfPublicKey] = []
    for item in body:
        if not isinstance(item, dict):
            continue
        try:
            cert = x509.load_der_x509_certificate(base64.b64decode(item["certificate"]))
        except (KeyError, ValueError) as exc:
            raise PublicKeyError(f"nieczytelny certyfikat MF: {exc}") from exc
        key = cert.public_key()
        valid_from = parse_datetime(item.get("validFrom"))
        valid_to = parse_datetime(item.get("validTo"))
        if not isinstance(key, RSAPublicKey) or valid_from is None or valid_to is None:
            continue
        out.append(MfPublicKey(key, str(item.get("publicKeyId") or ""),
                               frozenset(str(u) for u in item.get("usage") or []), valid_from, valid_to))
    return out


class MfKeys:
    """Cache of MF keys for one environment."""

    def __init__(self, transport: HttpTransport) -> None:
        self._transport = transport
        self._keys: list[MfPublicKey] | None = None
        self._fetched_at: datetime | None = None

    async def refresh(self) -> None:
        """Fetch the certificate list now."""
        response = await self._transport.request("GET", "/security/public-key-certificates")
        try:
            body = response.json()
        except ValueError as exc:
            raise PublicKeyError("lista certyfikatów MF nie jest JSON-em") from exc
        self._keys = parse_certificates(body)
        self._fetched_at = now_utc()

    async def get(self, usage: str) -> MfPublicKey:
        """The current key for ``usage``, fetching the list when absent, old, or holding no valid key."""
        now = now_utc()
        if self._keys is None or self._fetched_at is None or now - self._fetched_at > _CACHE_FOR:
            await self.refresh()
        assert self._keys is not None
        try:
            return choose_key(self._keys, usage, now)
        except PublicKeyError:
            await self.refresh()  # maybe rotated since we fetched
            return choose_key(self._keys, usage, now)

    def invalidate(self) -> None:
        """Forget the cached list (after error 21470)."""
        self._keys = None

    async def with_key(self, usage: str, call: Callable[[MfPublicKey], Awaitable[T]]) -> T:
        """``call(key)`` with the current key for ``usage``; when KSeF answers 21470 (key withdrawn or
        rotated) re-fetch the list once and call again with the new key (docs/ksef.md#public-keys)."""
        key = await self.get(usage)
        try:
            return await call(key)
        except KsefApiError as exc:
            if not is_unknown_key(exc):
                raise
        self.invalidate()
        return await call(await self.get(usage))


def is_unknown_key(error: KsefApiError) -> bool:
    """True when KSeF rejected our ``publicKeyId`` (rotation happened)."""
    return error.code == KEY_UNKNOWN_CODE
