"""Benchmark of an availability alert end to end: KSeF failure seen in Latarnia → transition and one
delivery row per user in the database → paced sends to every user through the Sender.

The simulator (real HTTP) announces a failure; :class:`AvailabilityService` detects it and queues one
outbox row per user (SQLite, one transaction); the outbox dispatcher delivers them through the one paced
:class:`bot.pacing.Sender` and a real PTB ``Bot`` to the fake Bot API on loopback, which enforces
Telegram's limits (30 msg/s overall, ~1 msg/s per chat). Prints JSON: preparation time, completion
time, achieved rate and its fraction of 30 msg/s (goal ≥ 0.9), 429 answers (goal 0), exactly once.

    .venv/bin/python bench/bench_alert_broadcast.py [--users 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.chat.delivery import OutboxDispatcher, TelegramChannel
from bot.chat.outbound import OutboundRouter
from bot.pacing import PacingConfig
from bot.sandbox.botapi import BotApiServer, FakeBotApi, FloodLimits
from bot.services import ServiceOptions, Services
from bot.services.availability import HttpStatusSource
from bot.store.db import Database
from bot.store.models import User
from bot.vault import Vault
from ksef.availability import AvailabilityConfig
from ksef.environments import resolve_environment
from tests.fixtures.sim import start_sim

TELEGRAM_LIMIT = 30.0
FIRST_USER = 10_000_000


async def run(users: int, rate: float, workdir: Path) -> dict[str, Any]:
    fake = FakeBotApi(enforce_limits=True, limits=FloodLimits())
    db = Database.from_url(f"sqlite+aiosqlite:///{workdir / 'bench.sqlite'}")
    await db.migrate()
    async with db.transaction() as session:
        session.add_all(User(id=uid, chat_id=uid, language="pl")
                        for uid in range(FIRST_USER, FIRST_USER + users))
    for uid in range(FIRST_USER, FIRST_USER + users):
        fake.user(uid)
    sim = start_sim()
    try:
        now = datetime.now(UTC).isoformat()
        sim.set_availability(latarnia={"status": "FAILURE", "messages": [{
            "id": "K/2026/AWR/99", "eventId": 9001, "category": "FAILURE", "type": "FAILURE_START",
            "title": "Awaria KSeF", "text": "Trwa awaria.", "start": now, "end": None, "version": 1,
            "published": now}]})
        services = Services.build(db, Vault(os.urandom(32)), ServiceOptions(
            environment=sim.base_url, availability=AvailabilityConfig(environment="prod"),
            status_source=HttpStatusSource(resolve_environment(sim.base_url))))
        start = time.monotonic()
        transitions = (await services.availability.check()).transitions
        prepared = time.monotonic() - start
    finally:
        sim.stop()
    with BotApiServer(fake) as server:
        bot = Bot(fake.token, base_url=server.api_url, base_file_url=server.file_url,
                  request=HTTPXRequest(connection_pool_size=32))
        async with bot:
            outbound = OutboundRouter(PacingConfig(global_rate=rate))
            dispatcher = OutboxDispatcher(services, outbound, TelegramChannel(bot, services))
            sender = outbound.sender
            start = time.monotonic()
            cpu_start = time.process_time()
            outbound.start()
            submitted = await dispatcher.dispatch()
            await sender.drain()
            await outbound.stop()
            elapsed = time.monotonic() - start
            cpu = time.process_time() - cpu_start
    counts = await services.outbox.counts()
    await db.dispose()
    per_chat = [len(fake.bot_messages(uid)) for uid in range(FIRST_USER, FIRST_USER + users)]
    achieved = users / elapsed
    return {
        "benchmark": "alert_broadcast",
        "users": users,
        "transitions": len(transitions),
        "prepare_s": round(prepared, 3),  # Latarnia + probe + transition + N delivery rows committed
        "submitted": submitted,
        "configured_rate_per_s": rate,
        "telegram_limit_per_s": TELEGRAM_LIMIT,
        "completion_s": round(elapsed, 3),
        "achieved_rate_per_s": round(achieved, 3),
        "fraction_of_limit": round(achieved / TELEGRAM_LIMIT, 4),
        "goal_fraction": 0.9,
        "http_429": fake.too_many_requests,
        "goal_429": 0,
        "rows_by_status": counts,
        "delivered_exactly_once": all(n == 1 for n in per_chat) and counts == {"sent": users},
        "sender_stats": sender.stats.as_dict(),
        "process_cpu_s": round(cpu, 3),  # includes the fake Bot API server thread
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=PacingConfig().global_rate)
    args = parser.parse_args(argv)
    if args.users < 1:
        parser.error("--users must be at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(run(args.users, args.rate, Path(tmp)))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    ok = result["http_429"] == 0 and result["fraction_of_limit"] >= 0.9 and result["delivered_exactly_once"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
