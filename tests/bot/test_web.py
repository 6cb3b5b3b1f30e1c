"""The webhook gateway (``bot.web``) in-process: the real Application behind our ASGI app, the fake Bot API
pushing updates to it through ``httpx.ASGITransport``, the KSeF simulator for polls and notifications."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot import web
from bot.app import BotOptions
from bot.sandbox.botapi import FakeUser
from bot.web import WebGateway
from tests.bot.test_companies import connect_in_chat
from tests.bot.test_notify import invoice_xml, wait_mentioned
from tests.fixtures.bot import BotHarness, MutableClock, make_settings

SECRET = "gw-Secret_0123456789-0123456789-abc"
Client = httpx.AsyncClient
WEBHOOK_URL = "http://bot.test/tg/hook"


@asynccontextmanager
async def gateway_bot(botapi: Any, sim: Any, tmp_path: Path, *, is_leader: Callable[[], bool] | None = None,
                      **option_fields: Any) -> AsyncIterator[tuple[WebGateway, BotHarness, Client]]:
    """A started gateway (webhook registered) on SQLite in ``tmp_path/db``, its harness and an HTTP
    client that talks to its ASGI app."""
    master_key = os.urandom(32)
    url = f"sqlite+aiosqlite:///{tmp_path / 'db' / 'bot.sqlite'}"
    settings = make_settings(botapi, sim.base_url, url, tmp_path, master_key,
                             WEBHOOK_URL=WEBHOOK_URL, WEBHOOK_SECRET=SECRET)
    options = BotOptions(clock=MutableClock(), poll_timeout=1, set_commands=False, **option_fields)
    gateway = WebGateway(settings, options, is_leader=is_leader)
    await gateway.start()
    botapi.fake.webhook_transport = httpx.ASGITransport(app=gateway.app)
    harness = BotHarness(settings, options, botapi.fake, sim, master_key, runtime=gateway)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway.app),
                                     base_url="http://bot.test") as client:
            assert await gateway.ensure_webhook() is True
            yield gateway, harness, client
    finally:
        await gateway.stop()


def start_update(user: FakeUser, update_id: int) -> dict[str, Any]:
    """A well-formed ``/start`` update from ``user``, as a forger would build it."""
    return {"update_id": update_id, "message": {
        "message_id": 900_000 + update_id, "date": int(time.time()), "from": dict(user.info),
        "chat": {"id": user.chat_id, "type": "private", "first_name": user.info.get("first_name", "")},
        "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus exposition, keyed by (name, sorted labels)."""
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_start_through_webhook_is_answered_and_registration_is_idempotent(
        botapi: Any, sim: Any, tmp_path: Path) -> None:
    fake = botapi.fake
    async with gateway_bot(botapi, sim, tmp_path) as (gateway, bot, _):
        assert fake.webhook_url == WEBHOOK_URL and fake.webhook_secret == SECRET
        user = bot.user(7101)
        answer = await bot.say(user, "/start", contains="Wybierz, jak")
        assert answer.chat_id == user.chat_id
        assert fake.webhook_last_error is None  # the fake got 200 for the update
        # A restart (or a replica) finds the webhook as wanted: no second setWebhook.
        assert await gateway.ensure_webhook() is False
        assert len(fake.calls_of("setWebhook")) == 1
        # Telegram reports a failed delivery (e.g. still sending an old secret): set it again.
        fake.webhook_last_error = (int(time.time()), "Wrong response from the webhook: 403 Forbidden")
        assert await gateway.ensure_webhook() is True
        assert len(fake.calls_of("setWebhook")) == 2 and fake.webhook_last_error is None


async def test_wrong_secret_is_refused_and_not_processed(botapi: Any, sim: Any, tmp_path: Path) -> None:
    async with gateway_bot(botapi, sim, tmp_path) as (_, bot, client):
        user = bot.user(7102)
        forged = start_update(user, 1)
        for headers in ({}, {web.SECRET_HEADER: "wrong"}, {web.SECRET_HEADER: SECRET + "x"}):
            response = await client.post("/tg/hook", json=forged, headers=headers)
            assert response.status_code == 403
        # The right secret but no update in the body: refused as bad, nothing to retry.
        bad = await client.post("/tg/hook", content=b"{not json", headers={web.SECRET_HEADER: SECRET})
        assert bad.status_code == 400
        not_update = await client.post("/tg/hook", json=[1, 2], headers={web.SECRET_HEADER: SECRET})
        assert not_update.status_code == 400
        # The same chat's updates run in order: had the forged /start been queued, it would have been
        # answered before this real one, giving two greetings.
        await bot.say(user, "/start", contains="Wybierz, jak")
        greetings = [m for m in bot.fake.bot_messages(user.chat_id) if "Wybierz, jak" in m.content]
        assert len(greetings) == 1


