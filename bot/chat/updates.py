"""Per-chat serial update processing: one chat's updates in order, different chats in parallel."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatSerialProcessor(BaseUpdateProcessor):
    """Serialises updates per chat with a FIFO lock, so a slow KSeF call blocks only its own chat.

    Every update is handled inside :meth:`do_process_update`, so this processor knows the tasks handling
    updates right now: :meth:`abandon` cancels them and refuses any later update, as a crash of the
    process would (the runner uses it to simulate one; see ``bot.runner.BotRuntime.kill``).
    """

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self._handling: set[asyncio.Task[Any]] = set()
        self._abandoned = False

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._abandoned:
            _discard(coroutine)
            return
        task = asyncio.current_task()
        if task is not None:
            self._handling.add(task)
        try:
            await self._in_turn(update, coroutine)
        except asyncio.CancelledError:
            _discard(coroutine)  # cancelled while waiting for its turn: it never ran
            raise
        finally:
            if task is not None:
                self._handling.discard(task)

    async def _in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        key = chat.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:  # asyncio.Lock wakes waiters first-come first-served
                await coroutine
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:  # forget idle chats so the maps do not grow forever
                del self._users[key], self._locks[key]

    async def abandon(self) -> None:
        """Cancel every update being handled (mid-handler, as a killed process would stop) and refuse
        the ones that come later."""
        self._abandoned = True
        tasks = list(self._handling)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _discard(coroutine: Awaitable[Any]) -> None:
    """Close a handler coroutine that never started (else Python warns it was never awaited)."""
    if inspect.iscoroutine(coroutine) and inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
        coroutine.close()
