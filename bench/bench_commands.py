"""Benchmark: CPU per handled command of our bot, against a bare python-telegram-bot echo bot in the same run.

Both bots run in THIS process, one after the other, long-polling a fake Telegram Bot API that runs in a
child process (this script with ``--serve-fake``); the child also plays the users: each sends the
command, waits for the answer, and sends again ``--interval`` seconds after the previous one (1 s: what
Telegram allows in one chat; 20 users make 20 commands/s, under the bot's 30 messages/s). ``--interval
0`` sends again as soon as the answer came: the bots then answer as fast as they can, our bot's rate
limiter (30 messages/s) holds it back and its waiting costs CPU the echo bot does not spend.
Our bot is configured against the KSeF simulator in another child process (``ksef-sim``), with its
periodic jobs pushed out of the way.
So ``time.process_time()`` of this process over a round is the bot's own CPU (PTB, the handlers,
SQLAlchemy with the aiosqlite thread, httpx) and nothing of the fake's or the simulator's.

The echo bot is what python-telegram-bot costs at the least: an ``Application`` with one handler that
sends the command's text back, default settings. Our bot is the gateway exactly as ``ksef-bot run``
builds it (``bot.runner.BotRuntime``, SQLite). Its users have pressed /start before the rounds (their
rows exist), as real users have.

Prints JSON: per command and bot, the median over ``--rounds`` rounds of CPU ms per handled command
(and every round's figure), and the ratio ours / echo. ``--profile N`` adds the N functions with the
most own time in our bot over its rounds (cProfile; the figures are then inflated by the profiler).

    .venv/bin/python bench/bench_commands.py
    .venv/bin/python bench/bench_commands.py --interval 0 --users 10 --repeat 20
    .venv/bin/python bench/bench_commands.py --commands status --rounds 3 --profile 40
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import io
import json
import os
import platform
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FIRST_USER = 30_000_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the child: the fake Bot API and the users ---------------------------------------------------------

def serve_fake(token: str, api_port: int, control_port: int) -> None:
    """The fake Bot API on ``api_port`` and, on ``control_port``, ``POST /drive`` that plays the users."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from bot.sandbox.botapi import BotApiServer, FakeBotApi

    fake = FakeBotApi(token)
    server = BotApiServer(fake, port=api_port).start()

    async def drive(request: Request) -> JSONResponse:
        """``{"command": "/status", "users": 20, "repeat": 8, "interval": 1.0}``: each user sends the
        command, waits for the bot's answer and sends again ``interval`` seconds after the previous one,
        ``repeat`` times; the users' starts spread over one interval. Answers when every answer came."""
        body = await request.json()
        text, users, repeat = str(body["command"]), int(body["users"]), int(body["repeat"])
        interval = float(body["interval"])
        started = time.perf_counter()

        async def one(n: int) -> None:
            user = fake.user(FIRST_USER + n)
            for k in range(repeat):
                await asyncio.sleep(max(0.0, started + (k + n / users) * interval - time.perf_counter()))
                sent = await user.send_text(text, entities=[{"type": "bot_command", "offset": 0,
                                                              "length": len(text.split()[0])}])
                await fake.wait_for_bot_message(user.chat_id, after=sent, timeout=60)

        await asyncio.gather(*(one(n) for n in range(users)))
        return JSONResponse({"handled": users * repeat, "seconds": time.perf_counter() - started})

    async def ready(request: Request) -> JSONResponse:
        return JSONResponse({"api_url": server.api_url, "file_url": server.file_url})

    app = Starlette(routes=[Route("/drive", drive, methods=["POST"]), Route("/ready", ready)])
    try:
        uvicorn.run(app, host="127.0.0.1", port=control_port, log_level="warning")
    finally:
        server.stop()


