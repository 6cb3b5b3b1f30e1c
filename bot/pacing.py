"""One rate-limited sender for every outbound Telegram message (no Telegram import here).

Telegram allows about 30 messages/s for the whole bot and about 1 message/s per private chat
(short bursts tolerated), 20/min per group; PTB's ``AIORateLimiter`` has no per-chat limit and
loses a message that meets a 429 (docs/architecture.md#what-the-bot-sends-on-its-own-and-replies). So:

* :class:`Pacer` — a pure, synchronous scheduler over an injected clock. Token buckets pace the
  whole bot (default 28/s with a burst of 2, so no 1-second window ever holds more than 30) and
  each chat (1/s, burst 2 — one below the tolerated burst, which absorbs network jitter).
  Each chat has its own queue and at most one message in flight, so a chat's messages keep their
  order (a retried message stays at the head). Chats that may send now take turns in a weighted
  round robin over :class:`Priority` classes, so a user's reply is not stuck behind a 10 000-chat
  broadcast, and within one class every chat gets its turn (one chat's backlog never blocks others).
* :class:`Sender` — the asyncio driver: ``submit(job)``, a ``send(job)`` callable supplied by the
  Telegram layer that signals failures with this module's exceptions, callbacks for the outbox,
  ``drain()``, ``stop()`` and counters.

The Telegram layer maps PTB errors: ``telegram.error.RetryAfter`` → :class:`RetryAfter`,
``Forbidden`` (bot blocked, user deactivated) → :class:`ChatBlocked`, ``BadRequest`` →
:class:`PermanentSendError`, ``NetworkError``/``TimedOut``/5xx → :class:`TransientSendError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import inspect
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Generic, Protocol, TypeVar

log = logging.getLogger(__name__)

PayloadT = TypeVar("PayloadT")
_PRUNE_EVERY = 1024  # dispatches between sweeps of idle chat records
ChatId = int | str


# --- errors the send callable raises ----------------------------------------------------------------

class SendError(Exception):
    """Base class of the failures a ``send`` callable reports."""


class RetryAfter(SendError):
    """Telegram answered 429: do not send to this chat for ``seconds``."""

    def __init__(self, seconds: float, message: str | None = None) -> None:
        super().__init__(message or f"flood control: retry after {seconds} s")
        self.seconds = max(0.0, float(seconds))


class TransientSendError(SendError):
    """Network error, timeout or 5xx: worth retrying later."""


class ChatBlocked(SendError):
    """The user blocked the bot (or the chat is gone): stop sending to this chat."""


class PermanentSendError(SendError):
    """Telegram refused this message (bad request): retrying cannot help."""


# --- jobs and configuration -------------------------------------------------------------------------

class Priority(IntEnum):
    """Lower value = served more often when several classes have chats ready."""

    INTERACTIVE = 0  # answers to what the user just did
    NOTIFICATION = 1  # new invoices, UPO, deadlines
    BULK = 2  # broadcasts (KSeF failure announcements, news)


@dataclass(frozen=True)
class OutboundJob(Generic[PayloadT]):
    """One message for one chat. ``key`` identifies it for the caller (e.g. the outbox row id)."""

    chat_id: ChatId
    key: Hashable
    payload: PayloadT
    priority: Priority = Priority.NOTIFICATION
    # How many chat messages the job makes (an album: one per item): the tokens it takes. Whether
    # Telegram counts an album as one message or as its items is UNCONFIRMED: the safe reading is items.
    weight: int = 1


def is_group_chat(chat_id: ChatId) -> bool:
    """Groups and channels have negative ids (or ``@username``); they get the per-minute limit."""
    return isinstance(chat_id, str) or chat_id < 0


@dataclass(frozen=True)
class PacingConfig:
    """Rates and retry policy. Defaults stay a little under Telegram's published limits."""

    global_rate: float = 28.0  # messages per second for the whole bot
    global_burst: float = 2.0  # global_burst + global_rate ≤ 30 keeps every 1-s window within 30
    chat_rate: float = 1.0  # per private chat
    chat_burst: float = 2.0
    group_rate: float = 20.0 / 60.0  # per group / channel
    group_burst: float = 3.0
    # Share of turns per class when several classes have a chat ready (work-conserving).
    class_weights: tuple[int, int, int] = (6, 3, 1)
    max_in_flight: int = 16  # concurrent send() calls (each to a different chat)
    send_timeout: float | None = 30.0  # a send() that hangs longer counts as a transient failure
    # Transient failures: exponential backoff with full jitter, bounded attempts.
    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    retry_after_margin: float = 0.1  # seconds added to Telegram's retry_after
    # Repeated 429s mean our idea of the limit is wrong: lower the global rate for a while.
    flood_threshold: int = 3  # this many 429s ...
    flood_window: float = 10.0  # ... within this many seconds lower the rate
    flood_factor: float = 0.75  # rate multiplier per step (restored by the inverse, step by step)
    flood_min_rate: float = 5.0
    flood_cooldown: float = 60.0  # seconds before each restoring step

    def __post_init__(self) -> None:
        positive = {"global_rate": self.global_rate, "chat_rate": self.chat_rate,
                    "group_rate": self.group_rate, "flood_min_rate": self.flood_min_rate}
        for name, value in positive.items():
            if value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")
        for name, burst in (("global_burst", self.global_burst), ("chat_burst", self.chat_burst),
                            ("group_burst", self.group_burst)):
            if burst < 1:
                raise ValueError(f"{name} must be at least 1, got {burst}")
        if len(self.class_weights) != len(Priority) or min(self.class_weights) < 1:
            raise ValueError("class_weights needs one positive weight per Priority")
        if self.max_in_flight < 1 or self.max_attempts < 1:
            raise ValueError("max_in_flight and max_attempts must be at least 1")
        if not 0 < self.flood_factor < 1:
            raise ValueError("flood_factor must be between 0 and 1")


