"""The PTB side of ``bot.pacing``: the application's ONE paced Sender (:class:`OutboundRouter`), the rate
limiter that makes every message the bot sends take its turn there (:class:`PacedRateLimiter`: direct
replies included), Telegram errors mapped to the Sender's, and an HTTP request object with a pool large
enough for the Sender's concurrent sends."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from telegram import error as tg_error
from telegram.ext import BaseRateLimiter
from telegram.request import HTTPXRequest

from bot.pacing import (
    ChatBlocked,
    ChatId,
    OutboundJob,
    PacingConfig,
    PermanentSendError,
    Priority,
    RetryAfter,
    Sender,
    TransientSendError,
)

T = TypeVar("T")
log = logging.getLogger(__name__)

POOL_SIZE = 32  # ≥ PacingConfig.max_in_flight (16) plus room for handlers' own calls


def make_request() -> HTTPXRequest:
    """The Bot's request object: a connection pool the Sender's 16 parallel sends cannot exhaust."""
    return HTTPXRequest(connection_pool_size=POOL_SIZE)


ApiResult = bool | dict[str, Any] | list[dict[str, Any]]


def newest_message_id(bot: object, chat_id: int) -> int:
    """The newest message id the bot's rate limiter saw in the chat (0: none since the start)."""
    limiter = getattr(bot, "rate_limiter", None)
    return limiter.last_message_ids.get(chat_id, 0) if isinstance(limiter, PacedRateLimiter) else 0


def noted_message_ids(bot: object) -> dict[int, int]:
    """The newest message ids the bot's rate limiter saw since the last call (chat → id)."""
    limiter = getattr(bot, "rate_limiter", None)
    return limiter.take_noted() if isinstance(limiter, PacedRateLimiter) else {}


