"""The sandbox web chat's JSON API over real loopback HTTP: the page's contract, without a browser."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from bot.sandbox.run import Sandbox


async def wait_for(client: httpx.AsyncClient, predicate: Any, timeout: float = 20) -> list[dict[str, Any]]:  # noqa: ASYNC109
    """Long-poll /api/messages until ``predicate(messages)`` holds; returns the messages."""
    version = -1
    async with asyncio.timeout(timeout):
        while True:
            data = (await client.get("/api/messages", params={"since": version, "wait": 5})).json()
            version = data["version"]
            if predicate(data["messages"]):
                return list(data["messages"])


def bot_says(text: str) -> Any:
    return lambda messages: any(m["from_bot"] and text in m["text"] for m in messages)


async def test_page_and_info(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        page = await client.get("/")
        assert page.status_code == 200 and "/static/app.js" in page.text
        assert (await client.get("/static/app.js")).status_code == 200
        info = (await client.get("/api/info")).json()
    assert sandbox.demo is not None
    assert info["demo"]["nip"] == sandbox.demo.nip and info["demo"]["token"] == sandbox.demo.token


async def test_onboarding_through_the_api_and_token_message_is_deleted(sandbox: Sandbox) -> None:
    assert sandbox.demo is not None
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=30) as client:
        assert (await client.post("/api/send", json={"text": "/start"})).status_code == 200
        messages = await wait_for(client, bot_says("Wybierz, jak"))
        step1 = next(m for m in messages if "Wybierz, jak" in m["text"])
        skip = next(b for row in step1["buttons"] for b in row if b["text"] == "Mam już token")
        assert (await client.post("/api/press", json={"message_id": step1["id"], "data": skip["data"]})
                ).status_code == 200
        await wait_for(client, bot_says("Podaj NIP"))
        await client.post("/api/send", json={"text": sandbox.demo.nip})
        await wait_for(client, bot_says("Wklej teraz token"))
        await client.post("/api/send", json={"text": sandbox.demo.token})
        messages = await wait_for(client, bot_says("Gotowe"), timeout=30)
    # The bot deleted the pasted token, so the page no longer shows it.
    assert not any(sandbox.demo.token in m["text"] for m in messages)


async def test_bad_actions_get_clear_errors(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        empty = await client.post("/api/send", json={"text": "  "})
        assert empty.status_code == 400 and "Pusta" in empty.json()["error"]
        missing = await client.post("/api/press", json={"message_id": 999, "data": "x"})
        assert missing.status_code == 409
        mode = await client.post("/api/sim/availability", json={"mode": "nonsense"})
        assert mode.status_code == 400 and "nieznany tryb" in mode.json()["error"]
        assert (await client.get("/api/files/nope")).status_code == 404


async def test_upload_and_download_same_bytes(sandbox: Sandbox) -> None:
    content = b"%PDF-1.4 sandbox upload \x00\xff"
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        sent = await client.post("/api/upload", files={"file": ("faktura.pdf", content, "application/pdf")})
        assert sent.status_code == 200
        messages = (await client.get("/api/messages")).json()["messages"]
        doc = next(m["document"] for m in messages if m["id"] == sent.json()["message_id"])
        assert doc["name"] == "faktura.pdf" and doc["size"] == len(content)
        back = await client.get(f"/api/files/{doc['file_id']}", params={"download": "1"})
    assert back.content == content
    assert back.headers["content-disposition"].startswith("attachment")


async def test_photo_upload_is_a_photo(sandbox: Sandbox) -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="JPEG")
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        sent = await client.post("/api/upload", data={"as_photo": "1", "caption": "paragon"},
                                 files={"file": ("paragon.jpg", buffer.getvalue(), "image/jpeg")})
        messages = (await client.get("/api/messages")).json()["messages"]
        mine = next(m for m in messages if m["id"] == sent.json()["message_id"])
        assert mine["photo"] is not None and mine["document"] is None and mine["text"] == "paragon"
        shown = await client.get(f"/api/files/{mine['photo']['file_id']}")
    assert shown.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(shown.content)).size == (64, 48)


async def test_simulator_controls_reach_the_simulator(sandbox: Sandbox) -> None:
    assert sandbox.demo is not None
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        failure = await client.post("/api/sim/availability", json={"mode": "failure"})
        assert failure.status_code == 200
        async with httpx.AsyncClient(base_url=sandbox.sim_url) as sim:
            status = await sim.get("/latarnia/status")
            api = await sim.get("/v2/security/public-key-certificates")
        assert "FAILURE" in status.text
        assert api.status_code >= 500
        assert (await client.post("/api/sim/availability", json={"mode": "up"})).status_code == 200
        injected = await client.post("/api/sim/invoice")
        assert injected.status_code == 200
        number = injected.json()["ksefNumber"]
    # The KSeF number names a supplier of the demo company as the seller.
    assert number.split("-", 1)[0] in sandbox.demo.suppliers


async def test_only_its_own_page_may_drive_it(sandbox: Sandbox) -> None:
    """Another site's page (foreign Origin) and a DNS-rebound name (foreign Host) get 403 and change
    nothing; the page's own origin works."""
    assert sandbox.user is not None and sandbox.fake is not None
    port = sandbox.url.rsplit(":", 1)[1]
    before = len(sandbox.fake.chat_messages(sandbox.user.chat_id))
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        foreign = await client.post("/api/send", json={"text": "/start"},
                                    headers={"origin": "http://evil.example"})
        rebound = await client.post("/api/send", json={"text": "/start"},
                                    headers={"host": f"evil.example:{port}",
                                             "origin": f"http://evil.example:{port}"})
        page = await client.get("/", headers={"host": f"evil.example:{port}"})
        own = await client.post("/api/send", json={"text": "/start"}, headers={"origin": sandbox.url})
    statuses = (foreign.status_code, rebound.status_code, page.status_code, own.status_code)
    assert statuses == (403, 403, 403, 200)
    assert "Origin" in foreign.json()["error"] and "Host" in rebound.json()["error"]
    assert len(sandbox.fake.chat_messages(sandbox.user.chat_id)) == before + 1  # only the page's own


async def test_an_album_reaches_the_page_as_one_group(sandbox: Sandbox) -> None:
    """What the delivery pipeline sends for an issued invoice (PDF + XML as one document group) is
    shown by the page as one album."""
    assert sandbox.botapi is not None and sandbox.fake is not None and sandbox.user is not None
    api = f"{sandbox.botapi.api_url}{sandbox.fake.token}"
    async with httpx.AsyncClient() as bot:
        sent = await bot.post(f"{api}/sendMediaGroup", data={
            "chat_id": str(sandbox.user.chat_id),
            "media": '[{"type": "document", "media": "attach://pdf", "caption": "Wydruk"},'
                     ' {"type": "document", "media": "attach://xml"}]'},
            files={"pdf": ("FV_1.pdf", b"%PDF-1.7", "application/pdf"),
                   "xml": ("FV_1.xml", b"<Faktura/>", "application/xml")})
    assert sent.status_code == 200, sent.text
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        messages = (await client.get("/api/messages")).json()["messages"]
    album = [m for m in messages if m["media_group_id"]]
    assert [m["document"]["name"] for m in album] == ["FV_1.pdf", "FV_1.xml"]
    assert len({m["media_group_id"] for m in album}) == 1 and album[0]["text"] == "Wydruk"
