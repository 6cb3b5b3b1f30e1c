"""Which company to poll when: one poll per company at a time, a bounded number at once, and one
company's slow or failing poll never holds the others (each runs in its own task)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.services.sync import PollResult, SyncService

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, None]], object]  # e.g. the chat runtime's OwnedTasks.spawn


class PollScheduler:
    """Starts due polls; ``on_result`` is called after each (the chat layer submits the outbox)."""

    def __init__(self, sync: SyncService, *, concurrency: int = 8) -> None:
        self.sync = sync
        self._running: set[int] = set()
        self._slots = asyncio.Semaphore(concurrency)

    @property
    def running(self) -> frozenset[int]:
        """Companies being polled now."""
        return frozenset(self._running)

    async def tick(self, spawn: Spawn, on_result: Callable[[PollResult], Awaitable[None]]) -> int:
        """Start a poll task for every due company not already being polled; returns how many."""
        started = 0
        for company_id in await self.sync.due_companies():
            if company_id in self._running:
                continue
            self._running.add(company_id)
            spawn(self._one(company_id, on_result))
            started += 1
        return started

    async def _one(self, company_id: int, on_result: Callable[[PollResult], Awaitable[None]]) -> None:
        try:
            async with self._slots:
                result = await self.sync.poll(company_id)
            await on_result(result)
        except Exception:
            log.exception("poll of company %s crashed", company_id)
        finally:
            self._running.discard(company_id)
