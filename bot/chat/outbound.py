"""The PTB side of ``bot.pacing``: Telegram errors mapped to the Sender's, the shared Sender, and an
HTTP request object with a pool large enough for the Sender's concurrent sends."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from telegram import error as tg_error
from telegram.ext import AIORateLimiter
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

POOL_SIZE = 32  # ≥ PacingConfig.max_in_flight (16) plus room for handlers' own calls


def make_request() -> HTTPXRequest:
    """The Bot's request object: a connection pool the Sender's 16 parallel sends cannot exhaust."""
    return HTTPXRequest(connection_pool_size=POOL_SIZE)


ApiResult = bool | dict[str, Any] | list[dict[str, Any]]


class TrackingRateLimiter(AIORateLimiter):
    """PTB's rate limiter that also remembers the newest message id the bot created in each chat.

    Every Bot API call passes through it, so it sees the ids of interactive answers too; the
    delivery probe (``bot.services.delivery``) starts after that id, so it never edits those.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_message_ids: dict[int, int] = {}

    def note(self, chat_id: int, message_id: int) -> None:
        """Remember ``message_id`` if it is the newest seen in the chat."""
        if message_id > self.last_message_ids.get(chat_id, 0):
            self.last_message_ids[chat_id] = message_id

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, ApiResult]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> ApiResult:
        result = await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        for item in result if isinstance(result, list) else [result]:
            if isinstance(item, dict) and isinstance(item.get("message_id"), int):
                chat = item.get("chat")
                if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                    self.note(chat["id"], item["message_id"])
        return result


def newest_message_id(bot: object, chat_id: int) -> int:
    """The newest message id the bot's rate limiter saw in the chat (0: none since the start)."""
    limiter = getattr(bot, "rate_limiter", None)
    return limiter.last_message_ids.get(chat_id, 0) if isinstance(limiter, TrackingRateLimiter) else 0


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


@dataclass
class Route:
    """How a kind of job (the outbox's rows) is sent through the shared Sender."""

    send: Callable[[OutboundJob[Key]], Awaitable[None]]
    on_sent: Callable[[OutboundJob[Key]], Awaitable[None] | None] | None = None
    on_failed: Callable[[OutboundJob[Key], BaseException], Awaitable[None] | None] | None = None
    on_blocked: Callable[[ChatId], Awaitable[None] | None] | None = None


class OutboundRouter:
    """The application's ONE paced Sender (~30 msg/s overall, ~1/s per chat), shared by every
    feature: each registers a :class:`Route` under a name and submits ``(name, id)`` jobs."""

    def __init__(self, config: PacingConfig | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.sender: Sender[Key] = Sender(self._send, config=config, on_sent=self._sent,
                                          on_failed=self._failed, on_blocked=self._blocked)

    def add_route(self, name: str, route: Route) -> None:
        self.routes[name] = route

    def submit(self, chat_id: ChatId, name: str, row_id: int,
               priority: Priority = Priority.NOTIFICATION) -> bool:
        """Queue one row; False when the chat blocked the bot."""
        key = (name, row_id)
        return self.sender.submit(OutboundJob(chat_id, key, key, priority))

    def start(self) -> None:
        """Start the Sender (inside the running event loop); idempotent."""
        self.sender.start()

    async def stop(self, *, crash: bool = False) -> None:
        """Stop sending; ``crash``: abandon in-flight sends at once (as a dying process would)."""
        await self.sender.stop(grace=0.0 if crash else 10.0)

    async def _send(self, job: OutboundJob[Key]) -> None:
        await self.routes[job.payload[0]].send(job)

    async def _sent(self, job: OutboundJob[Key]) -> None:
        await _maybe(self.routes[job.payload[0]].on_sent, job)

    async def _failed(self, job: OutboundJob[Key], exc: BaseException) -> None:
        await _maybe(self.routes[job.payload[0]].on_failed, job, exc)

    async def _blocked(self, chat_id: ChatId) -> None:
        for route in self.routes.values():
            await _maybe(route.on_blocked, chat_id)


async def _maybe(callback: Callable[..., Awaitable[None] | None] | None, *args: Any) -> None:
    if callback is not None:
        result = callback(*args)
        if inspect.isawaitable(result):
            await result
