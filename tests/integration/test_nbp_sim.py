"""ksef.nbp against the simulator's NBP route over real loopback HTTP: rates and table numbers, the
art. 31a walk back over weekends and holidays, and each failure as its own typed error."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest

from ksef.nbp import (
    NbpClient,
    NbpNoRateError,
    NbpResponseError,
    NbpServerError,
    NbpTimeoutError,
    NbpUnavailableError,
    NbpUnknownCurrencyError,
)
from ksef.offline import today_in_poland
from ksef.sim.nbp import sim_rate, table_number
from tests.fixtures.sim import SimHandle, start_sim


@pytest.fixture(scope="module")
def nbp_sim() -> Iterator[SimHandle]:
    handle = start_sim()
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def sim(nbp_sim: SimHandle) -> Iterator[SimHandle]:
    """The module's simulator with NBP switched back on after each test."""
    yield nbp_sim
    nbp_sim.admin.put("/sim/nbp", json={"mode": "up"}).raise_for_status()


@pytest.fixture
async def client(sim: SimHandle) -> AsyncIterator[NbpClient]:
    async with NbpClient(sim.root_url + "/nbp", retries=0, timeout=5) as nbp:
        yield nbp


def served(sim: SimHandle) -> int:
    return int(sim.admin.get("/sim/nbp").json()["requests"])


def set_nbp(sim: SimHandle, **body: object) -> None:
    sim.admin.put("/sim/nbp", json=body).raise_for_status()


async def test_rate_of_the_previous_working_day(client: NbpClient, sim: SimHandle) -> None:
    before = served(sim)
    rate = await client.rate_before("eur", date(2026, 11, 27))  # a Friday: Thursday's table
    assert (rate.currency, rate.effective_date) == ("EUR", date(2026, 11, 26))
    assert rate.rate == sim_rate("EUR", date(2026, 11, 26)) and rate.table == table_number(date(2026, 11, 26))
    assert served(sim) == before + 1
    again = await client.rate_before("EUR", date(2026, 11, 27))
    assert again == rate and served(sim) == before + 1  # a past day is asked once


async def test_walks_back_over_christmas_and_skips_weekends_without_asking(client: NbpClient,
                                                                           sim: SimHandle) -> None:
    before = served(sim)
    # Tax point Monday 29.12.2025: Sun 28 and Sat 27 are not asked; 26, 25 and 24 are holidays (404).
    rate = await client.rate_before("USD", date(2025, 12, 29))
    assert rate.effective_date == date(2025, 12, 23) and rate.table == "248/A/NBP/2025"
    assert served(sim) == before + 4


async def test_first_table_of_a_year(client: NbpClient) -> None:
    rate = await client.rate_before("CHF", date(2026, 1, 5))  # Mon: Fri 2 January had the first table
    assert rate.table == "001/A/NBP/2026" and rate.effective_date == date(2026, 1, 2)


async def test_rates_keep_nbp_decimals(client: NbpClient) -> None:
    huf = await client.rate_on("HUF", date(2026, 11, 26))
    assert huf is not None and huf.rate == sim_rate("HUF", date(2026, 11, 26))
    assert huf.rate.as_tuple().exponent == -6 and isinstance(huf.rate, Decimal)


async def test_no_table_in_the_days_looked_at(sim: SimHandle) -> None:
    async with NbpClient(sim.root_url + "/nbp", retries=0, max_days_back=3) as nbp:
        with pytest.raises(NbpNoRateError, match=r"z 3 dni przed 27\.12\.2025"):
            await nbp.rate_before("EUR", date(2025, 12, 27))  # 26, 25, 24: all holidays


async def test_todays_table_not_published_is_not_replaced_by_yesterdays(sim: SimHandle) -> None:
    # The client believes it is a working day the simulator has no table for yet.
    fake_today = today_in_poland() + timedelta(days=1)
    while fake_today.weekday() >= 5:
        fake_today += timedelta(days=1)
    async with NbpClient(sim.root_url + "/nbp", retries=0, today=lambda: fake_today) as nbp:
        with pytest.raises(NbpNoRateError, match="nie opublikował jeszcze dzisiejszej"):
            await nbp.rate_before("EUR", fake_today + timedelta(days=1))


