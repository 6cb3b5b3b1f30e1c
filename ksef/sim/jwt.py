"""JWT-shaped bearer tokens (HS256) issued and checked by the simulator.

Clients must treat them as opaque except for ``exp`` (docs/ksef.md#authentication); the simulator
additionally keeps a record of each one in :class:`ksef.sim.state.SimState` so that revocation and kinds
are enforced.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime
from typing import Any

from ksef.crypto import b64url, b64url_decode
from ksef.sim.state import AuthOperation, IssuedJwt, SimState

_KIND_CLAIM = {"operation": "OperationToken", "access": "ContextToken", "refresh": "RefreshToken"}


def issue(state: SimState, kind: str, op: AuthOperation, issued: datetime, expires: datetime) -> str:
    """Sign a new token of ``kind`` for authentication operation ``op`` and remember it."""
    jti = secrets.token_hex(16)
    header = {"alg": "HS256", "typ": "JWT"}
    claims: dict[str, Any] = {
        "token-type": _KIND_CLAIM[kind],
        "context-identifier-type": "Nip",
        "context-identifier-value": op.nip,
        "authentication-method": op.method,
        "ref": op.reference_number,
        "jti": jti,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        "iss": "ksef-api-ti",
        "aud": "ksef-api-ti",
    }
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    signature = hmac.new(state.jwt_secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    if len(state.jwts) % 1000 == 999:  # forget expired tokens now and then
        for old in [k for k, v in state.jwts.items() if v.expires <= issued]:
            del state.jwts[old]
    state.jwts[jti] = IssuedJwt(jti, kind, op.reference_number, op.nip, list(op.permissions), expires)
    return signing_input + "." + b64url(signature)


def verify(state: SimState, token: str) -> IssuedJwt | None:
    """The record of a token this simulator signed, or None if forged/unknown/malformed."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    expected = hmac.new(state.jwt_secret, f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, b64url_decode(parts[2])):
            return None
        claims = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError):
        return None
    jti = claims.get("jti") if isinstance(claims, dict) else None
    return state.jwts.get(jti) if isinstance(jti, str) else None
