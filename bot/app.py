"""Composition root of the gateway (``ksef-bot run``, the sandbox, the tests): settings → services → the
Telegram Application with its runtime and jobs. Nothing here runs the bot: :mod:`bot.runner` (long
polling) and :mod:`bot.web` (webhook) start and stop what this builds.

Only this module (and ``bot.chat``) knows about Telegram. Tests build the very same Application with a
fake Bot API URL, a simulator URL, a temporary database and an injected clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults, ExtBot

from bot.chat import jobs
from bot.chat.context import BotApplication, BotContext
from bot.chat.handlers import register
from bot.chat.outbound import OutboundRouter, PacedRateLimiter, make_request
from bot.chat.runtime import ChatOptions, ChatRuntime
from bot.chat.updates import PerChatSerialProcessor
from bot.config import Settings
from bot.jobs import PROCRASTINATE
from bot.pacing import PacingConfig
from bot.services import Role, ServiceOptions, Services, open_services
from bot.services.ksef_clients import KsefClientOptions
from bot.services.ports import Clock, KsefGateway, system_clock
from ksef.availability import AvailabilityConfig
from ksef.timezone import WARSAW

# The command menus Telegram shows (``setMyCommands``): Polish names in the Polish menu, English in the
# English one; every handler accepts both names. Add a command at the end of both lists.
COMMANDS = {
    "pl": [("wystaw", "Wystaw fakturę"), ("faktury", "Faktury zakupowe"),
           ("sprzedaz", "Wystawione faktury: korekty, płatności"),
           ("platnosci", "Faktury do zapłacenia i terminy"),
           ("miesiac", "Podsumowanie miesiąca i paczka dla księgowej"),
           ("ustawienia", "Powiadomienia, przypomnienia, język"),
           ("pomoc", "Co umie bot, przykłady"), ("status", "Czy KSeF działa"),
           ("ksef", "Twoje firmy, tokeny i certyfikaty"), ("profil", "Dane sprzedawcy na fakturach"),
           ("logowanie", "Logowanie certyfikatem KSeF"), ("certyfikat", "Dodaj certyfikat offline"),
           ("offline", "Certyfikat offline jednym przyciskiem"), ("jezyk", "Język / Language"),
           ("menu", "Przyciski pod polem wiadomości"), ("anuluj", "Przerwij bieżącą czynność"),
           ("start", "Podłącz firmę do KSeF"), ("zapomnij", "Usuń wszystkie moje dane")],
    "en": [("invoice", "Issue an invoice"), ("invoices", "Purchase invoices"),
           ("sales", "Issued invoices: corrections, payments"),
           ("payables", "Invoices to pay and due dates"),
           ("month", "The month's summary and the accountant's package"),
           ("settings", "Notifications, reminders, language"),
           ("help", "What the bot can do, examples"), ("status", "Is KSeF working"),
           ("ksef", "Your companies, tokens and certificates"), ("profile", "Seller details for invoices"),
           ("certlogin", "Log in with a KSeF certificate"), ("certificate", "Add an offline certificate"),
           ("offline", "Offline certificate in one tap"), ("language", "Language / Język"),
           ("menu", "Buttons under the message field"), ("cancel", "Stop what is in progress"),
           ("start", "Connect a company to KSeF"), ("forget", "Delete all my data")],
}


@dataclass(frozen=True)
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
    overdue_interval: float = 900.0  # how often invoices that became overdue are looked for (told once each)
    payables_interval: float = 3600.0  # how often supplier invoices due tomorrow or today are looked for
    issuing_interval: float = 30.0  # the issuing job: reconcile, upload offline invoices, deadline warnings
    issuing_first: float = 0.5  # its first run: right after start (reconciles what a crash left)
    poll_interval: float | None = None  # seconds between polls of one company (default: settings)
    inbox_tick: float = 1.0  # how often due polls and due notifications are looked for (two indexed queries;
    # the notification latency bar is "poll interval + 2 s", so this wait must stay well under 2 s)
    availability_interval: float = 60.0  # seconds between KSeF availability checks
    availability_config: AvailabilityConfig | None = None  # damping/filtering (default: per env)
    leader_check: float = 10.0  # seconds between checks that this gateway still holds the leader lock
    ksef_clients: KsefClientOptions = field(default_factory=KsefClientOptions)
    public_api_timeout: float = 8.0  # seconds NBP and MF's VAT taxpayer list get to answer the chat
    # Telegram's limits as the one paced Sender keeps them (tests talking to a fake Bot API that does not
    # enforce limits may loosen them; the default is Telegram's figures).
    pacing: PacingConfig | None = None
    month_interval: float = 600.0  # how often the month's automatic summary is looked for (cheap off its day)


def service_options(settings: Settings, options: BotOptions) -> ServiceOptions:
    """The gateway's services: alone (embedded), or Telegram only while workers poll and send (scale-out)."""
    return ServiceOptions(environment=settings.ksef_env,
                          role=Role.GATEWAY if settings.jobs == PROCRASTINATE else Role.SINGLE,
                          poll_interval=float(options.poll_interval or settings.poll_interval),
                          availability=options.availability_config, ksef_clients=options.ksef_clients,
                          public_api_timeout=options.public_api_timeout)