@dataclass
class TokenBucket:
    """``capacity`` tokens refilled continuously at ``rate`` per second."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def ready_at(self, now: float, count: float = 1.0) -> float:
        """The earliest time (≥ now) at which ``count`` tokens (at most a full bucket) are available."""
        self._refill(now)
        need = min(count, self.capacity)
        # A hair of tolerance: float refill after sleeping exactly the computed wait may land just under.
        return now if self.tokens >= need - 1e-9 else now + (need - self.tokens) / self.rate

    def take(self, now: float, count: float = 1.0) -> None:
        """Use ``count`` tokens (the caller checked :meth:`ready_at`); more than a full bucket leaves a debt
        that later messages wait for."""
        self._refill(now)
        self.tokens -= count

    def empty(self, now: float) -> None:
        """Drop all tokens (after a 429 the chat starts again from nothing)."""
        self._refill(now)
        self.tokens = min(self.tokens, 0.0)


@dataclass
class _Chat(Generic[PayloadT]):
    chat_id: ChatId
    bucket: TokenBucket
    queue: list[tuple[int, int, OutboundJob[PayloadT]]] = field(default_factory=list)  # heap
    in_flight: tuple[int, int, OutboundJob[PayloadT]] | None = None
    paused_until: float = 0.0
    attempts: int = 0  # failed attempts of the message at the head
    generation: int = 0  # invalidates stale entries in the ready queues / waiting heap (unique)
    blocked: bool = False


def _weighted_cycle(weights: tuple[int, ...]) -> list[int]:
    """Smooth weighted round robin: weights (6, 3, 1) → 10 slots, classes spread evenly."""
    current = [0] * len(weights)
    total = sum(weights)
    cycle: list[int] = []
    for _ in range(total):
        for i, w in enumerate(weights):
            current[i] += w
        best = max(range(len(weights)), key=lambda i: current[i])
        current[best] -= total
        cycle.append(best)
    return cycle


class Pacer(Generic[PayloadT]):
    """The scheduling core: decides which message may go out at time ``now``. Not thread-safe.

    Protocol: :meth:`submit` jobs; :meth:`take` returns the next job to send (or None, then
    :meth:`next_wakeup` says when to ask again); report each taken job's outcome with exactly one
    of :meth:`sent`, :meth:`retry_after`, :meth:`retry_later`, :meth:`drop`, :meth:`block`.
    """

    def __init__(self, config: PacingConfig | None = None, *, now: float = 0.0) -> None:
        self.config = cfg = config or PacingConfig()
        self._global = TokenBucket(cfg.global_rate, cfg.global_burst, cfg.global_burst, now)
        self._chats: dict[ChatId, _Chat[PayloadT]] = {}
        self._ready: list[deque[tuple[ChatId, int]]] = [deque() for _ in Priority]
        self._waiting: list[tuple[float, int, ChatId, int]] = []  # (eligible at, seq, chat, generation)
        self._cycle = _weighted_cycle(cfg.class_weights)
        self._cycle_pos = 0
        self._seq = 0
        self._queued = 0
        self._in_flight = 0
        self._floods: deque[float] = deque()
        self._restore_at: float | None = None
        self.rate_lowered = 0  # how many times repeated 429s lowered the global rate
        self._taken = 0

    # --- state -----------------------------------------------------------------------------------

    @property
    def queued(self) -> int:
        """Messages waiting (not in flight)."""
        return self._queued

    @property
    def in_flight(self) -> int:
        """Messages taken and not yet reported."""
        return self._in_flight

    @property
    def global_rate(self) -> float:
        """The global rate in force (lower than configured after repeated 429s)."""
        return self._global.rate

    # --- input -----------------------------------------------------------------------------------

    def submit(self, job: OutboundJob[PayloadT], now: float) -> bool:
        """Queue a job; False (and nothing queued) when its chat is blocked."""
        chat = self._chat(job.chat_id, now)
        if chat.blocked:
            return False
        self._seq += 1
        heapq.heappush(chat.queue, (int(job.priority), self._seq, job))
        self._queued += 1
        if chat.in_flight is None:
            # (Re)schedule: a first job, or a higher-priority one that changes the chat's class.
            self._schedule(chat, now)
        return True

    def unblock(self, chat_id: ChatId) -> None:
        """Accept messages for a chat again (the user came back with /start)."""
        chat = self._chats.get(chat_id)
        if chat is not None:
            chat.blocked = False

    # --- output ----------------------------------------------------------------------------------

    def take(self, now: float) -> OutboundJob[PayloadT] | None:
        """The next job to send now, or None (see :meth:`next_wakeup`)."""
        self._maybe_restore_rate(now)
        self._promote(now)
        if self._global.ready_at(now) > now or self._in_flight >= self.config.max_in_flight:
            return None
        n = len(self._cycle)
        for i in range(n):
            cls = self._cycle[(self._cycle_pos + i) % n]
            chat = self._pop_ready(cls)
            if chat is None:
                continue
            self._cycle_pos = (self._cycle_pos + i + 1) % n
            entry = heapq.heappop(chat.queue)
            chat.bucket.take(now, entry[2].weight)
            self._global.take(now, entry[2].weight)
            chat.in_flight = entry
            chat.generation = self._next_seq()
            self._queued -= 1
            self._in_flight += 1
            self._taken += 1
            if self._taken % _PRUNE_EVERY == 0:
                self._prune(now)
            return entry[2]
        return None

    def next_wakeup(self, now: float) -> float | None:
        """When :meth:`take` may next return a job; None when nothing waits (only in-flight ones)."""
        self._promote(now)
        if self._in_flight >= self.config.max_in_flight:
            return None  # a completion will wake the driver
        if any(self._peek_ready(cls) for cls in range(len(self._ready))):
            return self._global.ready_at(now)
        while self._waiting:
            at, _, chat_id, gen = self._waiting[0]
            waiting_chat = self._chats.get(chat_id)
            if waiting_chat is not None and waiting_chat.generation == gen:
                return max(at, self._global.ready_at(now))
            heapq.heappop(self._waiting)
        return None

    # --- outcomes --------------------------------------------------------------------------------

    def sent(self, job: OutboundJob[PayloadT], now: float) -> None:
        """The job was delivered."""
        chat = self._finish(job)
        chat.attempts = 0
        self._schedule(chat, now)

    def drop(self, job: OutboundJob[PayloadT], now: float) -> None:
        """The job failed for good; move on to the chat's next one."""
        self.sent(job, now)

    def retry_after(self, job: OutboundJob[PayloadT], seconds: float, now: float) -> None:
        """Telegram said 429: pause this chat only; repeated 429s lower the global rate."""
        chat = self._requeue(job)
        chat.paused_until = max(chat.paused_until, now + seconds + self.config.retry_after_margin)
        chat.bucket.empty(now)
        self._note_flood(now)
        self._schedule(chat, now)

    def retry_later(self, job: OutboundJob[PayloadT], delay: float, now: float) -> int:
        """A transient failure: keep the job at the head, pause the chat for ``delay``.

        Returns how many attempts of this job have failed so far.
        """
        chat = self._requeue(job)
        chat.attempts += 1
        chat.paused_until = max(chat.paused_until, now + delay)
        self._schedule(chat, now)
        return chat.attempts

    def failed_attempts(self, job: OutboundJob[PayloadT]) -> int:
        """Failed attempts so far of the job (in flight) at the head of its chat."""
        return self._chats[job.chat_id].attempts

    def block(self, job: OutboundJob[PayloadT]) -> list[OutboundJob[PayloadT]]:
        """The chat blocked the bot: discard its other queued jobs (returned); refuse new ones."""
        chat = self._finish(job)
        chat.blocked = True
        chat.attempts = 0
        discarded = [entry[2] for entry in sorted(chat.queue)]
        self._queued -= len(discarded)
        chat.queue.clear()
        chat.generation = self._next_seq()
        return discarded

    # --- internals -------------------------------------------------------------------------------

    def _chat(self, chat_id: ChatId, now: float) -> _Chat[PayloadT]:
        chat = self._chats.get(chat_id)
        if chat is None:
            cfg = self.config
            rate, burst = ((cfg.group_rate, cfg.group_burst) if is_group_chat(chat_id)
                           else (cfg.chat_rate, cfg.chat_burst))
            chat = _Chat(chat_id, TokenBucket(rate, burst, burst, now))
            self._chats[chat_id] = chat
        return chat

    def _finish(self, job: OutboundJob[PayloadT]) -> _Chat[PayloadT]:
        chat = self._chats.get(job.chat_id)
        if chat is None or chat.in_flight is None or chat.in_flight[2] is not job:
            raise ValueError(f"job {job.key!r} is not in flight")
        chat.in_flight = None
        self._in_flight -= 1
        return chat

    def _requeue(self, job: OutboundJob[PayloadT]) -> _Chat[PayloadT]:
        chat = self._chats[job.chat_id]
        entry = chat.in_flight
        self._finish(job)
        assert entry is not None
        heapq.heappush(chat.queue, entry)  # same (priority, seq): back at the head
        self._queued += 1
        return chat

    def _schedule(self, chat: _Chat[PayloadT], now: float) -> None:
        if chat.blocked or chat.in_flight is not None or not chat.queue:
            return
        chat.generation = self._next_seq()
        eligible = max(chat.paused_until, chat.bucket.ready_at(now, chat.queue[0][2].weight))
        if eligible <= now:
            self._ready[chat.queue[0][0]].append((chat.chat_id, chat.generation))
        else:
            self._seq += 1
            heapq.heappush(self._waiting, (eligible, self._seq, chat.chat_id, chat.generation))

    def _promote(self, now: float) -> None:
        """Move chats whose wait is over into the ready queue of their head job's class."""
        while self._waiting and self._waiting[0][0] <= now:
            _, _, chat_id, gen = heapq.heappop(self._waiting)
            chat = self._chats.get(chat_id)
            if chat is not None and chat.generation == gen and chat.queue and chat.in_flight is None:
                self._ready[chat.queue[0][0]].append((chat_id, gen))

    def _peek_ready(self, cls: int) -> bool:
        ready = self._ready[cls]
        while ready:
            chat_id, gen = ready[0]
            chat = self._chats.get(chat_id)
            if chat is not None and chat.generation == gen:
                return True
            ready.popleft()
        return False

    def _pop_ready(self, cls: int) -> _Chat[PayloadT] | None:
        if not self._peek_ready(cls):
            return None
        chat_id, _ = self._ready[cls].popleft()
        return self._chats[chat_id]

    def _next_seq(self) -> int:
        # One counter for every generation: a chat record re-created after pruning can never
        # match a stale queue entry of its predecessor.
        self._seq += 1
        return self._seq

    def _prune(self, now: float) -> None:
        """Forget idle chats whose bucket is full again (a 100k-user broadcast must not leave 100k
        records behind); blocked chats are kept so that new jobs for them are still refused."""
        idle = [cid for cid, chat in self._chats.items()
                if not chat.queue and chat.in_flight is None and not chat.blocked
                and chat.paused_until <= now and chat.bucket.ready_at(now) <= now
                and chat.bucket.tokens >= chat.bucket.capacity]
        for cid in idle:
            del self._chats[cid]

    @property
    def tracked_chats(self) -> int:
        """Chats the pacer currently keeps state for."""
        return len(self._chats)

    def _note_flood(self, now: float) -> None:
        cfg = self.config
        self._floods.append(now)
        while self._floods and self._floods[0] < now - cfg.flood_window:
            self._floods.popleft()
        if len(self._floods) >= cfg.flood_threshold:
            self._floods.clear()
            lowered = max(cfg.flood_min_rate, self._global.rate * cfg.flood_factor)
            if lowered < self._global.rate:
                self._global._refill(now)
                self._global.rate = lowered
                self.rate_lowered += 1
                log.warning("repeated 429 answers: global send rate lowered to %.1f/s", lowered)
            self._restore_at = now + cfg.flood_cooldown

    def _maybe_restore_rate(self, now: float) -> None:
        if self._restore_at is None or now < self._restore_at:
            return
        cfg = self.config
        self._global._refill(now)
        self._global.rate = min(cfg.global_rate, self._global.rate / cfg.flood_factor)
        self._restore_at = None if self._global.rate >= cfg.global_rate else now + cfg.flood_cooldown


