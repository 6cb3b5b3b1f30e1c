"""End to end: the running bot (fake Bot API, simulator) announces a KSeF failure to every
user exactly once — also when the process crashes in the middle of the broadcast — and answers /status."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import update

from bot.services.access import ensure_user
from bot.store.db import Database
from bot.store.models_outbox import OutboxRow
from tests.bot.test_availability import failure_message
from tests.fixtures.bot import BotFactory, BotHarness

ALERT = "Ogłoszono awarię KSeF"


async def add_users(harness: BotHarness, user_ids: range) -> None:
    async with harness.db.transaction() as session:
        for user_id in user_ids:
            harness.user(user_id)  # the chat exists on the fake Telegram side
            await ensure_user(session, user_id, user_id)


def alerts(harness: BotHarness, user_id: int) -> int:
    return sum(ALERT in m.content for m in harness.fake.bot_messages(user_id))


async def test_broadcast_reaches_everyone_once_across_a_crash(bot_factory: BotFactory, sim: Any) -> None:
    harness: BotHarness = await bot_factory(availability_interval=0.3)
    users = range(5000, 5060)
    await add_users(harness, users)
    sim.set_availability(latarnia={"status": "FAILURE", "messages": [failure_message()]})

    def delivered() -> int:
        return sum(alerts(harness, u) > 0 for u in users)

    await harness.fake.wait_until(lambda: delivered() >= 10, timeout=20)
    await harness.crash_and_restart()
    at_crash = delivered()
    assert at_crash < len(users), "the broadcast finished before the crash: nothing was tested"

    await harness.fake.wait_until(lambda: delivered() == len(users), timeout=30)
    await asyncio.sleep(1.0)  # give a wrongly repeated send the chance to show up
    assert {u: alerts(harness, u) for u in users} == {u: 1 for u in users}
    rows = await harness.table_rows("outbox")
    assert len(rows) == len(users) and {r["status"] for r in rows} == {"sent"}
    assert {r["kind"] for r in rows} == {"availability.alert"} and {r["priority"] for r in rows} == {2}
    assert len(await harness.table_rows("availability_transitions")) == 1


async def test_status_command_and_maintenance_opt_out(bot_factory: BotFactory, sim: Any) -> None:
    harness: BotHarness = await bot_factory(availability_interval=0.3)
    user = harness.user(7001)
    await add_users(harness, range(7001, 7002))
    answer = await harness.say(user, "/status", contains="Status KSeF")
    assert "KSeF działa" in answer.content and "Brak bieżących komunikatów MF" in answer.content

    sim.set_availability(latarnia={"status": "FAILURE", "messages": [failure_message()]})
    await harness.fake.wait_until(lambda: alerts(harness, 7001) == 1, timeout=20)
    answer = await harness.say(user, "/status", contains="Status KSeF")
    assert "ogłoszona awaria KSeF" in answer.content and "Awaria KSeF" in answer.content
    assert "tryb" in answer.content  # what it means for an invoice issued now

    done = await harness.press(user, answer, "Wyłącz zapowiedzi prac", contains="zapowiedzi")
    assert "O awariach poinformujemy zawsze" in done.content
    assert await harness.table_rows("availability_prefs") == [{"user_id": 7001, "maintenance_muted": True}]


async def test_send_in_doubt_is_probed_not_repeated(bot_factory: BotFactory, sim: Any) -> None:
    """A row left ``sending`` after Telegram accepted the message (crash before marking it) is found
    by the probe and marked sent with the right message id — not sent a second time."""
    harness: BotHarness = await bot_factory(availability_interval=0.3)
    await add_users(harness, range(7101, 7103))
    await harness.say(harness.user(7101), "/status", contains="Status KSeF")  # the chat has a history
    sim.set_availability(latarnia={"status": "FAILURE", "messages": [failure_message()]})
    await harness.fake.wait_until(lambda: all(alerts(harness, u) == 1 for u in (7101, 7102)), timeout=20)

    async def all_sent() -> bool:
        rows = await harness.table_rows("outbox")
        return len(rows) == 2 and all(r["status"] == "sent" for r in rows)

    await harness.eventually(all_sent, message="both deliveries marked sent")
    [row] = [r for r in await harness.table_rows("outbox") if r["user_id"] == 7101]
    assert 0 < row["after_message_id"] < row["message_ids"][0]  # the /status answer, seen before the send
    await harness.stop()
    # The database exactly as a crash right after Telegram accepted the alert leaves it: `sending`.
    db = Database.from_url(harness.settings.database_url)
    async with db.transaction() as session:
        await session.execute(update(OutboxRow).where(OutboxRow.id == row["id"])
                              .values(status="sending", message_ids=[], sent_at=None))
    await db.dispose()
    await harness.start()

    async def probed() -> bool:
        rows = {r["id"]: r for r in await harness.table_rows("outbox")}
        return rows[row["id"]]["status"] == "sent"

    await harness.eventually(probed, message="the probe to settle the row")
    [again] = [r for r in await harness.table_rows("outbox") if r["id"] == row["id"]]
    assert again["message_ids"] == row["message_ids"]
    assert alerts(harness, 7101) == 1
