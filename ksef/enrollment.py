"""KSeF certificate enrollment (docs/ksef.md#certificates; open-api ``/certificates/*``).

limits → enrollment data (the DN the CSR must carry) → PKCS#10 CSR → ``POST /certificates/enrollments``
→ poll ``GET /certificates/enrollments/{ref}`` → ``POST /certificates/retrieve``. Enrollment data,
enrollment and revocation need a session opened with a certificate (XAdES): after a KSeF-token login
KSeF answers 25001/25002, raised here as :class:`~ksef.errors.EnrollmentError`.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from cryptography import x509

from ksef.auth import AuthorizedApi
from ksef.certs import KeyType, PrivateKey, build_csr, generate_private_key
from ksef.errors import CertificateLimitError, EnrollmentError, KsefApiError, KsefValidationError
from ksef.http import Sleep
from ksef.models import format_datetime, parse_datetime

CertificateKind = Literal["Authentication", "Offline"]
ENROLLMENT_POLL_TIMEOUT: Final = 300.0
_NAME_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_- "
                               "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
_AUTH_METHOD_CODES: Final = (25001, 25002)
_LIMIT_CODES: Final = (25006, 25007)
_ENROLLMENT_MESSAGES: Final = {
    25001: "Dane do wniosku certyfikacyjnego są dostępne tylko po zalogowaniu certyfikatem (XAdES), "
           "nie tokenem KSeF.",
    25002: "Wniosek o certyfikat można złożyć tylko po zalogowaniu certyfikatem (XAdES), nie tokenem KSeF.",
    25003: "Dane w CSR nie zgadzają się z danymi z KSeF (GET /certificates/enrollments/data).",
    25004: "Niepoprawny format CSR lub niepoprawny podpis CSR.",
    25006: "Wykorzystano limit wniosków o certyfikat KSeF.",
    25007: "Wykorzystano limit aktywnych certyfikatów KSeF — unieważnij nieużywany certyfikat.",
    25010: "Nieprawidłowy typ lub długość klucza (dozwolone: EC P-256, RSA 2048).",
    25011: "Nieprawidłowy algorytm podpisu CSR.",
}


@dataclass(frozen=True)
class Limit:
    """One KSeF limit: how many are allowed and how many are left."""

    limit: int
    remaining: int


@dataclass(frozen=True)
class CertificateLimits:
    """``GET /certificates/limits``."""

    can_request: bool
    enrollment: Limit
    certificate: Limit


@dataclass(frozen=True)
class EnrollmentStatus:
    """``GET /certificates/enrollments/{ref}``: 100 in progress, 200 issued, 400/500/550 failed."""

    reference_number: str
    code: int
    description: str
    details: tuple[str, ...]
    serial_number: str | None
    request_date: datetime | None

    @property
    def done(self) -> bool:
        """True once the status is final."""
        return self.code != 100


@dataclass(frozen=True)
class CertificateInfo:
    """One item of ``POST /certificates/query``."""

    serial_number: str
    name: str
    cert_type: str
    common_name: str
    status: str
    valid_from: datetime | None
    valid_to: datetime | None
    request_date: datetime | None


def _limit(value: Any) -> Limit:
    data = value if isinstance(value, dict) else {}
    return Limit(int(data.get("limit") or 0), int(data.get("remaining") or 0))


def _check_name(name: str) -> None:
    if not 5 <= len(name) <= 100 or not set(name) <= _NAME_CHARS:
        raise KsefValidationError(
            f"nazwa certyfikatu {name!r}: 5–100 znaków, tylko litery (także polskie), cyfry, spacja, _ i -")


def _check_serial(serial: str) -> str:
    value = serial.strip().upper()
    if len(value) != 16 or any(ch not in "0123456789ABCDEF" for ch in value):
        raise KsefValidationError(f"numer seryjny certyfikatu {serial!r}: oczekiwano 16 cyfr szesnastkowych")
    return value


def _translate(exc: KsefApiError) -> KsefApiError | EnrollmentError:
    if exc.code in _LIMIT_CODES:
        return CertificateLimitError(_ENROLLMENT_MESSAGES[exc.code], exc.code)
    if exc.code in _ENROLLMENT_MESSAGES:
        return EnrollmentError(_ENROLLMENT_MESSAGES[exc.code], exc.code)
    return exc


class CertificateEnrollment:
    """The ``/certificates/*`` calls over an authorized API (see :class:`ksef.client.KsefClient`)."""

    def __init__(self, api: AuthorizedApi, *, sleep: Sleep) -> None:
        self._api = api
        self._sleep = sleep

    async def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return await self._api.json(method, path, **kwargs)
        except KsefApiError as exc:
            translated = _translate(exc)
            if translated is exc:
                raise
            raise translated from exc

    async def limits(self) -> CertificateLimits:
        """How many enrollments and active certificates the logged-in subject still may have."""
        body = await self._json("GET", "/certificates/limits")
        return CertificateLimits(bool(body.get("canRequest")), _limit(body.get("enrollment")),
                                 _limit(body.get("certificate")))

    async def enrollment_data(self) -> dict[str, str]:
        """The subject attributes the CSR must carry (enrollment-data field names → values)."""
        body = await self._json("GET", "/certificates/enrollments/data")
        return {key: str(value) for key, value in body.items() if isinstance(value, str) and value}

    async def enroll(self, name: str, cert_type: CertificateKind, csr_der: bytes, *,
                     valid_from: datetime | None = None) -> str:
        """Submit a CSR (DER); returns the enrollment reference number."""
        _check_name(name)
        if cert_type not in ("Authentication", "Offline"):
            raise KsefValidationError(f"typ certyfikatu {cert_type!r}: Authentication albo Offline")
        body = {"certificateName": name, "certificateType": cert_type,
                "csr": base64.b64encode(csr_der).decode("ascii"),
                "validFrom": format_datetime(valid_from) if valid_from is not None else None}
        return str((await self._json("POST", "/certificates/enrollments", json_body=body))["referenceNumber"])

    async def status(self, reference: str) -> EnrollmentStatus:
        """The enrollment status."""
        body = await self._json("GET", f"/certificates/enrollments/{reference}")
        st = body.get("status") or {}
        serial = body.get("certificateSerialNumber")
        return EnrollmentStatus(reference, int(st.get("code") or 0), str(st.get("description") or ""),
                                tuple(str(d) for d in st.get("details") or []),
                                str(serial) if serial else None, parse_datetime(body.get("requestDate")))

    async def wait(self, reference: str, *,
                   give_up_after: float = ENROLLMENT_POLL_TIMEOUT) -> EnrollmentStatus:
        """Poll until the enrollment is final; a failure raises :class:`EnrollmentError`."""
        deadline = time.monotonic() + give_up_after
        delay = 0.05
        while True:
            status = await self.status(reference)
            if status.code == 200 and status.serial_number:
                return status
            if status.done:
                raise EnrollmentError(
                    f"wniosek o certyfikat {reference} odrzucony (status {status.code}: "
                    + ("; ".join(status.details) or status.description) + ")", status.code)
            if time.monotonic() > deadline:
                raise EnrollmentError(f"wniosek o certyfikat {reference} przetwarza się zbyt długo", 100)
            await self._sleep(delay)
            delay = min(delay * 2, 2.0)

    async def retrieve(self, serials: Iterable[str]) -> list[x509.Certificate]:
        """The certificates with these serials (at most 10 per call, as KSeF allows)."""
        wanted = [_check_serial(s) for s in serials]
        found: list[x509.Certificate] = []
        for start in range(0, len(wanted), 10):
            body = await self._json("POST", "/certificates/retrieve",
                                    json_body={"certificateSerialNumbers": wanted[start:start + 10]})
            for item in body.get("certificates") or []:
                if isinstance(item, dict) and item.get("certificate"):
                    found.append(x509.load_der_x509_certificate(base64.b64decode(item["certificate"])))
        return found

    async def query(self, *, status: str | None = None, cert_type: str | None = None, name: str | None = None,
                    serial: str | None = None, expires_after: datetime | None = None,
                    page_size: int = 50) -> list[CertificateInfo]:
        """All certificates of the logged-in subject matching the filters (pages followed)."""
        body: dict[str, Any] = {}
        if status:
            body["status"] = status
        if cert_type:
            body["type"] = cert_type
        if name:
            body["name"] = name
        if serial:
            body["certificateSerialNumber"] = _check_serial(serial)
        if expires_after is not None:
            body["expiresAfter"] = format_datetime(expires_after)
        size = min(max(page_size, 10), 50)
        found: list[CertificateInfo] = []
        offset = 0
        while True:
            page = await self._json("POST", "/certificates/query", json_body=body,
                                    params={"pageSize": size, "pageOffset": offset})
            for item in page.get("certificates") or []:
                if isinstance(item, dict):
                    found.append(CertificateInfo(
                        str(item.get("certificateSerialNumber") or ""), str(item.get("name") or ""),
                        str(item.get("type") or ""), str(item.get("commonName") or ""),
                        str(item.get("status") or ""), parse_datetime(item.get("validFrom")),
                        parse_datetime(item.get("validTo")), parse_datetime(item.get("requestDate"))))
            if not page.get("hasMore"):
                return found
            offset += 1

    async def revoke(self, serial: str, reason: str | None = None) -> None:
        """Revoke a certificate (``Unspecified``, ``Superseded`` or ``KeyCompromise``)."""
        if reason is not None and reason not in ("Unspecified", "Superseded", "KeyCompromise"):
            raise KsefValidationError(f"powód unieważnienia {reason!r}: "
                                      "Unspecified, Superseded albo KeyCompromise")
        body = {"revocationReason": reason} if reason else {}
        try:
            await self._api.request("POST", f"/certificates/{_check_serial(serial)}/revoke", json_body=body)
        except KsefApiError as exc:
            if exc.code == 25008:
                raise EnrollmentError(f"certyfikat {serial} nie istnieje", exc.code) from exc
            if exc.code == 25009:
                raise EnrollmentError(f"certyfikat {serial} jest już unieważniony lub nieważny",
                                      exc.code) from exc
            translated = _translate(exc)
            if translated is exc:
                raise
            raise translated from exc

    async def obtain(self, name: str, cert_type: CertificateKind, *, key_type: KeyType = "EC",
                     wait: bool = True) -> tuple[PrivateKey, x509.Certificate | str]:
        """Limits → new key → CSR from the enrollment data → enroll → (poll → retrieve).

        Returns (private key, certificate), or (private key, enrollment reference) with ``wait=False``.
        """
        _check_name(name)
        limits = await self.limits()
        if not limits.can_request or limits.enrollment.remaining <= 0 or limits.certificate.remaining <= 0:
            which = 25006 if limits.enrollment.remaining <= 0 else 25007
            raise CertificateLimitError(_ENROLLMENT_MESSAGES[which], which)
        subject = await self.enrollment_data()
        key = generate_private_key(key_type)
        reference = await self.enroll(name, cert_type, build_csr(key, subject))
        if not wait:
            return key, reference
        status = await self.wait(reference)
        assert status.serial_number is not None
        certificates = await self.retrieve([status.serial_number])
        if not certificates:
            raise EnrollmentError(f"KSeF nie zwrócił wydanego certyfikatu {status.serial_number}")
        return key, certificates[0]
