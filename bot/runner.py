"""Running the gateway with long polling: ``ksef-bot run`` without ``WEBHOOK_URL``, the sandbox, tests.

The getUpdates loop is ours (not PTB's Updater), so every task that fetches or handles updates is one
this process can cancel: :meth:`BotRuntime.kill` ends them as a crash would — nothing acknowledged to
Telegram, nothing flushed — and a restarted bot gets the unacknowledged updates again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut

from bot.app import BotOptions, build_application, lead, open_gateway_services, start_gateway, stop_gateway
from bot.chat.context import BotApplication
from bot.chat.outbound import retry_seconds
from bot.chat.updates import PerChatSerialProcessor
from bot.config import Settings
from bot.services import Services

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0  # seconds between getUpdates attempts while Telegram keeps failing


class BotRuntime:
    """A running bot: ``start`` (long polling) → ``stop``; ``kill`` abandons it like a crash would."""

    def __init__(self, settings: Settings, options: BotOptions | None = None) -> None:
        self.settings = settings
        self.options = options or BotOptions()
        self.services: Services | None = None
        self.application: BotApplication | None = None
        self.stop_requested = asyncio.Event()  # set by a job (leadership lost) or a fatal polling error
        self._polling: asyncio.Task[None] | None = None
        self._offset = 0  # the next update id to ask for; everything before it was fetched

    async def start(self) -> None:
        """Migrate, build, lead, start the Application and the getUpdates loop (in the current event loop)."""
        self.services = await open_gateway_services(self.settings, self.options)
        app = self.application = build_application(self.settings, self.services, self.options,
                                                    request_stop=self.stop_requested.set)
        await app.initialize()
        await lead(app)
        await start_gateway(app)
        self._polling = asyncio.create_task(self._poll(app), name="ksef-bot-polling")

    async def _poll(self, app: BotApplication) -> None:
        """Fetch updates into the Application's queue; back off while Telegram fails (as PTB's Updater)."""
        delay, webhook_cleared = 0.0, False
        while True:
            try:
                if not webhook_cleared:
                    await app.bot.delete_webhook()  # getUpdates is refused while a webhook is set
                    webhook_cleared = True
                updates = await app.bot.get_updates(offset=self._offset or None,
                                                    timeout=self.options.poll_timeout,
                                                    allowed_updates=Update.ALL_TYPES)
            except RetryAfter as exc:
                delay = retry_seconds(exc.retry_after) + 0.5
            except TimedOut:
                delay = 0.0  # the long poll itself timed out: ask again at once
            except InvalidToken:
                log.critical("polling: Telegram refuses the bot token; stopping")
                self.stop_requested.set()
                return
            except Exception as exc:  # TelegramError (network, 5xx, conflict) or anything unexpected
                log.warning("polling: getUpdates failed (%s); retrying", type(exc).__name__)
                delay = 1.0 if delay == 0 else min(MAX_BACKOFF, delay * 1.5)
            else:
                for update in updates:
                    await app.update_queue.put(update)
                if updates:
                    self._offset = updates[-1].update_id + 1  # the next getUpdates confirms them to Telegram
                delay = 0.0
                continue
            await asyncio.sleep(delay)

    async def _acknowledge(self) -> None:
        """Confirm the fetched updates to Telegram, so a restart does not get them again."""
        app = self.application
        if app is None or not self._offset:
            return
        try:
            await app.bot.get_updates(offset=self._offset, timeout=0, allowed_updates=Update.ALL_TYPES)
        except TelegramError as exc:
            log.warning("polling: fetched updates not confirmed (%s); they may come again",
                        type(exc).__name__)

    async def _stop_polling(self) -> None:
        task, self._polling = self._polling, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task

    async def stop(self) -> None:
        """Graceful stop: no more fetching, handlers and jobs finish, fetched updates acknowledged,
        everything closed."""
        await self._stop_polling()
        if self.application is not None:
            await stop_gateway(self.application, acknowledge=self._acknowledge)
        if self.services is not None:
            await self.services.aclose()
        self.application, self.services = None, None

    async def kill(self) -> None:
        """Abandon the bot mid-flight as a crash would: no acknowledgement, nothing flushed.

        Everything cancelled is ours: the getUpdates loop, the update handlers (through our update
        processor), the running jobs (``JobQueue.stop(wait=False)``), spawned tasks and in-flight sends.
        Only the network clients and the database pool are closed, so the test process leaks no sockets.
        """
        await self._stop_polling()
        app = self.application
        if app is not None:
            processor = app.update_processor
            if isinstance(processor, PerChatSerialProcessor):
                await processor.abandon()
            while not app.update_queue.empty():  # fetched, never handled: a crash loses them too
                app.update_queue.get_nowait()
                app.update_queue.task_done()
            if app.job_queue is not None:
                await app.job_queue.stop(wait=False)
            await app.runtime.stop(crash=True)
            if app.running:
                # Only PTB's own bookkeeping is left (its idle update fetcher); nothing of ours is flushed.
                await app.stop()
            with contextlib.suppress(Exception):
                await app.bot.shutdown()
        if self.services is not None:
            await self.services.aclose()
        self.application, self.services = None, None


async def serve(runtime: BotRuntime) -> None:
    """Run until SIGINT/SIGTERM or a stop request (leadership lost, token refused); then stop gracefully.

    A stop asked for while still starting (a standby gateway waiting for leadership, a migration waiting
    for another process) ends the start at once: Ctrl+C never has to wait for something that may not come.
    """
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, runtime.stop_requested.set)
    starting = asyncio.create_task(runtime.start(), name="ksef-bot-start")
    asked = asyncio.create_task(runtime.stop_requested.wait(), name="ksef-bot-stop-requested")
    try:
        await asyncio.wait({starting, asked}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
        else:
            starting.result()  # a failed start is raised here (after the cleanup below)
            await asked
    finally:
        asked.cancel()
        await runtime.stop()


def run_polling(settings: Settings, options: BotOptions | None = None) -> None:
    """``ksef-bot run`` in polling mode (blocking)."""
    asyncio.run(serve(BotRuntime(settings, options)))
