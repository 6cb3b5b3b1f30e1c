"""Rate-limit groups and figures of KSeF API 2.9.0, and the process-wide ``global`` budget."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest

from ksef.errors import RateLimitedError
from ksef.http import HttpTransport, named_group
from ksef.limits import ANONYMOUS, GLOBAL, PUBLISHED_LIMITS, Limit, RateLimits, endpoint_group
from ksef.ratelimit import RateLimiter, SharedRateLimits
from tests.paths import OPENAPI_FILE


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _spec_operations() -> list[tuple[str, str, dict[str, object]]]:
    if not OPENAPI_FILE.is_file():
        pytest.skip(f"{OPENAPI_FILE} not found")
    spec = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    return [(method.upper(), path, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def test_every_operation_of_the_spec_is_in_its_documented_group_with_its_figures() -> None:
    checked = 0
    for method, path, op in _spec_operations():
        limits = op.get("x-rate-limits")
        assert isinstance(limits, dict), f"{method} {path} has no x-rate-limits"
        table = str(op.get("responses", {}).get("429", {}).get("description", ""))  # type: ignore[union-attr]
        named = re.findall(r"\|\s*(\w+)\s*$", table.strip())
        # operations without a group in their 429 table are the anonymous ones (per IP, 60/s)
        expected = named[0] if named else ANONYMOUS
        group = endpoint_group(method, path)
        assert group == expected, f"{method} {path}: {group} != {expected}"
        assert PUBLISHED_LIMITS[group] == Limit.from_json(limits), f"{method} {path}"
        checked += 1
    assert checked > 80


def test_rate_limits_json_round_trip_and_changes() -> None:
    body = {name: limit.to_json() for name, limit in PUBLISHED_LIMITS.items()}
    assert body[GLOBAL] == {"perSecond": 75, "perMinute": -1, "perHour": -1}
    parsed = RateLimits.from_json(body)
    assert parsed == RateLimits.published() and parsed.to_json() == body
    assert parsed[GLOBAL] == Limit(75, None, None)
    changed = RateLimits.from_json(
        {
            **body,
            GLOBAL: {"perSecond": 50, "perMinute": 2000, "perHour": -1},
            "newGroup": {"perSecond": 1, "perMinute": 1, "perHour": 1},
        }
    )
    changes = parsed.changes(changed)
    assert [c.group for c in changes] == [GLOBAL, "newGroup"]
    assert changes[0].old == Limit(75, None, None) and changes[0].new == Limit(50, 2000, None)
    assert changes[1].old is None
    assert parsed.changes(RateLimits.published()) == []


def test_windows_per_second_minute_hour_and_zero() -> None:
    clock = Clock()
    lim = RateLimiter({"g": Limit(2, 3, None), GLOBAL: Limit(1000, None, None)}, clock=clock)
    lim.record("g")
    lim.record("g")
    assert lim.seconds_until_allowed("g") == pytest.approx(1.05)
    lim2 = RateLimiter({"never": Limit(0, None, None)}, clock=clock)
    assert lim2.seconds_until_allowed("never") == float("inf")


def test_global_window_is_shared_by_every_client_of_the_process_context_groups_are_not() -> None:
    clock = Clock()
    shared = SharedRateLimits(
        {
            "invoiceMetadata": Limit(2, None, None),
            GLOBAL: Limit(3, None, None),
            ANONYMOUS: Limit(2, None, None),
        },
        clock=clock,
    )
    first, second = RateLimiter(shared=shared), RateLimiter(shared=shared)
    first.record("invoiceMetadata")
    first.record("invoiceMetadata")
    # the first company's metadata group is full; the second company's is not (per context) ...
    assert first.seconds_until_allowed("invoiceMetadata") > 1
    assert second.seconds_until_allowed("invoiceMetadata") == 0.0
    second.record("invoiceMetadata")
    # ... but the three calls filled the one global window of the process (per client IP)
    assert second.seconds_until_allowed("invoiceMetadata") == pytest.approx(1.05)
    assert RateLimiter(shared=shared).seconds_until_allowed("other") == pytest.approx(1.05)
    clock.t += 1.0
    first.record(ANONYMOUS)
    second.record(ANONYMOUS)
    assert RateLimiter(shared=shared).seconds_until_allowed(ANONYMOUS) == pytest.approx(1.05)  # per IP
    # a separate environment (its own SharedRateLimits) is not affected
    assert RateLimiter(shared=SharedRateLimits(clock=clock)).seconds_until_allowed(ANONYMOUS) == 0.0


def test_new_figures_apply_to_every_client_sharing_them() -> None:
    clock = Clock()
    shared = SharedRateLimits(clock=clock)
    clients = [RateLimiter(shared=shared) for _ in range(2)]
    for _ in range(75):
        clients[0].record("other")  # 75 in one second: the published global figure
    assert clients[1].seconds_until_allowed("sessionList") > 0
    changes = shared.update(RateLimits({**shared.limits, GLOBAL: Limit(100, None, None)}))
    assert [(c.group, c.new) for c in changes] == [(GLOBAL, Limit(100, None, None))]
    assert clients[1].seconds_until_allowed("sessionList") == 0.0
    assert shared.update(shared.limits) == []
    with pytest.raises(ValueError):
        RateLimiter({"g": Limit(1, 1, 1)}, shared=shared)


def test_reserve_books_successive_slots_for_concurrent_callers() -> None:
    clock = Clock()
    lim = RateLimiter({"g": Limit(2, None, None), GLOBAL: Limit(1000, None, None)}, clock=clock)
    waits = [lim.reserve("g") for _ in range(5)]
    # two now, two a second later, one two seconds later: nobody wakes for the same slot
    assert waits[:2] == [0.0, 0.0]
    assert waits[2] == pytest.approx(1.05) and waits[3] == pytest.approx(1.05)
    assert waits[4] == pytest.approx(2.05)
    assert lim.reserve("g", max_wait=1.0) > 1.0
    assert lim.reserve("g") == pytest.approx(2.05)  # the refused reservation booked nothing


def test_named_group_in_429_texts() -> None:
    assert named_group(["Przekroczono limit 75 żądań na sekundę (grupa global)."]) == "global"
    assert named_group(["limit exceeded", "group: invoiceMetadata"]) == "invoiceMetadata"
    assert named_group(["Przekroczono limit 20 żądań na minutę. Spróbuj ponownie po 30 sekundach."]) is None


def _transport(handler: httpx.MockTransport, limiter: RateLimiter) -> HttpTransport:
    async def no_sleep(_: float) -> None:
        return None

    return HttpTransport(
        "http://k.invalid/v2",
        http=httpx.AsyncClient(transport=handler),
        limiter=limiter,
        sleep=no_sleep,
        max_wait=5,
    )


async def test_a_429_of_another_group_is_reported_and_blocks_that_group_for_all_sharers() -> None:
    shared = SharedRateLimits()

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            headers={"Retry-After": "600"},
            json={
                "title": "Too Many Requests",
                "status": 429,
                "instance": request.url.path,
                "detail": "Przekroczono limit 75 żądań na sekundę (grupa global). Spróbuj ponownie po 600 s.",
                "timestamp": "2026-10-20T10:00:00+00:00",
                "traceId": "t",
            },
        )

    first = _transport(httpx.MockTransport(answer), RateLimiter(shared=shared))
    with pytest.raises(RateLimitedError) as err:
        await first.request("POST", "/invoices/query/metadata", json_body={}, idempotent=True)
    assert (
        err.value.group == GLOBAL and err.value.expected_group == "invoiceMetadata" and err.value.unexpected
    )
    # another company of the process waits too: nothing is sent, the client refuses locally
    sent: list[httpx.Request] = []
    second = _transport(
        httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200, json={})),
        RateLimiter(shared=shared),
    )
    with pytest.raises(RateLimitedError) as local:
        await second.request("GET", "/sessions/X")
    assert local.value.http_status == 0 and local.value.group == GLOBAL and sent == []


async def test_a_429_that_names_no_group_is_taken_as_the_expected_one() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            headers={"Retry-After": "600"},
            json={"status": {"code": 429, "description": "Too Many Requests", "details": []}},
        )

    transport = _transport(httpx.MockTransport(answer), RateLimiter())
    with pytest.raises(RateLimitedError) as err:
        await transport.request("GET", "/invoices/ksef/X")
    assert err.value.group == err.value.expected_group == "invoiceDownload" and not err.value.unexpected


async def test_many_clients_sharing_global_never_exceed_it() -> None:
    """Concurrent companies of one process: every second holds at most ``global`` requests."""
    clock = Clock()
    sent_at: list[float] = []

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(0)
        clock.t += seconds

    def handler(request: httpx.Request) -> httpx.Response:
        sent_at.append(clock.t)
        return httpx.Response(200, json={})

    shared = SharedRateLimits({**PUBLISHED_LIMITS, GLOBAL: Limit(5, None, None)}, clock=clock)
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    transports = [
        HttpTransport(
            "http://k.invalid/v2", http=http, limiter=RateLimiter(shared=shared), sleep=sleep, max_wait=60
        )
        for _ in range(10)
    ]
    await asyncio.gather(
        *(t.request("GET", f"/sessions/S{i}") for i, t in enumerate(transports) for _ in range(2))
    )
    assert len(sent_at) == 20
    for start in sent_at:
        assert sum(1 for t in sent_at if start <= t < start + 1.0) <= 5


def test_a_send_whose_answer_comes_late_is_counted_from_its_answer() -> None:
    """KSeF counts a request when it arrives; a busy event loop can send it well after it was booked,
    so the global window counts it from the answer and the next sends do not bunch up behind it."""
    clock = Clock()
    limiter = RateLimiter({GLOBAL: Limit(2, None, None)}, clock=clock)
    wait, booked = limiter.book_global()
    assert (wait, booked) == (0.0, 1000.0)
    assert limiter.book_global()[0] == 0.0  # second slot, booked at 1000.0 too
    clock.t = 1000.5  # the first answer comes half a second later
    limiter.settle_global(booked)
    clock.t = 1001.1  # one second after the booking, but not after the first arrival
    assert limiter.book_global()[0] == 0.0  # the second booking's slot has passed
    assert limiter.book_global()[0] == pytest.approx(0.45, abs=0.06)  # the settled one has not
    limiter.settle_global(999.0)  # a booking not in the window changes nothing
    assert limiter.book_global()[0] == pytest.approx(0.45, abs=0.06)
