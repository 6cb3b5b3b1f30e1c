"""Telegram's flood limits as the fake Bot API enforces them (token buckets, injectable clock).

Telegram publishes no exact algorithm; its FAQ says "about 30 messages per second" overall, "no more
than one message per second" in one chat with short bursts tolerated, and 20 messages per minute in
a group. Token buckets reproduce that shape: a bucket of ``burst`` tokens refilled at ``rate``/s.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Methods that put a new message into a chat: the ones Telegram's flood control counts.
COUNTED_METHODS = frozenset({
    "sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup", "sendVideo", "sendAudio",
    "sendVoice", "sendAnimation", "sendSticker", "sendLocation", "sendContact", "sendPoll",
    "copyMessage", "forwardMessage",
})


@dataclass(frozen=True)
class FloodLimits:
    """The figures enforced; the defaults follow ``telegram.constants.FloodLimit``."""

    overall_per_second: float = 30.0
    overall_burst: int = 30
    private_per_second: float = 1.0
    # A small burst: Telegram lets a reply or two through before it starts answering 429.
    private_burst: int = 3
    group_per_minute: float = 20.0
    group_burst: int = 20


@dataclass
class TokenBucket:
    """``capacity`` tokens, refilled continuously at ``rate`` tokens per second."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """Take one token; return 0.0 on success or the seconds until one is available."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


@dataclass
class LimitStats:
    """Counters the broadcast benchmark reads."""

    accepted: int = 0
    rejected_overall: int = 0
    rejected_chat: int = 0
    rejected_by_chat: dict[int | str, int] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        """All 429 answers given by the limiter."""
        return self.rejected_overall + self.rejected_chat


class FloodControl:
    """Decides whether one more message may go out now; thread-safe."""

    def __init__(self, limits: FloodLimits | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or FloodLimits()
        self._clock = clock
        self._lock = threading.Lock()
        now = clock()
        self._overall = TokenBucket(self.limits.overall_per_second, self.limits.overall_burst,
                                    self.limits.overall_burst, now)
        self._chats: dict[int | str, TokenBucket] = {}
        self.stats = LimitStats()

    def _chat_bucket(self, chat_id: int | str, now: float) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            is_group = isinstance(chat_id, str) or chat_id < 0
            if is_group:
                rate, burst = self.limits.group_per_minute / 60.0, self.limits.group_burst
            else:
                rate, burst = self.limits.private_per_second, self.limits.private_burst
            bucket = TokenBucket(rate, burst, burst, now)
            self._chats[chat_id] = bucket
        return bucket

    def check(self, chat_id: int | str) -> int | None:
        """``None`` when the message may go out, else the ``retry_after`` (whole seconds ≥ 1)."""
        with self._lock:
            now = self._clock()
            chat = self._chat_bucket(chat_id, now)
            # Refill/peek the chat bucket first so a rejected message does not use an overall token.
            wait_chat = chat.take(now)
            if wait_chat > 0:
                self.stats.rejected_chat += 1
                self.stats.rejected_by_chat[chat_id] = self.stats.rejected_by_chat.get(chat_id, 0) + 1
                return max(1, math.ceil(wait_chat))
            wait_all = self._overall.take(now)
            if wait_all > 0:
                chat.tokens += 1.0  # give the chat its token back: nothing was sent
                self.stats.rejected_overall += 1
                return max(1, math.ceil(wait_all))
            self.stats.accepted += 1
            return None
