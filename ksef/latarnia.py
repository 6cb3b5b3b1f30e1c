"""Client of Latarnia, MF's KSeF status service (docs/ksef.md#availability-latarnia).

A Latarnia error is raised as :class:`KsefApiError` / :class:`KsefUnavailableError`; it is never
reported as a KSeF status (the service has outages of its own).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx

from ksef.environments import Environment
from ksef.errors import KsefApiError, KsefError
from ksef.http import HttpTransport
from ksef.limits import Limit
from ksef.models import LatarniaMessage, LatarniaStatus
from ksef.ratelimit import RateLimiter

KNOWN_STATUSES = frozenset({"AVAILABLE", "MAINTENANCE", "FAILURE", "TOTAL_FAILURE"})


class LatarniaClient:
    """``LatarniaClient(base_url | Environment)``; ``await status()``, ``await messages()``."""

    def __init__(self, base: str | Environment, *, http: httpx.AsyncClient | None = None,
                 timeout: float = 10.0, max_retries: int = 1) -> None:
        if isinstance(base, Environment):
            if not base.latarnia_base:
                raise KsefError(f"środowisko {base.name} nie ma usługi Latarnia")
            base_url = base.latarnia_base
        else:
            base_url = base
        # No published limits for Latarnia; a polite 5/s cap keeps us well-behaved.
        limiter = RateLimiter({"latarnia": Limit(5, None, None)})
        self._transport = HttpTransport(base_url, http=http, timeout=timeout, limiter=limiter,
                                        max_retries=max_retries, problem_details=False,
                                        service="Latarnia (status KSeF)")

    async def __aenter__(self) -> LatarniaClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        await self._transport.aclose()

    async def _get(self, path: str) -> Any:
        response = await self._transport.request("GET", path, group="latarnia")
        try:
            return response.json()
        except ValueError as exc:
            raise KsefApiError(response.status_code, description="Latarnia: odpowiedź nie jest JSON-em") \
                from exc

    async def status(self) -> LatarniaStatus:
        """Current status and the messages that accompany it."""
        body = await self._get("/status")
        if not isinstance(body, dict) or not isinstance(body.get("status"), str):
            raise KsefApiError(200, description="Latarnia: odpowiedź bez pola 'status'")
        if body["status"] not in KNOWN_STATUSES:
            raise KsefApiError(200, description=f"Latarnia: nieznany status {body['status']!r}")
        raw = body.get("messages") or []
        messages = [LatarniaMessage.from_json(m) for m in raw if isinstance(m, dict)]
        return LatarniaStatus(body["status"], messages)

    async def messages(self) -> list[LatarniaMessage]:
        """All published messages (announcements, failure start/end)."""
        body = await self._get("/messages")
        if not isinstance(body, list):
            raise KsefApiError(200, description="Latarnia: lista komunikatów nie jest tablicą")
        return [LatarniaMessage.from_json(m) for m in body if isinstance(m, dict)]
