"""Raw KSeF API 2.0 calls over httpx for simulator tests (independent of the project's client library).

Every JSON answer is recorded with its OpenAPI path template so contract tests can check them all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from ksef.crypto import aes_cbc_encrypt, b64, b64decode, new_aes_key, new_iv, rsa_oaep_encrypt, sha256_b64

FA3_FORM = {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"}


@dataclass
class Recorded:
    """One JSON answer: method, OpenAPI template, status, media type, parsed body."""

    method: str
    template: str
    status: int
    media_type: str
    body: Any


@dataclass
class RawKsef:
    """A minimal KSeF caller; ``recorded`` collects every JSON response."""

    base_url: str
    problem_details: bool = False
    recorded: list[Recorded] = field(default_factory=list)
    access_token: str | None = None
    refresh_token: str | None = None

    def __post_init__(self) -> None:
        headers = {"X-Error-Format": "problem-details"} if self.problem_details else {}
        self.http = httpx.Client(base_url=self.base_url, timeout=30, headers=headers)

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()

    def call(
        self, method: str, template: str, path: str | None = None, *, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """One request; ``template`` names the OpenAPI operation, ``path`` the concrete URL."""
        headers = dict(kwargs.pop("headers", {}) or {})
        bearer = token if token is not None else self.access_token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        response = self.http.request(method, path or template, headers=headers, **kwargs)
        media = response.headers.get("content-type", "").split(";")[0]
        if media in ("application/json", "application/problem+json") and response.content:
            self.recorded.append(Recorded(method, template, response.status_code, media, response.json()))
        return response

    # --- keys and login ------------------------------------------------------------------------
    def public_key(self, usage: str) -> tuple[RSAPublicKey, str]:
        """The MF public key for ``usage`` and its ``publicKeyId``."""
        certs = self.call("GET", "/security/public-key-certificates", token="").json()
        entry = next(c for c in certs if usage in c["usage"])
        key = x509.load_der_x509_certificate(b64decode(entry["certificate"])).public_key()
        assert isinstance(key, RSAPublicKey)
        return key, entry["publicKeyId"]

    def start_auth(self, nip: str, ksef_token: str, *, time_offset_ms: int = 0) -> dict[str, Any]:
        """Challenge + ``/auth/ksef-token``; returns the 202 body."""
        challenge = self.call("POST", "/auth/challenge", token="").json()
        key, key_id = self.public_key("KsefTokenEncryption")
        plain = f"{ksef_token}|{challenge['timestampMs'] + time_offset_ms}".encode()
        body = {
            "challenge": challenge["challenge"],
            "contextIdentifier": {"type": "Nip", "value": nip},
            "encryptedToken": b64(rsa_oaep_encrypt(key, plain)),
            "publicKeyId": key_id,
        }
        response = self.call("POST", "/auth/ksef-token", json=body, token="")
        assert response.status_code == 202, response.text
        return dict(response.json())

    def auth_status(self, started: dict[str, Any]) -> dict[str, Any]:
        """``GET /auth/{ref}`` with the operation token."""
        ref = started["referenceNumber"]
        response = self.call(
            "GET", "/auth/{referenceNumber}", f"/auth/{ref}", token=started["authenticationToken"]["token"]
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def redeem(self, started: dict[str, Any]) -> httpx.Response:
        """``POST /auth/token/redeem``."""
        return self.call("POST", "/auth/token/redeem", token=started["authenticationToken"]["token"])

    def login(self, nip: str, ksef_token: str) -> None:
        """The whole token login; sets ``access_token`` / ``refresh_token``."""
        started = self.start_auth(nip, ksef_token)
        assert self.auth_status(started)["status"]["code"] == 200
        tokens = self.redeem(started)
        assert tokens.status_code == 200, tokens.text
        self.access_token = tokens.json()["accessToken"]["token"]
        self.refresh_token = tokens.json()["refreshToken"]["token"]

    # --- sessions --------------------------------------------------------------------------------
    def open_session(self) -> OnlineSessionHandle:
        """``POST /sessions/online`` with a fresh AES key."""
        key, key_id = self.public_key("SymmetricKeyEncryption")
        aes, iv = new_aes_key(), new_iv()
        body = {
            "formCode": FA3_FORM,
            "encryption": {
                "encryptedSymmetricKey": b64(rsa_oaep_encrypt(key, aes)),
                "initializationVector": b64(iv),
                "publicKeyId": key_id,
            },
        }
        response = self.call("POST", "/sessions/online", json=body)
        assert response.status_code == 201, response.text
        return OnlineSessionHandle(self, response.json()["referenceNumber"], aes, iv)

    def invoice_query(self, filters: dict[str, Any], **params: Any) -> httpx.Response:
        """``POST /invoices/query/metadata``."""
        return self.call("POST", "/invoices/query/metadata", json=filters, params=params)


@dataclass
class OnlineSessionHandle:
    """An open online session."""

    api: RawKsef
    reference: str
    aes_key: bytes
    iv: bytes

    def send_request(self, xml: bytes, **overrides: Any) -> dict[str, Any]:
        """The SendInvoiceRequest body for ``xml`` (fields can be overridden to test mismatches)."""
        encrypted = aes_cbc_encrypt(self.aes_key, self.iv, xml)
        body: dict[str, Any] = {
            "invoiceHash": sha256_b64(xml),
            "invoiceSize": len(xml),
            "encryptedInvoiceHash": sha256_b64(encrypted),
            "encryptedInvoiceSize": len(encrypted),
            "encryptedInvoiceContent": b64(encrypted),
            "offlineMode": False,
        }
        body.update(overrides)
        return body

    def send(self, xml: bytes, **overrides: Any) -> httpx.Response:
        """``POST /sessions/online/{ref}/invoices``."""
        return self.api.call(
            "POST",
            "/sessions/online/{referenceNumber}/invoices",
            f"/sessions/online/{self.reference}/invoices",
            json=self.send_request(xml, **overrides),
        )

    def invoice_status(self, invoice_ref: str, *, wait: bool = True, timeout: float = 10) -> dict[str, Any]:
        """Invoice status, polled until final (code >= 200) when ``wait``."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.api.call(
                "GET",
                "/sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}",
                f"/sessions/{self.reference}/invoices/{invoice_ref}",
            )
            assert response.status_code == 200, response.text
            body = dict(response.json())
            if not wait or body["status"]["code"] >= 200 or time.monotonic() > deadline:
                return body
            time.sleep(0.05)

    def status(self) -> dict[str, Any]:
        """``GET /sessions/{ref}``."""
        response = self.api.call("GET", "/sessions/{referenceNumber}", f"/sessions/{self.reference}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def close(self) -> httpx.Response:
        """``POST /sessions/online/{ref}/close``."""
        return self.api.call(
            "POST", "/sessions/online/{referenceNumber}/close", f"/sessions/online/{self.reference}/close"
        )


def invoice_xml(
    seller: str,
    buyer: str,
    number: str,
    issue_date: str | None = None,
    sample: str = "authored-minimal-vat-23.xml",
) -> bytes:
    """An official/authored FA(3) sample with seller, buyer, number and P_1 substituted."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.paths import SAMPLES_FA3

    text = (SAMPLES_FA3 / sample).read_text(encoding="utf-8")
    issue = issue_date or datetime.now(ZoneInfo("Europe/Warsaw")).date().isoformat()
    text = text.replace("<NIP>5265877635</NIP>", f"<NIP>{seller}</NIP>", 1)
    text = text.replace("<NIP>7352765225</NIP>", f"<NIP>{buyer}</NIP>", 1)
    text = text.replace("<P_1>2026-02-02</P_1>", f"<P_1>{issue}</P_1>")
    text = text.replace("<P_2>FV/1/02/2026</P_2>", f"<P_2>{number}</P_2>")
    text = text.replace("<P_2>1/02/2026</P_2>", f"<P_2>{number}</P_2>")
    return text.encode("utf-8")
