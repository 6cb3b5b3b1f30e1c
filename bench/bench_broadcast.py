"""Benchmark of a broadcast through the outbound Sender: one message to each of N users.

A real python-telegram-bot ``Bot`` sends through :class:`bot.pacing.Sender` to the fake Bot API on
loopback, which enforces Telegram's flood limits (30 msg/s overall, ~1 msg/s per chat) and answers
429 beyond them. Prints JSON: completion time, achieved rate and its fraction of the 30 msg/s limit
(goal ≥ 0.9), 429 answers (goal 0), deliveries checked exactly once.

    .venv/bin/python bench/bench_broadcast.py [--users 10000] [--rate 28] [--replies 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.chat.outbound import mapped
from bot.pacing import (
    OutboundJob,
    PacingConfig,
    Priority,
    Sender,
)
from bot.sandbox.botapi import BotApiServer, FakeBotApi, FloodLimits

TELEGRAM_LIMIT = 30.0


def ptb_send(bot: Bot) -> Any:
    """``send(job)`` for the Sender, with PTB's errors mapped exactly as the bot's Telegram layer maps
    them (``bot.chat.outbound.mapped``), so this exercises the production mapping."""

    async def send(job: OutboundJob[str]) -> None:
        await mapped(lambda: bot.send_message(chat_id=job.chat_id, text=job.payload))

    return send


async def run(users: int, rate: float, replies: int) -> dict[str, Any]:
    fake = FakeBotApi(enforce_limits=True, limits=FloodLimits())
    first_user = 10_000_000
    for uid in range(first_user, first_user + users):
        fake.user(uid)
    replier = first_user  # one user keeps chatting during the broadcast
    reply_latency: list[float] = []
    submitted_at: dict[object, float] = {}

    def on_sent(job: OutboundJob[str]) -> None:
        if job.priority is Priority.INTERACTIVE:
            reply_latency.append(time.monotonic() - submitted_at[job.key])

    with BotApiServer(fake) as server:
        bot = Bot(fake.token, base_url=server.api_url, base_file_url=server.file_url,
                  request=HTTPXRequest(connection_pool_size=32))
        async with bot:
            sender: Sender[str] = Sender(ptb_send(bot), config=PacingConfig(global_rate=rate),
                                         on_sent=on_sent)
            start = time.monotonic()
            cpu_start = time.process_time()
            async with sender:
                for uid in range(first_user, first_user + users):
                    sender.submit(OutboundJob(uid, f"b{uid}", "Komunikat: awaria KSeF", Priority.BULK))
                for n in range(replies):  # replies arrive while the broadcast is under way
                    await asyncio.sleep(1.0)
                    key = f"r{n}"
                    submitted_at[key] = time.monotonic()
                    sender.submit(OutboundJob(replier, key, f"Odpowiedź {n + 1}", Priority.INTERACTIVE))
                await sender.drain()
            elapsed = time.monotonic() - start
            cpu = time.process_time() - cpu_start

    total = users + replies
    delivered = sum(len(fake.bot_messages(uid)) for uid in range(first_user, first_user + users))
    achieved = total / elapsed
    return {
        "benchmark": "broadcast",
        "users": users,
        "replies_during_broadcast": replies,
        "configured_rate_per_s": rate,
        "telegram_limit_per_s": TELEGRAM_LIMIT,
        "completion_s": round(elapsed, 3),
        "achieved_rate_per_s": round(achieved, 3),
        "fraction_of_limit": round(achieved / TELEGRAM_LIMIT, 4),
        "goal_fraction": 0.9,
        "http_429": fake.too_many_requests,
        "goal_429": 0,
        "delivered": delivered,
        "delivered_exactly_once": delivered == total and all(
            len(fake.bot_messages(uid)) == (1 + replies if uid == replier else 1)
            for uid in range(first_user, first_user + users)),
        "reply_latency_max_s": round(max(reply_latency), 3) if reply_latency else None,
        "sender_stats": sender.stats.as_dict(),
        "process_cpu_s": round(cpu, 3),  # includes the fake Bot API server thread
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=PacingConfig().global_rate)
    parser.add_argument("--replies", type=int, default=5, help="interactive replies sent mid-broadcast")
    args = parser.parse_args(argv)
    if args.users < 1:
        parser.error("--users must be at least 1")
    result = asyncio.run(run(args.users, args.rate, args.replies))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    ok = result["http_429"] == 0 and result["fraction_of_limit"] >= 0.9 and result["delivered_exactly_once"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
