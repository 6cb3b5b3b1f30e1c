"""The request pipeline every simulated KSeF endpoint goes through.

availability switch → body → bearer token (401) → rate limit (429) → permissions (403) → JSON
(21001 when unreadable) + OpenAPI request check (21405) → due asynchronous work → the handler. Errors
become KSeF error bodies. A TEST-environment ``X-Test-System-Warning`` request header comes back as
``X-System-Warning`` (schema ``SystemWarning``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ksef.limits import endpoint_group
from ksef.sim import jwt
from ksef.sim.errors import ApiError, bad_request, forbidden, render, unauthorized
from ksef.sim.openapi import OpenApiSpec, load_spec
from ksef.sim.ratelimit import RateLimiter
from ksef.sim.state import IssuedJwt, SimState, iso, utcnow

log = logging.getLogger(__name__)

_WAF_503 = """<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title></head>
<body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>WAF</center></body></html>"""
_ERROR_500 = """<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>
<body><h1>Internal Server Error</h1><p>The server encountered an internal error.</p></body></html>"""


REQUEST_LOG_SIZE = 50_000
UNREADABLE_BODY = 21001
QUERY_METADATA = "/invoices/query/metadata"


@dataclass
class Faults:
    """Failures to inject once (``PUT /sim/faults``; in memory only)."""

    # the next N invoice sends answer 21184 "session temporarily unavailable" and make their session
    # unusable, as during KSeF maintenance (the client is to open a new session)
    session_unavailable: int = 0

    def to_json(self) -> dict[str, int]:
        """As the admin API shows them."""
        return {"sessionUnavailable": self.session_unavailable}


@dataclass
class Runtime:
    """Process-level companions of the state: limiter, spec, CA (not persisted as such)."""

    state: SimState
    limiter: RateLimiter = field(default_factory=RateLimiter)
    faults: Faults = field(default_factory=Faults)
    spec: OpenApiSpec | None = None
    ca: Any = None  # ksef.sim.ca.SimCA when that module is present
    tick: Callable[[SimState], None] | None = None
    # The last KSeF API calls (``GET /sim/requests``): tests check from it, e.g., that no two clients
    # queried one subject's invoices at once. Bounded, in memory only (not part of the saved state).
    requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_SIZE))

    def __post_init__(self) -> None:
        if self.spec is None:
            self.spec = load_spec()


@dataclass
class Call:
    """Everything a handler needs about one request."""

    request: Request
    runtime: Runtime
    auth: IssuedJwt | None
    body: bytes
    json: Any

    @property
    def state(self) -> SimState:
        """Shortcut to the simulator state."""
        return self.runtime.state

    def param(self, name: str) -> str:
        """A path parameter."""
        return str(self.request.path_params[name])

    def root_url(self) -> str:
        """``scheme://host:port`` the caller used (returned URLs use the host you called:
        docs/ksef.md#environments)."""
        return str(self.request.base_url).rstrip("/")

    def require_auth(self) -> IssuedJwt:
        """The caller's token record (routes with auth always have one)."""
        assert self.auth is not None
        return self.auth


Handler = Callable[[Call], Response]


@dataclass(frozen=True)
class ApiRoute:
    """One KSeF endpoint: OpenAPI path template, which bearer token it takes, which permission it needs."""

    method: str
    template: str
    handler: Handler
    auth: str = "access"  # none | access | operation | refresh | access_or_refresh
    permission: str | tuple[str, ...] | None = None  # one permission, or any one of several

    @property
    def any_of(self) -> tuple[str, ...]:
        """The permissions of which the caller needs one (empty: none needed)."""
        if self.permission is None:
            return ()
        return (self.permission,) if isinstance(self.permission, str) else self.permission


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A KSeF JSON answer."""
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def continuation_offset(call: Call) -> int:
    """Where the page asked for by ``x-continuation-token`` starts (the simulator's tokens are
    ``off:N``); a token it did not issue is 21418."""
    token = call.request.headers.get("x-continuation-token")
    if not token:
        return 0
    try:
        start = int(token.split(":", 1)[1]) if token.startswith("off:") else -1
    except ValueError:
        start = -1
    if start < 0:
        raise bad_request(21418, "Nieprawidłowy token kontynuacji.")
    return start


def page_size(call: Call, default: int, maximum: int) -> int:
    """The ``pageSize`` query parameter within 10..``maximum`` (21405 otherwise)."""
    try:
        size = int(call.request.query_params.get("pageSize", str(default)))
    except ValueError:
        size = -1
    if not 10 <= size <= maximum:
        raise bad_request(21405, "Błąd walidacji danych wejściowych.",
                          f"pageSize musi być z zakresu 10..{maximum}.")
    return size


def add_system_warning(response: Response, warning: str) -> None:
    """Add one ``[code]: message`` (ASCII, as KSeF folds it) to the answer's ``X-System-Warning``."""
    current = response.headers.get("x-system-warning")
    response.headers["X-System-Warning"] = f"{current} | {warning}" if current else warning