async def test_healthz_and_readyz(botapi: Any, sim: Any, tmp_path: Path) -> None:
    leading = {"value": True}
    async with gateway_bot(botapi, sim, tmp_path, is_leader=lambda: leading["value"]) as (_, bot, client):
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": True, "application": True, "leader": True,
                                          "webhook": True}

        leading["value"] = False
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["failed"] == ["leader"]
        # Not the leader: updates are refused with 503 so that Telegram delivers them again.
        user = bot.user(7103)
        refused = await client.post("/tg/hook", json=start_update(user, 2),
                                    headers={web.SECRET_HEADER: SECRET})
        assert refused.status_code == 503
        leading["value"] = True
        assert (await client.get("/readyz")).status_code == 200

        # The database goes away (its directory disappears, pooled connections dropped).
        db_dir = tmp_path / "db"
        db_dir.rename(tmp_path / "db-gone")
        await bot.db.engine.dispose()
        try:
            ready = await client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["failed"] == ["database"]
            assert (await client.get("/healthz")).status_code == 200  # liveness needs no database
        finally:
            (tmp_path / "db-gone").rename(db_dir)
        assert (await client.get("/readyz")).status_code == 200


async def test_readyz_before_start_and_after_stop(botapi: Any, sim: Any, tmp_path: Path) -> None:
    settings = make_settings(botapi, sim.base_url, f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite'}", tmp_path,
                             os.urandom(32), WEBHOOK_URL=WEBHOOK_URL, WEBHOOK_SECRET=SECRET)
    gateway = WebGateway(settings, BotOptions(set_commands=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway.app),
                                 base_url="http://bot.test") as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert set(ready.json()["failed"]) == {"database", "application", "leader", "webhook"}
        update = await client.post("/tg/hook", json={"update_id": 5}, headers={web.SECRET_HEADER: SECRET})
        assert update.status_code == 503
        await gateway.start()
        started = await client.get("/readyz")
        assert started.status_code == 503 and started.json()["failed"] == ["webhook"]  # not registered yet
        await gateway.ensure_webhook()
        assert (await client.get("/readyz")).status_code == 200
        await gateway.stop()
        assert (await client.get("/readyz")).status_code == 503


async def test_metrics_follow_a_poll_a_notification_and_ksef_errors(botapi: Any, sim: Any,
                                                                   tmp_path: Path) -> None:
    async with gateway_bot(botapi, sim, tmp_path, poll_interval=1, inbox_tick=0.2) as (_, bot, client):
        sim.set_limits({"invoiceMetadata": {"perSecond": 100, "perMinute": 1000, "perHour": 10000}})
        before = await scrape(client)
        user = bot.user(7104)
        nip, token = sim.create_subject()
        await connect_in_chat(bot, user, nip, token)
        ksef_number = sim.inject_invoice(invoice_xml(nip, "FV/9/2026"))
        await wait_mentioned(bot, user.chat_id, ksef_number)

        sent = ("ksefbot_notifications_sent_total", (("kind", "inbox.invoice"),))

        async def counted() -> bool:  # the counter follows the sent mark, just after the message
            return (await scrape(client)).get(sent, 0) > before.get(sent, 0)

        await bot.eventually(counted, message="the notification counted")
        after = await scrape(client)
        ok = ("ksefbot_polls_total", (("result", "ok"),))
        assert after[ok] > before[ok]
        assert after[("ksefbot_new_invoices_total", ())] >= before[("ksefbot_new_invoices_total", ())] + 1
        sends = ("ksefbot_telegram_send_seconds_count", ())
        assert after[sends] >= before[sends] + 1
        delays = ("ksefbot_notification_delay_seconds_count", ())
        assert after[delays] >= before[delays] + 1
        assert after[("ksefbot_outbox_pending", ())] == 0
        assert after[("ksefbot_offline_queue_size", ())] == 0

        # KSeF fails: the polls are counted as errors, by the HTTP status KSeF answered.
        sim.set_availability(api="error500")
        error = ("ksefbot_polls_total", (("result", "error"),))

        async def failing() -> bool:
            return (await scrape(client))[error] > after[error]

        try:
            await bot.eventually(failing, timeout=30, message="a failed poll counted")
        finally:
            sim.set_availability(api="up")
        final = await scrape(client)
        codes = {labels: value for (name, labels), value in final.items()
                 if name == "ksefbot_ksef_errors_total"}
        assert any(value > 0 for value in codes.values()), codes


async def test_outbox_pending_gauge_counts_unsent_rows(botapi: Any, sim: Any, tmp_path: Path) -> None:
    from bot.services.inbox import NEW_INVOICE, InvoiceNews

    async with gateway_bot(botapi, sim, tmp_path) as (_, bot, client):
        user = bot.user(7105)
        nip, token = sim.create_subject()
        await connect_in_chat(bot, user, nip, token)
        [company] = await bot.table_rows("companies")
        [member] = await bot.table_rows("users")
        # Rows held back until far in the future (as quiet hours would): pending, not sent.
        later = bot.clock() + timedelta(days=1)
        async with bot.db.transaction() as session:
            for _ in range(3):
                await bot.services.outbox.add(session, NEW_INVOICE, chat_id=user.chat_id,
                                              payload=InvoiceNews(()), user_id=member["id"],
                                              company_id=company["id"], not_before=later)
        assert (await scrape(client))[("ksefbot_outbox_pending", ())] == 3


