"""Issue 5: the KSeF clients of all companies of one environment share one HTTP pool (memory per
company), and that pool never carries one company's cookies to another."""

from __future__ import annotations

from typing import Any

import httpx

from bot.services.cert_login import KsefLogin
from bot.services.ksef_clients import KsefClients
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
