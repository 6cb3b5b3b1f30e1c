"""The sandbox web chat's guard: only its own page (Host and Origin) may drive it."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.sandbox.same_origin import SameOriginOnly


async def _ok(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


def guarded(host: str = "127.0.0.1", port: int = 8080) -> httpx.AsyncClient:
    app = SameOriginOnly(Starlette(routes=[Route("/api/send", _ok, methods=["GET", "POST"])]), host, port)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{host}:{port}")


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 200),  # curl, tests: no Origin
    ({"origin": "http://127.0.0.1:8080"}, 200),
    ({"host": "localhost:8080", "origin": "http://localhost:8080"}, 200),
    ({"host": "[::1]:8080"}, 200),
    ({"origin": "http://evil.example"}, 403),  # another site's page posting to the sandbox
    ({"origin": "https://127.0.0.1:8080"}, 403),
    ({"origin": "http://127.0.0.1:9999"}, 403),
    ({"origin": "null"}, 403),  # sandboxed iframe, file:// page
    ({"sec-fetch-site": "cross-site"}, 403),
    ({"host": "rebind.evil.example:8080"}, 403),  # DNS rebinding: the browser thinks it is same-origin
    ({"host": "rebind.evil.example:8080", "origin": "http://rebind.evil.example:8080"}, 403),
    ({"host": "127.0.0.1:9999"}, 403),
    ({"host": "192.168.1.5:8080"}, 403),  # bound to loopback only
])
async def test_loopback_sandbox(headers: dict[str, str], status: int) -> None:
    async with guarded() as client:
        answer = await client.post("/api/send", json={"text": "/start"}, headers=headers)
    assert answer.status_code == status
    if status == 403:
        assert "sandbox" in answer.json()["error"] or "Host" in answer.json()["error"]


async def test_listening_on_every_address_accepts_addresses_not_names() -> None:
    async with guarded("0.0.0.0", 8080) as client:  # what --host 0.0.0.0 gives
        lan = await client.get("/api/send", headers={"host": "192.168.1.5:8080",
                                                     "origin": "http://192.168.1.5:8080"})
        name = await client.get("/api/send", headers={"host": "phone.evil.example:8080"})
    assert (lan.status_code, name.status_code) == (200, 403)


async def test_port_80_may_be_left_out() -> None:
    async with guarded("127.0.0.1", 80) as client:
        answer = await client.get("/api/send", headers={"host": "127.0.0.1", "origin": "http://127.0.0.1"})
    assert answer.status_code == 200
