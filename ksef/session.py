"""Online (interactive) sessions: open, send, follow status, close, UPO (docs/ksef.md#sessions-and-sending).

One AES-256 key + IV per session, wrapped with the SymmetricKeyEncryption key; every invoice of the
session is encrypted with them. Hash and sizes are computed on the exact bytes given (pitfalls 6-7).
A session is reused while it has more than ``REOPEN_MARGIN`` left and is reopened after 21173 (not
found), 21180 (status forbids sending) or 21184 (temporarily unavailable, API 2.8.0: "open a new
session to send further invoices"); the invoice is then sent once more in the new session.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ksef.auth import AuthorizedApi, json_object
from ksef.crypto import aes_cbc_encrypt, b64, new_aes_key, new_iv, rsa_oaep_encrypt, sha256_b64
from ksef.errors import ErrorCode, KsefApiError, KsefError, SessionError
from ksef.http import Sleep
from ksef.identifiers import ksef_number_is_valid
from ksef.mfkeys import SYMMETRIC_KEY_ENCRYPTION, MfKeys, MfPublicKey
from ksef.models import SentInvoice, SessionStatus, now_utc, parse_datetime
from ksef.system_warnings import SystemWarning, parse_system_warnings

FORM_CODE_FA3 = {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"}
REOPEN_MARGIN = timedelta(minutes=10)
SUBJECT_IDENTIFIER_VALIDATION = "subject-identifier-validation"
# session not found / status forbids sending / temporarily unavailable → a new session, send again
SESSION_GONE_CODES = (ErrorCode.SESSION_NOT_FOUND, ErrorCode.SESSION_STATUS_FORBIDS,
                      ErrorCode.SESSION_TEMPORARILY_UNAVAILABLE)
STATUS_TIMEOUT = 300.0                # how long send_invoice(wait=True) follows 100/150


@dataclass
class OnlineSession:
    """An open online session and its symmetric key material (kept in memory only)."""

    reference_number: str
    valid_until: datetime
    key: bytes
    iv: bytes
    sent: int = 0


@dataclass(frozen=True)
class PreparedInvoice:
    """Encrypted invoice request body; computed once so a re-send is byte-identical."""

    invoice_hash: str
    body: dict[str, object]


def prepare_invoice(session: OnlineSession, xml: bytes, *, offline_mode: bool,
                    hash_of_corrected_invoice: str | None) -> PreparedInvoice:
    """Encrypt ``xml`` with the session key and describe it by hashes and sizes of the exact bytes."""
    encrypted = aes_cbc_encrypt(session.key, session.iv, xml)
    invoice_hash = sha256_b64(xml)
    return PreparedInvoice(invoice_hash, {
        "invoiceHash": invoice_hash,
        "invoiceSize": len(xml),
        "encryptedInvoiceHash": sha256_b64(encrypted),
        "encryptedInvoiceSize": len(encrypted),
        "encryptedInvoiceContent": b64(encrypted),
        "offlineMode": offline_mode,
        "hashOfCorrectedInvoice": hash_of_corrected_invoice,
    })


class OnlineSessions:
    """Keeps at most one open FA(3) online session for a client."""

    def __init__(self, api: AuthorizedApi, keys: MfKeys, *, sleep: Sleep,
                 subject_identifier_validation: bool = False) -> None:
        self._api = api
        self._keys = keys
        self._sleep = sleep
        # API 2.9.0 (TEST): X-KSeF-Feature: subject-identifier-validation makes KSeF check the NIPs on
        # the session's invoices, as production always does. Opt-in: UNCONFIRMED how a deployment
        # that does not know the feature (production ran 2.8.1) answers an unknown feature name.
        self._features = {"X-KSeF-Feature": SUBJECT_IDENTIFIER_VALIDATION} if subject_identifier_validation \
            else None
        self.current: OnlineSession | None = None
        self.status_timeout = STATUS_TIMEOUT
        self._lock = asyncio.Lock()

    async def open(self) -> OnlineSession:
        """Open a new session with a fresh key and IV (21470 → refresh MF keys and retry once)."""
        aes_key, iv = new_aes_key(), new_iv()

        async def open_with(mf: MfPublicKey) -> dict[str, Any]:
            body = {"formCode": FORM_CODE_FA3,
                    "encryption": {"encryptedSymmetricKey": b64(rsa_oaep_encrypt(mf.public_key, aes_key)),
                                   "initializationVector": b64(iv), "publicKeyId": mf.public_key_id}}
            return await self._api.json("POST", "/sessions/online", json_body=body, headers=self._features)

        answer = await self._keys.with_key(SYMMETRIC_KEY_ENCRYPTION, open_with)
        reference = str(answer.get("referenceNumber") or "")
        if not reference:
            raise SessionError("KSeF nie zwrócił numeru sesji")
        valid_until = parse_datetime(answer.get("validUntil")) or now_utc() + timedelta(hours=12)
        self.current = OnlineSession(reference, valid_until, aes_key, iv)
        return self.current

    async def ensure(self) -> OnlineSession:
        """The open session, or a new one when there is none or it is close to expiry."""
        async with self._lock:  # concurrent sends share one session instead of each opening one
            if self.current is None or self.current.valid_until - now_utc() <= REOPEN_MARGIN:
                return await self.open()
            return self.current

    async def send(self, xml: bytes, *, offline_mode: bool = False,
                   hash_of_corrected_invoice: str | None = None, wait: bool = True) -> SentInvoice:
        """Send one invoice; with ``wait`` follow its status until final or ``status_timeout``.

        After the timeout the last (non-final) status is returned: the invoice is in KSeF's hands and
        must be followed with ``invoice_status``, never re-sent as new.
        """
        if not xml:
            raise SessionError("pusta faktura")
        session = await self.ensure()
        for attempt in range(2):
            prepared = prepare_invoice(session, xml, offline_mode=offline_mode,
                                       hash_of_corrected_invoice=hash_of_corrected_invoice)
            try:
                response = await self._api.request(
                    "POST", f"/sessions/online/{session.reference_number}/invoices", json_body=prepared.body)
            except KsefApiError as exc:
                # Rejected synchronously: nothing was accepted, so sending again in a new session is safe.
                if exc.code in SESSION_GONE_CODES and attempt == 0:
                    if self.current is session:
                        self.current = None
                    session = await self.ensure()
                    continue
                raise
            break
        session.sent += 1
        answer = json_object(response)
        invoice_ref = str(answer.get("referenceNumber") or "")
        if not invoice_ref:
            raise SessionError("KSeF nie zwrócił numeru referencyjnego faktury")
        first = SentInvoice(invoice_ref, session.reference_number, 100, "przyjęto do przetwarzania", [],
                            None, prepared.invoice_hash, None, None, None,
                            warnings=tuple(parse_system_warnings(response.headers.get("x-system-warning"))))
        if not wait:
            return first
        return await self.follow(session.reference_number, invoice_ref, first)

    async def follow(self, session_reference: str, invoice_reference: str,
                     last: SentInvoice | None = None) -> SentInvoice:
        """Poll the invoice status with backoff until it is final or the timeout passes; the result
        carries every distinct warning seen since ``last`` (the send answer) on the way."""
        deadline = time.monotonic() + self.status_timeout
        delay = 0.1
        seen: list[SystemWarning] = list(last.warnings) if last is not None else []
        while True:
            status = await self.status(session_reference, invoice_reference)
            seen += [w for w in status.warnings if w not in seen]
            if status.is_final or time.monotonic() > deadline:
                return dataclasses.replace(status, warnings=tuple(seen))
            await self._sleep(delay)
            delay = min(delay * 1.6, 5.0)

    async def status(self, session_reference: str, invoice_reference: str) -> SentInvoice:
        """``GET /sessions/{ref}/invoices/{invoiceRef}``; a KSeF number is checked for shape and CRC."""
        response = await self._api.request("GET",
                                           f"/sessions/{session_reference}/invoices/{invoice_reference}")
        sent = dataclasses.replace(
            SentInvoice.from_json(session_reference, json_object(response)),
            warnings=tuple(parse_system_warnings(response.headers.get("x-system-warning"))))
        if sent.ksef_number is not None and not ksef_number_is_valid(sent.ksef_number):
            raise SessionError(f"KSeF zwrócił niepoprawny numer KSeF {sent.ksef_number!r}")
        if sent.status_code == 200 and sent.ksef_number is None:
            raise SessionError("status 200 bez numeru KSeF")
        return sent

    async def close(self) -> str | None:
        """Close the current session (204); returns its reference for the session UPO later."""
        session, self.current = self.current, None
        if session is None:
            return None
        await self._api.request("POST", f"/sessions/online/{session.reference_number}/close")
        return session.reference_number

    async def session_status(self, session_reference: str) -> SessionStatus:
        """``GET /sessions/{ref}``."""
        body = await self._api.json("GET", f"/sessions/{session_reference}")
        return SessionStatus.from_json(session_reference, body)

    async def invoices(self, session_reference: str) -> list[SentInvoice]:
        """Every invoice of a session (``GET /sessions/{ref}/invoices``, continuation-token paging):
        how a caller reconciles after a send whose answer was lost, instead of sending blindly again."""
        out: list[SentInvoice] = []
        token: str | None = None
        while True:
            headers = {"x-continuation-token": token} if token else None
            body = await self._api.json("GET", f"/sessions/{session_reference}/invoices",
                                        params={"pageSize": 1000}, headers=headers)
            out += [SentInvoice.from_json(session_reference, item)
                    for item in body.get("invoices") or [] if isinstance(item, dict)]
            token = body.get("continuationToken") or None
            if not token:
                return out

    async def invoice_upo(self, session_reference: str, *, ksef_number: str | None = None,
                          invoice_reference: str | None = None) -> bytes:
        """The per-invoice UPO (XML) by KSeF number or invoice reference number."""
        if ksef_number:
            path = f"/sessions/{session_reference}/invoices/ksef/{ksef_number}/upo"
        elif invoice_reference:
            path = f"/sessions/{session_reference}/invoices/{invoice_reference}/upo"
        else:
            raise SessionError("podaj numer KSeF albo numer referencyjny faktury")
        return await self._xml(path)

    async def session_upo(self, session_reference: str) -> list[bytes]:
        """All pages of the collective session UPO (available after the session is closed and processed)."""
        status = await self.session_status(session_reference)
        return [await self._xml(f"/sessions/{session_reference}/upo/{page}") for page in status.upo_pages]

    async def _xml(self, path: str) -> bytes:
        response = await self._api.request("GET", path, headers={"Accept": "application/xml"})
        verify_hash(response.content, response.headers.get("x-ms-meta-hash"))
        return response.content


def verify_hash(content: bytes, expected: str | None) -> None:
    """A download must match its ``x-ms-meta-hash`` (a WAF page would not: docs/ksef.md#conventions)."""
    if expected and sha256_b64(content) != expected:
        raise KsefError("pobrany dokument nie zgadza się z nagłówkiem x-ms-meta-hash")
