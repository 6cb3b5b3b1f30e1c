"""Sliding-window rate limiting as KSeF does it (docs/ksef.md#rate-limits): per (context NIP, client IP) and
endpoint group, plus ``anonymous`` (calls without an access token) and ``global`` (every call) per
client IP. A request must fit both its group and ``global``; it is counted only when it does.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from ksef.limits import GLOBAL, NO_LIMIT, OTHER, PER_IP_GROUPS, PUBLISHED_LIMITS, Limit

_WINDOW_NAMES = {1.0: "sekundę", 60.0: "minutę", 3600.0: "godzinę"}


class RateLimiter:
    """Counts requests in the last 1 s / 60 s / 3600 s; all windows apply at once."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock  # replaceable: a test can let an hour pass in an instant
        self.enabled = True
        self.overrides: dict[str, Limit] = {}
        self._hits: dict[tuple[str, str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def limit(self, group: str) -> Limit:
        """Effective limit of ``group`` (override or published figure)."""
        return self.overrides.get(group) or PUBLISHED_LIMITS.get(group) or PUBLISHED_LIMITS[OTHER]

    def check(self, context: str, ip: str, group: str, now: float | None = None) -> tuple[int, str] | None:
        """Record one request; returns (retry-after seconds, message) when it exceeds a limit of its
        group or of ``global``. Rejected requests are not counted, so a client that waits
        ``Retry-After`` gets through.
        """
        if not self.enabled:
            return None
        now = self.clock() if now is None else now
        key = ("", ip, group) if group in PER_IP_GROUPS else (context, ip, group)
        with self._lock:
            # global first: it is what a process with many contexts on one IP runs into
            for counted in (("", ip, GLOBAL), key):
                refused = self._over(counted, now)
                if refused is not None:
                    return refused
            for counted in (("", ip, GLOBAL), key):
                self._hits.setdefault(counted, deque()).append(now)
            return None

    def _over(self, key: tuple[str, str, str], now: float) -> tuple[int, str] | None:
        group = key[2]
        windows = self.limit(group).windows()
        if not windows:
            return None
        hits = self._hits.setdefault(key, deque())
        longest = max(length for length, _ in windows)
        while hits and hits[0] <= now - longest:
            hits.popleft()
        worst: tuple[int, str] | None = None
        for length, allowed in windows:
            inside = [t for t in hits if t > now - length]
            if len(inside) >= allowed:
                if allowed == 0:
                    # nothing ever gets through: waiting is pointless until the limit changes, so
                    # ask for a whole window (a client honouring Retry-After tries once per window)
                    wait = max(1, math.ceil(length))
                else:
                    # the oldest counted hit leaves the window after this many seconds
                    wait = max(1, math.ceil(inside[-allowed] + length - now))
                # The group is named in the text (UNCONFIRMED: KSeF's 429 bodies have no field for
                # it and the documented example names none); clients may read it from here.
                message = (
                    f"Przekroczono limit {allowed} żądań na {_WINDOW_NAMES[length]} (grupa {group}). "
                    f"Spróbuj ponownie po {wait} sekundach."
                )
                if worst is None or wait > worst[0]:
                    worst = (wait, message)
        return worst

    def reset(self) -> None:
        """Forget every counted request."""
        with self._lock:
            self._hits.clear()

    def configure(self, body: dict[str, Any]) -> None:
        """Apply a ``PUT /sim/limits`` body (see README); ``-1`` or ``null`` means no such window."""
        if body.get("defaults"):
            self.overrides.clear()
        if "enabled" in body:
            self.enabled = bool(body["enabled"])
        if body.get("reset"):
            self.reset()
        for group, spec in body.items():
            if group in ("enabled", "reset", "defaults"):
                continue
            if not isinstance(spec, dict):
                raise ValueError(f"limits for {group!r} must be an object")
            base = self.limit(group)
            self.overrides[group] = Limit(
                _opt_int(spec, "perSecond", base.per_second),
                _opt_int(spec, "perMinute", base.per_minute),
                _opt_int(spec, "perHour", base.per_hour),
            )

    def describe(self) -> dict[str, dict[str, int]]:
        """Effective limits in the shape of ``GET /rate-limits`` (``EffectiveApiRateLimits``: every
        published group, ``-1`` for a window that does not apply)."""
        groups = dict.fromkeys([*PUBLISHED_LIMITS, *self.overrides])
        return {group: self.limit(group).to_json() for group in groups}


def _opt_int(spec: dict[str, Any], key: str, default: int | None) -> int | None:
    if key not in spec:
        return default
    value = spec[key]
    if value is None or value == NO_LIMIT:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key} must be a non-negative integer, -1 or null")
    return value
