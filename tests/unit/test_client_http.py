"""Error parsing, Retry-After, pacing and retries of the HTTP transport."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from ksef.errors import (
    CollectiveIdentifierError,
    KsefApiError,
    KsefServerError,
    KsefUnavailableError,
    RateLimitedError,
    UnreadableBodyError,
)
from ksef.http import HttpTransport, parse_error
from ksef.limits import Limit
from ksef.ratelimit import RateLimiter, parse_retry_after
from ksef.system_warnings import SystemWarning, collect_warnings, parse_system_warnings


def test_problem_details_400_is_parsed() -> None:
    resp = httpx.Response(
        400,
        json={
            "title": "Bad Request",
            "status": 400,
            "detail": "x",
            "traceId": "abc",
            "errors": [{"code": 21405, "description": "Błąd walidacji", "details": ["pole from"]}],
        },
    )
    err = parse_error(resp)
    assert type(err) is KsefApiError
    assert (err.http_status, err.code, err.description, err.details, err.trace_id) == (
        400,
        21405,
        "Błąd walidacji",
        ["pole from"],
        "abc",
    )
    assert "21405" in str(err)


def test_legacy_exception_body_is_parsed() -> None:
    resp = httpx.Response(
        400,
        json={
            "exception": {
                "exceptionDetailList": [
                    {
                        "exceptionCode": 21470,
                        "exceptionDescription": "Nieznany klucz",
                        "details": ["publicKeyId"],
                    }
                ],
                "referenceNumber": "ref-1",
                "serviceCode": "00-1",
            }
        },
    )
    err = parse_error(resp)
    assert (err.code, err.description, err.details, err.trace_id) == (
        21470,
        "Nieznany klucz",
        ["publicKeyId"],
        "ref-1",
    )


def test_legacy_429_body_and_retry_after() -> None:
    resp = httpx.Response(
        429,
        headers={"Retry-After": "30"},
        json={
            "status": {
                "code": 429,
                "description": "Too Many Requests",
                "details": ["Przekroczono limit 20 żądań"],
            }
        },
    )
    err = parse_error(resp)
    assert isinstance(err, RateLimitedError)
    assert err.retry_after == 30.0
    assert err.details == ["Przekroczono limit 20 żądań"]


@pytest.mark.parametrize("status", [502, 503, 504])
def test_html_5xx_page_becomes_server_error(status: int) -> None:
    resp = httpx.Response(
        status,
        headers={"content-type": "text/html"},
        content=b"<html><body><h1>Bad gateway</h1><script>x()</script></body></html>",
    )
    err = parse_error(resp)
    assert isinstance(err, KsefServerError)
    assert err.http_status == status and err.code is None
    assert "HTML" in err.description and "<script>" not in str(err)


def test_empty_500_body() -> None:
    err = parse_error(httpx.Response(500))
    assert isinstance(err, KsefServerError) and err.description == "pusta odpowiedź"


def test_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now=now) == 120.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_limiter_windows_per_second_minute_hour() -> None:
    clock = Clock()
    lim = RateLimiter({"g": Limit(2, 3, 4)}, clock=clock)
    assert lim.seconds_until_allowed("g") == 0.0
    lim.record("g")
    lim.record("g")
    assert lim.seconds_until_allowed("g") == pytest.approx(1.05)  # 2/s used (+ safety margin)
    clock.t += 1.0
    lim.record("g")
    assert lim.seconds_until_allowed("g") == pytest.approx(59.05)  # 3/min used, oldest at t=1000
    clock.t += 60.0
    lim.record("g")
    # 4/h used: the first request leaves the hour window at t=4600
    assert lim.seconds_until_allowed("g") == pytest.approx(4600 - clock.t + 0.05)
    assert lim.seconds_until_allowed("other-group") == 0.0


def test_limiter_block_from_retry_after() -> None:
    clock = Clock()
    lim = RateLimiter({}, clock=clock)
    lim.block("invoiceMetadata", 42)
    assert lim.seconds_until_allowed("invoiceMetadata") == pytest.approx(42.05)
    clock.t += 50
    assert lim.seconds_until_allowed("invoiceMetadata") == 0.0


class Script:
    """A MockTransport handler answering from a list, recording requests."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def transport(script: Script, **kwargs: object) -> tuple[HttpTransport, list[float]]:
    slept: list[float] = []

    async def sleep(s: float) -> None:
        slept.append(s)

    http = httpx.AsyncClient(transport=httpx.MockTransport(script))
    return HttpTransport("http://k.invalid/v2", http=http, sleep=sleep, **kwargs), slept  # type: ignore[arg-type]


async def test_get_retries_5xx_then_succeeds() -> None:
    script = Script(httpx.Response(503, text="<html>x</html>"), httpx.Response(200, json={"ok": 1}))
    t, slept = transport(script)
    resp = await t.request("GET", "/sessions/X")
    assert resp.json() == {"ok": 1} and len(script.requests) == 2 and len(slept) == 1


async def test_post_is_not_retried_on_5xx() -> None:
    script = Script(httpx.Response(500, json={"title": "err"}), httpx.Response(202, json={}))
    t, _ = transport(script)
    with pytest.raises(KsefServerError):
        await t.request("POST", "/sessions/online/X/invoices", json_body={})
    assert len(script.requests) == 1


