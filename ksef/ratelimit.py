"""Client-side pacing against KSeF's rate limits (docs/ksef.md#rate-limits) and ``Retry-After`` parsing.

KSeF counts requests in sliding windows of 1 s, 60 s and 1 h: per (context, client IP) for most
groups, per client IP for ``anonymous`` and ``global``. A :class:`RateLimiter` (one per client, i.e.
per context) keeps the per-context windows; a :class:`SharedRateLimits` (one per environment in a
process, shared by all its clients like ``ksef.http.shared_http_client`` shares the pool) keeps the
figures and the per-IP windows, so every company of one process stays under one ``global`` budget.
The client waits instead of earning a 429 (repeated 429s lengthen the block).
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from ksef.limits import GLOBAL, PER_IP_GROUPS, Limit, LimitChange, RateLimits

SAFETY_MARGIN = 0.05  # seconds added to every non-zero wait
Clock = Callable[[], float]


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


class _Counter:
    """Send times of one counter (sorted; may hold times booked in the near future) and its block."""

    __slots__ = ("blocked_until", "times")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.blocked_until = 0.0

    def earliest(self, limit: Limit | None, now: float) -> float:
        """The earliest moment >= now (and after every booked time) at which one more request fits."""
        at = max(now, self.blocked_until, self.times[-1] if self.times else now)
        for length, maximum in limit.windows() if limit is not None else []:
            if maximum <= 0:
                return float("inf")
            if len(self.times) >= maximum:
                # every time is <= at, so the window (at - length, at] holds fewer than `maximum`
                # requests once the maximum-th most recent one has left it
                at = max(at, self.times[-maximum] + length)
        return at

    def settle(self, booked: float, arrived_by: float) -> None:
        """Move one counted send from ``booked`` to ``arrived_by`` (the moment its answer came): the
        server counted it on arrival, which a busy event loop can delay well past the booking."""
        if arrived_by <= booked:
            return
        at = bisect.bisect_left(self.times, booked)
        if at < len(self.times) and self.times[at] == booked:
            del self.times[at]
            bisect.insort(self.times, arrived_by)

    def add(self, when: float, limit: Limit | None) -> None:
        self.times.append(when)
        longest = max((length for length, _ in limit.windows()), default=1.0) if limit else 1.0
        horizon = when - longest
        drop = 0
        while drop < len(self.times) and self.times[drop] <= horizon:
            drop += 1
        if drop:
            del self.times[:drop]


def _wait(at: float, now: float) -> float:
    # a little slack so that clock differences with the server do not earn a 429 at the edge
    return at - now + SAFETY_MARGIN if at > now else 0.0


class SharedRateLimits:
    """The rate-limit figures of one KSeF environment and its per-client-IP windows (``global``,
    ``anonymous``), shared by every :class:`~ksef.client.KsefClient` of one process.

    Create one per environment and pass it to each client (``KsefClient(..., shared_limits=...)``);
    replace the figures with what ``GET /rate-limits`` says through :meth:`update` (or
    ``KsefClient.refresh_rate_limits``). Thread-safe.
    """

    def __init__(self, limits: Mapping[str, Limit] | None = None, *, clock: Clock = time.monotonic) -> None:
        self._limits = limits if isinstance(limits, RateLimits) else RateLimits(limits)
        self.clock = clock
        self.lock = threading.Lock()
        self._counters: dict[str, _Counter] = {}

    @property
    def limits(self) -> RateLimits:
        """The figures in force."""
        return self._limits

    def update(self, limits: RateLimits) -> list[LimitChange]:
        """Use ``limits`` from now on; returns the groups whose figures changed (empty: none)."""
        with self.lock:
            changes = self._limits.changes(limits)
            self._limits = limits
        return changes

    def counter(self, group: str) -> _Counter:
        """The per-IP counter of ``group`` (call with :attr:`lock` held)."""
        found = self._counters.get(group)
        if found is None:
            found = self._counters[group] = _Counter()
        return found


class RateLimiter:
    """Sliding-window bookkeeping for one client (one context, one IP).

    ``limits`` gives private figures (tests, Latarnia); ``shared`` ties the client to a process-wide
    :class:`SharedRateLimits` (its figures and its ``global``/``anonymous`` windows). Without either,
    the client gets a private :class:`SharedRateLimits` with the published figures.
    """

    def __init__(self, limits: Mapping[str, Limit] | None = None, clock: Clock | None = None, *,
                 shared: SharedRateLimits | None = None) -> None:
        if shared is not None and limits is not None:
            raise ValueError("give either limits or shared, not both")
        self.shared = shared or SharedRateLimits(limits, clock=clock or time.monotonic)
        self._clock = clock or self.shared.clock
        self._counters: dict[str, _Counter] = {}

    @property
    def limits(self) -> RateLimits:
        """The figures in force (those of the shared object)."""
        return self.shared.limits

    def _counter(self, group: str) -> _Counter:
        if group in PER_IP_GROUPS:
            return self.shared.counter(group)
        found = self._counters.get(group)
        if found is None:
            found = self._counters[group] = _Counter()
        return found

    def record(self, group: str) -> None:
        """Remember that a request of ``group`` was sent now (it also counts in ``global``)."""
        with self.shared.lock:
            now = self._clock()
            limits = self.limits
            self._counter(group).add(now, limits.get(group))
            if group != GLOBAL:
                self.shared.counter(GLOBAL).add(now, limits.get(GLOBAL))

    def block(self, group: str, seconds: float) -> None:
        """KSeF said 429 with ``Retry-After: seconds``: nothing of this group before then (for
        ``global``: nothing at all from this process)."""
        with self.shared.lock:
            counter = self._counter(group)
            counter.blocked_until = max(counter.blocked_until, self._clock() + max(0.0, seconds))

    def seconds_until_allowed(self, group: str) -> float:
        """How long until one more request of ``group`` fits every window, ``global`` included
        (0.0: send now)."""
        with self.shared.lock:
            now = self._clock()
            limits = self.limits
            at = self._counter(group).earliest(limits.get(group), now)
            if group != GLOBAL:
                at = max(at, self.shared.counter(GLOBAL).earliest(limits.get(GLOBAL), now))
            return _wait(at, now)

    def reserve(self, group: str, *, max_wait: float | None = None) -> float:
        """Book the next slot of ``group`` and return how long to wait for it (0.0: now).

        Booking makes concurrent callers queue up instead of all waking for the same slot. When the
        wait would exceed ``max_wait`` nothing is booked and the wait is returned (the caller gives
        up). ``global`` is not booked here: see :meth:`acquire_global`, called when the wait is over.
        """
        with self.shared.lock:
            now = self._clock()
            limit = self.limits.get(group)
            counter = self._counter(group)
            at = counter.earliest(limit, now)
            wait = _wait(at, now)
            if max_wait is not None and wait > max_wait:
                return wait
            counter.add(at, limit)  # the caller sends a safety margin after `at`
            return wait

    def acquire_global(self, *, enforce: bool = True) -> float:
        """Count one request in the process-wide ``global`` window if it fits now (returns 0.0), or
        return how long until it does (nothing counted). ``enforce=False`` counts without checking."""
        return self.book_global(enforce=enforce)[0]

    def book_global(self, *, enforce: bool = True) -> tuple[float, float]:
        """As :meth:`acquire_global`, also returning the moment counted (for :meth:`settle_global`)."""
        with self.shared.lock:
            now = self._clock()
            limit = self.limits.get(GLOBAL)
            counter = self.shared.counter(GLOBAL)
            wait = _wait(counter.earliest(limit, now), now) if enforce else 0.0
            if wait == 0.0:
                counter.add(now, limit)
            return wait, now

    def settle_global(self, booked: float) -> None:
        """The answer to the request counted at ``booked`` has come: count it from now on, the latest
        moment KSeF can have received it, so a send delayed by a busy process never lets the next ones
        bunch up inside one of KSeF's windows."""
        with self.shared.lock:
            self.shared.counter(GLOBAL).settle(booked, self._clock())

    def reserve_unchecked(self, group: str) -> None:
        """Count a request of ``group`` sent now without pacing (pacing off)."""
        with self.shared.lock:
            self._counter(group).add(self._clock(), self.limits.get(group))