# --- the asyncio driver -----------------------------------------------------------------------------

class Clock(Protocol):
    """Time source of the sender; tests pass a fake one."""

    def monotonic(self) -> float:
        """Seconds, monotonic."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class SystemClock:
    """The real clock (``time.monotonic`` / ``asyncio.sleep``)."""

    def monotonic(self) -> float:
        """Seconds, monotonic."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        await asyncio.sleep(seconds)


@dataclass
class SenderStats:
    """Counters since the sender was created."""

    submitted: int = 0
    sent: int = 0
    retried: int = 0  # transient failures scheduled for another attempt
    retry_after: int = 0  # 429 answers seen
    failed: int = 0  # permanent failures and exhausted retries (on_failed called)
    blocked_chats: int = 0  # on_blocked called
    discarded: int = 0  # queued jobs dropped because their chat blocked the bot
    refused: int = 0  # submitted to an already blocked chat

    def as_dict(self) -> dict[str, int]:
        """For logs and benchmarks."""
        return dict(self.__dict__)


JobCallback = Callable[[OutboundJob[PayloadT]], Awaitable[None] | None]
FailCallback = Callable[[OutboundJob[PayloadT], BaseException], Awaitable[None] | None]
ChatCallback = Callable[[ChatId], Awaitable[None] | None]


