"""Waiting across threads: the fake Bot API's state changes in the uvicorn thread while tests, the web
chat and long polls wait in their own event loops; every change wakes them all (the waits re-check)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any


class ChangeNotifier:
    """A lock, a version bumped at every change, and waits on it from any event loop."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self.version = 0  # bumped on every change of state
        self.closed = False

    def notify(self, *, changed: bool = True) -> None:
        """Wake every waiter, in whichever event loop (thread) it sleeps; ``changed`` (the default)
        also bumps :attr:`version`, which the web chat page polls."""
        with self.lock:
            if changed:
                self.version += 1
            waiters, self._waiters = self._waiters, []
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(event.set)

    def subscribe(self, loop: asyncio.AbstractEventLoop) -> asyncio.Event:
        """An event set (in ``loop``) at the next change of state."""
        event = asyncio.Event()
        with self.lock:
            self._waiters.append((loop, event))
        return event

    async def wait_for_change(self, since: int, seconds: float,
                              until: Callable[[], bool] | None = None) -> int:
        """Sleep until ``version`` moves past ``since``, ``seconds`` pass or ``until()`` holds (checked
        at every change); return the version (the sandbox web chat long-polls with it)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self.version == since and not self.closed and not (until is not None and until()):
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            event = asyncio.Event()
            with self.lock:
                if self.version != since:
                    break
                self._waiters.append((loop, event))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
        return self.version

    # The helpers take ``timeout=`` (ASYNC109) because tests read better with it than with a wrapper.
    async def wait_until(self, predicate: Callable[[], Any], *, timeout: float = 10.0,  # noqa: ASYNC109
                         message: str = "condition") -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every change) and return its value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self.subscribe(loop)
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"fake Bot API: timed out after {timeout} s waiting for {message}")
            # Also re-check now and then: predicates may depend on state outside the fake.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.5))

