"""The outbound Sender driving a real python-telegram-bot ``Bot`` against the fake Bot API over loopback,
with Telegram's flood limits enforced (429 beyond ~30 msg/s overall and ~1 msg/s per chat)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.chat.outbound import mapped
from bot.pacing import (
    OutboundJob,
    Sender,
)
from tests.fixtures.botapi import BotApiHandle

Job = OutboundJob[str]


def ptb_sender(bot: Bot) -> Any:
    """``send(job)`` for the Sender, with PTB's errors mapped exactly as the bot's Telegram layer maps
    them (``bot.chat.outbound.mapped``), so this exercises the production mapping."""

    async def send(job: Job) -> None:
        await mapped(lambda: bot.send_message(chat_id=job.chat_id, text=job.payload))

    return send


@pytest.fixture
async def ptb_bot(botapi: BotApiHandle) -> AsyncIterator[Bot]:
    request = HTTPXRequest(connection_pool_size=32)
    bot = Bot(botapi.token, base_url=botapi.api_url, base_file_url=botapi.file_url, request=request)
    async with bot:
        yield bot


@pytest.mark.botapi(enforce_limits=True)
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_bursty_chats_and_a_crowd_without_a_single_429(botapi: BotApiHandle, ptb_bot: Bot) -> None:
    fake = botapi.fake
    busy, crowd = list(range(1001, 1006)), list(range(2001, 2101))
    for uid in busy + crowd:
        fake.user(uid)
    sent_keys: list[object] = []
    sender: Sender[str] = Sender(ptb_sender(ptb_bot), on_sent=lambda job: sent_keys.append(job.key))
    async with sender:
        for n in range(5):
            for uid in busy:
                sender.submit(OutboundJob(uid, f"{uid}/{n}", f"Faktura {n + 1} z 5"))
        for uid in crowd:
            sender.submit(OutboundJob(uid, f"{uid}/0", "Nowa faktura od kontrahenta"))
        await sender.drain()

    assert fake.too_many_requests == 0
    assert fake.flood.stats.rejected == 0
    assert sender.stats.sent == 125 and sender.stats.retry_after == 0 and sender.stats.failed == 0
    assert sorted(map(str, sent_keys)) == sorted({str(k) for k in sent_keys})  # no duplicates
    for uid in busy:
        texts = [m.text for m in fake.bot_messages(uid)]
        assert texts == [f"Faktura {n + 1} z 5" for n in range(5)], "each exactly once, in order"
    for uid in crowd:
        assert [m.text for m in fake.bot_messages(uid)] == ["Nowa faktura od kontrahenta"]


@pytest.mark.botapi(enforce_limits=True)
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_real_failures_are_classified(botapi: BotApiHandle, ptb_bot: Bot) -> None:
    fake = botapi.fake
    for uid in (11, 12, 13):
        fake.user(uid)
    fake.block_user(12)
    fake.fail_next("sendMessage", status=429, retry_after=1)  # the first send meets a 429 ...
    fake.fail_next("sendMessage", status=502)  # ... the second a proxy error
    blocked: list[int | str] = []
    failed: list[tuple[object, str]] = []
    sender: Sender[str] = Sender(ptb_sender(ptb_bot), on_blocked=blocked.append,
                                 on_failed=lambda job, exc: failed.append((job.key, type(exc).__name__)))
    async with sender:
        sender.submit(OutboundJob(11, "a", "pierwsza"))
        sender.submit(OutboundJob(11, "b", "druga"))
        sender.submit(OutboundJob(12, "c", "do zablokowanego"))
        sender.submit(OutboundJob(99999, "d", "do nieistniejącego czatu"))
        sender.submit(OutboundJob(13, "e", "zwykła"))
        await sender.drain()

    assert [m.text for m in fake.bot_messages(11)] == ["pierwsza", "druga"]
    assert [m.text for m in fake.bot_messages(13)] == ["zwykła"]
    assert blocked == [12]
    assert failed == [("d", "PermanentSendError")]
    assert sender.stats.retry_after == 1 and sender.stats.retried == 1 and sender.stats.sent == 3
