"""Which company to poll when: one poll per company at a time, a bounded number at once, and one
company's slow or failing poll never holds the others (each runs in its own task). How often each
company comes due: :mod:`bot.services.polling`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.services.sync import PollResult, PollTarget, SyncService

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, None]], object]  # e.g. the chat runtime's OwnedTasks.spawn


class PollScheduler:
    """Starts due polls; ``on_result`` is called after each (the chat layer submits the outbox)."""

    def __init__(self, sync: SyncService, *, concurrency: int = 8) -> None:
        self.sync = sync
        # company id -> the outcome of its poll in progress (a check-now waits for it)
        self._running: dict[int, asyncio.Future[PollResult]] = {}
        self._slots = asyncio.Semaphore(concurrency)

    @property
    def running(self) -> frozenset[int]:
        """Companies being polled now."""
        return frozenset(self._running)

    async def tick(self, spawn: Spawn, on_result: Callable[[PollResult], Awaitable[None]]) -> int:
        """Start a poll task for every due company not already being polled; returns how many."""
        started = 0
        for target in await self.sync.due_polls():
            if target.company_id in self._running:
                continue
            self._running[target.company_id] = asyncio.get_running_loop().create_future()
            spawn(self._one(target, on_result))
            started += 1
        return started

    async def _one(self, target: PollTarget, on_result: Callable[[PollResult], Awaitable[None]]) -> None:
        outcome = self._running[target.company_id]
        try:
            async with self._slots:
                result = await self.sync.poll(target.company_id, target=target)
            outcome.set_result(result)
            await on_result(result)
        except Exception:
            log.exception("poll of company %s crashed", target.company_id)
        finally:
            self._finish(target.company_id, outcome)

    async def poll_now(self, company_id: int) -> PollResult:
        """Poll one company at once, ahead of the due ones, up to now rather than up to KSeF's high-water
        mark (someone is waiting for an invoice stored a moment ago). A poll of it already under way is
        waited for first: it may have asked KSeF before that invoice was there."""
        while (running := self._running.get(company_id)) is not None:
            await asyncio.wait([running])
        outcome: asyncio.Future[PollResult] = asyncio.get_running_loop().create_future()
        self._running[company_id] = outcome
        try:
            result = await self.sync.poll(company_id, up_to_now=True)
            outcome.set_result(result)
            return result
        finally:
            self._finish(company_id, outcome)

    def _finish(self, company_id: int, outcome: asyncio.Future[PollResult]) -> None:
        if not outcome.done():
            outcome.cancel()  # crashed or cancelled: whoever waits looks again
        if self._running.get(company_id) is outcome:
            del self._running[company_id]
