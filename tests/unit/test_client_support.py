"""A small in-process fake of the KSeF endpoints the client uses (httpx.MockTransport), for unit tests.

Real cryptography: it publishes self-signed RSA certificates, decrypts the token with RSA-OAEP and
the invoices with AES-CBC. The full simulator (``ksef.sim``) is used by the integration tests.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ksef.client import KsefClient
from ksef.crypto import aes_cbc_decrypt, rsa_oaep_decrypt, sha256_b64
from ksef.identifiers import make_ksef_number

NIP = "5265877635"


def _cert(key: rsa.RSAPrivateKey, now: datetime) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ministerstwo Finansów (fake)")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds")


@dataclass
class FakeKsef:
    """State + handler. ``invoices``: (ksefNumber, permanentStorageDate) visible to the metadata query."""

    token: str = field(
        default_factory=lambda: (
            f"20260101-EC-{secrets.token_hex(5).upper()}-"
            f"{secrets.token_hex(5).upper()}-AB|nip-{NIP}|{secrets.token_hex(16)}"
        )
    )
    permissions: list[str] = field(default_factory=lambda: ["InvoiceRead", "InvoiceWrite"])
    hwm: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(seconds=5))
    query_cap: int = 10_000
    invoices: list[tuple[str, datetime]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    queries: list[dict[str, Any]] = field(default_factory=list)
    access_seconds: int = 900
    fail_next: list[httpx.Response] = field(default_factory=list)

    def __post_init__(self) -> None:
        now = datetime.now(UTC)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.cert = _cert(self.key, now)
        self.challenges: dict[str, int] = {}
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.auth_ops: dict[str, int] = {}
        self.sessions: dict[str, tuple[bytes, bytes]] = {}
        self.sent: dict[str, dict[str, Any]] = {}
        self.refreshes = 0

    def client(self, **kwargs: Any) -> KsefClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.handle))
        kwargs.setdefault("pace", False)
        return KsefClient("http://fake.invalid/v2", nip=NIP, token=self.token, http=http, **kwargs)

    def _json(self, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.Response(status, json=body, headers=headers)

    def _problem(self, status: int, code: int | None, text: str) -> httpx.Response:
        body: dict[str, Any] = {"title": "err", "status": status, "detail": text, "traceId": "t-1"}
        if code is not None:
            body["errors"] = [{"code": code, "description": text, "details": []}]
        return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v2")
        self.calls.append(f"{request.method} {path}")
        if self.fail_next:
            return self.fail_next.pop(0)
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        m = request.method
        if m == "GET" and path == "/security/public-key-certificates":
            der = self.cert
            spki = self.key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            now = datetime.now(UTC)
            return self._json(
                [
                    {
                        "certificate": base64.b64encode(der).decode(),
                        "certificateId": sha256_b64(der),
                        "publicKeyId": sha256_b64(spki),
                        "validFrom": iso(now - timedelta(days=1)),
                        "validTo": iso(now + timedelta(days=30)),
                        "usage": ["KsefTokenEncryption", "SymmetricKeyEncryption"],
                    }
                ]
            )
        if m == "POST" and path == "/auth/challenge":
            ch = f"20260101-CR-{secrets.token_hex(5).upper()}-{secrets.token_hex(5).upper()}-01"
            ts = int(datetime.now(UTC).timestamp() * 1000)
            self.challenges[ch] = ts
            return self._json({"challenge": ch, "timestamp": "x", "timestampMs": ts, "clientIp": "127.0.0.1"})
        if m == "POST" and path == "/auth/ksef-token":
            body = json.loads(request.content)
            plain = rsa_oaep_decrypt(self.key, base64.b64decode(body["encryptedToken"])).decode()
            ts = self.challenges.pop(body["challenge"], None)
            ok = (
                ts is not None and plain == f"{self.token}|{ts}" and body["contextIdentifier"]["value"] == NIP
            )
            ref = f"20260101-AU-{secrets.token_hex(5).upper()}-{secrets.token_hex(5).upper()}-01"
            op = "op-" + secrets.token_hex(8)
            self.auth_ops[op] = 200 if ok else 450
            return self._json(
                {"referenceNumber": ref, "authenticationToken": {"token": op, "validUntil": "x"}}, 202
            )
        if m == "GET" and path.startswith("/auth/") and bearer in self.auth_ops:
            code = self.auth_ops[bearer]
            return self._json(
                {
                    "startDate": "x",
                    "authenticationMethodInfo": {},
                    "status": {
                        "code": code,
                        "description": "d",
                        "details": [] if code == 200 else ["Invalid token encoding."],
                    },
                }
            )
        if m == "POST" and path == "/auth/token/redeem":
            if self.auth_ops.pop(bearer, None) != 200:
                return self._problem(400, 21301, "tokens already redeemed")
            return self._json(
                {"accessToken": self._new_access(), "refreshToken": self._new(self.refresh_tokens, 7 * 86400)}
            )
        if m == "POST" and path == "/auth/token/refresh":
            if bearer not in self.refresh_tokens:
                return self._problem(401, None, "bad refresh")
            self.refreshes += 1
            return self._json({"accessToken": self._new_access()})
        if bearer not in self.access_tokens:
            return self._problem(401, None, "Unauthorized")
        if m == "GET" and path.startswith("/tokens/"):
            return self._json(
                {
                    "referenceNumber": path.split("/")[-1],
                    "requestedPermissions": self.permissions,
                    "status": "Active",
                    "description": "fake",
                }
            )
        if m == "POST" and path == "/invoices/query/metadata":
            return self._query(request)
        if m == "POST" and path == "/sessions/online":
            body = json.loads(request.content)
            aes = rsa_oaep_decrypt(self.key, base64.b64decode(body["encryption"]["encryptedSymmetricKey"]))
            ref = f"20260101-SO-{secrets.token_hex(5).upper()}-{secrets.token_hex(5).upper()}-01"
            self.sessions[ref] = (aes, base64.b64decode(body["encryption"]["initializationVector"]))
            return self._json(
                {"referenceNumber": ref, "validUntil": iso(datetime.now(UTC) + timedelta(hours=12))}, 201
            )
        if m == "POST" and path.startswith("/sessions/online/") and path.endswith("/close"):
            return httpx.Response(204)
        if m == "POST" and path.startswith("/sessions/online/") and path.endswith("/invoices"):
            sref = path.split("/")[3]
            if sref not in self.sessions:
                return self._problem(400, 21173, "no session")
            body = json.loads(request.content)
            key, iv = self.sessions[sref]
            plain = aes_cbc_decrypt(key, iv, base64.b64decode(body["encryptedInvoiceContent"]))
            if sha256_b64(plain) != body["invoiceHash"]:
                return self._problem(400, 21403, "hash mismatch")
            iref = f"20260101-EE-{secrets.token_hex(5).upper()}-{secrets.token_hex(5).upper()}-01"
            self.sent[iref] = {"hash": body["invoiceHash"], "polls": 0}
            return self._json({"referenceNumber": iref}, 202)
        if m == "GET" and path.startswith("/sessions/") and "/invoices/" in path:
            iref = path.split("/")[-1]
            rec = self.sent[iref]
            rec["polls"] += 1
            done = rec["polls"] >= 3
            number = make_ksef_number(NIP, "20260101", secrets.token_hex(6)) if done else None
            return self._json(
                {
                    "ordinalNumber": 1,
                    "referenceNumber": iref,
                    "invoiceHash": rec["hash"],
                    "ksefNumber": number,
                    "invoicingDate": iso(datetime.now(UTC)),
                    "status": {"code": 200 if done else 150, "description": "x"},
                }
            )
        return self._problem(404, None, f"fake: no route {m} {path}")

    def _new(self, store: set[str], seconds: int) -> dict[str, str]:
        tok = secrets.token_hex(12)
        store.add(tok)
        return {"token": tok, "validUntil": iso(datetime.now(UTC) + timedelta(seconds=seconds))}

    def _new_access(self) -> dict[str, str]:
        return self._new(self.access_tokens, self.access_seconds)

    def _query(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.queries.append(body)
        dr = body["dateRange"]
        assert dr["dateType"] == "PermanentStorage" and dr["restrictToPermanentStorageHwmDate"] is True
        frm = datetime.fromisoformat(dr["from"])
        assert frm.tzinfo is not None, "from without an offset"
        to = datetime.fromisoformat(dr["to"]) if dr.get("to") else None
        assert to is None or to.tzinfo is not None
        upper = min(self.hwm, to) if to else self.hwm
        if frm > self.hwm:
            return self._problem(400, 21183, "from beyond HWM")
        rows = sorted((i for i in self.invoices if frm <= i[1] <= upper), key=lambda i: (i[1], i[0]))
        truncated = len(rows) > self.query_cap
        rows = rows[: self.query_cap]
        offset = int(request.url.params["pageOffset"])
        size = int(request.url.params["pageSize"])
        page = rows[offset * size : (offset + 1) * size]
        has_more = (offset + 1) * size < len(rows) or truncated
        return self._json(
            {
                "hasMore": has_more,
                "isTruncated": truncated and (offset + 1) * size >= len(rows),
                "permanentStorageHwmDate": iso(upper),
                "invoices": [
                    {
                        "ksefNumber": n,
                        "permanentStorageDate": iso(d),
                        "invoiceNumber": n,
                        "seller": {"nip": NIP},
                        "buyer": {"identifier": {"type": "Nip", "value": NIP}},
                    }
                    for n, d in page
                ],
            }
        )


def invoice_number(i: int) -> str:
    return make_ksef_number(NIP, "20260101", f"{i:012X}")


async def test_fake_round_trip_authenticates_with_real_crypto() -> None:
    fake = FakeKsef()
    async with fake.client() as client:
        info = await client.authenticate()
    assert info.access_valid_until > datetime.now(UTC)
    assert "POST /auth/token/redeem" in fake.calls
