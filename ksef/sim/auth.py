"""Authentication: challenge, KSeF-token and XAdES login, status, redeem, refresh, revoke
(docs/ksef.md#authentication)."""

from __future__ import annotations

import importlib
import logging
from datetime import datetime, timedelta
from typing import Any

from cryptography.x509.oid import NameOID
from starlette.responses import Response

from ksef.crypto import b64decode, rsa_oaep_decrypt, sha256_b64
from ksef.sim import jwt
from ksef.sim.errors import bad_request
from ksef.sim.keys import private_key
from ksef.sim.routing import ApiRoute, Call, json_response
from ksef.sim.state import AuthOperation, SimState, iso, new_reference, utcnow
from ksef.sim.tokens import PERMISSIONS

log = logging.getLogger(__name__)

CHALLENGE_TTL = timedelta(minutes=10)
OPERATION_TOKEN_TTL = timedelta(seconds=2700)  # example JWT lifetime in the docs (UNCONFIRMED as a rule)
REFRESH_TOKEN_TTL = timedelta(days=7)

_STATUS_TEXT = {
    100: "Uwierzytelnianie w toku",
    200: "Uwierzytelnianie zakończone sukcesem",
    415: "Uwierzytelnianie zakończone niepowodzeniem z powodu braku nadanych uprawnień",
    450: "Uwierzytelnianie zakończone niepowodzeniem z powodu błędnego tokenu",
    460: "Uwierzytelnianie zakończone niepowodzeniem z powodu błędu certyfikatu",
}
_METHOD_INFO = {
    "Token": {"category": "Token", "code": "token.ksef", "displayName": "Token KSeF"},
    "InternalCertificate": {
        "category": "XadesSignature",
        "code": "certificate.ksef",
        "displayName": "Certyfikat KSeF",
    },
}


def challenge(call: Call) -> Response:
    """``POST /auth/challenge``: a challenge valid 10 minutes."""
    now = utcnow()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # timestampMs must be exact
    value = new_reference("CR", now)
    state = call.state
    state.challenges = {c: t for c, t in state.challenges.items() if now - t < CHALLENGE_TTL}
    state.challenges[value] = now
    state.mark_dirty()
    client = call.request.client.host if call.request.client else "127.0.0.1"
    return json_response(
        {
            "challenge": value,
            "timestamp": iso(now),
            "timestampMs": int(now.timestamp() * 1000),
            "clientIp": client,
        }
    )


def _take_challenge(state: SimState, value: str) -> datetime:
    issued = state.challenges.pop(value, None)
    if issued is None or utcnow() - issued >= CHALLENGE_TTL:
        raise bad_request(
            21111, "Nieprawidłowe wyzwanie autoryzacyjne.", f"Wyzwanie {value} nie istnieje lub wygasło."
        )
    state.mark_dirty()
    return issued


def _context_nip(body: dict[str, Any]) -> str:
    ctx = body.get("contextIdentifier") or {}
    if ctx.get("type") != "Nip":
        raise bad_request(
            21405, "Błąd walidacji danych wejściowych.", "Symulator obsługuje tylko kontekst typu Nip."
        )
    return str(ctx.get("value"))


def _new_operation(
    state: SimState,
    nip: str,
    method: str,
    code: int,
    details: list[str],
    permissions: list[str],
    token_reference: str | None,
) -> dict[str, Any]:
    now = utcnow()
    op = AuthOperation(
        reference_number=new_reference("AU", now),
        nip=nip,
        started=now,
        method=method,
        status_code=code,
        status_description=_STATUS_TEXT[code],
        status_details=details,
        permissions=permissions,
        token_reference=token_reference,
    )
    state.auth_operations[op.reference_number] = op
    expires = now + OPERATION_TOKEN_TTL
    token = jwt.issue(state, "operation", op, now, expires)
    state.mark_dirty()
    return {
        "referenceNumber": op.reference_number,
        "authenticationToken": {"token": token, "validUntil": iso(expires)},
    }


