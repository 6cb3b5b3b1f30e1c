"""Telegram's limits as the fake Bot API enforces them: sizes of texts and files, and flood control.

Flood control: Telegram publishes no exact algorithm; its FAQ says "about 30 messages per second"
overall, "no more than one message per second" in one chat with short bursts tolerated, and 20
messages per minute in a group. Token buckets reproduce that shape: a bucket of ``burst`` tokens
refilled at ``rate``/s (injectable clock). Read the outcome from ``FakeBotApi.too_many_requests``
(every 429 answered) or ``FakeBotApi.flood.stats`` (the limiter's own counters, per chat too).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Sizes (telegram.constants: MessageLimit, FileSizeLimit, InlineKeyboardButtonLimit, MediaGroupLimit).
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024
MAX_UPLOAD = 50 * 1024 * 1024
MAX_PHOTO_UPLOAD = 10 * 1024 * 1024
MAX_COMMANDS = 100
MIN_MEDIA_GROUP = 2
MAX_MEDIA_GROUP = 10

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
    # UNCONFIRMED how Telegram counts an album: sendMediaGroup is one request, so by default it takes
    # one token like any send; True makes each item count (never more than a bucket holds).
    count_album_items: bool = False


@dataclass
class TokenBucket:
    """``capacity`` tokens, refilled continuously at ``rate`` tokens per second."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    def take(self, now: float, count: float = 1.0) -> float:
        """Take ``count`` tokens; return 0.0 on success or the seconds until they are available."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        count = min(count, self.capacity)
        if self.tokens >= count:
            self.tokens -= count
            return 0.0
        return (count - self.tokens) / self.rate


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

    def check(self, chat_id: int | str, messages: int = 1) -> int | None:
        """``None`` when ``messages`` (an album's items) may go out now, else the ``retry_after``
        (whole seconds ≥ 1)."""
        cost = float(messages if self.limits.count_album_items else 1)
        with self._lock:
            now = self._clock()
            chat = self._chat_bucket(chat_id, now)
            # Refill/peek the chat bucket first so a rejected message does not use an overall token.
            wait_chat = chat.take(now, cost)
            if wait_chat > 0:
                self.stats.rejected_chat += 1
                self.stats.rejected_by_chat[chat_id] = self.stats.rejected_by_chat.get(chat_id, 0) + 1
                return max(1, math.ceil(wait_chat))
            wait_all = self._overall.take(now, cost)
            if wait_all > 0:
                chat.tokens += min(cost, chat.capacity)  # give the chat its tokens back: nothing was sent
                self.stats.rejected_overall += 1
                return max(1, math.ceil(wait_all))
            self.stats.accepted += 1
            return None
