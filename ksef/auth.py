"""Authentication with a KSeF token or a KSeF certificate (XAdES; docs/ksef.md#authentication) and an API
wrapper that keeps the access token fresh.

Token: challenge → RSA-OAEP-SHA256(``token|timestampMs``) with the KsefTokenEncryption key →
``POST /auth/ksef-token``. Certificate: challenge → ``AuthTokenRequest`` signed XAdES-BES enveloped →
``POST /auth/xades-signature`` (application/xml). Then both: poll ``GET /auth/{ref}`` →
``POST /auth/token/redeem`` (one-shot) → access + refresh tokens; the access token is refreshed
shortly before ``validUntil`` and once on a 401, and a failed refresh leads to a full new authentication.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from ksef import xades
from ksef.certs import CertType, KsefCertificate
from ksef.crypto import b64, rsa_oaep_encrypt
from ksef.errors import (
    AuthenticationError,
    AuthenticationFailedError,
    CertificateRejectedError,
    InvalidTokenError,
    KsefApiError,
    MissingPermissionsError,
    TokenRevokedError,
)
from ksef.http import HttpTransport, Sleep
from ksef.mfkeys import TOKEN_ENCRYPTION, MfKeys, MfPublicKey
from ksef.models import AuthInfo, now_utc, parse_datetime

REFRESH_MARGIN = timedelta(seconds=60)   # refresh this long before the access token expires
POLL_TIMEOUT = 120.0                     # token auth is normally instant; give up after this long
# XAdES auth on DEMO/PRD may stay at 100 while OCSP/CRL is checked (docs/ksef.md#authentication):
# allow longer.
XADES_POLL_TIMEOUT = 300.0
_REVOKED_WORDS = ("revok", "unieważ", "uniewaz", "inactive", "nieaktyw", "odwoł")


def token_reference(token: str) -> str:
    """The reference number of a KSeF token: its first ``|``-separated part."""
    return token.split("|", 1)[0].strip()


def _is_revoked_text(texts: list[str]) -> bool:
    joined = " ".join(texts).lower()
    return any(word in joined for word in _REVOKED_WORDS)


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a KSeF answer; anything else is a :class:`KsefApiError`."""
    try:
        body = response.json()
    except ValueError as exc:
        raise KsefApiError(response.status_code, description="odpowiedź nie jest JSON-em") from exc
    if not isinstance(body, dict):
        raise KsefApiError(response.status_code, description="nieoczekiwany kształt odpowiedzi")
    return body


@dataclass
class _Tokens:
    reference_number: str
    access: str
    access_valid_until: datetime
    refresh: str
    refresh_valid_until: datetime | None


def check_login_certificate(certificate: KsefCertificate) -> None:
    """Refuse locally what KSeF would refuse anyway: an Offline certificate (docs/ksef.md#certificates).

    A certificate of unknown type (e.g. a qualified one, not issued by KSeF) is left for KSeF to judge.
    """
    if certificate.cert_type is CertType.OFFLINE:
        raise CertificateRejectedError(
            "certyfikat typu Offline służy tylko do kodów QR faktur offline i nie pozwala zalogować się "
            "do KSeF; potrzebny jest certyfikat uwierzytelniający (Authentication)")


