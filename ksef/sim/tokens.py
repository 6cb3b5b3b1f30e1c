"""KSeF tokens: creation (admin), ``GET``/``DELETE /tokens/{ref}`` for the caller's own token."""

from __future__ import annotations

import secrets

from starlette.responses import Response

from ksef.sim.errors import bad_request, forbidden
from ksef.sim.routing import ApiRoute, Call, json_response
from ksef.sim.state import KsefToken, SimState, iso, new_reference, utcnow

PERMISSIONS = (
    "InvoiceRead",
    "InvoiceWrite",
    "CredentialsRead",
    "CredentialsManage",
    "SubunitManage",
    "EnforcementOperations",
    "Introspection",
    "CollectiveIdentifierManage",
)


def create_token(
    state: SimState, nip: str, permissions: list[str], description: str = "Token symulatora"
) -> KsefToken:
    """A new Active token in the NIP context; the secret has the documented shape ``ref|nip-NIP|hex``."""
    unknown = [p for p in permissions if p not in PERMISSIONS]
    if unknown:
        raise ValueError(f"nieznane uprawnienia: {', '.join(unknown)}")
    ref = new_reference("EC")
    token = KsefToken(
        reference_number=ref,
        secret=f"{ref}|nip-{nip}|{secrets.token_hex(32)}",
        nip=nip,
        permissions=list(dict.fromkeys(permissions)),
        description=description,
        created=utcnow(),
    )
    state.tokens[ref] = token
    state.mark_dirty()
    return token


def _own_token(call: Call) -> KsefToken:
    auth = call.require_auth()
    op = call.state.auth_operations.get(auth.auth_reference)
    ref = call.param("referenceNumber")
    token = call.state.tokens.get(ref)
    if token is None:
        raise bad_request(21405, "Nie znaleziono tokenu.", f"Token {ref} nie istnieje.")
    own = op is not None and op.token_reference == ref
    if not own and "CredentialsRead" not in auth.permissions and "CredentialsManage" not in auth.permissions:
        raise forbidden(
            "Brak uprawnień do odczytu tokenu.",
            "missing-permissions",
            {
                "requiredAnyOfPermissions": ["CredentialsRead", "CredentialsManage"],
                "presentPermissions": auth.permissions,
            },
        )
    return token


def get_token(call: Call) -> Response:
    """``GET /tokens/{referenceNumber}``."""
    token = _own_token(call)
    body = {
        "referenceNumber": token.reference_number,
        "authorIdentifier": {"type": "Nip", "value": token.nip},
        "contextIdentifier": {"type": "Nip", "value": token.nip},
        "description": token.description,
        "requestedPermissions": token.permissions,
        "dateCreated": iso(token.created),
        "lastUseDate": iso(token.last_use) if token.last_use else None,
        "status": token.status,
        "statusDetails": [],
    }
    return json_response(body)


def delete_token(call: Call) -> Response:
    """``DELETE /tokens/{referenceNumber}``: revoke."""
    token = _own_token(call)
    token.status = "Revoked"
    call.state.mark_dirty()
    return Response(status_code=204)


ROUTES = [
    ApiRoute("GET", "/tokens/{referenceNumber}", get_token),
    ApiRoute("DELETE", "/tokens/{referenceNumber}", delete_token),
]
