"""ksef.whitelist: MF's error codes → typed errors, malformed answers, the day cache and the budget."""

from __future__ import annotations

from datetime import date, datetime

import httpx
import pytest

from ksef.errors import (
    WhiteListDailyLimitError,
    WhiteListError,
    WhiteListInvalidAccountError,
    WhiteListInvalidDateError,
    WhiteListInvalidNipError,
    WhiteListServerError,
)
from ksef.timezone import WARSAW
from ksef.whitelist import (
    PRODUCTION_URL,
    TEST_URL,
    MemoryRequestBudget,
    MemoryWhiteListCache,
    SearchResult,
    WhiteListClient,
    whitelist_url,
)

NIP = "5265877635"
ACCOUNT = "61109010140000071219812874"
DAY = date(2026, 12, 4)


def _client(respond) -> WhiteListClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(respond))
    return WhiteListClient("https://wl.example", http=http, today=lambda: DAY)


@pytest.mark.parametrize(("code", "status", "error"), [
    ("WL-112", 400, WhiteListInvalidNipError),
    ("WL-113", 400, WhiteListInvalidNipError),
    ("WL-114", 400, WhiteListInvalidNipError),
    ("WL-115", 400, WhiteListInvalidNipError),
    ("WL-108", 400, WhiteListInvalidAccountError),
    ("WL-109", 400, WhiteListInvalidAccountError),
    ("WL-110", 400, WhiteListInvalidAccountError),
    ("WL-111", 400, WhiteListInvalidAccountError),
    ("WL-101", 400, WhiteListInvalidDateError),
    ("WL-102", 400, WhiteListInvalidDateError),
    ("WL-103", 400, WhiteListInvalidDateError),
    ("WL-118", 400, WhiteListInvalidDateError),
    ("WL-191", 429, WhiteListDailyLimitError),
    ("WL-100", 500, WhiteListServerError),
    ("WL-130", 400, WhiteListServerError),
    ("WL-190", 400, WhiteListServerError),
    ("WL-195", 400, WhiteListServerError),
    ("WL-196", 400, WhiteListServerError),
])
@pytest.mark.parametrize("nested", [False, True])
async def test_each_mf_error_code_maps_to_its_category(code, status, error, nested):
    body = {"code": code, "message": "komunikat MF"}
    async with _client(lambda r: httpx.Response(status, json={"exception": body} if nested else body)) as wl:
        with pytest.raises(error) as raised:
            await wl.check_account(NIP, ACCOUNT)
    assert raised.value.code == code and raised.value.http_status == status
    assert code in str(raised.value) or error is WhiteListDailyLimitError


async def test_a_429_without_a_body_is_the_daily_limit_and_stops_that_method_only():
    calls: list[str] = []

    def respond(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if "/search/" in request.url.path:
            return httpx.Response(429, text="Too Many Requests")
        return httpx.Response(200, json={"result": {"accountAssigned": "TAK", "requestId": "a-b",
                                                    "requestDateTime": "04-12-2026 10:00:00"}})

    async with _client(respond) as wl:
        for _ in range(2):
            with pytest.raises(WhiteListDailyLimitError):
                await wl.search_nip(NIP)
        assert (await wl.check_account(NIP, ACCOUNT)).assigned
    assert len(calls) == 2  # the second search was not sent


@pytest.mark.parametrize("answer", [
    "<html>upstream error</html>",
    '{"result": {"subject": null}}',  # no requestId: no proof, so no answer
    '{"result": {"accountAssigned": "MOŻE", "requestId": "x"}}',
    '{"result": {"subject": {"nip": "5265877635"}, "requestId": "x"}}',
    "[]",
])
async def test_unreadable_answers_are_server_errors_never_results(answer):
    async with _client(lambda r: httpx.Response(200, text=answer)) as wl:
        with pytest.raises(WhiteListServerError):
            if "accountAssigned" in answer:
                await wl.check_account(NIP, ACCOUNT)
            else:
                await wl.search_nip(NIP)


async def test_search_parses_nulls_unknown_status_and_the_request_time():
    subject = {"name": "ABC", "nip": NIP, "statusVat": "Wykreślony", "residenceAddress": None,
               "workingAddress": " ", "accountNumbers": None, "registrationLegalDate": "nonsense"}

    def respond(request: httpx.Request) -> httpx.Response:
        assert request.url.params["date"] == "2026-12-01"
        return httpx.Response(200, json={"result": {"subject": subject, "requestId": "Z7Wlg-8ar2x01",
                                                    "requestDateTime": "01-12-2026 23:59:30"}})

    async with _client(respond) as wl:
        found = await wl.search_nip("PL 526-587-76-35", date(2026, 12, 1))
    assert found.subject is not None and found.subject.status is None
    assert found.subject.status_vat == "Wykreślony"
    assert found.subject.address is None and found.subject.account_numbers == ()
    assert found.subject.registration_legal_date is None
    assert found.requested_at == datetime(2026, 12, 1, 23, 59, 30, tzinfo=WARSAW)
    assert SearchResult(NIP, DAY, None, "x", "2026-12-01T10:00").requested_at is None


async def test_every_error_is_a_white_list_error_with_a_kind():
    async with _client(lambda r: httpx.Response(502, text="bad gateway")) as wl:
        with pytest.raises(WhiteListError) as raised:
            await wl.search_nip(NIP)
    assert raised.value.kind == "server_error" and raised.value.http_status == 502


async def test_memory_cache_keeps_one_day_and_a_bounded_number_of_answers():
    cache = MemoryWhiteListCache(max_entries=2)
    await cache.put("a", DAY, "1")
    await cache.put("b", DAY, "2")
    assert await cache.get("a", DAY) == "1"  # a is now the most recently used
    await cache.put("c", DAY, "3")
    assert await cache.get("b", DAY) is None and await cache.get("a", DAY) == "1"
    assert await cache.get("a", date(2026, 12, 5)) is None  # never into the next day
    await cache.put("d", date(2026, 12, 5), "4")
    assert await cache.get("a", DAY) is None and await cache.get("d", date(2026, 12, 5)) == "4"


async def test_memory_budget_counts_per_method_and_day():
    budget = MemoryRequestBudget()
    assert [await budget.take("search", DAY, 2) for _ in range(3)] == [True, True, False]
    assert await budget.take("check", DAY, 1)
    await budget.exhaust("check", DAY)
    assert not await budget.take("check", DAY, 100)
    assert budget.used("search") == 2
    tomorrow = date(2026, 12, 5)
    assert await budget.take("search", tomorrow, 2) and await budget.take("check", tomorrow, 1)


def test_whitelist_url_follows_the_ksef_environment():
    assert whitelist_url("prod") == PRODUCTION_URL == "https://wl-api.mf.gov.pl"
    assert whitelist_url("TEST") == whitelist_url("demo") == TEST_URL == "https://wl-test.mf.gov.pl"
    assert whitelist_url("http://127.0.0.1:8765/v2") == "http://127.0.0.1:8765/wl"
    assert whitelist_url("http://127.0.0.1:8765/") == "http://127.0.0.1:8765/wl"
    with pytest.raises(ValueError, match="unknown"):
        whitelist_url("staging")