def ksef_token(call: Call) -> Response:
    """``POST /auth/ksef-token``: decrypt ``token|timestampMs`` and check it (outcome in the status)."""
    state, body = call.state, call.json or {}
    issued = _take_challenge(state, str(body.get("challenge")))
    nip = _context_nip(body)
    key = state.key_for("KsefTokenEncryption")
    if body.get("publicKeyId"):
        chosen = state.key_by_id(body["publicKeyId"])
        if chosen is None or chosen.usage != "KsefTokenEncryption":
            raise bad_request(
                21470,
                "Nieznany lub wycofany identyfikator klucza publicznego.",
                f"publicKeyId {body['publicKeyId']} nie wskazuje klucza KsefTokenEncryption.",
            )
        key = chosen
    code, details, permissions, token_ref = 200, [], [], None
    try:
        plain = rsa_oaep_decrypt(private_key(key), b64decode(body.get("encryptedToken", ""))).decode("utf-8")
        secret, _, stamp = plain.rpartition("|")
    except ValueError:
        secret, stamp = "", ""
    expected_ms = int(issued.timestamp() * 1000)
    token = state.token_by_secret(secret) if secret else None
    if not secret:
        code, details = 450, ["Nieprawidłowy token (nie udało się odszyfrować)."]
    elif stamp != str(expected_ms):
        code, details = 450, ["Nieprawidłowy czas tokena (nie odpowiada czasowi wyzwania)."]
    elif token is None:
        code, details = 450, ["Nieprawidłowy token."]
    elif token.status == "Revoked":
        code, details = 450, ["Token unieważniony."]
    elif token.status != "Active":
        code, details = 450, ["Token nieaktywny."]
    elif token.nip != nip:
        # A token outside the requested context is a bad token (450), not missing rights
        # (docs/ksef.md#authentication).
        code, details = 450, [f"Nieprawidłowy token: token nie należy do kontekstu NIP {nip}."]
    elif not token.permissions:
        code, details = 415, ["Token nie ma żadnych uprawnień."]
    else:
        permissions, token_ref = list(token.permissions), token.reference_number
        token.last_use = utcnow()
    return json_response(_new_operation(state, nip, "Token", code, details, permissions, token_ref), 202)


def xades_signature(call: Call) -> Response:
    """``POST /auth/xades-signature``: needs ``ksef.xades`` and the simulator CA (``ksef.sim.ca``)."""
    try:
        xades = importlib.import_module("ksef.xades")
    except ImportError as exc:
        raise bad_request(
            21405,
            "Uwierzytelnianie podpisem XAdES nie jest dostępne w symulatorze.",
            "Brak modułu ksef.xades.",
        ) from exc
    ca = call.runtime.ca
    if ca is None:
        raise bad_request(
            21405,
            "Uwierzytelnianie podpisem XAdES nie jest dostępne w symulatorze.",
            "Brak urzędu certyfikacji symulatora (ksef.sim.ca).",
        )
    try:
        verified = xades.verify_signed_auth_request(call.body)
    except xades.XadesError as exc:
        raise bad_request(
            21401, "Dokument nie jest zgodny ze schematem lub podpis jest nieprawidłowy.", str(exc)
        ) from exc
    state = call.state
    _take_challenge(state, verified.challenge)
    cert = verified.certificate
    register_end = ca.valid_to(cert) if getattr(ca, "valid_to", None) is not None else None
    if register_end is not None and register_end < utcnow():
        # shortened by PUT /testdata/certificates: refused like a certificate past its notAfter
        raise bad_request(
            21401,
            "Dokument nie jest zgodny ze schematem lub podpis jest nieprawidłowy.",
            f"certyfikat wygasł {register_end.isoformat()}",
        )
    code, details, permissions = 200, [], list(PERMISSIONS)
    ca_module = importlib.import_module("ksef.sim.ca")
    if not ca.is_issued_by(cert):
        code, details, permissions = 460, ["Certyfikat nie został wystawiony przez KSeF."], []
    elif getattr(ca, "is_revoked", None) is not None and ca.is_revoked(cert):
        code, details, permissions = 460, ["Certyfikat został unieważniony."], []
    elif ca_module.cert_type(cert) != "Authentication":
        code, details, permissions = 460, ["Certyfikat nie jest certyfikatem typu Authentication."], []
    elif _subject_nip(xades, cert) != verified.context_nip:
        code, details, permissions = 415, [f"Brak uprawnień w kontekście NIP {verified.context_nip}."], []
    result = _new_operation(
        state, verified.context_nip, "InternalCertificate", code, details, permissions, None
    )
    log.info(
        "XAdES authentication %s for %s: %s (%s)",
        result["referenceNumber"],
        verified.context_nip,
        code,
        sha256_b64(call.body)[:8],
    )
    return json_response(result, 202)


def _subject_nip(xades: Any, cert: Any) -> str | None:
    """The NIP in the certificate subject (``ksef.xades.certificate_subject_nip`` when available)."""
    helper = getattr(xades, "certificate_subject_nip", None)
    if helper is not None:
        value = helper(cert)
        return str(value) if value else None
    for oid in (NameOID.ORGANIZATION_IDENTIFIER, NameOID.SERIAL_NUMBER):
        for attr in cert.subject.get_attributes_for_oid(oid):
            digits = "".join(ch for ch in str(attr.value) if ch.isdigit())
            if len(digits) == 10:
                return digits
    return None


