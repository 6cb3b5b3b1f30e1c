"""KSeF error bodies (docs/ksef.md#errors): legacy ``{"exception": …}`` by default, problem+json on request.

401/403/410 are always problem+json; 429 has its own legacy shape.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ksef.sim.state import iso, new_reference, utcnow

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    410: "Gone",
    429: "Too Many Requests",
}


class ApiError(Exception):
    """An error answer of the simulated KSeF API."""

    def __init__(
        self,
        status: int,
        code: int | None,
        description: str,
        details: list[str] | None = None,
        *,
        reason_code: str | None = None,
        security: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description
        self.details = details or []
        self.reason_code = reason_code
        self.security = security
        self.headers = headers or {}


def bad_request(code: int, description: str, *details: str) -> ApiError:
    """A 400 with one KSeF exception code."""
    return ApiError(400, code, description, list(details))


def unauthorized(detail: str) -> ApiError:
    """401 (always problem+json)."""
    return ApiError(401, None, detail)


def forbidden(detail: str, reason_code: str, security: dict[str, Any] | None = None) -> ApiError:
    """403 with a ``reasonCode`` (always problem+json)."""
    return ApiError(403, None, detail, reason_code=reason_code, security=security)


def wants_problem(request: Request) -> bool:
    """True when the caller asked for RFC 7807 bodies."""
    return request.headers.get("x-error-format", "").lower() == "problem-details"


def _json(status: int, body: dict[str, Any], media: str, headers: dict[str, str]) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), status_code=status, media_type=media, headers=headers
    )


def render(request: Request, err: ApiError) -> Response:
    """The HTTP response for ``err`` in the format the caller asked for."""
    now = iso(utcnow())
    trace = uuid.uuid4().hex
    instance = request.url.path
    title = _TITLES.get(err.status, "Error")
    problem = wants_problem(request) or err.status in (401, 403, 410)
    if err.status == 429:
        detail = "; ".join(err.details) or err.description
        if problem:
            body: dict[str, Any] = {
                "title": title,
                "status": 429,
                "instance": instance,
                "detail": detail,
                "timestamp": now,
                "traceId": trace,
            }
        else:
            body = {
                "status": {"code": 429, "description": title, "details": err.details or [err.description]}
            }
    elif problem:
        body = {
            "title": title,
            "status": err.status,
            "instance": instance,
            "detail": err.description,
            "timestamp": now,
            "traceId": trace,
        }
        if err.status == 400 or err.code is not None:
            body["errors"] = [
                {"code": err.code or 21405, "description": err.description, "details": err.details}
            ]
        if err.status == 403:
            body["reasonCode"] = err.reason_code or "missing-permissions"
            if err.security is not None:
                body["security"] = err.security
    else:
        body = {
            "exception": {
                "exceptionDetailList": [
                    {
                        "exceptionCode": err.code or 21405,
                        "exceptionDescription": err.description,
                        "details": err.details,
                    }
                ],
                "referenceNumber": new_reference("ER"),
                "serviceCode": f"00-{trace[:10].upper()}-{trace[10:20].upper()}-00",
                "serviceCtx": "srvSIMKSEF",
                "serviceName": "ksef-sim",
                "timestamp": now,
            }
        }
    media = "application/problem+json" if problem else "application/json"
    return _json(err.status, body, media, err.headers)
