"""Rate limits of API 2.9.0 against the simulator: ``GET /rate-limits`` as typed data, the per-IP
``global`` group across contexts, and one shared budget for all companies of a process."""

from __future__ import annotations

import asyncio

import pytest

from ksef.client import KsefClient
from ksef.errors import RateLimitedError
from ksef.limits import GLOBAL, PUBLISHED_LIMITS, Limit, RateLimits
from ksef.ratelimit import SharedRateLimits
from tests.fixtures.sim import SimHandle


async def test_rate_limits_are_read_as_data_and_a_change_of_global_is_reported(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    shared = SharedRateLimits()
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False, shared_limits=shared) as client:
        limits = await client.rate_limits()
        assert limits == RateLimits.published()
        assert limits[GLOBAL] == Limit(75, None, None) and limits["anonymous"] == Limit(60, None, None)
        first = await client.refresh_rate_limits()
        assert first.changes == [] and first.changed(GLOBAL) is None
        sim.set_limits({GLOBAL: {"perSecond": 40, "perMinute": 1000, "perHour": -1}})
        update = await client.refresh_rate_limits()
        change = update.changed(GLOBAL)
        assert change is not None and change.old == Limit(75, None, None)
        assert change.new == Limit(40, 1000, None)
        assert [c.group for c in update.changes] == [GLOBAL]
        # every client sharing the object now paces by the new figure
        assert shared.limits[GLOBAL] == Limit(40, 1000, None) and client.shared_limits is shared


async def test_global_is_per_ip_across_contexts_and_named_in_the_429(sim: SimHandle) -> None:
    sim.set_limits({GLOBAL: {"perSecond": 100, "perMinute": 100, "perHour": 10}})
    companies = [sim.create_subject() for _ in range(2)]
    # private figures that do not know the lowered global (stale data): the 429 is unexpected
    stale = {**PUBLISHED_LIMITS}
    async with (
        KsefClient(
            sim.base_url, nip=companies[0][0], token=companies[0][1], pace=False, limits=stale, max_wait=2
        ) as first,
        KsefClient(
            sim.base_url, nip=companies[1][0], token=companies[1][1], pace=False, limits=stale, max_wait=2
        ) as second,
    ):
        await first.check_token()  # login (5 calls) + GET /tokens = 6 of 10 this hour
        with pytest.raises(RateLimitedError) as err:
            await second.check_token()  # another context, the same IP: the global hour runs out
        assert err.value.http_status == 429 and err.value.group == GLOBAL and err.value.unexpected
        assert err.value.retry_after > 2


async def test_companies_sharing_the_budget_stay_under_global_without_a_429(sim: SimHandle) -> None:
    sim.set_limits({GLOBAL: {"perSecond": 8, "perMinute": -1, "perHour": -1}})
    companies = [sim.create_subject() for _ in range(3)]
    shared = SharedRateLimits()
    clients = [
        KsefClient(sim.base_url, nip=nip, token=token, shared_limits=shared, max_wait=10)
        for nip, token in companies
    ]
    try:
        await clients[0].refresh_rate_limits()  # the process learns global = 8/s
        assert shared.limits[GLOBAL] == Limit(8, None, None)
        await asyncio.gather(*(c.check_token() for c in clients))
        await asyncio.gather(*(c.check_token() for c in clients))
    finally:
        for c in clients:
            await c.aclose()
    calls = sim.admin.get("/sim/requests").json()["requests"]
    assert len(calls) >= 3 * 7 and all(c["status"] != 429 for c in calls)