class Sender(Generic[PayloadT]):
    """Sends every queued job through ``send`` at the paced rate; use ``async with`` or start/stop.

    ``send(job)`` returns normally once Telegram accepted the message, or raises one of
    :class:`RetryAfter`, :class:`TransientSendError`, :class:`ChatBlocked`,
    :class:`PermanentSendError` (any other exception counts as transient). Callbacks may be plain
    or async functions; an exception in a callback is logged and does not stop the sender.
    Delivery is at least once: a message whose send failed ambiguously (timeout) is sent again.
    """

    def __init__(self, send: Callable[[OutboundJob[PayloadT]], Awaitable[None]], *,
                 config: PacingConfig | None = None, clock: Clock | None = None,
                 on_sent: JobCallback[PayloadT] | None = None,
                 on_failed: FailCallback[PayloadT] | None = None,
                 on_blocked: ChatCallback | None = None,
                 rng: random.Random | None = None) -> None:
        self.config = config or PacingConfig()
        self._clock: Clock = clock or SystemClock()
        self._send = send
        self._on_sent = on_sent
        self._on_failed = on_failed
        self._on_blocked = on_blocked
        self._rng = rng or random.Random()  # jitter only: no security use
        self.pacer: Pacer[PayloadT] = Pacer(self.config, now=self._clock.monotonic())
        self.stats = SenderStats()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._active = 0  # deliveries started and not finished (callbacks included)
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the dispatching task (inside a running event loop)."""
        if self._runner is None or self._runner.done():
            self._stopping = False
            self._runner = asyncio.get_running_loop().create_task(self._run(), name="outbound-sender")

    async def drain(self) -> None:
        """Wait until every submitted job was sent, failed or discarded (or the sender stopped)."""
        runner = self._runner
        if runner is None:
            if self.pacer.queued:
                raise RuntimeError("sender not started")
            return
        idle = asyncio.ensure_future(self._idle.wait())
        try:
            await asyncio.wait({idle, runner}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            idle.cancel()
        if runner.done() and not runner.cancelled() and runner.exception() is not None:
            raise RuntimeError("outbound sender loop failed") from runner.exception()

    async def stop(self, *, drain: bool = False, grace: float = 10.0) -> None:
        """Stop dispatching; messages already handed to ``send`` get ``grace`` seconds to finish.

        With ``drain=True`` everything queued is sent first. Jobs still queued afterwards stay
        unsent (their outbox rows stay pending and are submitted again after a restart).
        """
        if drain:
            await self.drain()
        self._stopping = True
        self._wake.set()
        if self._runner is not None:
            try:
                await self._runner
            except Exception:
                log.exception("outbound sender loop had failed")
            self._runner = None
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop` (jobs submitted now get sent)."""
        return self._runner is not None and not self._runner.done() and not self._stopping

    async def __aenter__(self) -> Sender[PayloadT]:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- input -----------------------------------------------------------------------------------

    def submit(self, job: OutboundJob[PayloadT]) -> bool:
        """Queue one job; False when its chat blocked the bot (nothing is queued then)."""
        if not self.pacer.submit(job, self._clock.monotonic()):
            self.stats.refused += 1
            return False
        self.stats.submitted += 1
        self._idle.clear()
        self._wake.set()
        return True

    def unblock(self, chat_id: ChatId) -> None:
        """Accept messages for the chat again."""
        self.pacer.unblock(chat_id)

    @property
    def pending(self) -> int:
        """Jobs queued or in flight."""
        return self.pacer.queued + self._active

    # --- the loop --------------------------------------------------------------------------------

    async def _run(self) -> None:
        clock, pacer = self._clock, self.pacer
        while not self._stopping:
            self._wake.clear()
            now = clock.monotonic()
            job = pacer.take(now)
            if job is not None:
                self._active += 1
                task = asyncio.get_running_loop().create_task(self._deliver(job))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                continue
            if not self.pending:
                self._idle.set()
            wake_at = pacer.next_wakeup(now)
            if wake_at is None:
                await self._wake.wait()
            elif wake_at > now:
                await self._sleep_or_wake(wake_at - now)
            else:
                await asyncio.sleep(0)  # let in-flight sends progress

    async def _sleep_or_wake(self, seconds: float) -> None:
        sleeper = asyncio.ensure_future(self._clock.sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for fut in (sleeper, waker):
                if not fut.done():
                    fut.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(sleeper, waker, return_exceptions=True)

    def _backoff(self, attempt: int) -> float:
        cfg = self.config
        ceiling = min(cfg.backoff_max, cfg.backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(ceiling / 2, ceiling)  # "equal jitter": never hammer at once

    async def _deliver(self, job: OutboundJob[PayloadT]) -> None:
        pacer, clock, cfg = self.pacer, self._clock, self.config
        try:
            try:
                if cfg.send_timeout is None:
                    await self._send(job)
                else:
                    async with asyncio.timeout(cfg.send_timeout):
                        await self._send(job)
            except RetryAfter as exc:
                self.stats.retry_after += 1
                pacer.retry_after(job, exc.seconds, clock.monotonic())
            except ChatBlocked:
                discarded = pacer.block(job)
                self.stats.blocked_chats += 1
                self.stats.discarded += len(discarded)
                await self._call(self._on_blocked, job.chat_id)
            except PermanentSendError as exc:
                pacer.drop(job, clock.monotonic())
                self.stats.failed += 1
                await self._call(self._on_failed, job, exc)
            except Exception as exc:  # TransientSendError, TimeoutError, anything unexpected
                if not isinstance(exc, TransientSendError | TimeoutError):
                    log.warning("send of %r raised %s; treated as transient", job.key, type(exc).__name__)
                attempt = pacer.failed_attempts(job) + 1
                if attempt >= cfg.max_attempts:
                    pacer.drop(job, clock.monotonic())
                    self.stats.failed += 1
                    await self._call(self._on_failed, job, exc)
                else:
                    pacer.retry_later(job, self._backoff(attempt), clock.monotonic())
                    self.stats.retried += 1
            else:
                pacer.sent(job, clock.monotonic())
                self.stats.sent += 1
                await self._call(self._on_sent, job)
        finally:
            self._active -= 1
            self._wake.set()

    async def _call(self, callback: Callable[..., Awaitable[None] | None] | None, *args: object) -> None:
        if callback is None:
            return
        try:
            result = callback(*args)
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("outbound sender callback %s failed", getattr(callback, "__name__", callback))
