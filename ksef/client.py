"""``KsefClient``: the one object callers use to talk to KSeF 2.0 with a KSeF token or a KSeF certificate.

Example::

    async with KsefClient("test", nip="5265877635", token=token) as client:
        await client.check_token(required=("InvoiceRead",))
        batch = await client.received_since(cursor)

    cert = load_key_pair(key_pem, cert_pem, password)          # an Authentication certificate
    async with KsefClient("test", nip="5265877635", certificate=cert) as client:
        key, offline_cert = await client.obtain_offline_certificate("Faktury offline")
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Literal, overload

import httpx
from cryptography import x509

from ksef.auth import AuthorizedApi, TokenAuthenticator, token_reference
from ksef.certs import KeyType, KsefCertificate, PrivateKey
from ksef.collective import (
    CollectiveIdentifier,
    CollectiveIdentifierInvoice,
    CollectiveIdentifiers,
    CollectiveInvoice,
)
from ksef.enrollment import (
    CertificateEnrollment,
    CertificateInfo,
    CertificateKind,
    CertificateLimits,
    EnrollmentStatus,
)
from ksef.environments import Environment, resolve_environment
from ksef.errors import (
    AuthenticationError,
    ErrorCode,
    KsefApiError,
    KsefValidationError,
    MissingPermissionsError,
    TokenRevokedError,
)
from ksef.http import HttpTransport, RateLimitHook, Sleep, WarningHook
from ksef.identifiers import ksef_number_is_valid, nip_is_valid, normalize_nip
from ksef.limits import Limit, LimitChange, RateLimits
from ksef.mfkeys import MfKeys
from ksef.models import AuthInfo, ReceivedBatch, SentInvoice, SessionStatus, TokenInfo, format_datetime
from ksef.ratelimit import RateLimiter, SharedRateLimits
from ksef.session import OnlineSessions, verify_hash
from ksef.sync import ReceivedSync

DEFAULT_PERMISSIONS = ("InvoiceRead", "InvoiceWrite")
# 21165 "processed, not downloadable yet": the storage that follows acceptance takes a moment
NOT_YET_AVAILABLE_WAITS = (0.2, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class RateLimitsUpdate:
    """What :meth:`KsefClient.refresh_rate_limits` read and which groups changed (empty: none)."""

    limits: RateLimits
    changes: list[LimitChange]

    def changed(self, group: str) -> LimitChange | None:
        """The change of ``group`` (e.g. ``"global"``), if its figures changed."""
        return next((c for c in self.changes if c.group == group), None)


class KsefClient:
    """Async KSeF client for one NIP context.

    ``pace``: wait locally rather than exceed the published limits (set False only against a simulator
    with limits off); ``max_wait``: the longest wait (pacing or ``Retry-After``) done silently before
    :class:`RateLimitedError` is raised instead. Log in with either ``token`` (a KSeF token) or
    ``certificate`` (a KSeF Authentication certificate from :func:`ksef.certs.load_key_pair`; XAdES login,
    which certificate enrollment requires). An Offline certificate is refused here with
    :class:`~ksef.errors.CertificateRejectedError`.

    Rate limits: ``shared_limits`` (a :class:`~ksef.ratelimit.SharedRateLimits`, one per environment,
    shared by every client of the process like ``http=shared_http_client()``) holds the figures and
    the per-IP ``global``/``anonymous`` windows, so all companies of a process stay under one
    ``global`` budget; without it the client has its own. ``limits`` gives private figures instead
    (tests). ``on_warning(warning, method, path)`` sees every ``X-System-Warning`` (e.g. for metrics),
    ``on_rate_limited(error, method, path)`` every 429 (also those waited out and retried).
    ``subject_identifier_validation`` opens sessions asking KSeF to check the invoices' NIPs (2.9.0).
    """

    def __init__(self, env_or_url: str | Environment, *, nip: str, token: str | None = None,
                 certificate: KsefCertificate | None = None,
                 http: httpx.AsyncClient | None = None, timeout: float = 30.0, pace: bool = True,
                 max_wait: float = 30.0, max_retries: int = 3, limits: Mapping[str, Limit] | None = None,
                 shared_limits: SharedRateLimits | None = None, on_warning: WarningHook | None = None,
                 on_rate_limited: RateLimitHook | None = None, subject_identifier_validation: bool = False,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.environment = env_or_url if isinstance(env_or_url, Environment) \
            else resolve_environment(env_or_url)
        clean = normalize_nip(nip)
        if not nip_is_valid(clean):
            raise KsefValidationError(f"niepoprawny NIP: {nip!r}")
        if limits is not None and shared_limits is not None:
            raise KsefValidationError("podaj limits albo shared_limits, nie oba naraz")
        self.nip = clean
        self._token = token
        self._sleep = sleep
        self.limiter = RateLimiter(limits, shared=shared_limits)
        self._transport = HttpTransport(self.environment.api_base, http=http, timeout=timeout,
                                        limiter=self.limiter, pace=pace, max_retries=max_retries,
                                        max_wait=max_wait, sleep=sleep, on_warning=on_warning,
                                        on_rate_limited=on_rate_limited)
        self.keys = MfKeys(self._transport)
        if token is not None and certificate is not None:
            raise KsefValidationError("podaj token KSeF albo certyfikat, nie oba naraz")
        self._auth = TokenAuthenticator(self._transport, self.keys, nip=clean, token=token, sleep=sleep,
                                        certificate=certificate)
        self._api = AuthorizedApi(self._transport, self._auth)
        self.sessions = OnlineSessions(self._api, self.keys, sleep=sleep,
                                       subject_identifier_validation=subject_identifier_validation)
        self._sync = ReceivedSync(self._api)
        self._certificates = CertificateEnrollment(self._api, sleep=sleep)
        self._collective = CollectiveIdentifiers(self._api)

    def __repr__(self) -> str:
        return f"KsefClient({self.environment.api_base!r}, nip={self.nip!r})"

    async def __aenter__(self) -> KsefClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Release the HTTP client (if created here). An open session is left to expire or be closed."""
        await self._transport.aclose()

    # --- authentication -------------------------------------------------------------------------

    async def authenticate(self) -> AuthInfo:
        """Challenge → encrypted token or signed AuthTokenRequest → poll → redeem; raises an
        :class:`AuthenticationError` subclass (certificate problems: ``CertificateRejectedError``)."""
        return await self._auth.authenticate()

    async def check_token(self, required: Iterable[str] = DEFAULT_PERMISSIONS) -> TokenInfo:
        """Read our own token (``GET /tokens/{ref}``) and check it holds ``required`` permissions."""
        if not self._token:
            raise KsefValidationError("brak tokenu KSeF")
        body = await self._api.json("GET", f"/tokens/{token_reference(self._token)}")
        info = TokenInfo.from_json(body)
        if info.status in ("Revoking", "Revoked", "Failed"):
            raise TokenRevokedError(f"token KSeF ma status {info.status}")
        if info.status and info.status != "Active":  # Pending: created, not usable yet
            raise AuthenticationError(f"token KSeF nie jest jeszcze aktywny (status {info.status})")
        missing = frozenset(required) - info.permissions
        if missing:
            raise MissingPermissionsError(missing)
        return info

    # --- receiving ------------------------------------------------------------------------------

    async def received_since(self, cursor: str | None, *, subject_type: str = "Subject2",
                             start: datetime | None = None, up_to_now: bool = False) -> ReceivedBatch:
        """Everything stored since ``cursor`` (or since ``start``, default one day back), each invoice
        once; persist ``next_cursor`` after handling the invoices. ``up_to_now``: also what KSeF stored
        after its high-water mark (a user's "check now"); those come again next time (de-duplicate)."""
        return await self._sync.received_since(cursor, subject_type=subject_type, start=start,
                                               up_to_now=up_to_now)

    async def download_invoice(self, ksef_number: str) -> bytes:
        """The invoice XML by KSeF number (hash checked against ``x-ms-meta-hash`` when present).

        21165 (accepted, not stored yet: right after sending) is waited out briefly before it is raised.
        """
        if not ksef_number_is_valid(ksef_number):
            raise KsefValidationError(f"niepoprawny numer KSeF: {ksef_number!r}")
        for pause in (*NOT_YET_AVAILABLE_WAITS, None):
            try:
                response = await self._api.request("GET", f"/invoices/ksef/{ksef_number}",
                                                   headers={"Accept": "application/xml"})
                break
            except KsefApiError as exc:
                if exc.code != ErrorCode.INVOICE_NOT_YET_AVAILABLE or pause is None:
                    raise
                await self._sleep(pause)
        verify_hash(response.content, response.headers.get("x-ms-meta-hash"))
        return response.content

    # --- sending --------------------------------------------------------------------------------

    async def send_invoice(self, xml: bytes, *, offline_mode: bool = False,
                           hash_of_corrected_invoice: str | None = None, wait: bool = True) -> SentInvoice:
        """Send FA(3) XML bytes exactly as given in the current online session (opened on demand)."""
        return await self.sessions.send(xml, offline_mode=offline_mode,
                                        hash_of_corrected_invoice=hash_of_corrected_invoice, wait=wait)

    async def invoice_status(self, session_reference: str, invoice_reference: str) -> SentInvoice:
        """Current status of a sent invoice."""
        return await self.sessions.status(session_reference, invoice_reference)

    async def session_invoices(self, session_reference: str) -> list[SentInvoice]:
        """All invoices sent in a session with their statuses (find one by ``invoice_hash``)."""
        return await self.sessions.invoices(session_reference)

    async def get_invoice_upo(self, session_reference: str, *, ksef_number: str | None = None,
                              invoice_reference: str | None = None) -> bytes:
        """Per-invoice UPO XML."""
        return await self.sessions.invoice_upo(session_reference, ksef_number=ksef_number,
                                               invoice_reference=invoice_reference)

    async def close_session(self) -> str | None:
        """Close the current online session; returns its reference (for :meth:`get_session_upo`)."""
        return await self.sessions.close()

    async def session_status(self, session_reference: str) -> SessionStatus:
        """``GET /sessions/{ref}``."""
        return await self.sessions.session_status(session_reference)

    async def get_session_upo(self, session_reference: str) -> list[bytes]:
        """Pages of the collective UPO of a closed session."""
        return await self.sessions.session_upo(session_reference)

    async def find_sessions(self, *, created_from: datetime | None = None,
                            limit: int = 100) -> list[str]:
        """Reference numbers of our online sessions, newest KSeF lists first (``GET /sessions``)."""
        params: dict[str, str | int] = {"sessionType": "Online", "pageSize": min(max(limit, 10), 1000)}
        if created_from is not None:
            params["dateCreatedFrom"] = format_datetime(created_from)
        found: list[str] = []
        token: str | None = None
        while len(found) < limit:
            headers = {"x-continuation-token": token} if token else None
            body = await self._api.json("GET", "/sessions", params=params, headers=headers)
            items = body.get("sessions") or []
            found += [str(s.get("referenceNumber")) for s in items if isinstance(s, dict)]
            token = body.get("continuationToken") or None
            if not token:
                break
        return found[:limit]

    # --- KSeF certificates (enrollment needs a certificate login) ----------------------------------

    async def certificate_limits(self) -> CertificateLimits:
        """``GET /certificates/limits``."""
        return await self._certificates.limits()

    async def enrollment_data(self) -> dict[str, str]:
        """``GET /certificates/enrollments/data``: the subject fields the CSR must carry."""
        return await self._certificates.enrollment_data()

    async def enroll_certificate(self, name: str, cert_type: CertificateKind, csr_der: bytes,
                                 valid_from: datetime | None = None) -> str:
        """``POST /certificates/enrollments``; returns the enrollment reference number."""
        return await self._certificates.enroll(name, cert_type, csr_der, valid_from=valid_from)

    async def enrollment_status(self, reference: str) -> EnrollmentStatus:
        """``GET /certificates/enrollments/{ref}``."""
        return await self._certificates.status(reference)

    async def wait_for_enrollment(self, reference: str) -> EnrollmentStatus:
        """Poll an enrollment until it is final; raises :class:`EnrollmentError` when it fails."""
        return await self._certificates.wait(reference)

    async def retrieve_certificates(self, serials: Iterable[str]) -> list[x509.Certificate]:
        """``POST /certificates/retrieve``."""
        return await self._certificates.retrieve(serials)

    async def query_certificates(self, *, status: str | None = None, cert_type: str | None = None,
                                 name: str | None = None, serial: str | None = None,
                                 expires_after: datetime | None = None) -> list[CertificateInfo]:
        """``POST /certificates/query`` (all pages)."""
        return await self._certificates.query(status=status, cert_type=cert_type, name=name, serial=serial,
                                              expires_after=expires_after)

    async def revoke_certificate(self, serial: str, reason: str | None = None) -> None:
        """``POST /certificates/{serial}/revoke``."""
        await self._certificates.revoke(serial, reason)

    @overload
    async def obtain_offline_certificate(self, name: str, *, key_type: KeyType = ...,
                                         wait: Literal[True] = ...
                                         ) -> tuple[PrivateKey, x509.Certificate]: ...

    @overload
    async def obtain_offline_certificate(self, name: str, *, key_type: KeyType = ...,
                                         wait: Literal[False]) -> tuple[PrivateKey, str]: ...

    async def obtain_offline_certificate(self, name: str, *, key_type: KeyType = "EC",
                                         wait: bool = True) -> tuple[PrivateKey, x509.Certificate | str]:
        """A new Offline certificate for KOD II: limits → new key → CSR from the enrollment data →
        enroll → poll → retrieve. Returns (private key, certificate); with ``wait=False`` (private key,
        enrollment reference) right after submitting — keep the key, then :meth:`wait_for_enrollment`
        and :meth:`retrieve_certificates`. Needs a certificate login; limits exhausted raise
        :class:`~ksef.errors.CertificateLimitError`, other refusals :class:`EnrollmentError`."""
        return await self._certificates.obtain(name, "Offline", key_type=key_type, wait=wait)

    # --- collective identifiers (IZ) ----------------------------------------------------------------

    async def create_collective_identifier(self, invoices: Sequence[CollectiveInvoice | str]) -> str:
        """``POST /collective-identifiers``: a new IZ for invoices of one seller (KSeF numbers, or
        :class:`~ksef.collective.CollectiveInvoice` with amount and description); returns its number.
        KSeF's refusals: :class:`~ksef.errors.CollectiveIdentifierError` (71001/71002/71004/71005)."""
        return await self._collective.create(invoices)

    async def query_collective_identifiers(self, created_from: datetime, created_to: datetime, *,
                                           number: str | None = None, invoice_count_from: int | None = None,
                                           invoice_count_to: int | None = None,
                                           created_in_current_context: bool | None = None
                                           ) -> list[CollectiveIdentifier]:
        """``POST /collective-identifiers/query``: IZs of this context created in the range, newest first."""
        return await self._collective.query(created_from, created_to, number=number,
                                            invoice_count_from=invoice_count_from,
                                            invoice_count_to=invoice_count_to,
                                            created_in_current_context=created_in_current_context)

    async def collective_identifiers_of(self, ksef_number: str) -> list[CollectiveIdentifier]:
        """``GET /collective-identifiers/ksef/{ksefNumber}``: the IZs an invoice belongs to."""
        return await self._collective.of_invoice(ksef_number)

    async def collective_identifier_invoices(self, numbers: Iterable[str]
                                             ) -> list[CollectiveIdentifierInvoice]:
        """``POST /collective-identifiers/invoices``: the invoices of the given IZs."""
        return await self._collective.invoices(numbers)

    # --- pacing ---------------------------------------------------------------------------------

    def seconds_until_allowed(self, group: str) -> float:
        """Seconds before a request of ``group`` (see :func:`ksef.limits.endpoint_group`) fits the
        limits in force (the group's and the process-wide ``global``), given what was sent and any
        ``Retry-After`` KSeF gave."""
        return self.limiter.seconds_until_allowed(group)

    @property
    def shared_limits(self) -> SharedRateLimits:
        """The rate-limit figures and per-IP windows this client uses (shared or its own)."""
        return self.limiter.shared

    async def rate_limits(self) -> RateLimits:
        """``GET /rate-limits``: the limits KSeF applies to this context now (read only)."""
        return RateLimits.from_json(await self._api.json("GET", "/rate-limits"))

    async def refresh_rate_limits(self) -> RateLimitsUpdate:
        """Read ``GET /rate-limits`` and pace by those figures from now on (for every client sharing
        :attr:`shared_limits`); the answer says which groups changed, e.g. ``global``."""
        read = await self.rate_limits()
        # A group KSeF leaves out keeps the figures we had: never stop pacing a group by omission.
        limits = RateLimits({**self.limiter.limits, **read})
        return RateLimitsUpdate(limits, self.limiter.shared.update(limits))