async def open_gateway_services(settings: Settings, options: BotOptions) -> Services:
    """Database (migrated), vault and the gateway's services."""
    return await open_services(settings, service_options(settings, options), ksef=options.ksef,
                               clock=options.clock, schema=options.db_schema)


def build_application(settings: Settings, services: Services, options: BotOptions, *,
                      request_stop: Callable[[], None]) -> BotApplication:
    """The PTB Application with our handlers, runtime, per-chat processor, rate limiter and jobs.

    Updates come from the runner (``bot.runner``: long polling, ``bot.web``: webhook), never from PTB's
    Updater. ``request_stop`` asks the runner for a graceful stop (e.g. when leadership is lost).
    """
    if not settings.telegram_bot_token:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set: get one from @BotFather and put it in the "
                         "environment (or .env)")
    scale_out = services.options.role is Role.GATEWAY
    chat = ChatOptions(idle_timeout=options.idle_timeout, set_commands=options.set_commands,
                       polls=not scale_out)

    # ONE paced Sender for everything the bot sends: the outbox's rows and, through the rate limiter, the
    # handlers' direct replies (so together they keep Telegram's per-chat and global limits).
    outbound = OutboundRouter(options.pacing)

    def make_runtime(bot: ExtBot[None]) -> ChatRuntime:
        return ChatRuntime(services, bot, chat, request_stop, outbound)

    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=WARSAW,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(PerChatSerialProcessor(256))
        .rate_limiter(PacedRateLimiter(outbound, max_retries=options.rate_limit_retries))
        .request(make_request())
        .updater(None)
        .context_types(ContextTypes(context=BotContext))
        .application_class(BotApplication, {"make_runtime": make_runtime})
        .build()
    )
    assert isinstance(application, BotApplication)  # application_class above
    register(application)
    job_queue = application.job_queue
    assert job_queue is not None  # PTB's job-queue extra is a dependency
    once = {"max_instances": 1, "coalesce": True}
    job_queue.run_repeating(jobs.tick, interval=options.tick_interval, first=options.tick_interval,
                            name="tick", job_kwargs=once)
    # Issuing: the first run right after start reconciles invoices a crash left unfinished.
    job_queue.run_repeating(jobs.issuing_tick, interval=options.issuing_interval, first=options.issuing_first,
                            name="issuing", job_kwargs=once)
    # A scale-out gateway drains the outbox often: new rows come from the workers.
    inbox_every = min(options.inbox_tick, 1.0) if scale_out else options.inbox_tick
    job_queue.run_repeating(jobs.inbox_tick, interval=inbox_every, first=0.1, name="inbox", job_kwargs=once)
    job_queue.run_repeating(jobs.leader_tick, interval=options.leader_check, first=options.leader_check,
                            name="leader", job_kwargs=once)
    job_queue.run_repeating(jobs.overdue_tick, interval=options.overdue_interval,
                            first=options.overdue_interval, name="overdue", job_kwargs=once)
    job_queue.run_repeating(jobs.availability_tick, interval=options.availability_interval,
                            first=options.availability_interval, name="availability", job_kwargs=once)
    job_queue.run_repeating(jobs.payables_tick, interval=options.payables_interval,
                            first=options.payables_interval, name="payables", job_kwargs=once)
    job_queue.run_repeating(jobs.month_tick, interval=options.month_interval, first=options.month_interval,
                            name="month", job_kwargs=once)
    return application


async def lead(application: BotApplication) -> None:
    """Become the one active gateway (waits while another process leads; immediate on SQLite)."""
    await application.runtime.leader.acquire()


async def start_gateway(application: BotApplication) -> None:
    """Start a gateway that leads: the shared Sender, the command menu, then PTB (jobs, update handling)."""
    application.runtime.start()
    if application.runtime.options.set_commands:
        for lang, commands in COMMANDS.items():
            await application.bot.set_my_commands([BotCommand(c, d) for c, d in commands],
                                                   language_code=None if lang == "pl" else lang)
    await application.start()


async def stop_gateway(application: BotApplication, *,
                       acknowledge: Callable[[], Awaitable[None]] | None = None) -> None:
    """Graceful stop: handlers and jobs finish (``acknowledge`` then tells Telegram the fetched updates
    were handled), spawned tasks end, the Sender stops with queued rows left pending in the database,
    leadership is given up; then PTB shuts down."""
    if application.running:
        await application.stop()
        if acknowledge is not None:
            await acknowledge()
        await application.runtime.stop()
    await application.shutdown()
