"""The services behind the issuing dialogue's outside lookups: the white list's day cache and request
budget in the database (shared by processes, never over the limit), buyers from the list, and NBP rates
fixed into drafts (each failure a clear refusal, the draft unchanged)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.services.buyers import BuyerDirectory, LookupProblem, address_lines
from bot.services.errors import ServiceError
from bot.services.issuing import Draft, DraftBuyer, DraftLine
from bot.services.issuing.rates import ExchangeRates, rate_is_current
from bot.services.whitelist_store import DbRequestBudget, DbWhiteListCache
from bot.store.db import Database
from ksef.identifiers import random_valid_nip
from ksef.nbp import NbpClient
from ksef.offline import today_in_poland
from ksef.sim.nbp import sim_rate, table_number
from ksef.whitelist import VatStatus, WhiteListClient
from tests.fixtures.sim import SimHandle

DAY = date(2026, 12, 4)


async def test_the_budget_never_passes_the_limit_across_sessions(any_database: Database) -> None:
    budgets = [DbRequestBudget(any_database) for _ in range(4)]  # as four processes would
    taken = await asyncio.gather(*(budgets[i % 4].take("search", DAY, 10) for i in range(25)))
    assert sum(taken) == 10 and await budgets[0].used("search", DAY) == 10
    assert await budgets[1].take("check", DAY, 10)  # each method counts apart
    assert await budgets[2].take("search", DAY + timedelta(days=1), 10)  # a new day starts from zero
    assert await budgets[2].used("search", DAY + timedelta(days=1)) == 1
    await budgets[3].exhaust("search", DAY + timedelta(days=1))  # MF said WL-191
    assert not await budgets[0].take("search", DAY + timedelta(days=1), 10)


async def test_the_cache_keeps_answers_for_their_day_only(any_database: Database) -> None:
    first, second = DbWhiteListCache(any_database), DbWhiteListCache(any_database)
    await asyncio.gather(first.put("search/1/x", DAY, '{"a": 1}'), second.put("search/1/x", DAY, '{"a": 1}'))
    assert await second.get("search/1/x", DAY) == '{"a": 1}'
    assert await second.get("search/1/x", DAY + timedelta(days=1)) is None
    await first.put("search/2/y", DAY + timedelta(days=1), "{}")  # a new day's answer drops the old ones
    assert await first.get("search/1/x", DAY) is None


def test_mf_addresses_become_two_lines() -> None:
    assert address_lines("UL. PROSTA 1, 00-950 WARSZAWA") == ("UL. PROSTA 1", "00-950 WARSZAWA")
    assert address_lines("WARSZAWA") == ("WARSZAWA",)
    assert address_lines(None) == ()


@pytest.fixture
async def directory(sim: SimHandle, tmp_path: object) -> AsyncIterator[BuyerDirectory]:
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path}/wl.sqlite")
    await db.migrate()
    client = WhiteListClient(sim.root_url + "/wl", timeout=0.5, cache=DbWhiteListCache(db),
                             budget=DbRequestBudget(db))
    yield BuyerDirectory(client)
    await client.aclose()
    await db.dispose()


async def test_buyers_from_the_list_and_each_problem(directory: BuyerDirectory, sim: SimHandle) -> None:
    nip = random_valid_nip()
    sim.admin.post("/sim/wl/subjects", json={
        "nip": nip, "name": "Hurtownia\u200b Łódź", "statusVat": "Czynny",
        "workingAddress": "ul. Piotrkowska 1, 90-001 Łódź"})
    found = await directory.lookup(nip)
    assert found.buyer is not None and found.problem is None
    assert (found.buyer.name, found.buyer.address, found.buyer.status) == (
        "Hurtownia Łódź", ("ul. Piotrkowska 1", "90-001 Łódź"), VatStatus.ACTIVE)  # cleaned of U+200B
    assert (await directory.lookup(random_valid_nip())).problem is LookupProblem.NOT_LISTED
    for mode, problem in (("error500", LookupProblem.UNAVAILABLE), ("down", LookupProblem.UNAVAILABLE),
                          ("slow", LookupProblem.UNAVAILABLE), ("limit", LookupProblem.LIMIT)):
        sim.admin.put("/sim/wl/failure", json={"mode": mode, "slowSeconds": 3})
        assert await directory.lookup(random_valid_nip()) == type(found)(None, problem), mode
    sim.admin.put("/sim/wl/failure", json={"mode": "none"})
    assert (await directory.lookup(nip)).buyer == found.buyer  # today's answer, kept in the database


def _eur_draft(**changes: object) -> Draft:
    draft = Draft(buyer=DraftBuyer(nip="5260250274", name="ACME"),
                  lines=(DraftLine("Consulting", Decimal(10), Decimal(80), "23"),), currency="EUR")
    return replace(draft, **changes)  # type: ignore[arg-type]


def _working_day_before(day: date) -> date:
    from ksef.sim.nbp import is_table_day

    day -= timedelta(days=1)
    while not is_table_day(day):
        day -= timedelta(days=1)
    return day


async def test_the_rate_of_the_tax_point_is_fixed_into_the_draft(sim: SimHandle) -> None:
    today = today_in_poland()
    rates = ExchangeRates(NbpClient(sim.root_url + "/nbp", timeout=0.5))
    try:
        fixed = await rates.fix(_eur_draft(), today)
        expected = _working_day_before(today)
        assert fixed.exchange is not None and fixed.exchange.table_date == expected
        assert fixed.exchange.rate == sim_rate("EUR", expected)
        assert fixed.exchange.table == table_number(expected)
        assert rate_is_current(fixed, today) and await rates.fix(fixed, today) is fixed  # not asked again
        # Another sale date is another tax point: the rate is looked up again for it.
        earlier = _working_day_before(expected)
        moved = await rates.fix(replace(fixed, sale_date=expected), today)
        assert moved.exchange is not None and moved.exchange.table_date == earlier
        assert not rate_is_current(fixed, today + timedelta(days=3))  # confirmed on a later day: stale
        # Each failure: NBP's reason in Polish, and the draft is not changed.
        for body, says in (({"mode": "error500"}, "awarię"), ({"mode": "badjson"}, "niezrozumiałą"),
                           ({"mode": "timeout", "timeoutSeconds": 3}, "nie odpowiedział")):
            sim.admin.put("/sim/nbp", json=body)
            draft = _eur_draft(sale_date=earlier)
            with pytest.raises(ServiceError) as refused:
                await rates.fix(draft, today)
            assert refused.value.code == "nbp" and says in (refused.value.user_message or ""), body
            assert draft.exchange is None
        sim.admin.put("/sim/nbp", json={"mode": "up"})
        with pytest.raises(ServiceError) as no_table:  # 404 on every day looked at (before NBP's archive)
            await rates.fix(_eur_draft(sale_date=date(2001, 6, 15)), today)
        assert "nie ma tabeli kursów EUR" in (no_table.value.user_message or "")
        with pytest.raises(ServiceError) as unknown:
            await rates.fix(_eur_draft(currency="BGN"), today)
        assert "tabeli A" in (unknown.value.user_message or "")
        assert (await rates.fix(replace(fixed, currency="PLN"), today)).exchange is None
    finally:
        await rates.aclose()


def test_the_nbp_url_goes_with_the_ksef_environment() -> None:
    from ksef.nbp import NBP_API, nbp_url

    assert nbp_url("prod") == nbp_url("test") == nbp_url("demo") == NBP_API
    assert nbp_url("http://127.0.0.1:8765/v2") == nbp_url("http://127.0.0.1:8765/") == "http://127.0.0.1:8765/nbp"
    with pytest.raises(ValueError):
        nbp_url("staging")
