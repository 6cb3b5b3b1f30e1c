"""The KSeF clients of all companies of one environment share one HTTP pool (memory per company), that
pool never carries one company's cookies to another, and sync and issuing share one client per company."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from bot.services.cert_login import KsefLogin
from bot.services.errors import ServiceError
from bot.services.ksef_clients import KsefClientOptions, KsefClients
from ksef.client import KsefClient
from ksef.http import shared_http_client
from ksef.models import now_utc
from ksef.sync import cursor_at


async def test_shared_pool_keeps_no_cookies() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, headers={"set-cookie": "affinity=company-a; Path=/"}, json={})

    async with shared_http_client() as http:
        http._transport = httpx.MockTransport(handler)  # the pool's own settings, a scripted server
        await http.get("http://ksef.test/v2/a")
        await http.get("http://ksef.test/v2/b")
        assert seen == [None, None]
        assert list(http.cookies.jar) == []


async def _no_login(company_id: int) -> KsefLogin | None:
    return None


async def test_companies_share_one_pool_and_poll_through_it(sim: Any) -> None:
    clients = KsefClients(_no_login, sim.base_url)
    sources = clients.for_login
    (nip_a, token_a), (nip_b, token_b) = sim.create_subject(), sim.create_subject()
    a = sources(1, sim.base_url, KsefLogin(nip_a, token=token_a))
    b = sources(2, sim.base_url, KsefLogin(nip_b, token=token_b))
    assert isinstance(a, KsefClient) and isinstance(b, KsefClient)
    assert a is not b
    pool = a._transport.http
    assert b._transport.http is pool
    # Both really work over the shared pool (separate logins, separate cursors).
    start = cursor_at(now_utc())
    assert (await a.received_since(start)).invoices == []
    assert (await b.received_since(start)).invoices == []
    # A replaced token gets a new client, still on the same pool; the old one is not closed with it.
    token_a2 = sim.create_token(nip_a, ["InvoiceRead"])
    a2 = sources(1, sim.base_url, KsefLogin(nip_a, token=token_a2))
    assert a2 is not a and isinstance(a2, KsefClient) and a2._transport.http is pool
    assert (await a2.received_since(start)).invoices == []
    await clients.aclose()
    assert pool.is_closed


async def test_sync_and_issuing_get_one_client_per_company(sim: Any) -> None:
    """The sync's ``for_login`` and issuing's ``get`` hand out the same logged-in client; a company that
    cannot log in is refused; idle sessions are closed and idle clients dropped."""
    nip, token = sim.create_subject()
    logins: dict[int, KsefLogin] = {1: KsefLogin(nip, token=token)}

    async def login_of(company_id: int) -> KsefLogin | None:
        return logins.get(company_id)

    clients = KsefClients(login_of, sim.base_url, KsefClientOptions(idle_session=timedelta(0)))
    try:
        sending = await clients.get(1)
        assert clients.for_login(1, sim.base_url, logins[1]) is sending  # the sync polls through it too
        with pytest.raises(ServiceError) as refused:
            await clients.get(2)
        assert refused.value.code == "no_token"
        await sending.sessions.ensure()  # issuing opened an online session
        await clients.close_idle()
        assert sending.sessions.current is None  # closed: KSeF prepares its session UPO
        assert await clients.get(1) is sending  # the client itself stays (idle_client not reached)
        logins[1] = KsefLogin(nip, token=sim.create_token(nip, ["InvoiceRead", "InvoiceWrite"]))
        assert await clients.get(1) is not sending  # a replaced token is used at once
    finally:
        await clients.aclose()
    dropping = KsefClients(login_of, sim.base_url, KsefClientOptions(idle_client=timedelta(0)))
    try:
        first = await dropping.get(1)
        await dropping.close_idle()
        assert await dropping.get(1) is not first  # dropped; the next use logs in anew
    finally:
        await dropping.aclose()


async def test_a_client_and_its_decrypted_login_live_a_bounded_time(sim: Any) -> None:
    """Even in constant use a client (holding the decrypted token) is dropped after ``login_lifetime``,
    but never under an open online session."""
    nip, token = sim.create_subject()

    async def login_of(company_id: int) -> KsefLogin | None:
        return KsefLogin(nip, token=token)

    now = [0.0]
    options = KsefClientOptions(login_lifetime=timedelta(hours=1), idle_client=timedelta(days=1))
    clients = KsefClients(login_of, sim.base_url, options, monotonic=lambda: now[0])
    try:
        first = await clients.get(1)
        await first.sessions.ensure()
        now[0] = 3500.0
        assert await clients.get(1) is first  # in use, within its lifetime
        now[0] = 3700.0
        await clients.close_idle()
        assert await clients.get(1) is first  # past its lifetime, but a session is open on it
        now[0] = 3700.0 + options.idle_session.total_seconds() + 1
        await clients.close_idle()  # the idle session is closed, then the client goes with its login
        second = await clients.get(1)
        assert second is not first
    finally:
        await clients.aclose()
