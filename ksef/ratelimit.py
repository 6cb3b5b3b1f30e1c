"""Client-side pacing against KSeF's published rate limits (DIGEST section 8) and ``Retry-After`` parsing.

KSeF counts requests per (context, IP) in sliding windows of 1 s, 60 s and 1 h. The limiter records
when this client sent each request of a group and tells how long to wait before the next one fits in
every window, so the client waits instead of earning a 429 (repeated 429s lengthen the block).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from ksef.limits import PUBLISHED_LIMITS, Limit

SAFETY_MARGIN = 0.05  # seconds added to every non-zero wait


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (delta-seconds or an HTTP-date); ``None`` if absent or bad."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


class RateLimiter:
    """Sliding-window bookkeeping per endpoint group; one instance per (context, IP), i.e. per client."""

    def __init__(self, limits: Mapping[str, Limit] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = dict(PUBLISHED_LIMITS if limits is None else limits)
        self._clock = clock
        self._sent: dict[str, deque[float]] = {}
        self._blocked_until: dict[str, float] = {}

    def record(self, group: str) -> None:
        """Remember that a request of ``group`` was sent now."""
        now = self._clock()
        sent = self._sent.setdefault(group, deque())
        sent.append(now)
        horizon = self._longest_window(group)
        while sent and sent[0] <= now - horizon:
            sent.popleft()

    def block(self, group: str, seconds: float) -> None:
        """KSeF said 429 with ``Retry-After: seconds``: nothing of this group before then."""
        until = self._clock() + max(0.0, seconds)
        self._blocked_until[group] = max(self._blocked_until.get(group, 0.0), until)

    def seconds_until_allowed(self, group: str) -> float:
        """How long until one more request of ``group`` fits every window (0.0: send now)."""
        now = self._clock()
        wait = max(0.0, self._blocked_until.get(group, 0.0) - now)
        limit = self._limits.get(group)
        sent = self._sent.get(group, deque())
        for length, maximum in limit.windows() if limit is not None else []:
            # requests still inside this window, oldest first
            inside = [t for t in sent if t > now - length]
            if len(inside) >= maximum:
                # the window frees a slot when the (len - maximum + 1)-th oldest leaves it
                oldest_to_leave = inside[len(inside) - maximum]
                wait = max(wait, oldest_to_leave + length - now)
        # a little slack so that clock differences with the server do not earn a 429 at the edge
        return wait + SAFETY_MARGIN if wait > 0 else 0.0

    def _longest_window(self, group: str) -> float:
        limit = self._limits.get(group)
        windows = limit.windows() if limit else []
        return max((length for length, _ in windows), default=1.0)
