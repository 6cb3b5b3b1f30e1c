"""Outbound Telegram throughput against the fake Bot API enforcing Telegram's flood limits.

Scenarios (each on a fresh server on loopback, real PTB ``Bot`` over HTTP):

* ``ptb_limiter_broadcast``: one message to each of ``--chats`` chats through PTB's
  ``AIORateLimiter(max_retries=3)``, all at once (``asyncio.gather``).
* ``ptb_limiter_burst``: ``--burst-chats`` chats × ``--per-chat`` messages the same way; PTB's
  limiter has no per-private-chat limit, so the fake answers 429 and every 429 pauses all sends.
* ``paced_burst``: the same burst through a client-side pacer (≈1/s per chat, 29/s overall), the
  shape the bot's outbox sender must have: zero 429s is the goal.

Prints JSON: messages, seconds, messages/s, share of Telegram's 30 msg/s, 429 answers, lost messages.
Usage: ``.venv/bin/python bench/bench_sender_limits.py [--chats 300] [--burst-chats 20] [--per-chat 5]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, ExtBot

from bot.sandbox.botapi import BotApiServer, FakeBotApi

TELEGRAM_RATE = 30.0


async def _run(name: str, chats: int, per_chat: int,
               send_all: Callable[[Bot, list[int], int], Awaitable[int]]) -> dict[str, Any]:
    fake = FakeBotApi(enforce_limits=True)
    ids = [100_000 + n for n in range(chats)]
    for chat_id in ids:
        fake.user(chat_id)
    with BotApiServer(fake) as server:
        bot: Bot
        if name.startswith("ptb_limiter"):
            bot = ExtBot(fake.token, base_url=server.api_url, base_file_url=server.file_url,
                         rate_limiter=AIORateLimiter(max_retries=3))
        else:
            bot = Bot(fake.token, base_url=server.api_url, base_file_url=server.file_url)
        async with bot:
            start = time.perf_counter()
            lost = await send_all(bot, ids, per_chat)
            seconds = time.perf_counter() - start
    delivered = sum(len(fake.bot_messages(c)) for c in ids)
    rate = delivered / seconds if seconds else 0.0
    return {"scenario": name, "chats": chats, "per_chat": per_chat, "messages": delivered,
            "seconds": round(seconds, 3), "messages_per_s": round(rate, 2),
            "share_of_telegram_rate": round(rate / TELEGRAM_RATE, 3),
            "answers_429": fake.too_many_requests, "lost": lost}


async def _gather_all(bot: Bot, ids: list[int], per_chat: int) -> int:
    async def one(chat_id: int, n: int) -> int:
        try:
            await bot.send_message(chat_id, f"Powiadomienie {n}")
        except RetryAfter:
            return 1  # retries exhausted: the message is lost
        return 0

    results = await asyncio.gather(*(one(c, n) for n in range(per_chat) for c in ids))
    return sum(results)


async def _paced(bot: Bot, ids: list[int], per_chat: int) -> int:
    """Per chat: one message per 1.05 s; overall: one slot per 1/29 s; retry after a 429."""
    overall_gap = 1.0 / (TELEGRAM_RATE - 1)
    next_slot = time.monotonic()
    lock = asyncio.Lock()
    lost = 0

    async def take_slot() -> None:
        nonlocal next_slot
        async with lock:
            now = time.monotonic()
            wait = max(0.0, next_slot - now)
            next_slot = max(now, next_slot) + overall_gap
        await asyncio.sleep(wait)

    async def chat_sender(chat_id: int) -> None:
        nonlocal lost
        for n in range(per_chat):
            started = time.monotonic()
            for _attempt in range(4):
                await take_slot()
                try:
                    await bot.send_message(chat_id, f"Powiadomienie {n}")
                    break
                except RetryAfter as err:
                    delay = err.retry_after
                    await asyncio.sleep(delay if isinstance(delay, int | float) else delay.total_seconds())
            else:
                lost += 1
            await asyncio.sleep(max(0.0, 1.05 - (time.monotonic() - started)))

    await asyncio.gather(*(chat_sender(c) for c in ids))
    return lost


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--burst-chats", type=int, default=20)
    parser.add_argument("--per-chat", type=int, default=5)
    args = parser.parse_args()
    results = [
        await _run("ptb_limiter_broadcast", args.chats, 1, _gather_all),
        await _run("ptb_limiter_burst", args.burst_chats, args.per_chat, _gather_all),
        await _run("paced_burst", args.burst_chats, args.per_chat, _paced),
    ]
    print(json.dumps({"benchmark": "sender_limits", "results": results}, indent=2))


if __name__ == "__main__":
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    asyncio.run(main())
