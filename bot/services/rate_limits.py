"""KSeF's rate-limit figures in this process: read from ``GET /rate-limits``, shared by every client.

One :class:`~ksef.ratelimit.SharedRateLimits` per KSeF environment holds the figures and the per-IP
windows (``global``, ``anonymous``), so all companies this process serves stay under one ``global``
budget. The figures are read through a logged-in client before the first poll of the process, again
every :data:`REFRESH_EVERY`, and soon after a 429 that names a group the client did not expect (its
figures are stale). A change of ``global`` is what would bind a bot with many companies on one IP: it
is logged as a warning (old → new); every change is counted (``ksefbot_rate_limit_changes_total``) and
the figures in force are a gauge (``ksefbot_ksef_rate_limit``).

UNCONFIRMED: KSeF counts ``global`` per client IP; several worker processes behind one IP each keep
their own budget here (see ``docs/polling.md``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.metrics import observe_rate_limit_change, observe_rate_limited, observe_rate_limits
from ksef.client import KsefClient
from ksef.environments import resolve_environment
from ksef.errors import KsefError, RateLimitedError
from ksef.limits import GLOBAL, Limit
from ksef.ratelimit import SharedRateLimits

log = logging.getLogger(__name__)

REFRESH_EVERY = 3600.0  # seconds: MF may change the figures at any time; one GET an hour is cheap
RETRY_FAILED = 300.0  # seconds before another try when reading the figures failed
UNEXPECTED_GAP = 60.0  # an unexpected 429 re-reads the figures, at most this often


@dataclass
class _Environment:
    """The figures of one KSeF environment and when to read them again (monotonic seconds)."""

    shared: SharedRateLimits
    paced: bool  # the clients pace themselves by these figures (KSeF's environments)
    next_read: float = 0.0  # due at once: nothing read yet
    stale: bool = False  # a 429 of an unexpected group came since the last read
    stale_read_at: float | None = None  # the last read such a 429 caused
    reading: bool = field(default=False)


class RateLimitWatch:
    """The figures per environment; ``pace`` as in ``KsefClientOptions`` (None: MF's environments only)."""

    def __init__(self, *, pace: bool | None = None, refresh_every: float = REFRESH_EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._pace = pace
        self.refresh_every = refresh_every
        self._clock = clock
        self._by_name: dict[str, _Environment] = {}  # environment as companies store it
        self._by_base: dict[str, _Environment] = {}  # API base URL (two names may mean one environment)

    def _environment(self, environment: str) -> _Environment:
        found = self._by_name.get(environment)
        if found is None:
            env = resolve_environment(environment)
            found = self._by_base.get(env.api_base)
            if found is None:
                paced = env.is_real if self._pace is None else self._pace
                found = self._by_base[env.api_base] = _Environment(SharedRateLimits(), paced)
            self._by_name[environment] = found
        return found

    def shared(self, environment: str) -> SharedRateLimits:
        """The one figures-and-windows object every client of ``environment`` in this process shares."""
        return self._environment(environment).shared

    def limit(self, environment: str, group: str) -> Limit | None:
        """The figures of ``group`` in force for ``environment`` (None: KSeF gave none)."""
        return self._environment(environment).shared.limits.get(group)

    def binding(self, environment: str, group: str) -> Limit | None:
        """The figures of ``group`` when this process paces by them (KSeF's environments), else None: a
        simulator with pacing off enforces its own limits and the configured intervals apply as they are."""
        found = self._environment(environment)
        return found.shared.limits.get(group) if found.paced else None

    def due(self, environment: str) -> bool:
        """Should the figures be read now (never read, stale, or an hour old)? Cheap: every poll asks."""
        found = self._environment(environment)
        return not found.reading and self._clock() >= found.next_read

    def hook(self, environment: str) -> Callable[[RateLimitedError, str, str], None]:
        """The ``on_rate_limited`` hook for a client of ``environment``: counts every 429 and, when KSeF
        named a group the client did not expect, makes the figures due for a new read."""
        found = self._environment(environment)

        def rate_limited(error: RateLimitedError, method: str, path: str) -> None:
            observe_rate_limited(error.group, not error.unexpected)
            if error.unexpected and not found.stale:
                found.stale = True
                # At once, unless a read caused by such a 429 was just made: a group that keeps refusing
                # must not turn every poll into one more request to read the figures.
                soonest = (found.stale_read_at or -UNEXPECTED_GAP) + UNEXPECTED_GAP
                found.next_read = min(found.next_read, max(self._clock(), soonest))

        return rate_limited

    async def refresh(self, environment: str, client: KsefClient) -> bool:
        """Read ``GET /rate-limits`` through ``client`` (logged in for a company of ``environment``) and
        pace every client by those figures; changes are logged and counted. False when the read failed
        (tried again in :data:`RETRY_FAILED`); a failure never fails the caller."""
        found = self._environment(environment)
        found.reading = True
        try:
            update = await client.refresh_rate_limits()
        except RateLimitedError as exc:  # e.g. the very group that changed: again once KSeF allows
            log.info("KSeF rate limits not read (429, group %s); again in %.0f s", exc.group, exc.retry_after)
            found.next_read = self._clock() + max(float(exc.retry_after), 1.0)
            return False
        except (KsefError, OSError, TimeoutError) as exc:
            log.info("KSeF rate limits not read (%s); using the figures in force", type(exc).__name__)
            found.next_read = self._clock() + RETRY_FAILED
            return False
        finally:
            found.reading = False
        now = self._clock()
        if found.stale:
            found.stale, found.stale_read_at = False, now
        found.next_read = now + self.refresh_every
        for change in update.changes:
            observe_rate_limit_change(change.group)
            old = "none" if change.old is None else str(change.old)
            new = "none" if change.new is None else str(change.new)
            if change.group == GLOBAL:
                # The per-IP budget every company of this process shares: an operator must hear of it.
                log.warning("KSeF rate limit %s changed: %s -> %s", change.group, old, new)
            else:
                log.info("KSeF rate limit %s changed: %s -> %s", change.group, old, new)
        observe_rate_limits(update.limits)
        return True
