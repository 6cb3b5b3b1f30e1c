"""HTTP transport for KSeF: pacing, bounded retries, 429 handling and error-body parsing (docs/ksef.md:
#conventions, #rate-limits, #errors).

Retries happen only where repeating is harmless: idempotent calls (GET, and POSTs the caller marks as
safe, e.g. the challenge or a metadata query) on 5xx and transport errors, any call on a connection
that never reached the server, and any call answered 429 (KSeF did not process it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from ksef.errors import (
    KsefApiError,
    KsefServerError,
    KsefUnavailableError,
    RateLimitedError,
    api_error_class,
)
from ksef.limits import GLOBAL, PUBLISHED_LIMITS, endpoint_group
from ksef.ratelimit import RateLimiter, parse_retry_after
from ksef.system_warnings import SystemWarning, parse_system_warnings, report

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
WarningHook = Callable[[SystemWarning, str, str], None]   # (warning, method, path)
RateLimitHook = Callable[[RateLimitedError, str, str], None]   # (the 429, method, path)
_LOGGED_WARNINGS = 256  # distinct warnings remembered so that each is logged once
# A 429 answer does not name its group in a documented field; KSeF's texts may ("grupa other").
_GROUP_IN_TEXT = re.compile(r"\b(?:grupa|grupy|group)\s*[:=]?\s*[\"'(]?([A-Za-z]+)", re.IGNORECASE)

# Errors that guarantee the request never reached the server, so even a non-idempotent call may repeat.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def parse_error(response: httpx.Response) -> KsefApiError:
    """Turn a 4xx/5xx response into a typed error; understands problem+json, the legacy
    ``{"exception": ...}`` body, the legacy 429 ``{"status": ...}`` body, and HTML or empty pages."""
    status = response.status_code
    code: int | None = None
    description = ""
    details: list[str] = []
    trace_id = response.headers.get("x-trace-id") or response.headers.get("traceid")
    body: Any = None
    try:
        body = response.json() if response.content else None
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        if isinstance(body.get("exception"), dict):  # legacy 400
            exc = body["exception"]
            items = exc.get("exceptionDetailList") or []
            if items and isinstance(items[0], dict):
                raw_code = items[0].get("exceptionCode")
                code = raw_code if isinstance(raw_code, int) else None
                description = str(items[0].get("exceptionDescription") or "")
                for item in items:
                    details.extend(str(d) for d in item.get("details") or [])
                if len(items) > 1:
                    details.extend(str(i.get("exceptionDescription") or "") for i in items[1:])
            trace_id = trace_id or exc.get("referenceNumber") or exc.get("serviceCtx")
        elif isinstance(body.get("status"), dict):  # legacy 429 body
            st = body["status"]
            description = str(st.get("description") or "")
            details = [str(d) for d in st.get("details") or []]
        else:  # RFC 7807 problem details
            errors = body.get("errors")
            if isinstance(errors, list) and errors and isinstance(errors[0], dict):
                raw_code = errors[0].get("code")
                code = raw_code if isinstance(raw_code, int) else None
                description = str(errors[0].get("description") or "")
                for item in errors:
                    details.extend(str(d) for d in item.get("details") or [])
            description = description or str(body.get("detail") or body.get("title") or "")
            if body.get("reasonCode"):
                details.append(f"reasonCode={body['reasonCode']}")
            trace_id = trace_id or body.get("traceId")
    elif response.content:
        ctype = response.headers.get("content-type", "")
        # HTML from the WAF/CDN (docs/ksef.md#conventions): do not echo the page, just say what it was.
        description = "strona HTML zamiast odpowiedzi API" if "html" in ctype or b"<html" in \
            response.content[:512].lower() else response.text[:200].strip()
    else:
        description = "pusta odpowiedź"
    trace = str(trace_id) if trace_id else None
    if status == 429:
        wait = parse_retry_after(response.headers.get("retry-after"))
        return RateLimitedError(wait if wait is not None else 60.0, 429, code, description, details, trace,
                                group=named_group([description, *details]))
    if status >= 500:
        return KsefServerError(status, code, description, details, trace)
    return api_error_class(code)(status, code, description, details, trace)


def named_group(texts: list[str]) -> str | None:
    """The rate-limit group a 429 text names, if any (``grupa invoiceMetadata``, ``(global)``)."""
    for text in texts:
        match = _GROUP_IN_TEXT.search(text)
        if match:
            return str(match.group(1))
    for text in texts:
        words: set[str] = set(re.findall(r"[A-Za-z]+", text))
        known = sorted(words & set(PUBLISHED_LIMITS))
        if known:
            return known[0]
    return None


def shared_http_client(*, timeout: float = 30.0, max_connections: int = 100,
                       max_keepalive: int = 16) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` to pass as ``http=`` to many ``KsefClient`` objects of one environment.

    One connection pool (and one TLS context) for all companies instead of one each: a TLS context
    alone holds hundreds of KiB. Cookies are never stored, so nothing one company's responses set
    can ride on another company's requests (KSeF authorises by bearer token only).
    """
    return httpx.AsyncClient(timeout=timeout, cookies=_NoCookies(),
                             limits=httpx.Limits(max_connections=max_connections,
                                                 max_keepalive_connections=max_keepalive))