def _bearer(request: Request, state: SimState, kinds: tuple[str, ...]) -> IssuedJwt:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise unauthorized("Brak tokenu uwierzytelniającego (nagłówek Authorization: Bearer).")
    record = jwt.verify(state, header[7:].strip())
    if record is None:
        raise unauthorized("Nieprawidłowy token uwierzytelniający.")
    if record.kind not in kinds:
        raise unauthorized(
            f"Ten endpoint wymaga innego rodzaju tokenu ({'/'.join(kinds)}), otrzymano {record.kind}."
        )
    if record.expires <= utcnow():
        raise unauthorized("Token wygasł.")
    return record


_AUTH_KINDS = {
    "access": ("access",),
    "operation": ("operation",),
    "refresh": ("refresh",),
    "access_or_refresh": ("access", "refresh"),
}


async def dispatch(request: Request, route: ApiRoute, runtime: Runtime) -> Response:
    """Run ``route`` for ``request`` through the whole pipeline (and record it in the request log)."""
    started = utcnow()
    caller: list[str | None] = [None]
    response = await _pipeline(request, route, runtime, caller)
    test_warning = request.headers.get("x-test-system-warning")
    if test_warning:
        add_system_warning(response, test_warning)
    state = runtime.state
    if route.template == QUERY_METADATA and state.config.query_delay_seconds > 0:
        # Latency of the metadata query only (outside the state lock, other calls go on meanwhile):
        # makes concurrent polls of one subject overlap visibly in the request log.
        await asyncio.sleep(state.config.query_delay_seconds)
    # A client that went away before the answer (e.g. a killed process) is marked: its call was still
    # running here after the client had stopped, which tests of "one client at a time" must allow for.
    gone = await request.is_disconnected()
    runtime.requests.append({"method": route.method, "path": route.template, "nip": caller[0],
                             "status": response.status_code, "start": iso(started), "end": iso(utcnow()),
                             "clientGone": gone})
    return response


async def _pipeline(request: Request, route: ApiRoute, runtime: Runtime,
                    caller: list[str | None]) -> Response:
    state = runtime.state
    mode = state.availability.api
    if mode == "down":
        return HTMLResponse(_WAF_503, status_code=503)
    if mode == "error500":
        return HTMLResponse(_ERROR_500, status_code=500)
    if mode == "slow":
        await asyncio.sleep(state.availability.slow_seconds)
    body = await request.body()
    try:
        with state.lock:
            auth = None
            if route.auth != "none":
                auth = _bearer(request, state, _AUTH_KINDS[route.auth])
                caller[0] = auth.nip
            ip = request.client.host if request.client else "0.0.0.0"  # noqa: S104 - only a dictionary key
            group = endpoint_group(request.method, route.template)
            limited = runtime.limiter.check(auth.nip if auth is not None else "", ip, group)
            if limited is not None:
                wait, message = limited
                raise ApiError(429, None, "Too Many Requests", [message], headers={"Retry-After": str(wait)})
            needed = route.any_of
            if needed and auth is not None and not set(needed) & set(auth.permissions):
                raise forbidden(
                    f"Brak wymaganego uprawnienia: {' albo '.join(needed)}.",
                    "missing-permissions",
                    {"requiredAnyOfPermissions": list(needed), "presentPermissions": auth.permissions},
                )
            parsed: Any = None
            if body and "json" in request.headers.get("content-type", "application/json"):
                try:
                    parsed = json.loads(body)
                except ValueError as exc:  # malformed JSON or not UTF-8 (UnicodeDecodeError)
                    raise bad_request(UNREADABLE_BODY, "Nieczytelna treść.",
                                      f"Niepoprawny JSON: {exc}") from exc
            if parsed is not None and not isinstance(parsed, dict):  # every KSeF request body is an object
                raise bad_request(21405, "Błąd walidacji danych wejściowych.", "Oczekiwano obiektu JSON.")
            if state.config.validate_requests and runtime.spec is not None and parsed is not None:
                problems = runtime.spec.request_errors(request.method, route.template, parsed)
                if problems:
                    raise bad_request(21405, "Błąd walidacji danych wejściowych.", *problems)
            if runtime.tick is not None:
                runtime.tick(state)
            return route.handler(Call(request, runtime, auth, body, parsed))
    except ApiError as err:
        return render(request, err)
