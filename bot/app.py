"""Composition root: settings → storage → services → Telegram Application.

Only this module (and ``bot.chat``) knows about Telegram. Tests build the very same runtime with a
fake Bot API URL, a simulator URL, a temporary database and an injected clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, Defaults

from bot.chat import status as availability_status
from bot.chat.handlers import register
from bot.chat.inbox import InboxRuntime, inbox_tick
from bot.chat.issuing import issuing_tick
from bot.chat.jobs import tick
from bot.chat.outbound import TrackingRateLimiter, make_request
from bot.chat.updates import PerChatSerialProcessor
from bot.config import Settings
from bot.jobs import PROCRASTINATE
from bot.services import Services
from bot.services import open_services as open_services_shared
from bot.services.offline_queue import OfflineQueue
from bot.services.ports import Clock, KsefGateway, system_clock
from bot.services.scheduler import PollScheduler
from bot.store.locks import LeaderLock, NamedLocks
from ksef.availability import AvailabilityConfig
from ksef.timezone import WARSAW

log = logging.getLogger(__name__)

COMMANDS = {
    "pl": [("start", "Podłącz firmę do KSeF"), ("ksef", "Twoje firmy, tokeny i certyfikaty"),
           ("certificate", "Dodaj certyfikat offline"), ("language", "Język / Language"),
           ("wystaw", "Wystaw fakturę"), ("profil", "Dane sprzedawcy na fakturach"),
           ("faktury", "Faktury zakupowe"), ("certlogin", "Logowanie certyfikatem KSeF"),
           ("offline", "Certyfikat offline jednym przyciskiem"), ("status", "Czy KSeF działa"),
           ("cancel", "Przerwij bieżącą czynność"), ("forget", "Usuń wszystkie moje dane")],
    "en": [("start", "Connect a company to KSeF"), ("ksef", "Your companies, tokens and certificates"),
           ("certificate", "Add an offline certificate"), ("language", "Language / Język"),
           ("wystaw", "Issue an invoice"), ("profil", "Seller details for invoices"),
           ("invoices", "Purchase invoices"), ("certlogin", "Log in with a KSeF certificate"),
           ("offline", "Offline certificate in one tap"), ("status", "Is KSeF working"),
           ("cancel", "Stop what is in progress"), ("forget", "Delete all my data")],
}


@dataclass
class BotOptions:
    """Knobs that are not deployment settings (tests shorten the intervals and inject a clock)."""

    clock: Clock = system_clock
    ksef: KsefGateway | None = None
    tick_interval: float = 60.0
    idle_timeout: timedelta = timedelta(minutes=30)
    poll_timeout: int = 10
    db_schema: str | None = None
    rate_limit_retries: int = 3
    set_commands: bool = True
    issuing_interval: float = 30.0  # reconcile / offline-upload / deadline job of issuing (issue 6)
    issuing_first: float = 0.5  # its first run: right after start (reconciles what a crash left)
    poll_interval: float | None = None  # seconds between polls of one company (default: settings)
    inbox_tick: float = 1.0  # how often due polls and due notifications are looked for (two indexed queries;
    # the notification latency bar is "poll interval + 2 s", so this wait must stay well under 2 s)
    availability_interval: float = 60.0  # seconds between KSeF availability checks (issue 7)
    availability_config: AvailabilityConfig | None = None  # damping/filtering (default: per env)
    leader_check: float = 10.0  # seconds between checks that this gateway still holds the leader lock


async def open_services(settings: Settings, options: BotOptions) -> Services:
    """Database (migrated), vault and services."""
    return await open_services_shared(settings, ksef=options.ksef, clock=options.clock,
                                      schema=options.db_schema)


def build_application(settings: Settings, services: Services, options: BotOptions, *,
                      updater: bool = True) -> Application:  # type: ignore[type-arg]
    """The PTB Application with our handlers, the per-chat processor, rate limiter and tick job."""
    if not settings.telegram_bot_token:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set: get one from @BotFather and put it in the "
                         "environment (or .env)")
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=WARSAW,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(PerChatSerialProcessor(256))
        .rate_limiter(TrackingRateLimiter(max_retries=options.rate_limit_retries))
        .post_init(_post_init)
        .post_stop(_stop_inbox)
        .request(make_request())
    )
    if not updater:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data["services"] = services
    application.bot_data["idle_timeout"] = options.idle_timeout
    application.bot_data["set_commands"] = options.set_commands
    register(application)
    assert application.job_queue is not None
    application.job_queue.run_repeating(tick, interval=options.tick_interval, first=options.tick_interval,
                                        name="tick", job_kwargs={"max_instances": 1, "coalesce": True})
    # Issuing: the first run right after start reconciles invoices a crash left unfinished.
    services.availability.offline = OfflineQueue(services.db, services.issuing)
    services.issuing.availability = services.availability
    application.job_queue.run_repeating(issuing_tick, interval=options.issuing_interval,
                                        first=options.issuing_first,
                                        name="issuing", job_kwargs={"max_instances": 1, "coalesce": True})
    services.sync.interval = float(options.poll_interval or settings.poll_interval)
    scale_out = settings.jobs == PROCRASTINATE
    if scale_out:
        # The workers poll and do the KSeF side of issuing; this gateway talks to Telegram, drains the
        # outbox (often: new rows come from other processes) and sends confirmed invoices itself,
        # under the same cross-process invoice lock the workers take.
        services.issuing.advance_here = False
        services.issuing.locks = NamedLocks(services.db)
    application.bot_data["inbox"] = InboxRuntime(services.notify, services.sync,
                                                 None if scale_out else PollScheduler(services.sync))
    inbox_every = min(options.inbox_tick, 1.0) if scale_out else options.inbox_tick
    application.job_queue.run_repeating(inbox_tick, interval=inbox_every, first=0.1, name="inbox",
                                        job_kwargs={"max_instances": 1, "coalesce": True})
    application.job_queue.run_repeating(_check_leader, interval=options.leader_check,
                                        first=options.leader_check, name="leader",
                                        job_kwargs={"max_instances": 1, "coalesce": True})
    if options.availability_config is not None:
        services.availability.configure(options.availability_config)
    application.job_queue.run_repeating(availability_status.availability_tick,
                                        interval=options.availability_interval,
                                        first=options.availability_interval, name="availability",
                                        job_kwargs={"max_instances": 1, "coalesce": True})
    return application


async def _stop_inbox(application: Application, crash: bool = False) -> None:  # type: ignore[type-arg]
    """Stop the shared Sender (queued notifications stay pending in the outbox) and KSeF clients, and
    give up leadership (a crash gives it up by losing the lock's connection)."""
    inbox = application.bot_data.get("inbox")
    if isinstance(inbox, InboxRuntime):
        await inbox.stop(crash=crash)
    leader = application.bot_data.pop("leader", None)
    if isinstance(leader, LeaderLock):
        await (leader.abandon() if crash else leader.release())


async def lead(application: Application) -> LeaderLock:  # type: ignore[type-arg]
    """Become the one active gateway (waits while another process leads; immediate on SQLite)."""
    services = application.bot_data["services"]
    assert isinstance(services, Services)
    leader = LeaderLock(services.db)
    await leader.acquire()
    application.bot_data["leader"] = leader
    return leader


async def _check_leader(context: Any) -> None:
    """Leadership lost (the lock's database connection broke): stop, so a standby takes over cleanly
    instead of two gateways sending; the service manager restarts this process as a standby."""
    leader = context.application.bot_data.get("leader")
    if isinstance(leader, LeaderLock) and not await leader.still_leader():
        log.critical("gateway: leadership lost; stopping")
        request_stop = context.application.bot_data.get("request_stop")  # the webhook server's (bot.web)
        if callable(request_stop):
            request_stop()
        else:
            context.application.stop_running()  # run_polling's own loop


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    if "leader" not in application.bot_data:
        await lead(application)
    if not application.bot_data.get("set_commands", True):
        return
    for lang, commands in COMMANDS.items():
        await application.bot.set_my_commands([BotCommand(c, d) for c, d in commands],
                                               language_code=None if lang == "pl" else lang)


class BotRuntime:
    """A running bot: open → start (polling) → stop; ``kill`` abandons it like a crash would."""

    def __init__(self, settings: Settings, options: BotOptions | None = None) -> None:
        self.settings = settings
        self.options = options or BotOptions()
        self.services: Services | None = None
        self.application: Application | None = None  # type: ignore[type-arg]

    async def start(self) -> None:
        """Migrate, build and start long polling (in the current event loop)."""
        self.services = await open_services(self.settings, self.options)
        self.application = build_application(self.settings, self.services, self.options)
        await self.application.initialize()
        await _post_init(self.application)  # post_init runs only inside run_polling()
        await self.application.start()
        assert self.application.updater is not None
        await self.application.updater.start_polling(poll_interval=0, timeout=self.options.poll_timeout,
                                                     allowed_updates=Update.ALL_TYPES)

    async def stop(self) -> None:
        """Graceful stop: acknowledge fetched updates, finish handlers, close everything."""
        app = self.application
        if app is not None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
                await _stop_inbox(app)  # post_stop runs only inside run_polling()
                await availability_status.stop(app)
            await app.shutdown()
        if self.services is not None:
            await self.services.issuing.aclose()
            await self.services.db.dispose()
        self.application, self.services = None, None

    async def kill(self) -> None:
        """Abandon the bot mid-flight as a crash would: no acknowledgement, nothing flushed.

        Only the network clients and the database pool are closed so the test process does not leak
        sockets; PTB's own shutdown is skipped on purpose.
        """
        app = self.application
        if app is not None:
            tasks = [getattr(app.updater, "_Updater__polling_task", None),
                     getattr(app, "_Application__update_fetcher_task", None),
                     *getattr(app, "_Application__create_task_tasks", set())]
            for task in tasks:
                if isinstance(task, asyncio.Task):
                    task.cancel()
            for task in tasks:
                if isinstance(task, asyncio.Task):
                    with contextlib.suppress(BaseException):
                        await task
            if app.job_queue is not None and app.job_queue.scheduler.running:
                app.job_queue.scheduler.shutdown(wait=False)
            with contextlib.suppress(Exception):
                await availability_status.stop(app, crash=True)  # a dead process sends nothing more
            with contextlib.suppress(Exception):
                await _stop_inbox(app, crash=True)
            with contextlib.suppress(Exception):
                await app.bot.shutdown()
        if self.services is not None:
            await self.services.issuing.aclose()
            await self.services.db.dispose()
        self.application, self.services = None, None


def run(settings: Settings, options: BotOptions | None = None) -> None:
    """``ksef-bot run``: long polling, or the webhook gateway (``bot.web``) when ``WEBHOOK_URL`` is set."""
    options = options or BotOptions()
    if settings.webhook_mode:
        from bot.web import run_webhook  # Starlette + uvicorn: webhook, /healthz, /readyz, /metrics

        run_webhook(settings, options)
        return

    async def prepare() -> Services:
        services = await open_services(settings, options)
        await services.db.engine.dispose()  # the pool reconnects inside PTB's own event loop
        return services

    services = asyncio.run(prepare())
    asyncio.set_event_loop(asyncio.new_event_loop())
    application = build_application(settings, services, options)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