async def test_currency_outside_table_a_is_refused_without_asking(client: NbpClient, sim: SimHandle) -> None:
    before = served(sim)
    with pytest.raises(NbpUnknownCurrencyError, match="tabeli A"):
        await client.rate_before("RUB", date(2026, 11, 27))
    assert served(sim) == before


async def test_server_error(client: NbpClient, sim: SimHandle) -> None:
    set_nbp(sim, mode="error500")
    with pytest.raises(NbpServerError, match="HTTP 500") as info:
        await client.rate_before("EUR", date(2026, 11, 20))
    assert info.value.status == 500 and isinstance(info.value, NbpUnavailableError)


async def test_one_server_error_is_retried(sim: SimHandle) -> None:
    set_nbp(sim, mode="error500", failures=1)
    async with NbpClient(sim.root_url + "/nbp", retries=1) as nbp:
        rate = await nbp.rate_before("GBP", date(2026, 11, 20))
    assert rate.effective_date == date(2026, 11, 19)
    assert sim.admin.get("/sim/nbp").json()["mode"] == "up"  # the one failure was used up


async def test_timeout(sim: SimHandle) -> None:
    set_nbp(sim, mode="timeout", timeoutSeconds=60)
    async with NbpClient(sim.root_url + "/nbp", retries=0, timeout=0.3) as nbp:
        with pytest.raises(NbpTimeoutError, match=r"nie odpowiedział w ciągu 0\.3 s"):
            await nbp.rate_before("EUR", date(2026, 11, 20))


async def test_an_answer_that_is_not_json(client: NbpClient, sim: SimHandle) -> None:
    set_nbp(sim, mode="badjson")
    with pytest.raises(NbpResponseError, match="to nie jest JSON"):
        await client.rate_before("EUR", date(2026, 11, 13))


async def test_unreachable_service() -> None:
    async with NbpClient("http://127.0.0.1:9/nbp", retries=0, timeout=2) as nbp:
        with pytest.raises(NbpUnavailableError, match="Nie udało się połączyć z NBP"):
            await nbp.rate_before("EUR", date(2026, 11, 20))


def test_route_speaks_nbp(sim: SimHandle) -> None:
    url = "/nbp/api/exchangerates/rates/A/EUR/{}/?format=json"
    ok = sim.admin.get(url.format("2026-11-26"))
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("application/json")
    assert ok.text == ('{"table":"A","currency":"euro","code":"EUR","rates":[{"no":"'
                       + table_number(date(2026, 11, 26)) + '","effectiveDate":"2026-11-26","mid":'
                       + str(sim_rate("EUR", date(2026, 11, 26))) + "}]}")
    for day in ("2026-11-28", "2026-11-11", "2001-12-31"):  # Saturday, Independence Day, before the archive
        missing = sim.admin.get(url.format(day))
        assert (missing.status_code, missing.text) == (404, "404 NotFound - Not Found - Brak danych")
        assert missing.headers["content-type"].startswith("text/plain")
    assert sim.admin.get("/nbp/api/exchangerates/rates/A/RUB/2026-11-26/").status_code == 404
    bad = sim.admin.get(url.format("2026-13-01"))
    assert (bad.status_code, bad.text) == (400, "400 BadRequest - Błędny zakres dat / Invalid date range")
    latest = sim.admin.get("/nbp/api/exchangerates/rates/a/usd/").json()
    assert latest["code"] == "USD"
    assert date.fromisoformat(latest["rates"][0]["effectiveDate"]) <= today_in_poland()


def test_admin_refuses_nonsense(sim: SimHandle) -> None:
    for body in ({"mode": "sometimes"}, {"mode": "error500", "failures": 0}, {"timeoutSeconds": -1}):
        assert sim.admin.put("/sim/nbp", json=body).status_code == 400
    assert sim.admin.put("/sim/nbp", content=b"[").status_code == 400


def test_table_numbers_count_working_days_and_rates_move_near_the_base() -> None:
    assert table_number(date(2026, 1, 2)) == "001/A/NBP/2026"
    assert table_number(date(2026, 1, 7)) == "003/A/NBP/2026"  # 5th Mon, 6th Epiphany, 7th Wed
    rates = [sim_rate("EUR", date(2026, 1, 2) + timedelta(days=n)) for n in range(60)]
    assert all(Decimal("4.2075") <= r <= Decimal("4.2925") for r in rates)  # 4.25 ± 1 %
    assert len(set(rates)) > 30
