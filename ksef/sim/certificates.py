"""KSeF certificate enrollment in the simulator (docs/ksef.md#certificates; open-api ``/certificates/*``).

``GET /certificates/limits``, ``GET /certificates/enrollments/data``, ``POST /certificates/enrollments``,
``GET /certificates/enrollments/{ref}``, ``POST /certificates/retrieve``, ``POST /certificates/query``,
``POST /certificates/{serial}/revoke``.

What the simulator's CA issued (through enrollment or ``POST /sim/certificates``), every enrollment and the
per-subject limits live in the CA's own register (:class:`EnrollingCA`), so ``--state FILE`` keeps them
together with the CA key — as a real CA keeps its database and revocation list next to its key.

Behaviour choices (UNCONFIRMED details, the safe reading):

- enrollment data, enrollment and revocation need a certificate (XAdES) login; a KSeF-token login gets
  25001 (data) / 25002 (enrollment, revocation). Limits, query and retrieve work for either login;
- the identity (and the limits) is the NIP of the context, which for a certificate login is the NIP in
  the certificate subject (``ksef.sim.auth`` checks that they match);
- the CSR subject must carry exactly the enrollment data (order and string types do not matter) → 25003;
- the enrollment stays at status 100 for ``processingDelaySeconds`` (``PUT /sim/config``), then 200;
  a key already certified for another subject ends in 400, as the status table says;
- limits per NIP: 300 enrollment requests, 100 active certificates (docs/ksef.md#certificates),
  changeable with ``PUT /sim/certificates/limits`` ``{"enrollment": n, "certificate": m}``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ksef.certs import CSR_FIELDS, serial_hex
from ksef.errors import CertificateAuthorityError
from ksef.sim.ca import IssuedCert, SimCA, cert_type
from ksef.sim.errors import ApiError, bad_request
from ksef.sim.routing import ApiRoute, Call, Runtime, json_response
from ksef.sim.state import SimState, iso, new_reference, utcnow

ENROLLMENT_LIMIT: Final = 300  # per NIP (docs/ksef.md#certificates)
CERTIFICATE_LIMIT: Final = 100  # active certificates per NIP (docs/ksef.md#certificates)
# An enrollment's status is kept 30 days, then answers 410 (docs/ksef.md#conventions).
ENROLLMENT_RETENTION: Final = timedelta(days=30)
_CERT_METHOD: Final = "InternalCertificate"  # AuthOperation.method of a XAdES login (ksef.sim.auth)
_SERIAL_RE: Final = re.compile(r"^[0-9A-F]{16}$")
_REVOCATION_REASONS: Final = ("Unspecified", "Superseded", "KeyCompromise")
_HASHES: Final = (hashes.SHA1, hashes.SHA256, hashes.SHA384, hashes.SHA512)
_FIELD_BY_OID: Final = {oid: name for name, oid in CSR_FIELDS.items()}
_VALIDATION: Final = "Błąd walidacji danych wejściowych."
_BAD_CSR: Final = "Niepoprawny format CSR lub niepoprawny podpis CSR."
_BAD_KEY: Final = "Nieprawidłowy typ lub długość klucza."


def _spki_digest(public_key: Any) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


class EnrollingCA(SimCA):
    """The simulator CA plus its register: issued certificates, enrollments, limits (all JSON-ready)."""

    def __init__(self, private_key: Any, certificate: x509.Certificate) -> None:
        super().__init__(private_key, certificate)
        # ``POST /sim/certificates`` records outside ``SimState.lock``; this lock keeps the register
        # consistent while the persistence thread copies it.
        self.lock = threading.RLock()
        self.register: dict[str, Any] = {
            "certificates": {},  # serial -> record
            "enrollments": {},  # reference -> record
            "limits": {"enrollment": ENROLLMENT_LIMIT, "certificate": CERTIFICATE_LIMIT},
        }

    def to_dict(self) -> dict[str, Any]:
        """:meth:`SimCA.to_dict` plus the register."""
        data = super().to_dict()
        with self.lock:
            data["register"] = copy.deepcopy(self.register)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EnrollingCA:
        """Restore a CA (with or without a register) saved by :meth:`to_dict`."""
        base = SimCA.from_dict(data)
        ca = cls(base.private_key, base.certificate)
        saved = data.get("register")
        if isinstance(saved, dict):
            for key in ("certificates", "enrollments", "limits"):
                if isinstance(saved.get(key), dict):
                    ca.register[key] = saved[key]
        return ca

    @classmethod
    def generate(cls, key_type: Any = "EC", *, now: datetime | None = None) -> EnrollingCA:
        """A fresh root with an empty register."""
        base = SimCA.generate(key_type, now=now)
        return cls(base.private_key, base.certificate)

    # ---- register ------------------------------------------------------------------------------

    @property
    def certificates(self) -> dict[str, dict[str, Any]]:
        """Issued certificates by serial."""
        value: dict[str, dict[str, Any]] = self.register["certificates"]
        return value

    @property
    def enrollments(self) -> dict[str, dict[str, Any]]:
        """Enrollments by reference number."""
        value: dict[str, dict[str, Any]] = self.register["enrollments"]
        return value

    def limit(self, which: str) -> int:
        """The configured enrollment or certificate limit."""
        return int(self.register["limits"][which])

    def record(
        self, cert: x509.Certificate, nip: str, name: str, *, requested: datetime | None = None
    ) -> str:
        """Put an issued certificate in the register; returns its serial."""
        serial = serial_hex(cert)
        cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        entry = {
            "serial": serial,
            "nip": nip,
            "name": name,
            "type": cert_type(cert) or "Authentication",
            "commonName": str(cn[0].value) if cn else nip,
            "der": base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii"),
            "spki": _spki_digest(cert.public_key()),
            "validFrom": cert.not_valid_before_utc.isoformat(),
            "validTo": cert.not_valid_after_utc.isoformat(),
            "requestDate": (requested or utcnow()).isoformat(),
            "status": "Active",
            "revocationReason": None,
        }
        with self.lock:
            self.certificates[serial] = entry
        return serial

    def issue(
        self,
        nip: str,
        cert_type: str,
        password: str,
        key_type: str,
        *,
        valid_from: datetime | None = None,
        valid_to: datetime | None = None,
        common_name: str | None = None,
    ) -> IssuedCert:
        """:meth:`SimCA.issue`, recorded in the register (so it can be listed and revoked)."""
        issued = super().issue(
            nip,
            cert_type,
            password,
            key_type,
            valid_from=valid_from,
            valid_to=valid_to,
            common_name=common_name,
        )
        self.record(issued.certificate, nip, f"Certyfikat {cert_type} {issued.serial_number}")
        return issued

    def status_of(self, record: dict[str, Any], now: datetime | None = None) -> str:
        """Active / Revoked / Expired."""
        if record["status"] != "Active":
            return str(record["status"])
        if _parse_time(record["validTo"]) < (now or utcnow()):
            return "Expired"
        return "Active"

    def valid_to(self, cert: x509.Certificate) -> datetime | None:
        """The end of validity the register holds (``PUT /testdata/certificates`` may have shortened
        it below the certificate's own ``notAfter``); None for a certificate not in the register."""
        record = self.certificates.get(serial_hex(cert))
        return _parse_time(record["validTo"]) if record is not None else None

    def is_revoked(self, cert: x509.Certificate) -> bool:
        """True when the register says this certificate was revoked (unknown certificates are not)."""
        record = self.certificates.get(serial_hex(cert))
        return record is not None and record["status"] in ("Revoked", "Blocked")

    def active_count(self, nip: str) -> int:
        """Active certificates of ``nip``."""
        now = utcnow()
        return sum(
            1 for r in self.certificates.values() if r["nip"] == nip and self.status_of(r, now) == "Active"
        )

    def enrollment_count(self, nip: str) -> int:
        """Enrollment requests ``nip`` has made."""
        return sum(1 for e in self.enrollments.values() if e["nip"] == nip)


# ---- helpers ---------------------------------------------------------------------------------------


def _ca(call: Call) -> EnrollingCA:
    ca = call.runtime.ca
    if not isinstance(ca, EnrollingCA):
        raise bad_request(
            21405, "Certyfikaty KSeF nie są dostępne w symulatorze.", "Brak urzędu certyfikacji."
        )
    return ca


def _certificate_login(call: Call, code: int, description: str) -> str:
    """The NIP of the caller when it logged in with a certificate; ``code`` otherwise."""
    auth = call.require_auth()
    op = call.state.auth_operations.get(auth.auth_reference)
    if op is None or op.method != _CERT_METHOD:
        raise bad_request(code, description, "Zaloguj się podpisem XAdES (certyfikatem), nie tokenem KSeF.")
    return auth.nip


def enrollment_data_for(state: SimState, nip: str) -> dict[str, str]:
    """The DN attributes the CSR of ``nip`` must carry (the subject the simulator CA uses)."""
    name = str((state.subjects.get(nip) or {}).get("name") or f"Podatnik {nip}")
    return {
        "commonName": name,
        "countryName": "PL",
        "serialNumber": f"TINPL-{nip}",
        "organizationIdentifier": f"VATPL-{nip}",
    }


def _subject_fields(name: x509.Name) -> dict[str, str] | None:
    fields: dict[str, str] = {}
    for attr in name:
        field = _FIELD_BY_OID.get(attr.oid)
        if field is None or field in fields:
            return None
        value = attr.value
        fields[field] = value if isinstance(value, str) else value.decode("utf-8", "replace")
    return fields


def _check_csr(csr_der: bytes, expected: dict[str, str]) -> x509.CertificateSigningRequest:
    try:
        csr = x509.load_der_x509_csr(csr_der)
        signature_ok = csr.is_signature_valid
    except ValueError as exc:
        raise bad_request(25004, _BAD_CSR, str(exc)) from exc
    if not signature_ok:
        raise bad_request(25004, _BAD_CSR, "Podpis CSR się nie zgadza.")
    try:
        key = csr.public_key()
    except (ValueError, TypeError) as exc:
        raise bad_request(25010, _BAD_KEY, str(exc)) from exc
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size != 2048:
            raise bad_request(25010, _BAD_KEY, f"RSA {key.key_size}: wymagane 2048.")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise bad_request(25010, _BAD_KEY, f"krzywa {key.curve.name}: wymagana P-256.")
    else:
        raise bad_request(25010, _BAD_KEY, "Dozwolone klucze: RSA 2048, EC P-256.")
    algorithm = csr.signature_hash_algorithm
    if algorithm is None or not isinstance(algorithm, _HASHES):
        raise bad_request(25011, "Nieprawidłowy algorytm podpisu CSR.", "Dozwolone skróty: SHA1/256/384/512.")
    if _subject_fields(csr.subject) != expected:
        raise bad_request(
            25003,
            "Dane w CSR nie zgadzają się z danymi w użytym wektorze uwierzytelniającym.",
            "Podmiot CSR musi zawierać dokładnie dane z GET /certificates/enrollments/data.",
        )
    return csr


def _limits_body(ca: EnrollingCA, nip: str) -> dict[str, Any]:
    enroll_left = max(ca.limit("enrollment") - ca.enrollment_count(nip), 0)
    cert_left = max(ca.limit("certificate") - ca.active_count(nip), 0)
    return {
        "canRequest": enroll_left > 0 and cert_left > 0,
        "enrollment": {"limit": ca.limit("enrollment"), "remaining": enroll_left},
        "certificate": {"limit": ca.limit("certificate"), "remaining": cert_left},
    }


_ENROLLMENT_TEXT: Final = {
    100: "Wniosek przyjęty do realizacji",
    200: "Wniosek obsłużony (certyfikat wygenerowany)",
    400: "Wniosek odrzucony",
}


def _complete_due(call: Call, ca: EnrollingCA, record: dict[str, Any]) -> None:
    """Issue the certificate once the processing delay has passed (status 100 → 200 or 400)."""
    if record["code"] != 100:
        return
    due = _parse_time(record["requestDate"]) + timedelta(seconds=call.state.config.processing_delay_seconds)
    if utcnow() < due:
        return
    csr_der = base64.b64decode(record["csr"])
    csr = x509.load_der_x509_csr(csr_der)
    spki = _spki_digest(csr.public_key())
    taken = [r for r in ca.certificates.values() if r["spki"] == spki and r["nip"] != record["nip"]]
    if taken:
        record["code"], record["details"] = (
            400,
            ["Klucz publiczny został już certyfikowany przez inny podmiot."],
        )
    elif ca.active_count(record["nip"]) >= ca.limit("certificate"):
        record["code"], record["details"] = 400, ["Osiągnięto dopuszczalny limit posiadanych certyfikatów."]
    else:
        valid_from = _parse_time(record["validFrom"]) if record.get("validFrom") else None
        try:
            cert = ca.issue_from_csr(csr_der, record["type"], nip=record["nip"], valid_from=valid_from)
        except CertificateAuthorityError as exc:
            record["code"], record["details"] = 400, [str(exc)]
        else:
            record["code"], record["serial"] = (
                200,
                ca.record(cert, record["nip"], record["name"], requested=_parse_time(record["requestDate"])),
            )
    record.pop("csr", None)
    call.state.mark_dirty()


# ---- endpoints -------------------------------------------------------------------------------------


def limits(call: Call) -> Response:
    """``GET /certificates/limits``."""
    return json_response(_limits_body(_ca(call), call.require_auth().nip))


def enrollment_data(call: Call) -> Response:
    """``GET /certificates/enrollments/data`` (certificate login only: 25001)."""
    nip = _certificate_login(
        call, 25001, "Brak możliwości pobrania danych do CSR dla wykorzystanego sposobu uwierzytelnienia."
    )
    return json_response(enrollment_data_for(call.state, nip))


def enroll(call: Call) -> Response:
    """``POST /certificates/enrollments`` → 202 ``{referenceNumber, timestamp}``."""
    nip = _certificate_login(
        call,
        25002,
        "Brak możliwości złożenia wniosku certyfikacyjnego dla wykorzystanego sposobu uwierzytelnienia.",
    )
    ca, body = _ca(call), call.json or {}
    try:
        csr_der = base64.b64decode(str(body.get("csr") or ""), validate=True)
    except ValueError as exc:
        raise bad_request(25004, _BAD_CSR, "csr to nie Base64.") from exc
    kind = body.get("certificateType")
    if kind not in ("Authentication", "Offline"):
        raise bad_request(21405, _VALIDATION, "certificateType: Authentication|Offline.")
    valid_from: datetime | None = None
    if body.get("validFrom"):
        try:
            valid_from = datetime.fromisoformat(str(body["validFrom"]).replace("Z", "+00:00"))
        except ValueError as exc:
            raise bad_request(21405, _VALIDATION, "validFrom: niepoprawna data.") from exc
        if valid_from.tzinfo is None:
            valid_from = valid_from.replace(tzinfo=UTC)
    _check_csr(csr_der, enrollment_data_for(call.state, nip))
    if ca.enrollment_count(nip) >= ca.limit("enrollment"):
        raise bad_request(25006, "Osiągnięto limit możliwych do złożenia wniosków certyfikacyjnych.")
    if ca.active_count(nip) >= ca.limit("certificate"):
        raise bad_request(25007, "Osiągnięto limit dopuszczalnej liczby posiadanych certyfikatów.")
    now = utcnow()
    reference = new_reference("EH", now)
    ca.enrollments[reference] = {
        "reference": reference,
        "nip": nip,
        "name": str(body.get("certificateName") or ""),
        "type": kind,
        "csr": base64.b64encode(csr_der).decode("ascii"),
        "validFrom": valid_from.isoformat() if valid_from else None,
        "requestDate": now.isoformat(),
        "code": 100,
        "details": [],
        "serial": None,
    }
    call.state.mark_dirty()
    return json_response({"referenceNumber": reference, "timestamp": iso(now)}, 202)


def enrollment_status(call: Call) -> Response:
    """``GET /certificates/enrollments/{referenceNumber}``."""
    ca, nip = _ca(call), call.require_auth().nip
    record = ca.enrollments.get(call.param("referenceNumber"))
    if record is None or record["nip"] != nip:
        raise bad_request(25005, "Wniosek certyfikacyjny o podanym numerze referencyjnym nie istnieje.")
    requested = _parse_time(record["requestDate"])
    if utcnow() - requested > ENROLLMENT_RETENTION:
        raise ApiError(410, None, "Operacja wygasła i jej status nie jest już dostępny.")
    _complete_due(call, ca, record)
    status: dict[str, Any] = {"code": record["code"], "description": _ENROLLMENT_TEXT.get(record["code"], "")}
    if record["details"]:
        status["details"] = record["details"]
    body: dict[str, Any] = {"requestDate": iso(requested), "status": status}
    if record.get("serial"):
        body["certificateSerialNumber"] = record["serial"]
    return json_response(body)


def retrieve(call: Call) -> Response:
    """``POST /certificates/retrieve``: the caller's certificates by serial, DER in Base64."""
    ca, nip = _ca(call), call.require_auth().nip
    serials = (call.json or {}).get("certificateSerialNumbers") or []
    if not isinstance(serials, list) or not 1 <= len(serials) <= 10:
        raise bad_request(21405, _VALIDATION, "certificateSerialNumbers: 1..10 numerów.")
    found = []
    for serial in serials:
        record = ca.certificates.get(str(serial))
        if record is not None and record["nip"] == nip:
            found.append(
                {
                    "certificate": record["der"],
                    "certificateName": record["name"],
                    "certificateSerialNumber": record["serial"],
                    "certificateType": record["type"],
                }
            )
    return json_response({"certificates": found})


def _page(call: Call) -> tuple[int, int]:
    try:
        size = int(call.request.query_params.get("pageSize", "10"))
        offset = int(call.request.query_params.get("pageOffset", "0"))
    except ValueError as exc:
        raise bad_request(21405, _VALIDATION, "pageSize/pageOffset: liczby.") from exc
    if not 10 <= size <= 50 or offset < 0:
        raise bad_request(21405, _VALIDATION, "pageSize 10..50, pageOffset >= 0.")
    return size, offset


def query(call: Call) -> Response:
    """``POST /certificates/query``: filters serial/name/type/status/expiresAfter; newest request first."""
    ca, nip = _ca(call), call.require_auth().nip
    body = call.json or {}
    size, offset = _page(call)
    now = utcnow()
    expires_after = None
    if body.get("expiresAfter"):
        try:
            expires_after = datetime.fromisoformat(str(body["expiresAfter"]).replace("Z", "+00:00"))
        except ValueError as exc:
            raise bad_request(21405, _VALIDATION, "expiresAfter: niepoprawna data.") from exc
        if expires_after.tzinfo is None:
            expires_after = expires_after.replace(tzinfo=UTC)
    items = []
    for record in ca.certificates.values():
        status = ca.status_of(record, now)
        if record["nip"] != nip:
            continue
        if body.get("certificateSerialNumber") and record["serial"] != body["certificateSerialNumber"]:
            continue
        if body.get("name") and str(body["name"]).lower() not in record["name"].lower():
            continue
        if body.get("type") and record["type"] != body["type"]:
            continue
        if body.get("status") and status != body["status"]:
            continue
        if expires_after is not None and _parse_time(record["validTo"]) <= expires_after:
            continue
        items.append((record, status))
    items.sort(key=lambda pair: pair[0]["requestDate"], reverse=True)
    page = items[offset * size : (offset + 1) * size]
    return json_response(
        {
            "certificates": [
                {
                    "certificateSerialNumber": r["serial"],
                    "name": r["name"],
                    "type": r["type"],
                    "commonName": r["commonName"],
                    "status": status,
                    "subjectIdentifier": {"type": "Nip", "value": r["nip"]},
                    "validFrom": iso(_parse_time(r["validFrom"])),
                    "validTo": iso(_parse_time(r["validTo"])),
                    "requestDate": iso(_parse_time(r["requestDate"])),
                }
                for r, status in page
            ],
            "hasMore": len(items) > (offset + 1) * size,
        }
    )


def revoke(call: Call) -> Response:
    """``POST /certificates/{certificateSerialNumber}/revoke`` → 204 (certificate login only)."""
    nip = _certificate_login(call, 25002, "Operacja niedostępna dla wykorzystanego sposobu uwierzytelnienia.")
    ca = _ca(call)
    serial = call.param("certificateSerialNumber")
    record = ca.certificates.get(serial) if _SERIAL_RE.match(serial) else None
    if record is None or record["nip"] != nip:
        raise bad_request(25008, "Certyfikat o podanym numerze seryjnym nie istnieje.")
    if ca.status_of(record) != "Active":
        raise bad_request(
            25009,
            "Nie można odwołać wskazanego certyfikatu, ponieważ jest już odwołany, zablokowany lub nieważny.",
        )
    reason = (call.json or {}).get("revocationReason") or "Unspecified"
    if reason not in _REVOCATION_REASONS:
        raise bad_request(21405, _VALIDATION, f"revocationReason: {', '.join(_REVOCATION_REASONS)}.")
    record["status"], record["revocationReason"] = "Revoked", reason
    call.state.mark_dirty()
    return Response(status_code=204)


def shorten_test_certificate(call: Call) -> Response:
    """TEST-only ``PUT /testdata/certificates/{serialNumber}`` (API 2.7.0): a new, not later ``validTo``
    for a certificate of the authenticated subject, e.g. to try expiry reminders (25008 when the
    subject has no such certificate)."""
    ca, nip = _ca(call), call.require_auth().nip
    serial = call.param("serialNumber")
    record = ca.certificates.get(serial) if _SERIAL_RE.match(serial) else None
    if record is None or record["nip"] != nip:
        raise bad_request(25008, "Certyfikat o podanym numerze seryjnym nie istnieje.")
    raw = str((call.json or {}).get("validTo") or "")
    try:
        valid_to = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_request(21405, _VALIDATION, f"validTo: niepoprawna data {raw!r}.") from exc
    if valid_to.tzinfo is None:
        valid_to = valid_to.replace(tzinfo=UTC)
    if valid_to > _parse_time(record["validTo"]):
        raise bad_request(21405, _VALIDATION, "validTo nie może być późniejsza niż obecna data ważności.")
    with ca.lock:
        record["validTo"] = valid_to.astimezone(UTC).isoformat()
    call.state.mark_dirty()
    return Response(status_code=200)


ROUTES = [
    ApiRoute("GET", "/certificates/limits", limits),
    ApiRoute("GET", "/certificates/enrollments/data", enrollment_data),
    ApiRoute("POST", "/certificates/enrollments", enroll),
    ApiRoute("GET", "/certificates/enrollments/{referenceNumber}", enrollment_status),
    ApiRoute("POST", "/certificates/retrieve", retrieve),
    ApiRoute("POST", "/certificates/query", query),
    ApiRoute("POST", "/certificates/{certificateSerialNumber}/revoke", revoke),
    ApiRoute("PUT", "/testdata/certificates/{serialNumber}", shorten_test_certificate),
]


def admin_routes(runtime: Runtime) -> list[BaseRoute]:
    """``GET|PUT /sim/certificates/limits``: the per-NIP enrollment and certificate limits."""

    async def endpoint(request: Request) -> Response:
        ca = runtime.ca
        if not isinstance(ca, EnrollingCA):
            return JSONResponse({"error": "urząd certyfikacji symulatora nie jest dostępny"}, status_code=501)
        if request.method == "PUT":
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse({"error": "oczekiwano obiektu JSON"}, status_code=400)
            if not isinstance(body, dict) or set(body) - {"enrollment", "certificate"}:
                return JSONResponse({"error": "dozwolone klucze: enrollment, certificate"}, status_code=400)
            for key, value in body.items():
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    return JSONResponse({"error": f"{key} musi być liczbą całkowitą >= 0"}, status_code=400)
            with runtime.state.lock:
                ca.register["limits"].update(body)
                runtime.state.mark_dirty()
        return JSONResponse(dict(ca.register["limits"]))

    return [Route("/sim/certificates/limits", endpoint, methods=["GET", "PUT"])]