def _operation(call: Call) -> AuthOperation:
    auth = call.require_auth()
    op = call.state.auth_operations.get(auth.auth_reference)
    assert op is not None
    return op


def status(call: Call) -> Response:
    """``GET /auth/{referenceNumber}``."""
    op = _operation(call)
    if call.param("referenceNumber") != op.reference_number:
        raise bad_request(
            21304, "Brak uwierzytelnienia.", "Operacja uwierzytelnienia o tym numerze nie istnieje."
        )
    info = _METHOD_INFO.get(op.method, _METHOD_INFO["Token"])
    body: dict[str, Any] = {
        "startDate": iso(op.started),
        "authenticationMethod": op.method,
        "authenticationMethodInfo": info,
        "status": {
            "code": op.status_code,
            "description": op.status_description,
            "details": op.status_details,
        },
        "isTokenRedeemed": op.redeemed,
        "lastTokenRefreshDate": iso(op.last_refresh) if op.last_refresh else None,
        "refreshTokenValidUntil": iso(op.refresh_valid_until) if op.refresh_valid_until else None,
    }
    if not op.status_details:
        del body["status"]["details"]
    return json_response(body)


def _token_still_active(call: Call, op: AuthOperation) -> None:
    if op.token_reference is None:
        return
    token = call.state.tokens.get(op.token_reference)
    if token is None or token.status != "Active":
        raise bad_request(21301, "Brak autoryzacji.", "Token KSeF został unieważniony.")


def redeem(call: Call) -> Response:
    """``POST /auth/token/redeem``: one-shot."""
    op = _operation(call)
    if op.status_code != 200:
        raise bad_request(
            21301,
            "Brak autoryzacji.",
            f"Status uwierzytelnienia ({op.status_code}) nie pozwala na pobranie tokenów.",
        )
    if op.redeemed:
        raise bad_request(21301, "Brak autoryzacji.", "Tokeny zostały już pobrane.")
    _token_still_active(call, op)
    now = utcnow()
    op.redeemed = True
    op.refresh_valid_until = now + REFRESH_TOKEN_TTL
    access_until = now + timedelta(seconds=call.state.config.access_token_seconds)
    access = jwt.issue(call.state, "access", op, now, access_until)
    refresh = jwt.issue(call.state, "refresh", op, now, op.refresh_valid_until)
    call.state.mark_dirty()
    return json_response(
        {
            "accessToken": {"token": access, "validUntil": iso(access_until)},
            "refreshToken": {"token": refresh, "validUntil": iso(op.refresh_valid_until)},
        }
    )


def refresh(call: Call) -> Response:
    """``POST /auth/token/refresh``: a new access token with the same permissions."""
    op = _operation(call)
    if op.refresh_revoked:
        raise bad_request(21301, "Brak autoryzacji.", "Sesja uwierzytelnienia została unieważniona.")
    _token_still_active(call, op)
    now = utcnow()
    op.last_refresh = now
    until = now + timedelta(seconds=call.state.config.access_token_seconds)
    access = jwt.issue(call.state, "access", op, now, until)
    call.state.mark_dirty()
    return json_response({"accessToken": {"token": access, "validUntil": iso(until)}})


def revoke_current(call: Call) -> Response:
    """``DELETE /auth/sessions/current``: the refresh token dies; access tokens live until ``exp``."""
    op = _operation(call)
    op.refresh_revoked = True
    for record in list(call.state.jwts.values()):
        if record.auth_reference == op.reference_number and record.kind == "refresh":
            del call.state.jwts[record.jti]
    call.state.mark_dirty()
    return Response(status_code=204)


ROUTES = [
    ApiRoute("POST", "/auth/challenge", challenge, auth="none"),
    ApiRoute("POST", "/auth/ksef-token", ksef_token, auth="none"),
    ApiRoute("POST", "/auth/xades-signature", xades_signature, auth="none"),
    ApiRoute("GET", "/auth/{referenceNumber}", status, auth="operation"),
    ApiRoute("POST", "/auth/token/redeem", redeem, auth="operation"),
    ApiRoute("POST", "/auth/token/refresh", refresh, auth="refresh"),
    ApiRoute("DELETE", "/auth/sessions/current", revoke_current, auth="access_or_refresh"),
]
