"""``ksef-bot sandbox``: the KSeF simulator, the fake Bot API, the web chat and the real bot, locally.

Nothing needs credentials: the simulator gets a demo company with a ready token, the bot gets a
made-up Telegram token for the fake Bot API, and the master key is generated in the data directory.
The simulator, the Bot API and the web chat are served by uvicorn in background threads; the bot runs
in the calling event loop exactly as :class:`bot.runner.BotRuntime` runs it in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import uvicorn

from bot.app import BotOptions
from bot.config import load_settings
from bot.runner import BotRuntime
from bot.sandbox.bot_link import check_company_now
from bot.sandbox.botapi import BotApiServer, FakeBotApi, FakeUser, make_token
from bot.sandbox.demo import DEFAULT_SCHEDULE, DemoCompany, invoices_after_connection, load_or_create
from bot.sandbox.same_origin import SameOriginOnly
from bot.sandbox.sim_limits import SandboxLimits, sandbox_limits
from bot.sandbox.webchat import WebChat
from ksef.sim.app import create_app

log = logging.getLogger(__name__)

SANDBOX_USER_ID = 700_001  # the visitor's Telegram user (and private chat) id in the fake Bot API
QUIET_POLL_WAIT = 2.0  # seconds the stop waits for the bot's long poll to settle (see hold_polling)


class SandboxError(RuntimeError):
    """The sandbox cannot start (the message says why and what to do)."""


@dataclass
class SandboxOptions:
    """Where and how the sandbox runs; the defaults are the README's one-command start."""

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path | None = None  # None: a temporary directory, removed on exit
    schedule: Sequence[float] = DEFAULT_SCHEDULE  # seconds after the demo company is connected
    poll_interval: int = 15  # seconds between KSeF polls of a company (allowed against a simulator)
    tick_interval: float = 5.0
    availability_interval: float = 10.0  # KSeF status checks: a failure shows up within seconds
    issuing_interval: float = 10.0  # offline uploads / reconciliation of issued invoices
    user_first_name: str = "Jan"
    log_level: str = "INFO"
    extra_env: dict[str, str] = field(default_factory=dict)


def bot_options(**wanted: Any) -> BotOptions:
    """:class:`BotOptions` with the sandbox's short intervals, each only if this bot version has that
    knob (the sandbox runs whatever features the bot has, without knowing them in advance)."""
    known = {f.name for f in dataclasses.fields(BotOptions)}
    return BotOptions(**{name: value for name, value in wanted.items() if name in known})


