"""What the handlers and jobs of one Telegram Application share, built once with it (the services, the
one paced Sender, the one outbox dispatcher, the poll scheduler, the tasks it spawns, leadership)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Bot

from bot.chat.delivery import OutboxDispatcher, TelegramChannel
from bot.chat.edits import RefusedAnswers
from bot.chat.outbound import OutboundRouter
from bot.services import Services
from bot.services.scheduler import PollScheduler
from bot.store.locks import LeaderLock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatOptions:
    """Knobs of the chat side that are not deployment settings."""

    idle_timeout: timedelta = timedelta(minutes=30)  # an unanswered dialogue is ended after this
    set_commands: bool = True  # announce the command menu to Telegram on start
    polls: bool = True  # this process polls KSeF (False in a scale-out gateway: the workers poll)


class OwnedTasks:
    """Background tasks the runtime starts (e.g. one poll per company); a crash cancels them all."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait(self) -> None:
        """Let every task finish (graceful stop)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def cancel(self) -> None:
        """Cancel every task (crash)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class ChatRuntime:
    """Built by the Application itself (``BotApplication``) once its Bot exists, so everything here is
    complete from the start. ``request_stop`` asks the process to stop gracefully (e.g. when leadership
    is lost); each way of running the bot gives its own."""

    def __init__(self, services: Services, bot: Bot, options: ChatOptions,
                 request_stop: Callable[[], None], outbound: OutboundRouter) -> None:
        self.services, self.options, self.request_stop = services, options, request_stop
        self.outbound = outbound  # the one paced Sender; the Bot's rate limiter queues direct replies on it
        self.outbox = OutboxDispatcher(services, self.outbound, TelegramChannel(bot, services))
        self.scheduler = PollScheduler(services.sync) if options.polls else None
        self.tasks = OwnedTasks()
        self.leader = LeaderLock(services.db)
        self.refused = RefusedAnswers()  # an edit of a refused answer is taken as a new answer

    def start(self) -> None:
        """Start the shared Sender (inside the running event loop)."""
        self.outbound.start()

    def unblock(self, chat_id: int) -> None:
        """The user is reachable again: the shared Sender accepts the chat again (it refuses chats that
        answered 403)."""
        self.outbound.sender.unblock(chat_id)

    async def stop(self, *, crash: bool = False) -> None:
        """Graceful: finish spawned tasks, stop the Sender (queued rows stay pending in the database), give up
        leadership. ``crash``: cancel and abandon everything at once, as a dying process would (the leader
        lock then goes with its connection)."""
        if crash:
            await self.tasks.cancel()
            with contextlib.suppress(Exception):
                await self.outbound.stop(crash=True)
            await self.leader.abandon()
            return
        await self.tasks.wait()
        await self.outbound.stop()
        await self.leader.release()