async def test_post_read_timeout_not_retried_but_connect_error_is() -> None:
    script = Script(httpx.ReadTimeout("slow"))
    t, _ = transport(script)
    with pytest.raises(KsefUnavailableError, match="czas"):
        await t.request("POST", "/sessions/online", json_body={})
    script2 = Script(httpx.ConnectError("refused"), httpx.Response(201, json={"referenceNumber": "R"}))
    t2, _ = transport(script2)
    assert (await t2.request("POST", "/sessions/online", json_body={})).status_code == 201


async def test_transport_errors_exhaust_retries() -> None:
    script = Script(*[httpx.ConnectError("refused")] * 4)
    t, slept = transport(script, max_retries=3)
    with pytest.raises(KsefUnavailableError):
        await t.request("GET", "/x")
    assert len(script.requests) == 4 and len(slept) == 3


async def test_429_short_wait_is_honoured_long_wait_raises() -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200, json={}))
    t, slept = transport(script, max_wait=10)
    await t.request("POST", "/invoices/query/metadata", json_body={}, idempotent=True)
    assert len(slept) == 1 and slept[0] == pytest.approx(2.0, abs=0.5)
    script2 = Script(httpx.Response(429, headers={"Retry-After": "600"}))
    t2, _ = transport(script2, max_wait=10)
    with pytest.raises(RateLimitedError) as info:
        await t2.request("POST", "/invoices/query/metadata", json_body={})
    assert info.value.retry_after == 600.0
    # and the limiter now knows the group is blocked
    assert t2.limiter.seconds_until_allowed("invoiceMetadata") > 500


async def test_pacing_waits_instead_of_earning_429() -> None:
    script = Script(*[httpx.Response(200, json={}) for _ in range(3)])
    t, slept = transport(script, limiter=RateLimiter({"invoiceMetadata": Limit(2, None, None)}), max_wait=5)
    for _ in range(3):
        await t.request("POST", "/invoices/query/metadata", json_body={}, idempotent=True)
    assert len(slept) == 1 and 0 < slept[0] <= 1.1


async def test_pacing_long_wait_raises_locally_without_sending() -> None:
    script = Script(httpx.Response(200, json={}))
    t, _ = transport(script, limiter=RateLimiter({"invoiceMetadata": Limit(None, None, 1)}), max_wait=5)
    await t.request("POST", "/invoices/query/metadata", json_body={}, idempotent=True)
    with pytest.raises(RateLimitedError) as info:
        await t.request("POST", "/invoices/query/metadata", json_body={}, idempotent=True)
    assert info.value.retry_after > 3000 and len(script.requests) == 1


async def test_problem_details_header_sent() -> None:
    script = Script(httpx.Response(200, json={}))
    t, _ = transport(script)
    await t.request("GET", "/x", bearer="jwt")
    req = script.requests[0]
    assert req.headers["X-Error-Format"] == "problem-details"
    assert req.headers["Authorization"] == "Bearer jwt"


def test_unreadable_body_and_collective_identifier_codes_get_their_classes() -> None:
    def problem(code: int) -> httpx.Response:
        return httpx.Response(400, json={"title": "Bad Request", "status": 400, "detail": "x",
                                         "errors": [{"code": code, "description": "d", "details": []}]})

    assert isinstance(parse_error(problem(21001)), UnreadableBodyError)
    for code in (71001, 71002, 71004, 71005):
        err = parse_error(problem(code))
        assert isinstance(err, CollectiveIdentifierError) and err.code == code
    assert type(parse_error(problem(21184))) is KsefApiError


def test_system_warning_header_is_parsed() -> None:
    header = ("[xml-002]: Faktura o numerze KSeF 5265877635-20261020-0100001AF629-AF zawiera niedozwolone "
              "znaki Unicode | [api-001]: Wersja wkrotce wycofana")
    warnings = parse_system_warnings(header)
    assert [w.code for w in warnings] == ["xml-002", "api-001"]
    assert warnings[0].message.endswith("niedozwolone znaki Unicode")
    assert warnings[1].message == "Wersja wkrotce wycofana"
    assert parse_system_warnings("something odd") == [SystemWarning("unknown", "something odd")]
    assert parse_system_warnings(None) == [] and parse_system_warnings("  ") == []


async def test_warnings_reach_the_caller_the_hook_and_the_log_once(caplog: pytest.LogCaptureFixture) -> None:
    header = "[xml-002]: Faktura zawiera niedozwolone znaki Unicode"
    script = Script(*[httpx.Response(200, json={}, headers={"X-System-Warning": header}) for _ in range(3)],
                    httpx.Response(200, json={}))
    seen: list[tuple[str, str, str]] = []
    t, _ = transport(script, on_warning=lambda w, m, p: seen.append((w.code, m, p)))
    with caplog.at_level("WARNING", logger="ksef.http"), collect_warnings() as collected:
        for _ in range(3):
            await t.request("GET", "/sessions/X/invoices/Y")
    with collect_warnings() as none:
        await t.request("GET", "/sessions/X")
    assert collected == [SystemWarning("xml-002", "Faktura zawiera niedozwolone znaki Unicode")]
    assert none == []
    assert seen == [("xml-002", "GET", "/sessions/X/invoices/Y")] * 3  # counted each time (metrics)
    assert sum("xml-002" in r.getMessage() for r in caplog.records) == 1  # logged once


async def test_a_failing_warning_hook_does_not_fail_the_call() -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("metrics down")

    script = Script(httpx.Response(200, json={"ok": 1}, headers={"X-System-Warning": "[x-1]: y"}))
    t, _ = transport(script, on_warning=broken)
    assert (await t.request("GET", "/x")).json() == {"ok": 1}
