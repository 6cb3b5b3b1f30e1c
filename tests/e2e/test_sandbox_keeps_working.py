"""The sandbox keeps working: after 30 (simulated) minutes of polling at its 15-second cadence KSeF
still answers, and "invoice now" is announced at once. The simulator's rate limiter runs on a clock the
test moves forward, so half an hour passes in a few seconds of real polls (no 30-minute wait)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.sandbox.run import SANDBOX_USER_ID, Sandbox, SandboxOptions
from bot.store.models_inbox import InboxSync

HALF_AN_HOUR = 30 * 60


@pytest.fixture
async def sandbox15() -> AsyncIterator[Sandbox]:
    """The sandbox as ``ksef-bot sandbox`` runs it (15-second polls), on a free port, without the
    scheduled invoices."""
    box = Sandbox(SandboxOptions(port=0, schedule=(), tick_interval=1.0))
    assert box.options.poll_interval == 15
    await box.start()
    try:
        yield box
    finally:
        await box.stop()


async def test_still_announces_an_injected_invoice_after_30_minutes_of_polling(sandbox15: Sandbox) -> None:
    box = sandbox15
    assert box.bot is not None and box.bot.services is not None and box.demo is not None
    assert box.fake is not None and box.user is not None
    services = box.bot.services
    await services.connect.connect_token(SANDBOX_USER_ID, SANDBOX_USER_ID, box.demo.nip, box.demo.token)
    company_id = (await services.companies.require_active_company(SANDBOX_USER_ID)).id
    await services.sync.due_companies()  # the baseline, as the bot's scheduler makes it first

    # 30 minutes of the sandbox's polls, each 15 s later on the limiter's clock.
    limiter = box.sim_app.state.sim.limiter
    shift = [0.0]
    limiter.clock = lambda: time.monotonic() + shift[0]
    errors = []
    for _ in range(HALF_AN_HOUR // box.options.poll_interval):
        shift[0] += box.options.poll_interval
        errors.append((await services.sync.poll(company_id)).error)
    assert "429" not in errors
    assert errors.count(None) >= len(errors) - 2  # at most a race or two with the bot's own scheduler

    # "Faktura od dostawcy teraz" on the page: the bot checks at once instead of at its next poll.
    async with httpx.AsyncClient(base_url=box.url, timeout=30) as page:
        injected = (await page.post("/api/sim/invoice")).json()
    assert injected["connected"] is True
    async with services.db.transaction() as session:
        due = (await session.execute(select(InboxSync.next_poll_at).where(
            InboxSync.company_id == company_id))).scalar_one()
    assert due <= services.clock() + timedelta(seconds=5)  # HWM lag + margin, not the 15-second poll
    notice = await box.fake.wait_for_bot_message(
        box.user.chat_id, lambda m: injected["ksefNumber"] in m.content, after=0, timeout=20)
    assert notice.from_bot

    # The control: at production's 20 queries an hour the same half hour would have ended in 429.
    async with httpx.AsyncClient(base_url=box.sim_url) as admin:
        (await admin.put("/sim/limits", json={"defaults": True})).raise_for_status()
        log = (await admin.get("/sim/requests", params={"path": "/invoices/query/metadata",
                                                        "nip": box.demo.nip})).json()["requests"]
    assert len(log) >= 120 and all(entry["status"] != 429 for entry in log)
    shift[0] += box.options.poll_interval
    assert (await services.sync.poll(company_id)).error == "429"