class _NoCookies(CookieJar):
    """A cookie jar that accepts nothing (see :func:`shared_http_client`)."""

    def __init__(self) -> None:
        super().__init__(policy=DefaultCookiePolicy(allowed_domains=[]))


class HttpTransport:
    """One base URL, one ``httpx.AsyncClient``, one rate limiter; raises typed errors for 4xx/5xx.

    ``on_warning`` is called with every ``X-System-Warning`` an answer carries (e.g. to count them);
    ``on_rate_limited`` with every 429 KSeF answers, also one the transport then waits out and retries
    (e.g. to re-read ``GET /rate-limits`` when the group was not the expected one).
    """

    def __init__(self, base_url: str, *, http: httpx.AsyncClient | None = None, timeout: float = 30.0,
                 limiter: RateLimiter | None = None, pace: bool = True, max_retries: int = 3,
                 max_wait: float = 30.0, backoff: float = 0.5, sleep: Sleep = asyncio.sleep,
                 problem_details: bool = True, service: str = "KSeF",
                 on_warning: WarningHook | None = None, on_rate_limited: RateLimitHook | None = None) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(timeout=timeout)
        self.limiter = limiter or RateLimiter()
        self.pace = pace
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.backoff = backoff
        self._sleep = sleep
        self._problem_details = problem_details
        self.on_warning = on_warning
        self.on_rate_limited = on_rate_limited
        self._logged: OrderedDict[SystemWarning, None] = OrderedDict()

    async def aclose(self) -> None:
        """Close the HTTP client if this transport created it."""
        if self._own_http:
            await self.http.aclose()

    def url(self, path: str) -> str:
        """Absolute URL of an API path (absolute URLs, e.g. a returned ``upoDownloadUrl``, pass through)."""
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def _too_long(self, group: str, wait: float) -> RateLimitedError:
        return RateLimitedError(wait, http_status=0, group=group, expected_group=group, description=(
            f"limit zapytań grupy {group}: następne dozwolone za {wait:.0f} s"))

    async def _pace(self, group: str, *, after_429: bool = False) -> float:
        """Wait for a slot of ``group`` and of the process-wide ``global`` window, then count the call.

        After a 429 the Retry-After block is honoured even when pacing is off. Returns the moment the
        call was counted in the ``global`` window (settled when its answer comes).
        """
        enforce = self.pace or after_429
        if not enforce:
            self.limiter.reserve_unchecked(group)
            return self.limiter.book_global(enforce=False)[1]
        wait = self.limiter.reserve(group, max_wait=self.max_wait)
        if wait > self.max_wait:
            raise self._too_long(group, wait)
        if wait > 0:
            await self._sleep(wait)
        # The global window is shared by every client of the process: checked and counted at once,
        # at the moment of sending, and waited for again if other clients took the slot meanwhile.
        while True:
            wait, booked = self.limiter.book_global()
            if wait == 0.0:
                return booked
            if wait > self.max_wait:
                raise self._too_long(GLOBAL, wait)
            await self._sleep(wait)

    def _retry_delay(self, attempt: int) -> float:
        # exponential backoff with full jitter
        return random.uniform(0, self.backoff * (2 ** attempt))

    def _warnings(self, response: httpx.Response, method: str, path: str) -> None:
        warnings = parse_system_warnings(response.headers.get("x-system-warning"))
        if not warnings:
            return
        for warning in warnings:
            if warning not in self._logged:  # log each distinct warning once, not on every poll
                log.warning("%s warning on %s %s: %s", self.service, method, path, warning)
                self._logged[warning] = None
                if len(self._logged) > _LOGGED_WARNINGS:
                    self._logged.popitem(last=False)
            if self.on_warning is not None:
                try:
                    self.on_warning(warning, method, path)
                except Exception:  # a broken metrics hook must not fail the KSeF call
                    log.exception("on_warning hook failed")
        report(warnings)

    async def request(self, method: str, path: str, *, json_body: Any = None, content: bytes | None = None,
                      params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
                      bearer: str | None = None, idempotent: bool | None = None,
                      group: str | None = None, expect: tuple[int, ...] = ()) -> httpx.Response:
        """Send one API call and return the 2xx response; raise :class:`KsefApiError` and friends otherwise.

        ``idempotent`` defaults to True for GET; ``group`` defaults to :func:`ksef.limits.endpoint_group`.
        """
        method = method.upper()
        safe = method in ("GET", "HEAD") if idempotent is None else idempotent
        grp = group or endpoint_group(method, path)
        hdrs: dict[str, str] = {"Accept": "application/json"}
        if self._problem_details:
            hdrs["X-Error-Format"] = "problem-details"
        if bearer:
            hdrs["Authorization"] = f"Bearer {bearer}"
        if headers:
            hdrs.update(headers)
        if json_body is not None:
            content = json.dumps(json_body).encode()
            hdrs["Content-Type"] = "application/json"
        attempt = 0
        after_429 = False
        while True:
            booked = await self._pace(grp, after_429=after_429)
            try:
                response = await self.http.request(method, self.url(path), content=content,
                                                   params=params, headers=hdrs)
            except httpx.TransportError as exc:
                self.limiter.settle_global(booked)
                retryable = safe or isinstance(exc, _NOT_SENT)
                if retryable and attempt < self.max_retries:
                    attempt += 1
                    await self._sleep(self._retry_delay(attempt))
                    continue
                kind = "przekroczony czas oczekiwania" if isinstance(exc, httpx.TimeoutException) \
                    else "błąd połączenia"
                raise KsefUnavailableError(f"{self.service} niedostępny ({kind}: {type(exc).__name__}) "
                                           f"przy {method} {path}") from exc
            self.limiter.settle_global(booked)
            self._warnings(response, method, path)
            status = response.status_code
            if 200 <= status < 300 or status in expect:
                return response
            error = parse_error(response)
            if isinstance(error, RateLimitedError):
                error.expected_group = grp
                error.group = error.group or grp
                self.limiter.block(grp, error.retry_after)
                if error.group != grp and error.group in (GLOBAL, *self.limiter.limits):
                    self.limiter.block(error.group, error.retry_after)
                if error.unexpected:
                    log.warning("%s answered 429 for group %s on %s %s (counted as %s)", self.service,
                                error.group, method, path, grp)
                if self.on_rate_limited is not None:
                    try:
                        self.on_rate_limited(error, method, path)
                    except Exception:  # a broken hook must not change the outcome of the call
                        log.exception("on_rate_limited hook failed")
                if error.retry_after <= self.max_wait and attempt < self.max_retries:
                    attempt += 1
                    after_429 = True  # the next _pace() sleeps out the block just recorded
                    continue
                raise error
            if isinstance(error, KsefServerError) and safe and attempt < self.max_retries:
                attempt += 1
                await self._sleep(self._retry_delay(attempt))
                continue
            raise error
