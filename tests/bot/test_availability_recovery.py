"""The end of a KSeF outage: no false "KSeF does not answer" alert at recovery, and the bot's real calls
(polls, sends) count as evidence that KSeF answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.services.access import ensure_user
from bot.services.availability import AvailabilityService, HttpStatusSource
from bot.services.issuing import Draft, InvoiceState
from bot.store.db import Database
from ksef.availability import Availability, AvailabilityConfig
from ksef.environments import resolve_environment
from tests.bot.test_availability import check, failure_message, fixed_clock, service
from tests.bot.test_issuing import BUYER_NIP, ready
from tests.bot.test_offline_issuing import add_offline_certificate
from tests.fixtures.bot import BotFactory, BotHarness

UNREACHABLE = "Nie można połączyć się z KSeF"
DRAFT = Draft.from_json({"buyer": {"nip": BUYER_NIP, "name": "ACME", "address": []},
                         "lines": [{"name": "Usługa", "quantity": "1", "unit_price": "10",
                                    "vat_rate": "23"}]})


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'recovery.sqlite'}")
    await database.migrate()
    async with database.transaction() as session:
        await ensure_user(session, 101, 101)
    yield database
    await database.dispose()


async def test_end_of_an_announced_failure_is_a_recovery_not_unreachable(db: Any, sim: Any) -> None:
    clock = fixed_clock()
    svc = service(db, sim, clock)
    sim.set_availability(api="down", latarnia={"status": "FAILURE", "messages": [failure_message()]})
    found: list[int] = []
    for _ in range(8):  # four minutes of failing probes under the announced failure
        clock.advance(timedelta(seconds=30))
        found += await check(svc)
    assert len(found) == 1 and (await svc.current()).state is Availability.FAILURE
    sim.set_availability(api="up", latarnia={"status": "AVAILABLE", "messages": []})
    clock.advance(timedelta(seconds=30))
    observed = await svc.check()
    assert observed.recovered and (await svc.current()).state is Availability.AVAILABLE
    assert [(t.from_state, t.to_state) for t in await svc.transitions()] == [
        ("AVAILABLE", "FAILURE"), ("FAILURE", "AVAILABLE")]


async def test_real_calls_answered_keep_degraded_away_while_the_probe_fails(db: Any) -> None:
    clock = fixed_clock()
    # Latarnia and the probe on a port nobody listens on: only the bot's real calls say KSeF answers.
    nowhere = HttpStatusSource(resolve_environment("http://127.0.0.1:9"), timeout=2.0)
    svc = AvailabilityService(db, "nowhere", clock, source=nowhere, config=AvailabilityConfig("prod"))
    for _ in range(10):
        svc.calls.record(True)  # e.g. a poll this round got its answer
        svc.calls.record(False)  # and another one timed out
        clock.advance(timedelta(seconds=30))
        assert await check(svc) == []
    found: list[int] = []
    for _ in range(10):  # no real call answered any more
        clock.advance(timedelta(seconds=30))
        found += await check(svc)
    assert len(found) == 1 and (await svc.current()).state is Availability.DEGRADED


async def test_polls_and_sends_are_counted_for_the_monitor(bot_factory: BotFactory) -> None:
    bot: BotHarness = await bot_factory(availability_interval=3600, issuing_first=3600, poll_interval=1)
    user, _, company_id = await ready(bot, 3902)
    calls = bot.services.availability.calls
    await bot.eventually(lambda: _true(calls.answered > 0), message="a poll counted")
    polled = calls.take()[0]
    view = await bot.services.issuing.prepare(user.id, user.chat_id, company_id, DRAFT)
    assert (await bot.services.issuing.issue(view.id)).state is InvoiceState.ACCEPTED
    assert polled >= 1 and calls.answered >= 1 and calls.unanswered == 0


async def test_switching_back_after_a_failure_with_queued_invoices(bot_factory: BotFactory, sim: Any) -> None:
    config = AvailabilityConfig(environment="prod", degraded_min_failures=2, degraded_min_seconds=0)
    bot: BotHarness = await bot_factory(availability_interval=0.3, availability_config=config,
                                        issuing_interval=0.3, poll_interval=1)
    user, nip, company_id = await ready(bot, 3901)
    await add_offline_certificate(bot, user.id, nip, company_id)
    now = datetime.now(UTC)
    sim.set_availability(api="down", latarnia={"status": "FAILURE", "messages": [
        failure_message(start=now, published=now)]})
    await bot.fake.wait_until(lambda: _mentions(bot, user.id, "Ogłoszono awarię KSeF"), timeout=20)
    issuing = bot.services.issuing
    view = await issuing.prepare(user.id, user.chat_id, company_id, DRAFT)
    view = await issuing.issue(view.id)
    assert view.state is InvoiceState.OFFLINE and view.mode == "awaryjny"
    await bot.eventually(lambda: _failed_probes_seen(bot), message="failing probes under the failure")
    last = bot.fake.bot_messages(user.chat_id)[-1].message_id
    sim.set_availability(api="up", latarnia={"status": "AVAILABLE", "messages": []})
    # Recovery at once (not after the five-minute hold of a DEGRADED), and never "KSeF does not answer".
    await bot.fake.wait_until(lambda: _mentions(bot, user.id, "KSeF znowu działa"), timeout=20)
    await bot.fake.wait_until(lambda: _mentions(bot, user.id, "trafiła do KSeF"), timeout=30)
    status = await bot.say(user, "/status", contains="Status KSeF")
    assert "KSeF działa" in status.content
    after = [m for m in bot.fake.bot_messages(user.chat_id) if m.message_id > last]
    assert not [m for m in after if UNREACHABLE in m.content]
    assert [(r["from_state"], r["to_state"]) for r in await bot.table_rows("availability_transitions")] == [
        ("AVAILABLE", "FAILURE"), ("FAILURE", "AVAILABLE")]


async def _true(value: bool) -> bool:
    return value


def _mentions(bot: BotHarness, chat_id: int, text: str) -> bool:
    return any(text in m.content for m in bot.fake.bot_messages(chat_id))


async def _failed_probes_seen(bot: BotHarness) -> bool:
    rows = await bot.table_rows("availability_snapshots")
    return bool(rows) and rows[0]["data"]["calls"]["fail_count"] >= 2