class ThreadedServer:
    """An ASGI app served by uvicorn in a daemon thread, on a socket bound before it starts."""

    def __init__(self, app: Any, host: str, port: int, name: str, *,
                 lifespan: Literal["on", "off"] = "off") -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._sock.bind((host, port))
        except OSError as exc:
            self._sock.close()
            raise SandboxError(f"{name}: nie mogę nasłuchiwać na {host}:{port} ({exc.strerror}); "
                               "port zajęty? Wybierz inny opcją --port") from None
        self.host, self.port = host, int(self._sock.getsockname()[1])
        config = uvicorn.Config(app, log_level="warning", lifespan=lifespan, access_log=False,
                                timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name=name, daemon=True)

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> ThreadedServer:
        """Start serving; returns once uvicorn accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise SandboxError(f"{self._thread.name} did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._sock.close()


class Sandbox:
    """Everything ``ksef-bot sandbox`` runs; ``await start()`` then ``await stop()``."""

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self.data_dir: Path | None = None
        self._temporary = False
        self.sim: ThreadedServer | None = None
        self.botapi: BotApiServer | None = None
        self.web: ThreadedServer | None = None
        self.fake: FakeBotApi | None = None
        self.user: FakeUser | None = None
        self.demo: DemoCompany | None = None
        self.bot: BotRuntime | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._admin: httpx.AsyncClient | None = None
        # The sandbox's own parts around the bot: web chat, simulator limits, "check now".
        self.chat: WebChat | None = None
        self.sim_app: Any = None  # the simulator's ASGI app (its runtime: ``sim_app.state.sim``)
        self.limits: SandboxLimits = sandbox_limits(self.options.poll_interval)
        self._visible_after = 0.0  # seconds until the simulator lists a new invoice (its HWM lag)
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        """The web chat's address."""
        assert self.web is not None, "sandbox not started"
        return self.web.url

    @property
    def sim_url(self) -> str:
        """The simulator's root address (KSeF API under ``/v2``, admin under ``/sim``)."""
        assert self.sim is not None, "sandbox not started"
        return self.sim.url

    async def start(self) -> None:
        """Start the simulator, the demo company, the fake Bot API, the bot and the web chat."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        opts = self.options
        if opts.data_dir is None:
            self.data_dir, self._temporary = Path(tempfile.mkdtemp(prefix="ksef-bot-sandbox-")), True
        else:
            self.data_dir = opts.data_dir.expanduser().resolve()
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._loop = asyncio.get_running_loop()
        # Bind the page's port first: the most likely thing to fail (already in use).
        self.fake = FakeBotApi(make_token(), username="ksef_sandbox_bot", first_name="KSeF Bot (sandbox)")
        self.user = self.fake.user(SANDBOX_USER_ID, opts.user_first_name)
        chat = self.chat = WebChat(self.fake, self.user, sim_root_url="",
                                   check_now=self._check_now_threadsafe, limits_summary=self.limits.summary())
        guard = SameOriginOnly(chat.app(), opts.host, opts.port)
        self.web = ThreadedServer(guard, opts.host, opts.port, "sandbox-webchat")
        guard.port = self.web.port  # port 0 picked a free one

        state_file = None if self._temporary else self.data_dir / "sim-state.json"
        self.sim_app = create_app(state_file=state_file)
        self.sim = ThreadedServer(self.sim_app, "127.0.0.1", 0, "sandbox-ksef-sim", lifespan="on").start()
        chat.sim_root_url = self.sim.url
        self._admin = httpx.AsyncClient(base_url=self.sim.url, timeout=30)
        await self._tune_simulator(self._admin)
        self.demo = chat.demo = await load_or_create(self._admin, None if self._temporary else self.data_dir)

        self.botapi = BotApiServer(self.fake).start()
        env = {
            "TELEGRAM_BOT_TOKEN": self.fake.token,
            "TELEGRAM_API_URL": self.botapi.api_url,
            "TELEGRAM_FILE_URL": self.botapi.file_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{self.data_dir / 'ksefbot.sqlite'}",
            "KSEF_ENV": self.sim.url + "/v2",
            "KSEFBOT_DATA_DIR": str(self.data_dir),  # master.key is generated there on first start
            "KSEFBOT_POLL_INTERVAL": str(opts.poll_interval),
            "KSEFBOT_LOG_LEVEL": opts.log_level,
            **opts.extra_env,
        }
        settings = load_settings(env, env_file=None)  # never the developer's .env: no real token here
        self.bot = BotRuntime(settings, bot_options(tick_interval=opts.tick_interval, poll_timeout=10,
                                                    availability_interval=opts.availability_interval,
                                                    issuing_interval=opts.issuing_interval))
        await self.bot.start()
        self.web.start()
        if opts.schedule:
            self._tasks.append(asyncio.create_task(invoices_after_connection(
                self._admin, self.demo, opts.schedule, after_each=lambda _: self.check_now(self.demo_nip))))

    # --- the sandbox's own concerns: simulator limits, "check now", shutdown ------------------------

    @property
    def demo_nip(self) -> str:
        """The demo company's NIP."""
        assert self.demo is not None, "sandbox not started"
        return self.demo.nip

    async def _tune_simulator(self, admin: httpx.AsyncClient) -> None:
        """Limits that fit the sandbox's poll interval (:mod:`bot.sandbox.sim_limits`), and how long a new
        invoice takes to be listed (the simulator's storage delay and HWM lag, as in KSeF)."""
        (await admin.put("/sim/limits", json=self.limits.admin_body())).raise_for_status()
        config = (await admin.get("/sim/config")).raise_for_status().json()
        self._visible_after = float(config["storageDelaySeconds"]) + float(config["hwmLagSeconds"])

    async def check_now(self, nip: str) -> bool:
        """Have the bot check ``nip``'s invoices as soon as a just-injected one can be listed (instead of
        at its next regular poll). False when no company with that NIP is connected."""
        services = self.bot.services if self.bot is not None else None
        if services is None:
            return False
        return await check_company_now(services, nip, delay=self._visible_after + 0.5)

    async def _check_now_threadsafe(self, nip: str) -> bool:
        """:meth:`check_now` from the web chat's thread: the bot's database lives in the sandbox's loop."""
        assert self._loop is not None
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.check_now(nip), self._loop))

    async def stop(self) -> None:
        """Stop everything that was started (in reverse order); remove a temporary data directory.

        Quick and quiet: the page's long polls are released first, and the bot is stopped while its
        long poll waits at the fake Bot API (``hold_polling``), so no request is cut mid-flight.
        """
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self.chat is not None:
            self.chat.close()
        if self.web is not None:
            await asyncio.to_thread(self.web.stop)  # joins a thread: keep the loop (and the bot) going
        if self.bot is not None:
            await self._quiet_polling()
            await self.bot.stop()
            self.bot = None
        if self.fake is not None:
            self.fake.close()  # releases whatever still waits
        if self.botapi is not None:
            await asyncio.to_thread(self.botapi.stop)
            self.botapi = None
        if self._admin is not None:
            await self._admin.aclose()
            self._admin = None
        if self.sim is not None:
            await asyncio.to_thread(self.sim.stop)
        if self._temporary and self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    async def _quiet_polling(self) -> None:
        """Hold the bot's long polls at the fake Bot API and wait (briefly) until one waits there."""
        fake = self.fake
        if fake is None:
            return
        fake.hold_polling()
        with contextlib.suppress(TimeoutError):
            await fake.wait_until(lambda: fake.polls_waiting > 0, timeout=QUIET_POLL_WAIT,
                                  message="the bot's long poll")

    def banner(self) -> str:
        """What the command prints once everything runs."""
        assert self.demo is not None and self.data_dir is not None
        where = "katalog tymczasowy (usuwany przy wyjściu)" if self._temporary else str(self.data_dir)
        return "\n".join([
            "ksef-bot sandbox działa — wszystko lokalnie, bez danych logowania.",
            f"  Czat z botem:        {self.url}",
            f"  Symulator KSeF:      {self.sim_url}/v2  (administracja: {self.sim_url}/sim)",
            f"  Firma demo:          NIP {self.demo.nip}",
            f"  Token KSeF (demo):   {self.demo.token}",
            f"  Dane:                {where}",
            f"  Limity symulatora:   {self.limits.summary()}",
            "Otwórz stronę, napisz /start i podłącz firmę. Ctrl+C kończy.",
        ])


async def serve(options: SandboxOptions, stop: asyncio.Event | None = None) -> None:
    """Run the sandbox until ``stop`` is set (or SIGINT/SIGTERM when ``stop`` is not given)."""
    loop = asyncio.get_running_loop()
    if stop is None:
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    sandbox = Sandbox(options)
    await sandbox.start()
    try:
        print(sandbox.banner(), flush=True)
        await stop.wait()
    finally:
        print("ksef-bot sandbox: zatrzymuję…", flush=True)
        await sandbox.stop()


def main(options: SandboxOptions) -> int:
    """Blocking entry point for the CLI; returns the exit code."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per 5-second tick otherwise
    from bot.store.locks import AlreadyRunningError  # another sandbox on the same --data-dir

    try:
        asyncio.run(serve(options))
    except (SandboxError, AlreadyRunningError) as exc:
        print(f"ksef-bot sandbox: {exc}", flush=True)
        return 1
    except KeyboardInterrupt:  # Ctrl+C before the signal handlers were in place (still starting)
        print("ksef-bot sandbox: przerwano podczas uruchamiania.", flush=True)
        return 130
    return 0