class TokenAuthenticator:
    """Holds the JWTs for one (environment, NIP, KSeF token or certificate); never logs or exposes them.

    With ``certificate`` the login is XAdES (the certificate's key signs the ``AuthTokenRequest``);
    otherwise ``token`` is used.
    """

    def __init__(self, transport: HttpTransport, keys: MfKeys, *, nip: str, token: str | None,
                 sleep: Sleep, certificate: KsefCertificate | None = None) -> None:
        if certificate is not None:
            check_login_certificate(certificate)
        self._transport = transport
        self._keys = keys
        self._nip = nip
        self._token = token
        self._certificate = certificate
        self._sleep = sleep
        self._tokens: _Tokens | None = None
        self._lock = asyncio.Lock()  # one login/refresh at a time for concurrent callers

    def __repr__(self) -> str:  # never show secrets
        return f"TokenAuthenticator(nip={self._nip!r})"

    @property
    def ksef_token(self) -> str:
        if not self._token:
            raise InvalidTokenError("brak tokenu KSeF")
        return self._token

    async def authenticate(self) -> AuthInfo:
        """Run the whole token flow and keep the resulting access and refresh tokens."""
        async with self._lock:
            return await self._authenticate()

    @property
    def method(self) -> str:
        """``certificate`` (XAdES) or ``token``."""
        return "certificate" if self._certificate is not None else "token"

    async def _authenticate(self) -> AuthInfo:
        if self._certificate is not None:
            reference, op_token = await self._start_xades(self._certificate)
        else:
            reference, op_token = await self._start_token()
        await self._wait_for_success(reference, op_token)
        try:
            redeemed = json_object(await self._transport.request("POST", "/auth/token/redeem",
                                                                 bearer=op_token))
        except KsefApiError as exc:
            if self._certificate is None and exc.code == 21301 and _is_revoked_text([exc.description,
                                                                                      *exc.details]):
                raise TokenRevokedError("token KSeF został unieważniony") from exc
            raise
        access = redeemed.get("accessToken") or {}
        refresh = redeemed.get("refreshToken") or {}
        access_until = parse_datetime(access.get("validUntil")) or now_utc() + timedelta(minutes=5)
        self._tokens = _Tokens(reference, str(access.get("token") or ""), access_until,
                               str(refresh.get("token") or ""), parse_datetime(refresh.get("validUntil")))
        return AuthInfo(reference, access_until, self._tokens.refresh_valid_until)

    async def _start_xades(self, certificate: KsefCertificate) -> tuple[str, str]:
        """Challenge → signed AuthTokenRequest → ``POST /auth/xades-signature``; returns the reference and
        the operation token."""
        challenge = json_object(await self._transport.request("POST", "/auth/challenge", idempotent=True))
        document = xades.build_auth_token_request(str(challenge.get("challenge") or ""), self._nip)
        signed = xades.sign_enveloped(document, certificate.private_key, certificate.certificate)
        try:
            init = json_object(await self._transport.request(
                "POST", "/auth/xades-signature", content=signed,
                headers={"Content-Type": "application/xml"}))
        except KsefApiError as exc:
            if exc.http_status == 400 and exc.code == 21401:  # signature/document/certificate validity
                reason = "; ".join(exc.details) or exc.description
                raise CertificateRejectedError("KSeF odrzucił podpisany wniosek: " + reason) from exc
            raise
        op_token = (init.get("authenticationToken") or {}).get("token")
        return str(init.get("referenceNumber") or ""), str(op_token or "")

    async def _start_token(self) -> tuple[str, str]:
        """Challenge → encrypted token → ``POST /auth/ksef-token``; (reference, operation token)."""
        token = self.ksef_token
        if "|" not in token:
            raise InvalidTokenError("token KSeF ma niepoprawny format (oczekiwano części rozdzielonych '|')")

        async def submit(key: MfPublicKey) -> dict[str, Any]:
            # A fresh challenge for each attempt: the token is encrypted together with its time.
            challenge = json_object(await self._transport.request("POST", "/auth/challenge", idempotent=True))
            ts_ms = challenge.get("timestampMs")
            if not isinstance(ts_ms, int):
                ts = parse_datetime(challenge.get("timestamp"))
                if ts is None:
                    raise AuthenticationError("odpowiedź /auth/challenge bez znacznika czasu")
                ts_ms = int(ts.timestamp() * 1000)
            encrypted = rsa_oaep_encrypt(key.public_key, f"{token}|{ts_ms}".encode())
            body = {"challenge": challenge.get("challenge"),
                    "contextIdentifier": {"type": "Nip", "value": self._nip},
                    "encryptedToken": b64(encrypted), "publicKeyId": key.public_key_id}
            return json_object(await self._transport.request("POST", "/auth/ksef-token", json_body=body))

        init = await self._keys.with_key(TOKEN_ENCRYPTION, submit)
        reference = str(init.get("referenceNumber") or "")
        return reference, str((init.get("authenticationToken") or {}).get("token") or "")

    async def _wait_for_success(self, reference: str, op_token: str) -> None:
        deadline = time.monotonic() + (XADES_POLL_TIMEOUT if self._certificate is not None else POLL_TIMEOUT)
        delay = 0.05
        while True:
            status = json_object(await self._transport.request("GET", f"/auth/{reference}", bearer=op_token))
            st = status.get("status") or {}
            code = st.get("code")
            details = [str(d) for d in st.get("details") or []]
            description = str(st.get("description") or "")
            if code == 200:
                return
            if code == 450:
                if _is_revoked_text(details):
                    raise TokenRevokedError("token KSeF został unieważniony lub jest nieaktywny")
                raise InvalidTokenError("KSeF nie przyjął tokenu: " + ("; ".join(details) or description))
            if code == 460:
                raise CertificateRejectedError("KSeF odrzucił certyfikat: "
                                               + ("; ".join(details) or description))
            if code == 415:
                who = "certyfikat" if self._certificate is not None else "token"
                raise MissingPermissionsError(frozenset(), f"{who} nie ma żadnych uprawnień w kontekście NIP "
                                              + self._nip)
            if code == 425:
                raise TokenRevokedError("uwierzytelnienie unieważnione przez użytkownika")
            if code != 100:
                raise AuthenticationFailedError(int(code) if isinstance(code, int) else 0,
                                                f"uwierzytelnienie nieudane (status {code}: {description})")
            if time.monotonic() > deadline:
                raise AuthenticationFailedError(100, "uwierzytelnienie trwa zbyt długo (status 100)")
            await self._sleep(delay)
            delay = min(delay * 2, 2.0)

    async def access_token(self) -> str:
        """A valid access token: authenticates on first use, refreshes shortly before expiry."""
        async with self._lock:
            if self._tokens is None:
                await self._authenticate()
            assert self._tokens is not None
            if self._tokens.access_valid_until - now_utc() <= REFRESH_MARGIN:
                await self._refresh()
            return self._tokens.access

    async def refresh(self) -> None:
        """New access token from the refresh token; a failed refresh means a full new login."""
        async with self._lock:
            await self._refresh()

    async def _refresh(self) -> None:
        if self._tokens is None or not self._tokens.refresh:
            await self._authenticate()
            return
        try:
            body = json_object(await self._transport.request("POST", "/auth/token/refresh",
                                                       bearer=self._tokens.refresh))
        except KsefApiError as exc:
            if exc.http_status >= 500 or exc.http_status == 429:
                raise
            await self._authenticate()
            return
        access = body.get("accessToken") or {}
        self._tokens.access = str(access.get("token") or "")
        self._tokens.access_valid_until = (parse_datetime(access.get("validUntil"))
                                           or now_utc() + timedelta(minutes=5))

    @property
    def info(self) -> AuthInfo | None:
        """Validity of the current tokens, if authenticated."""
        if self._tokens is None:
            return None
        return AuthInfo(self._tokens.reference_number, self._tokens.access_valid_until,
                        self._tokens.refresh_valid_until)


class AuthorizedApi:
    """Calls protected endpoints with the access token, refreshing once on a 401."""

    def __init__(self, transport: HttpTransport, auth: TokenAuthenticator) -> None:
        self.transport = transport
        self.auth = auth

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Same arguments as :meth:`HttpTransport.request` minus ``bearer``."""
        token = await self.auth.access_token()
        try:
            return await self.transport.request(method, path, bearer=token, **kwargs)
        except KsefApiError as exc:
            if exc.http_status != 401:
                raise
        await self.auth.refresh()
        return await self.transport.request(method, path, bearer=await self.auth.access_token(), **kwargs)

    async def json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """:meth:`request` and parse a JSON object body."""
        return json_object(await self.request(method, path, **kwargs))
