"""Only the sandbox's own page may drive the web chat: a check of ``Host`` and ``Origin`` on every
request (ASGI middleware).

The web chat acts as a Telegram user without any login, so while it runs any web page open in the
same browser could post to it (a form or ``fetch`` to ``http://127.0.0.1:8080``): a foreign
``Origin`` (or ``Sec-Fetch-Site: cross-site``) is refused. A page could also rename itself to us by
DNS rebinding (its own domain resolving to 127.0.0.1, so the browser sees it as same-origin): the
``Host`` header then carries that domain, so only loopback names, IP addresses and the configured
host, on the configured port, are accepted. Clients that send no ``Origin`` (curl, tests) are not
browsers driven by another site and pass.
"""

from __future__ import annotations

import ipaddress
import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - names of "every address", compared only


def _split_host(value: str) -> tuple[str, int | None] | None:
    """``host[:port]`` of a Host header or an origin's netloc; None when it does not parse."""
    try:
        parts = urlsplit(f"//{value}")
        return (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class SameOriginOnly:
    """Wraps the web chat's ASGI app; answers 403 to requests from anywhere but its own page."""

    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        self.app = app
        self.host = host.strip("[]").lower()
        self.port = port  # set again once the socket is bound (port 0 picks a free one)

    def host_allowed(self, value: str) -> bool:
        """A Host header (or an origin's ``host:port``) naming this server."""
        parsed = _split_host(value)
        if parsed is None:
            return False
        name, port = parsed
        if (port or 80) != self.port:
            return False
        if name in LOOPBACK_NAMES or name == self.host:
            return True
        # Listening on every address: reachable by any of them, never by a domain name (rebinding).
        return self.host in _WILDCARDS and _is_ip(name)

    def origin_allowed(self, origin: str) -> bool:
        """An ``Origin`` header of this server's own page."""
        parts = urlsplit(origin)
        return parts.scheme == "http" and not parts.path and self.host_allowed(parts.netloc)

    def refusal(self, headers: dict[str, str]) -> str | None:
        """Why a request with these (lower-cased) headers is refused, or None."""
        if not self.host_allowed(headers.get("host", "")):
            return "Nieznany adres (nagłówek Host): otwórz sandbox pod adresem, który podał terminal."
        origin = headers.get("origin")
        if origin is not None and not self.origin_allowed(origin):
            return "Ten sandbox przyjmuje polecenia tylko ze swojej strony (nagłówek Origin)."
        if headers.get("sec-fetch-site") == "cross-site":
            return "Ten sandbox przyjmuje polecenia tylko ze swojej strony (Sec-Fetch-Site)."
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        reason = self.refusal(headers)
        if reason is None:
            await self.app(scope, receive, send)
            return
        body = json.dumps({"error": reason}, ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode("ascii"))]})
        await send({"type": "http.response.body", "body": body})