async def test_wrong_secrets_make_the_leader_recheck_and_reset_the_webhook(
        botapi: Any, sim: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(web, "RECHECK_AFTER_403", 0.01)
    fake = botapi.fake
    async with gateway_bot(botapi, sim, tmp_path) as (gateway, _, client):
        # Forged requests alone: Telegram reports no failed delivery, so nothing is set again.
        forged = await client.post("/tg/hook", json={}, headers={web.SECRET_HEADER: "forged"})
        assert forged.status_code == 403
        assert gateway._recheck is not None
        await gateway._recheck
        assert len(fake.calls_of("getWebhookInfo")) == 2 and len(fake.calls_of("setWebhook")) == 1
        # Telegram still uses an old secret: its deliveries fail with our 403 and it says so.
        monkeypatch.setattr(web, "RECHECK_MIN_GAP", 0.0)
        fake.webhook_last_error = (int(time.time()), "Wrong response from the webhook: 403 Forbidden")
        assert (await client.post("/tg/hook", json={}, headers={web.SECRET_HEADER: "old"})).status_code == 403
        await fake.wait_until(lambda: len(fake.calls_of("setWebhook")) == 2, message="the webhook set again")
        assert fake.webhook_secret == SECRET and fake.webhook_last_error is None


def test_serve_metrics_for_workers() -> None:
    from bot import metrics

    server = metrics.serve_metrics(0)
    try:
        metrics.ksef_error(RuntimeError("x"))
        response = httpx.get(f"http://127.0.0.1:{server.server_port}/metrics", timeout=5)
        assert response.status_code == 200
        found = samples(response.text)
        assert found[("ksefbot_ksef_errors_total", (("code", "RuntimeError"),))] >= 1
    finally:
        server.shutdown()
        server.server_close()


async def test_serve_with_uvicorn_registers_after_listening_and_stops_on_request(
        botapi: Any, sim: Any, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    fake = botapi.fake
    url = f"http://127.0.0.1:{port}/tg"
    settings = make_settings(botapi, sim.base_url, f"sqlite+aiosqlite:///{tmp_path / 'u.sqlite'}", tmp_path,
                             os.urandom(32), WEBHOOK_URL=url, WEBHOOK_SECRET=SECRET, WEBHOOK_PORT=str(port))
    gateway = WebGateway(settings, BotOptions(set_commands=False))
    served = asyncio.create_task(web.serve(gateway))
    try:
        await fake.wait_until(lambda: fake.webhook_url == url, timeout=30, message="the webhook set")
        user = fake.user(7106)
        await user.send_text("/start")  # over real HTTP to the uvicorn socket
        await fake.wait_for_bot_message(user.chat_id, lambda m: "Wybierz, jak" in m.content, timeout=15)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert (await client.get("/readyz")).status_code == 200
            assert (await client.post("/tg", json=start_update(user, 3))).status_code == 403
        # What a job does when this process must go (e.g. leadership lost): a graceful stop.
        gateway.application.runtime.request_stop()
        await asyncio.wait_for(served, 30)
        assert gateway.application is None  # stopped and shut down (bot.app.stop_gateway)
    finally:
        if not served.done():
            gateway.request_stop()
            await asyncio.wait_for(served, 30)


async def test_standby_gateway_serves_health_and_takes_over(botapi: Any, sim: Any, tmp_path: Path,
                                                            pg_database: tuple[str, str]) -> None:
    """Two webhook gateways on one PostgreSQL database: one leads; the other answers /healthz, refuses
    updates with 503 (Telegram re-delivers them) and takes over when the leader goes away."""
    url, schema = pg_database
    master_key = os.urandom(32)
    settings = make_settings(botapi, sim.base_url, url, tmp_path, master_key,
                             WEBHOOK_URL=WEBHOOK_URL, WEBHOOK_SECRET=SECRET)

    def gateway() -> WebGateway:
        options = BotOptions(clock=MutableClock(), poll_timeout=1, set_commands=False, db_schema=schema)
        return WebGateway(settings, options)

    first, second = gateway(), gateway()
    await first.start()
    second.lead_wait = 0.3
    await second.start()
    try:
        assert first.leading.is_set() and not second.leading.is_set()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=second.app),
                                     base_url="http://bot.test") as standby:
            assert (await standby.get("/healthz")).status_code == 200
            ready = await standby.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["failed"] == ["application", "leader", "webhook"]
            refused = await standby.post("/tg/hook", json=start_update(botapi.fake.user(7300), 1),
                                         headers={web.SECRET_HEADER: SECRET})
            assert refused.status_code == 503
            leader = first.application.runtime.leader
            await leader.abandon()  # the leader's process dies: its connection and lock go
            await asyncio.wait_for(second.leading.wait(), 10)
            assert (await standby.get("/readyz")).json()["failed"] == ["webhook"]
            await second.ensure_webhook()  # what serve() does once this process leads
            assert botapi.fake.webhook_url == WEBHOOK_URL
            assert (await standby.get("/readyz")).status_code == 200
    finally:
        await second.stop()
        await first.stop()