class FakeProcess:
    """The child process serving the fake Bot API and the users."""

    def __init__(self, token: str) -> None:
        self.token = token
        api_port, control_port = _free_port(), _free_port()
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-fake", "--token", token, "--api-port", str(api_port),
             "--control-port", str(control_port)])
        self.control = httpx.AsyncClient(base_url=f"http://127.0.0.1:{control_port}", timeout=600)
        self.api_url = self.file_url = ""

    async def ready(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                urls = (await self.control.get("/ready")).json()
                self.api_url, self.file_url = urls["api_url"], urls["file_url"]
                return
            except httpx.TransportError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the fake Bot API process did not start") from None
                await asyncio.sleep(0.2)

    async def drive(self, command: str, users: int, repeat: int, interval: float) -> int:
        response = await self.control.post("/drive", json={"command": command, "users": users,
                                                            "repeat": repeat, "interval": interval})
        response.raise_for_status()
        return int(response.json()["handled"])

    async def stop(self) -> None:
        await self.control.aclose()
        self.process.terminate()
        self.process.wait(timeout=10)


# --- the two bots ------------------------------------------------------------------------------------

class Bot:
    """A running bot under measurement: ``start``, ``stop``."""

    name = ""

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError


class EchoBot(Bot):
    """The least a python-telegram-bot bot does per command: receive it, send its text back."""

    name = "echo"

    def __init__(self, token: str, api_url: str, file_url: str) -> None:
        from telegram import Update
        from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

        async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert update.effective_chat is not None and update.effective_message is not None
            await context.bot.send_message(update.effective_chat.id, update.effective_message.text or "")

        self.application = ApplicationBuilder().token(token).base_url(api_url).base_file_url(file_url).build()
        self.application.add_handler(MessageHandler(filters.COMMAND, echo))

    async def start(self) -> None:
        await self.application.initialize()
        assert self.application.updater is not None
        await self.application.updater.start_polling(timeout=10)
        await self.application.start()

    async def stop(self) -> None:
        assert self.application.updater is not None
        await self.application.updater.stop()
        await self.application.stop()
        await self.application.shutdown()


class OurBot(Bot):
    """``ksef-bot run`` as the runner builds it, on SQLite, against the simulator; jobs out of the way."""

    name = "ours"

    def __init__(self, token: str, api_url: str, file_url: str, sim_url: str, data_dir: str) -> None:
        from bot.app import BotOptions
        from bot.config import load_settings
        from bot.runner import BotRuntime

        settings = load_settings({
            "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": api_url, "TELEGRAM_FILE_URL": file_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{data_dir}/bot.sqlite", "KSEF_ENV": sim_url,
            "KSEFBOT_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(), "KSEFBOT_DATA_DIR": data_dir,
        }, env_file=None)
        hour = 3600.0  # periodic jobs: not during the rounds (they are not per command)
        self.statements = 0
        self.runtime = BotRuntime(settings, BotOptions(
            set_commands=False, poll_timeout=10, tick_interval=hour, issuing_interval=hour,
            issuing_first=hour, inbox_tick=hour, availability_interval=hour, leader_check=hour))

    async def start(self) -> None:
        from sqlalchemy import event

        await self.runtime.start()
        assert self.runtime.services is not None

        def count(*_: Any) -> None:
            self.statements += 1

        self.statements = 0  # SQL statements sent to the database (BEGIN and COMMIT not included)
        event.listen(self.runtime.services.db.engine.sync_engine, "before_cursor_execute", count)

    async def stop(self) -> None:
        await self.runtime.stop()


# --- measuring -----------------------------------------------------------------------------------------

async def measure(bot: Bot, fake: FakeProcess, commands: list[str], *, users: int, repeat: int,
                  interval: float, rounds: int, warmup: int, profiler: cProfile.Profile | None = None,
                  before: Callable[[], Awaitable[None]] | None = None) -> dict[str, list[float]]:
    """CPU ms per handled command of ``bot``, per round, for each command."""
    await bot.start()
    try:
        if before is not None:
            await before()
        result: dict[str, list[float]] = {}
        for command in commands:
            for _ in range(warmup):
                await fake.drive(command, users, repeat, interval)
            figures, statements = [], []
            for _ in range(rounds):
                if profiler is not None:
                    profiler.enable()
                cpu, sql = time.process_time(), getattr(bot, "statements", 0)
                handled = await fake.drive(command, users, repeat, interval)
                spent = time.process_time() - cpu
                if profiler is not None:
                    profiler.disable()
                figures.append(spent * 1000 / handled)
                statements.append((getattr(bot, "statements", 0) - sql) / handled)
            result[command] = figures
            result[command + " sql"] = statements
        return result
    finally:
        await bot.stop()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from bot.sandbox.botapi import make_token
    from tests.fixtures.sim import start_sim_process

    commands = ["/" + c.strip().lstrip("/") for c in args.commands.split(",") if c.strip()]
    token = make_token()
    sim = await asyncio.to_thread(start_sim_process)
    fake = FakeProcess(token)
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not wall time
    try:
        await fake.ready()
        echo = EchoBot(token, fake.api_url, fake.file_url)
        figures = {"echo": await measure(echo, fake, commands, users=args.users, repeat=args.repeat,
                                         interval=args.interval, rounds=args.rounds, warmup=args.warmup)}
        with tempfile.TemporaryDirectory(prefix="bench-commands-") as data_dir:
            ours = OurBot(token, fake.api_url, fake.file_url, sim.base_url, data_dir)

            async def started_users() -> None:  # as real users: /start first (their rows exist)
                await fake.drive("/start", args.users, 1, args.interval)

            figures["ours"] = await measure(ours, fake, commands, users=args.users, repeat=args.repeat,
                                            interval=args.interval, rounds=args.rounds, warmup=args.warmup,
                                            profiler=profiler, before=started_users)
    finally:
        await fake.stop()
        await asyncio.to_thread(sim.stop)

    report: dict[str, Any] = {
        "python": platform.python_version(), "cpus": os.cpu_count(), "users": args.users,
        "offered_commands_per_second": round(args.users / args.interval, 1) if args.interval else "no pause",
        "commands_per_round": args.users * args.repeat, "rounds": args.rounds, "commands": {}}
    for command in commands:
        echo_ms = statistics.median(figures["echo"][command])
        ours_ms = statistics.median(figures["ours"][command])
        report["commands"][command] = {
            "echo_cpu_ms_per_command": round(echo_ms, 3), "ours_cpu_ms_per_command": round(ours_ms, 3),
            "ratio_ours_to_echo": round(ours_ms / echo_ms, 2),
            "ours_sql_statements_per_command": round(statistics.median(figures["ours"][command + " sql"]), 2),
            "rounds_echo": [round(v, 3) for v in figures["echo"][command]],
            "rounds_ours": [round(v, 3) for v in figures["ours"][command]]}
    if profiler is not None:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(args.profile)
        report["profile_ours_tottime"] = _table(out, args.profile)
        out = io.StringIO()
        stats.stream = out  # type: ignore[attr-defined]
        stats.sort_stats("cumulative").print_stats(r"/bot/", args.profile)
        report["profile_ours_cumulative_bot"] = _table(out, args.profile)
    return report


def _table(out: io.StringIO, rows: int) -> list[str]:
    """The header and the rows of a pstats listing (the lines before them are a preamble)."""
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return lines[start:start + rows + 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--commands", default="status,ksef", help="comma-separated, without the slash")
    parser.add_argument("--users", type=int, default=20, help="users, each in a chat of its own")
    parser.add_argument("--repeat", type=int, default=8, help="commands per user per round")
    parser.add_argument("--interval", type=float, default=1.0,
                        help="seconds between one user's commands (Telegram: ~1 message/s per chat)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured rounds first")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="top N functions of ours")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--api-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--control-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_fake:
        serve_fake(args.token, args.api_port, args.control_port)
        return 0
    print(json.dumps(asyncio.run(run(args)), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
