"""The gateway process in webhook mode: one ASGI app (Starlette, served by uvicorn) for Telegram's
updates, health checks and Prometheus metrics.

Routes:
- ``POST /<webhook path>``: an update from Telegram. The ``X-Telegram-Bot-Api-Secret-Token`` header must
  match ``WEBHOOK_SECRET`` (403 otherwise); while this process cannot take updates (not started, or not
  the leader) the answer is 503, so Telegram delivers the update again later.
- ``GET /healthz``: liveness (the event loop answers); no database.
- ``GET /readyz``: 200 only when the database answers, the Application runs, this process is the
  leader and its webhook is registered with Telegram; else 503 with the failed checks in a JSON body.
- ``GET /metrics``: Prometheus text format (``bot.metrics``).

``setWebhook`` is called only when ``getWebhookInfo`` differs from what we want (URL, update types) or
reports a delivery error, so restarts and replicas do not re-register needlessly. Telegram never shows
the secret back; a changed ``WEBHOOK_SECRET`` shows up as our 403s, which make the leader look at
``getWebhookInfo`` again: Telegram then reports the failed delivery and the webhook is set anew.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import inspect
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.error import TelegramError

from bot import metrics
from bot.app import BotOptions, build_application, lead, open_gateway_services, start_gateway, stop_gateway
from bot.chat.context import BotApplication
from bot.config import Settings
from bot.services import Services

log = logging.getLogger(__name__)

LeaderCheck = Callable[[], bool | Awaitable[bool]]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name, not a secret)
MAX_UPDATE_BYTES = 1_000_000  # Telegram's updates are a few KB; anything far bigger is not from it
RECHECK_AFTER_403 = 5.0  # seconds: let Telegram record the failed delivery before asking about it
RECHECK_MIN_GAP = 60.0  # at most one getWebhookInfo per minute, however many forged requests come


class WebGateway:
    """The Telegram Application (no updater) behind our own ASGI app; ``app`` is what uvicorn serves.

    ``start()`` / ``stop()`` run in the app's lifespan (tests without a lifespan call them directly).
    ``is_leader`` may be sync or async; the leader election plugs in here (default: always leader).
    """

    def __init__(self, settings: Settings, options: BotOptions | None = None, *,
                 is_leader: LeaderCheck | None = None, db_timeout: float = 2.0) -> None:
        if not settings.webhook_url or not settings.webhook_secret:
            raise ValueError("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
        self.settings = settings
        self.webhook_url: str = settings.webhook_url
        self.options = options or BotOptions()
        self.services: Services | None = None
        self.application: BotApplication | None = None  # built by start(); runs once this process leads
        self.is_leader: LeaderCheck = is_leader or self._holds_leader_lock
        self.leading = asyncio.Event()  # set once this process leads and its Application runs
        self.registered = False  # Telegram has our webhook (checked or set by this process)
        self._leading: asyncio.Task[None] | None = None
        self.db_timeout = db_timeout
        self._secret = settings.webhook_secret.encode()
        self._recheck: asyncio.Task[None] | None = None
        # How this process asks its server to shut down gracefully (``serve`` sets it to uvicorn's);
        # the Application's jobs call it through their runtime (e.g. when leadership is lost).
        self.request_stop: Callable[[], None] = lambda: None
        self._last_recheck = float("-inf")
        self.app = Starlette(routes=[
            Route("/" + settings.webhook_path, self._update, methods=["POST"]),
            Route("/healthz", self._healthz, methods=["GET"]),
            Route("/readyz", self._readyz, methods=["GET"]),
            Route("/metrics", self._metrics, methods=["GET"]),
        ], lifespan=self._lifespan)

    # --- lifecycle --------------------------------------------------------------------------------
    async def start(self) -> None:
        """Open the database and services, build and start the Application (updates come from us)."""
        self.services = await open_gateway_services(self.settings, self.options)
        application = build_application(self.settings, self.services, self.options,
                                         request_stop=lambda: self.request_stop())
        self.application = application
        await application.initialize()
        # Leadership (PostgreSQL advisory lock) may take a while: a standby gateway serves /healthz and
        # answers /readyz and updates with 503 meanwhile, and takes over when the leader goes away.
        self._leading = asyncio.create_task(self._lead(), name="ksef-bot-lead")
        await asyncio.wait({self._leading}, timeout=self.lead_wait)
        if self._leading.done():
            self._leading.result()  # re-raise a failure to start

    lead_wait = 1.0  # seconds start() waits for leadership before serving as a standby

    async def _lead(self) -> None:
        application = self.application
        assert application is not None  # built by start() before this task
        await lead(application)
        await start_gateway(application)
        self.leading.set()

    def _holds_leader_lock(self) -> bool:
        application = self.application
        return application is not None and application.runtime.leader.is_leader and self.leading.is_set()

    async def register_when_leading(self) -> None:
        """Register the webhook as soon as this process leads (at once when it already does)."""
        await self.leading.wait()
        await self.register()

    async def stop(self) -> None:
        """Graceful stop of the Application and its runtime (``bot.app.stop_gateway``), then the services."""
        if self._leading is not None and not self._leading.done():
            self._leading.cancel()  # a standby stopping: it never started the Application
            with contextlib.suppress(BaseException):
                await self._leading
        if self._recheck is not None:
            self._recheck.cancel()
            with contextlib.suppress(BaseException):
                await self._recheck
        if self.application is not None:
            await stop_gateway(self.application)
        if self.services is not None:
            await self.services.aclose()
        self.application, self.services = None, None

    @contextlib.asynccontextmanager
    async def _lifespan(self, _: Starlette) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    async def leader(self) -> bool:
        """The injected leader check; an error counts as "not the leader"."""
        try:
            result = self.is_leader()
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:
            log.warning("leader check failed: %s", type(exc).__name__)
            return False
        return bool(result)

    async def ensure_webhook(self) -> bool:
        """Set the webhook unless Telegram already has it as we want it; True when it was set now."""
        assert self.application is not None, "the gateway is not started"
        bot = self.application.bot
        info = await bot.get_webhook_info()
        wanted_types = set(Update.ALL_TYPES)
        current_types = set(info.allowed_updates or ())
        if info.url == self.webhook_url and current_types == wanted_types \
                and info.last_error_date is None:
            log.info("webhook already registered; not set again")
            self.registered = True
            return False
        reason = "other URL" if info.url != self.webhook_url else \
            "other update types" if current_types != wanted_types else \
            f"delivery error: {info.last_error_message or '?'}"
        await bot.set_webhook(self.webhook_url, secret_token=self.settings.webhook_secret,
                              allowed_updates=list(Update.ALL_TYPES))
        log.info("webhook set (%s)", reason)
        self.registered = True
        return True

    async def register(self, *, attempts: int = 0) -> None:
        """``ensure_webhook`` when this process is the leader, retried with backoff on Telegram errors
        (``attempts`` = 0: until it succeeds)."""
        delay, tried = 1.0, 0
        while await self.leader():
            try:
                await self.ensure_webhook()
                return
            except (TelegramError, OSError) as exc:
                tried += 1
                log.warning("webhook not registered (%s); retrying in %.0f s", type(exc).__name__, delay)
                if attempts and tried >= attempts:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)

    def _after_wrong_secret(self) -> None:
        """A request with a wrong secret: a forgery, or Telegram still using an old secret. Let the
        leader look at getWebhookInfo soon (rate-limited)."""
        loop = asyncio.get_running_loop()
        if self._recheck is not None and not self._recheck.done():
            return
        if loop.time() - self._last_recheck < RECHECK_MIN_GAP or self.application is None:
            return
        self._last_recheck = loop.time()

        async def recheck() -> None:
            await asyncio.sleep(RECHECK_AFTER_403)
            with contextlib.suppress(TelegramError, OSError):
                await self.register(attempts=1)

        self._recheck = loop.create_task(recheck())

    # --- routes -------------------------------------------------------------------------------------
    async def _update(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            self._after_wrong_secret()
            return PlainTextResponse("forbidden", status_code=403)
        application = self.application
        if application is None or not application.running or not await self.leader():
            return PlainTextResponse("not ready", status_code=503)  # Telegram retries later
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            return PlainTextResponse("too large", status_code=413)
        try:
            data = json.loads(body)
            update = Update.de_json(data, application.bot) if isinstance(data, dict) else None
        except Exception as exc:  # malformed JSON or not an update: nothing to retry
            log.info("webhook: not an update (%s)", type(exc).__name__)
            update = None
        if update is None:
            return PlainTextResponse("bad update", status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    async def _healthz(self, _: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def _database_ok(self) -> bool:
        services = self.services
        if services is None:
            return False

        async def ping() -> None:
            async with services.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        try:
            await asyncio.wait_for(ping(), self.db_timeout)
        except Exception as exc:
            log.warning("readiness: database check failed (%s)", type(exc).__name__)
            return False
        return True

    async def _readyz(self, _: Request) -> Response:
        application = self.application
        checks = {
            "database": await self._database_ok(),
            "application": application is not None and bool(application.running),
            "leader": await self.leader(),
            # Ready means Telegram can deliver to us: the webhook is registered (by this process).
            "webhook": self.registered,
        }
        failed = [name for name, ok in checks.items() if not ok]
        body = {"status": "ok" if not failed else "unavailable", "checks": checks, "failed": failed}
        return JSONResponse(body, status_code=200 if not failed else 503)

    async def _metrics(self, _: Request) -> Response:
        services = self.services
        if services is not None:
            await metrics.refresh_db_gauges(services.backlog, timeout=self.db_timeout)
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


async def serve(gateway: WebGateway) -> None:
    """Serve the gateway with uvicorn until SIGINT/SIGTERM (or ``gateway.request_stop()``); the webhook
    is registered once the socket listens (an update Telegram sends at once must find us)."""
    import uvicorn

    settings = gateway.settings
    config = uvicorn.Config(gateway.app, host=settings.webhook_listen, port=settings.webhook_port,
                            lifespan="on", log_config=None, access_log=False)
    server = uvicorn.Server(config)

    def request_stop() -> None:
        server.should_exit = True

    gateway.request_stop = request_stop
    serving = asyncio.create_task(server.serve())
    while not server.started and not serving.done():  # noqa: ASYNC110 (uvicorn offers no started event)
        await asyncio.sleep(0.05)
    registering = None
    if server.started:
        log.info("webhook gateway listening on %s:%s", settings.webhook_listen, settings.webhook_port)
        registering = asyncio.create_task(gateway.register_when_leading())
    try:
        await serving
    finally:
        if registering is not None:
            registering.cancel()
            with contextlib.suppress(BaseException):
                await registering
    if not server.started:
        raise SystemExit("ksef-bot: the webhook gateway did not start (see the log above)")


def run_webhook(settings: Settings, options: BotOptions | None = None, *,
                is_leader: LeaderCheck | None = None) -> None:
    """``ksef-bot run`` in webhook mode (blocking)."""
    asyncio.run(serve(WebGateway(settings, options, is_leader=is_leader)))