def retry_seconds(value: int | float | timedelta) -> float:
    """PTB gives ``retry_after`` as int seconds or (PTB_TIMEDELTA) a timedelta."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def mapped(call: Callable[[], Awaitable[T]]) -> T:
    """Run a Bot API call; PTB errors become ``bot.pacing`` errors the Sender understands."""
    try:
        return await call()
    except tg_error.RetryAfter as exc:
        raise RetryAfter(retry_seconds(exc.retry_after)) from exc
    except tg_error.Forbidden as exc:
        raise ChatBlocked(str(exc)) from exc
    except tg_error.BadRequest as exc:  # (a NetworkError subclass in PTB: must come first)
        raise PermanentSendError(str(exc)) from exc
    except tg_error.TelegramError as exc:  # NetworkError, TimedOut, 5xx
        raise TransientSendError(str(exc)) from exc


Key = tuple[str, int]  # (route name, row id): what the shared Sender carries
DIRECT = "direct"  # the route of direct replies (answers to an update) taking their turn in the Sender

# Set while the Sender runs a job: Bot API calls made inside it already hold their turn (no queueing again).
_IN_TURN: ContextVar[bool] = ContextVar("ksefbot_in_turn", default=False)

# Methods that put a new message into a chat: the ones Telegram's flood control counts.
PACED_METHODS = frozenset({
    "sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup", "sendVideo", "sendAudio", "sendVoice",
    "sendAnimation", "sendSticker", "sendLocation", "sendVenue", "sendContact", "sendPoll", "sendDice",
    "sendVideoNote", "sendInvoice", "copyMessage", "forwardMessage", "copyMessages", "forwardMessages",
})


@dataclass
class Route:
    """How a kind of job (the outbox's rows) is sent through the shared Sender."""

    send: Callable[[OutboundJob[Key]], Awaitable[None]]
    on_sent: Callable[[OutboundJob[Key]], Awaitable[None] | None] | None = None
    on_failed: Callable[[OutboundJob[Key], BaseException], Awaitable[None] | None] | None = None
    on_blocked: Callable[[ChatId], Awaitable[None] | None] | None = None


@dataclass
class _DirectCall:
    """One Bot API request of a handler waiting for its turn."""

    request: Callable[[], Awaitable[Any]]
    future: asyncio.Future[Any]
    retries: int
    refused: int = field(default=0)  # 429 answers so far


class OutboundRouter:
    """The application's ONE paced Sender (~28 msg/s overall, ~1/s per chat with a burst of 2, one message
    in flight per chat, 429 pausing only that chat): outbox rows (routes registered by name) and direct
    replies (:meth:`call`, at INTERACTIVE priority) share it, so together they stay within Telegram's
    limits and a chat's messages keep their order."""

    def __init__(self, config: PacingConfig | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.sender: Sender[Key] = Sender(self._send, config=config, on_sent=self._sent,
                                          on_failed=self._failed, on_blocked=self._blocked)
        self._calls: dict[int, _DirectCall] = {}
        self._ids = itertools.count(1)

    def add_route(self, name: str, route: Route) -> None:
        self.routes[name] = route

    def submit(self, chat_id: ChatId, name: str, row_id: int,
               priority: Priority = Priority.NOTIFICATION, weight: int = 1) -> bool:
        """Queue one row; False when the chat blocked the bot."""
        key = (name, row_id)
        return self.sender.submit(OutboundJob(chat_id, key, key, priority, weight))

    async def call(self, chat_id: ChatId, request: Callable[[], Awaitable[T]], *, weight: int = 1,
                   retries: int = 3) -> T:
        """Make one Bot API request for a handler when the chat's turn comes (INTERACTIVE priority);
        a 429 pauses the chat and the request is made again (``retries`` times at most)."""
        if not self.sender.running or _IN_TURN.get():
            return await request()  # not started (or stopping), or already inside a turn
        call = _DirectCall(request, asyncio.get_running_loop().create_future(), retries)
        call_id = next(self._ids)
        self._calls[call_id] = call
        try:
            key = (DIRECT, call_id)
            if not self.sender.submit(OutboundJob(chat_id, key, key, Priority.INTERACTIVE, weight)):
                return await request()  # a chat the Sender knows as blocked: Telegram answers for itself
            result: T = await call.future
            return result
        finally:
            self._calls.pop(call_id, None)

    def start(self) -> None:
        """Start the Sender (inside the running event loop); idempotent."""
        self.sender.start()

    async def stop(self, *, crash: bool = False) -> None:
        """Stop sending; ``crash``: abandon in-flight sends at once (as a dying process would). Direct
        requests still waiting for their turn are made without one (nobody is left to pace them)."""
        await self.sender.stop(grace=0.0 if crash else 10.0)
        for call in list(self._calls.values()):
            if not call.future.done():
                call.future.set_exception(tg_error.NetworkError("the bot is stopping"))

    async def _send(self, job: OutboundJob[Key]) -> None:
        token = _IN_TURN.set(True)
        try:
            if job.payload[0] == DIRECT:
                await self._send_direct(job.payload[1])
            else:
                await self.routes[job.payload[0]].send(job)
        finally:
            _IN_TURN.reset(token)

    async def _send_direct(self, call_id: int) -> None:
        call = self._calls.get(call_id)
        if call is None or call.future.done():
            return  # the handler stopped waiting (cancelled), or an earlier attempt settled it
        try:
            result = await call.request()
        except tg_error.RetryAfter as exc:
            call.refused += 1
            if call.refused > call.retries:
                call.future.set_exception(exc)
                return
            raise RetryAfter(retry_seconds(exc.retry_after)) from exc  # the Sender pauses the chat, retries
        except asyncio.CancelledError:
            # The send timed out (or the Sender stops): the outcome is unknown, so it is not made again.
            if not call.future.done():
                call.future.set_exception(tg_error.TimedOut("no answer from Telegram in time"))
            raise
        except Exception as exc:  # the handler gets Telegram's answer as PTB would give it
            call.future.set_exception(exc)
            return
        call.future.set_result(result)

    def _route(self, job: OutboundJob[Key]) -> Route | None:
        return None if job.payload[0] == DIRECT else self.routes[job.payload[0]]

    async def _sent(self, job: OutboundJob[Key]) -> None:
        route = self._route(job)
        await _maybe(route.on_sent if route else None, job)

    async def _failed(self, job: OutboundJob[Key], exc: BaseException) -> None:
        route = self._route(job)
        await _maybe(route.on_failed if route else None, job, exc)

    async def _blocked(self, chat_id: ChatId) -> None:
        for route in self.routes.values():
            await _maybe(route.on_blocked, chat_id)


class PacedRateLimiter(BaseRateLimiter[int]):
    """PTB's rate limiter for the bot: every request that puts a message into a chat takes its turn in the
    shared :class:`OutboundRouter` (direct replies at INTERACTIVE priority), so a reply and an outbox
    message to the same chat never exceed the per-chat pace together, and a 429 pauses that chat for its
    ``retry_after``. Requests made by the outbox's own delivery already hold their turn and pass through.

    It also remembers the newest message id the bot created in each chat: the delivery probe
    (``bot.services.delivery``) starts after that id, so it never edits interactive answers.
    """

    def __init__(self, outbound: OutboundRouter, *, max_retries: int = 3) -> None:
        self.outbound, self.max_retries = outbound, max_retries
        self.last_message_ids: dict[int, int] = {}
        self._noted: dict[int, int] = {}  # newest ids not yet stored (the outbox's chat cursors)

    async def initialize(self) -> None:
        """Nothing to set up: the router's Sender is started with the application's runtime."""

    async def shutdown(self) -> None:
        """Nothing to release: the runtime stops the router's Sender."""

    def note(self, chat_id: int, message_id: int) -> None:
        """Remember ``message_id`` if it is the newest seen in the chat."""
        if message_id > self.last_message_ids.get(chat_id, 0):
            self.last_message_ids[chat_id] = message_id
            self._noted[chat_id] = message_id

    def take_noted(self) -> dict[int, int]:
        """The newest ids seen since the last call (chat → id), to store."""
        noted, self._noted = self._noted, {}
        return noted

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, ApiResult]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> ApiResult:
        chat_id = data.get("chat_id")
        if endpoint in PACED_METHODS and isinstance(chat_id, int | str):
            media = data.get("media")
            weight = len(media) if endpoint == "sendMediaGroup" and isinstance(media, list) else 1
            retries = self.max_retries if rate_limit_args is None else rate_limit_args
            result = await self.outbound.call(chat_id, lambda: callback(*args, **kwargs), weight=weight,
                                              retries=retries)
        else:
            result = await callback(*args, **kwargs)
        for item in result if isinstance(result, list) else [result]:
            if isinstance(item, dict) and isinstance(item.get("message_id"), int):
                chat = item.get("chat")
                if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                    self.note(chat["id"], item["message_id"])
        return result


async def _maybe(callback: Callable[..., Awaitable[None] | None] | None, *args: Any) -> None:
    if callback is not None:
        result = callback(*args)
        if inspect.isawaitable(result):
            await result
